// Config hot reload with a real process: `warden start`, its config file
// edited while a stream is in flight. A new DENY takes effect for the next
// request while the stream, started before it, runs to its end on the config
// it began with; a broken edit and a change that needs a restart are refused
// with the problems `warden config check` prints, and the running config
// stays; the upstream token and the issuer's keys are not fetched again.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { devIssuerAuthentication } from '../../src/cli/demo.js';
import type { Emulator } from '../../src/emulator/index.js';
import { auditRow } from '../helpers/audit-db.js';
import { startEmulatorWithCredentials } from '../helpers/gateway.js';
import { heldUpstream, HELD_STREAM_BODY, type HeldUpstream } from '../helpers/held-upstream.js';
import { sample } from '../helpers/metrics.js';
import { exited, jsonLines, spawnWarden, until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const MODEL = '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash';
const PROMPT = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] });

function config(o: { upstream: string; issuer: string; port?: number; extra?: string }): string {
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: reload}
spec:
  listen: {port: ${o.port ?? 0}}
  admin: {port: 0}
  routes:
    - {name: vertex, provider: vertex, upstream: "${o.upstream}", credential: vertex-sa}
  credentials:
    - {name: vertex-sa, google: {file: ./credentials/service-account.json}}
  audit: {sqlite: ./audit.db}
  shutdown: {drainDelay: 0s, timeout: 10s}
---
${devIssuerAuthentication(o.issuer, 'warden')}---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ml-engineers}
spec:
  action: ALLOW
  rules:
    - when:
        - key: request.auth.claims[groups]
          values: [ml-engineers]
${o.extra ?? ''}`;
}

const DENY_ALICE = `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: not-alice}
spec:
  action: DENY
  rules:
    - when:
        - key: request.auth.claims[sub]
          values: [alice]
