// /readyz waits for the warm-up start() begins: the first JWKS fetch of each
// remote issuer and the first mint of each shared credential. A gate in front
// of the emulator holds those requests until the test lets them through.
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Emulator } from '../../src/emulator/index.js';
import { demoConfig } from '../../src/cli/demo.js';
import { loadGateway, startGateway } from '../../src/gateway.js';
import { startEmulatorWithCredentials, startGatewayFromYaml, type YamlGateway } from '../helpers/gateway.js';
import { quietLogger } from '../helpers/logs.js';
import { closeServer, listen } from '../helpers/http-server.js';
import { until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

/** Forwards to `target`; requests to a held path wait until `release(path)`; a failing path answers 500. */
class Gate {
  readonly seen: string[] = [];
  private readonly held = new Map<string, (() => void)[]>();
  private readonly open = new Set<string>();
  readonly server: Server;
  url = '';

  constructor(private readonly target: string, holding: string[], private readonly failing: string[] = []) {
    for (const p of holding) this.held.set(p, []);
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<this> {
    this.url = await listen(this.server);
    return this;
  }

  release(path: string): void {
    this.open.add(path);
    for (const go of this.held.get(path) ?? []) go();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url!.split('?')[0]!;
    this.seen.push(path);
    if (this.failing.includes(path)) {
      res.writeHead(500).end('down');
      return;
    }
    const go = () => {
      const up = request(this.target + req.url, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    };
    const waiting = this.held.get(path);
    if (waiting && !this.open.has(path)) waiting.push(go);
    else go();
  }
}

describe('readiness waits for the warm-up', () => {
  let dir: string;
  let emu: Emulator;
  before(async () => {
    dir = makeTempDir('warden-warm-up-');
    emu = await startEmulatorWithCredentials(dir);
  });
  after(async () => {
    await emu.close();
    removeDir(dir);
  });

  /** The demo config with the JWKS and the service account's token endpoint behind `gate`. */
  async function gateway(gate: Gate, name: string, warmUpLimitMs?: number): Promise<YamlGateway> {
    const sa = JSON.parse(readFileSync(join(dir, 'credentials/service-account.json'), 'utf8'));
    writeFileSync(join(dir, `${name}-sa.json`), JSON.stringify({ ...sa, token_uri: `${gate.url}/token` }));
    const yaml = demoConfig({ port: 0, adminPort: 0, emulatorUrl: emu.url, issuer: emu.issuer, audience: 'warden' })
      .replace(`jwksUri: ${emu.issuer}/jwks`, `jwksUri: ${gate.url}/oidc/jwks`)
      .replace('file: ./credentials/service-account.json', `file: ./${name}-sa.json`)
      .replace('sqlite: ./audit.db', `sqlite: ./${name}.db`);
    if (warmUpLimitMs === undefined) return startGatewayFromYaml(yaml, { dir, file: `${name}.yaml`, quiet: true });
    const configFile = join(dir, `${name}.yaml`);
    writeFileSync(configFile, yaml);
    const gw = await startGateway(await loadGateway(configFile), { log: quietLogger(), listen: { port: 0 }, admin: { port: 0 }, warmUpLimitMs });
    return { gw, configFile, logs: [] };
  }

  const readyz = async (s: YamlGateway) => {
    const res = await fetch(`${s.gw.adminUrl}/readyz`);
    return { status: res.status, body: await res.text() };
  };

  it('answers 503 naming what it waits for, then 200 once the key set and the token are in', async () => {
    const gate = await new Gate(emu.url, ['/oidc/jwks', '/token']).start();
    const s = await gateway(gate, 'held');
    try {
      await until(() => gate.seen.includes('/oidc/jwks') && gate.seen.includes('/token'), 'the warm-up requests');
      const cold = await readyz(s);
      assert.equal(cold.status, 503);
      assert.match(cold.body, new RegExp(`^not ready\\nwarm-up: waiting for the JWKS of ${emu.issuer}, credential vertex-sa\\n`));

      gate.release('/oidc/jwks');
      await until(async () => !(await readyz(s)).body.includes('JWKS'), 'the key set');
      const half = await readyz(s);
      assert.equal(half.status, 503);
      assert.match(half.body, /warm-up: waiting for credential vertex-sa\n/);

      gate.release('/token');
      await until(async () => (await readyz(s)).status === 200, 'readiness');
      assert.match((await readyz(s)).body, /^ready\nwarm-up: done\n/);

      // Both were fetched by start(), once, before any request: the first call finds them cached.
      const token = await emu.mintIdToken({ sub: 'alice', groups: ['ml-engineers'], aud: 'warden' });
      const res = await fetch(`${s.gw.url}/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
      });
      assert.equal(res.status, 200, await res.text());
      assert.deepEqual(['/oidc/jwks', '/token'].map((path) => gate.seen.filter((p) => p === path).length), [1, 1]);
    } finally {
      await s.gw.close();
      await closeServer(gate.server);
    }
  });

  it('is ready after its limit (30 s by default) even if a mint never finishes, and says so', async () => {
    const gate = await new Gate(emu.url, ['/token']).start();
    const s = await gateway(gate, 'hung', 1000);
    try {
      await until(() => gate.seen.includes('/token'), 'the mint');
      assert.equal((await readyz(s)).status, 503);
      await until(async () => (await readyz(s)).status === 200, 'readiness');
      assert.match((await readyz(s)).body, /^ready\nwarm-up: still waiting for credential vertex-sa \(ready anyway after 1 s\)\n/);
    } finally {
      gate.release('/token');
      await s.gw.close();
      await closeServer(gate.server);
    }
  });

  it('is ready once a failed warm-up has finished: the failure stays with the requests that need it', async () => {
    const gate = await new Gate(emu.url, [], ['/oidc/jwks']).start();
    const s = await gateway(gate, 'failing');
    try {
      await until(async () => (await readyz(s)).status === 200, 'readiness');
      assert.ok(gate.seen.includes('/oidc/jwks'));
      // No key set was ever fetched: the token cannot be verified, and the caller is told why.
      const token = await emu.mintIdToken({ sub: 'alice', groups: ['ml-engineers'], aud: 'warden' });
      const res = await fetch(`${s.gw.url}/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error: { details: { reason: string }[] } }).error.details[0]!.reason, 'JWKS_UNAVAILABLE');
    } finally {
      await s.gw.close();
      await closeServer(gate.server);
    }
  });
});
