// The token cache against the emulator: single flight, the token endpoint
// going down (cached token still served, then 503 once it expires, then
// recovery), and the bound on per-caller tokens.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { Credentials } from '../../src/credentials/index.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { isWardenError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/load.js';
import type { Principal } from '../../src/types.js';
import { credentialsFrom } from './helpers.js';

const ANON: Principal = { groups: [], methods: [] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let emu: Emulator;
let dir: string;
let files: { serviceAccount: string; externalAccount: string };

before(async () => {
  // Short-lived tokens, so that expiry happens within the test.
  emu = await startEmulator({ port: 0, accessTokenTtlSeconds: 3 });
  dir = await mkdtemp(join(tmpdir(), 'warden-cache-'));
  files = await emu.writeCredentials(dir);
});
after(async () => {
  emu.control.tokenEndpointsDown = false;
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

describe('token cache', () => {
  it('200 simultaneous requests → exactly one mint', async () => {
    const { credentials } = credentialsFrom(dir, `    - {name: c, google: {file: ${files.serviceAccount}}}\n`);
    try {
      const before = emu.stats.byGrant['jwt-bearer'] ?? 0;
      const headers = await Promise.all(Array.from({ length: 200 }, () => credentials.header('c', ANON)));
      assert.equal(new Set(headers.map((h) => h.value)).size, 1);
      assert.equal(emu.stats.byGrant['jwt-bearer'], before + 1);
      assert.equal(credentials.status()[0]!.mints, 1);
    } finally {
      credentials.close();
    }
  });

  it('token endpoint down: the cached token is still used, then 503 after it expires, then recovery', async () => {
    const { credentials } = credentialsFrom(dir, `    - {name: c, google: {file: ${files.serviceAccount}}}\n`);
    try {
      const first = (await credentials.header('c', ANON)).value;
      emu.control.tokenEndpointsDown = true;
      // Past the refresh-ahead point (a quarter of the lifetime before expiry): refreshes fail, the old token is served.
      await sleep(2_400);
      assert.equal((await credentials.header('c', ANON)).value, first);
      await sleep(100);
      assert.equal((await credentials.header('c', ANON)).value, first);
      const st = credentials.status()[0]!;
      assert.ok(st.failures >= 1, 'the background refresh failed');
      assert.match(st.lastError ?? '', /answered 503 temporarily_unavailable/);

      await sleep(800); // expired now
      await assert.rejects(credentials.header('c', ANON), (e) => {
        assert.ok(isWardenError(e));
        assert.equal(e.httpStatus, 503);
        assert.equal(e.reason, 'CREDENTIAL_UNAVAILABLE');
        assert.match(e.headers['retry-after'] ?? '', /^\d+$/);
        assert.doesNotMatch(e.message, /ya29|Bearer/);
        return true;
      });

      emu.control.tokenEndpointsDown = false;
      let fresh: string | undefined;
      for (let i = 0; i < 80 && !fresh; i++) {
        await sleep(100);
        fresh = await credentials.header('c', ANON).then((h) => h.value, () => undefined);
      }
      assert.ok(fresh && fresh !== first, 'a new token once the endpoint is back');
      assert.equal(emu.tokenInfo(fresh.slice(7))?.identity, emu.serviceAccountEmail);
    } finally {
      emu.control.tokenEndpointsDown = false;
      credentials.close();
    }
  });

  it('started credentials are minted ahead of the first request and refreshed ahead of expiry', async () => {
    const { credentials } = credentialsFrom(dir, `    - {name: c, google: {file: ${files.serviceAccount}}}\n`);
    try {
      credentials.start();
      for (let i = 0; i < 50 && credentials.status()[0]!.mints === 0; i++) await sleep(20);
      assert.equal(credentials.status()[0]!.mints, 1, 'warmed without a request');
      await sleep(2_600); // past refresh-ahead: the timer mints again with no request at all
      assert.ok(credentials.status()[0]!.mints >= 2);
    } finally {
      credentials.close();
    }
  });

  it('per-caller tokens are bounded (least recently used go first)', async () => {
    const config = JSON.parse(await readFile(files.externalAccount, 'utf8')) as Record<string, unknown>;
    delete config.service_account_impersonation_url;
    await writeFile(join(dir, 'wif.json'), JSON.stringify(config));
    const yaml = `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  routes: [{name: r, provider: vertex, upstream: "http://127.0.0.1:9"}]
  credentials: [{name: c, google: {file: wif.json, subjectToken: caller}}]
`;
    const cfg = parseConfig(yaml, 'warden.yaml', dir);
    const credentials = new Credentials(cfg.gateway.value.credentials, cfg.gateway.value.routes, cfg.path, cfg.gateway.report, { maxCallerTokens: 2 });
    try {
      const callers: Principal[] = [];
      for (const sub of ['u1', 'u2', 'u3']) {
        const token = await emu.mintIdToken({ sub });
        callers.push({ groups: [], methods: ['jwt'], token, claims: decodeJwt(token) as Record<string, unknown> });
      }
      const exchanges = emu.stats.byGrant['token-exchange'] ?? 0;
      for (const p of callers) await credentials.header('c', p);
      assert.equal(credentials.status()[0]!.cachedCallers, 2);
      await credentials.header('c', callers[2]!); // still cached
      await credentials.header('c', callers[0]!); // evicted: minted again
      assert.equal(emu.stats.byGrant['token-exchange'], exchanges + 4);
    } finally {
      credentials.close();
    }
  });
});