`;

/** `warden config check -c FILE`: its exit code and what it printed on stderr. */
function configCheck(file: string): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, ['bin/warden.js', 'config', 'check', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d));
  return exited(child).then(({ code }) => ({ code, err }));
}

describe('config hot reload of `warden start`', () => {
  let emu: Emulator;
  let up: HeldUpstream;
  let dir: string;
  before(async () => {
    dir = makeTempDir('warden-reload-');
    emu = await startEmulatorWithCredentials(dir);
    up = await heldUpstream();
  });
  after(async () => {
    await up?.close();
    await emu?.close();
    removeDir(dir);
  });

  it('a new DENY applies to the next request while an older stream completes; broken and restart-only edits are refused; tokens and keys are not fetched again', async () => {
    const file = join(dir, 'warden.yaml');
    writeFileSync(file, config({ upstream: up.url, issuer: emu.issuer }));
    const proc = spawnWarden(file, { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = jsonLines(proc.stdout!);
    const logged = (msg: string) => lines.filter((l) => String(l.msg).startsWith(msg));
    try {
      await until(() => logged('warden listening').length > 0 || proc.exitCode !== null, 'warden to listen', 30_000);
      const { url, admin, configHash } = logged('warden listening')[0] as { url: string; admin: string; configHash: string };
      const metrics = async () => (await fetch(`${admin}/metrics`)).text();
      const jwksFetches = async () => sample(await metrics(), 'warden_jwks_refreshes_total', { uri: `${emu.issuer}/jwks`, result: 'ok' });
      const alice = await emu.mintIdToken({ sub: 'alice', groups: ['ml-engineers'], aud: 'warden' });
      const bob = await emu.mintIdToken({ sub: 'bob', groups: ['ml-engineers'], aud: 'warden' });
      const call = async (token: string, id: string) => {
        const res = await fetch(`${url}${MODEL}:generateContent`, {
          method: 'POST', body: PROMPT, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': id },
        });
        await res.arrayBuffer();
        return res.status;
      };

      assert.equal(await call(alice, 'before-1'), 200);
      const mints = emu.stats.byGrant['jwt-bearer'];
      const fetches = await jwksFetches();
      assert.ok(mints && mints >= 1, 'the credential was minted');
      assert.equal(fetches, 1, 'the issuer keys were fetched once');

      // Alice's stream is in flight when the DENY arrives.
      const streaming = await fetch(`${url}${MODEL}:streamGenerateContent?alt=sse`, {
        method: 'POST', body: PROMPT, headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}`, 'x-request-id': 'old-stream' },
      });
      assert.equal(streaming.status, 200);
      const reader = streaming.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);

      writeFileSync(file, config({ upstream: up.url, issuer: emu.issuer, extra: DENY_ALICE }));
      await until(() => logged('config reloaded').length === 1, 'the edited config to be reloaded');
      const reloaded = logged('config reloaded')[0]!;
      assert.equal(reloaded.trigger, 'file changed');
      assert.equal(reloaded.previousHash, configHash);
      assert.equal(await call(alice, 'after-deny'), 403, 'the next request sees the DENY');
      assert.equal(await call(bob, 'after-deny-bob'), 200);

      up.releaseAll();
      let rest = '';
      for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
      assert.equal(first + rest, HELD_STREAM_BODY, 'the stream begun before the reload ran to its end');

      // A broken edit: refused with config check's own problems; the running config stays.
      const broken = config({ upstream: up.url, issuer: emu.issuer, extra: DENY_ALICE }).replace('provider: vertex', 'provider: vertexx');
      writeFileSync(file, broken);
      await until(() => logged('config rejected').length === 1, 'the broken config to be rejected');
      const check = await configCheck(file);
      assert.equal(check.code, 1);
      const problems = logged('config rejected')[0]!.problems as string[];
      assert.ok(problems.length > 0);
      for (const p of problems) assert.ok(check.err.includes(p), `config check prints it too: ${p}`);
      assert.equal(await call(bob, 'after-broken-bob'), 200);
      assert.equal(await call(alice, 'after-broken-alice'), 403, 'the DENY stays in force');

      // A change only a restart can make, by SIGHUP: refused, with that reason.
      writeFileSync(join(dir, 'other.yaml'), ''); // (an unrelated file next to it changes nothing)
      const moved = config({ upstream: up.url, issuer: emu.issuer, port: 1, extra: DENY_ALICE });
      writeFileSync(file, moved);
      await until(() => logged('config rejected').length === 2, 'the listen change to be rejected');
      proc.kill('SIGHUP');
      await until(() => logged('config rejected').length === 3, 'SIGHUP to reload, and reject, again');
      const restart = logged('config rejected')[2]!;
      assert.equal(restart.trigger, 'SIGHUP');
      assert.match((restart.problems as string[]).join('\n'), /spec\.listen.*cannot change without a restart/);
      assert.equal(await call(bob, 'after-restart-only'), 200, 'still serving on the port it had');

      // What did not change kept its state: no new mint, no new key fetch.
      assert.equal(emu.stats.byGrant['jwt-bearer'], mints, 'the minted upstream token was kept');
      assert.equal(await jwksFetches(), fetches, "the issuer's keys were kept");
      const text = await metrics();
      assert.equal(sample(text, 'warden_config_reloads_total', { result: 'applied' }), 1);
      assert.equal(sample(text, 'warden_config_reloads_total', { result: 'rejected' }), 3);
      assert.equal(sample(text, 'warden_config_info', { hash: String(reloaded.hash) }), 1);
      assert.equal(sample(text, 'warden_config_info', { hash: configHash }), undefined);

      proc.kill('SIGTERM');
      assert.deepEqual(await exited(proc), { code: 0, signal: null });
      const db = join(dir, 'audit.db');
      const stream = auditRow<{ status: number; reason: string; decision: string }>(db, 'old-stream')!;
      assert.deepEqual([stream.status, stream.decision], [200, 'allow'], 'recorded as completed, on the config it began with');
      assert.doesNotMatch(stream.reason, /^[A-Z_]+: /);
      assert.match(auditRow<{ reason: string }>(db, 'after-deny')!.reason, /^POLICY_DENIED: .*not-alice/);
    } finally {
      proc.kill('SIGKILL');
    }
  });
});
