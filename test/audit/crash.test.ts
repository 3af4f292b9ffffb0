// Crash safety: `warden start` is SIGKILLed while requests are in flight.
// Every request whose answer reached the caller was spooled before its last
// byte went out, so after a restart the spool replays and the audit log holds
// each of them exactly once, in a chain that still verifies.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import Database from 'better-sqlite3';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { until } from '../helpers/process.js';
import { gatewayConfig, MODEL_PATH, PROMPT, runCli } from './helpers.js';

let emu: Emulator;
let dir: string;
let configFile: string;
before(async () => {
  emu = await startEmulator({ port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'warden-crash-'));
  await emu.writeCredentials(join(dir, 'credentials'));
  writeFileSync(join(dir, 'audit.key'), 'crash-test-key-'.repeat(4));
  configFile = join(dir, 'warden.yaml');
  writeFileSync(configFile, gatewayConfig({ emulatorUrl: emu.url, issuer: emu.issuer, audit: '{sqlite: ./audit.db, hmacKeyFile: ./audit.key, chain: crash}' }));
});
after(async () => {
  await emu?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `warden start -c FILE` and resolves with its URL once it listens. */
function startWarden(): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ['bin/warden.js', 'start', '-c', configFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) resolve({ proc, url: m[1] });
    });
    proc.once('exit', (code) => reject(new Error(`warden exited (${code}) before listening: ${out}`)));
  });
}

function storedIds(): string[] {
  const db = new Database(join(dir, 'audit.db'), { readonly: true });
  const ids = (db.prepare('SELECT request_id FROM audit ORDER BY id').all() as { request_id: string }[]).map((r) => r.request_id);
  db.close();
  return ids;
}

it('loses nothing acknowledged when killed with SIGKILL mid-traffic', async (t) => {
  const token = await emu.mintIdToken({ sub: 'alice', groups: ['ml-engineers'], aud: 'warden' });
  const first = await startWarden();
  const acked: string[] = [];
  let killed = false;
  let n = 0;
  // Eight callers in a loop until the kill; an answer counts once its body has fully arrived.
  const caller = async () => {
    while (!killed) {
      const id = `call-${n++}`;
      try {
        const res = await fetch(`${first.url}${MODEL_PATH}/gemini-2.0-flash:generateContent`, {
          method: 'POST', body: PROMPT, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': id },
        });
        const body = await res.text();
        if (res.status === 200 && body.includes('candidates')) acked.push(id);
      } catch {
        // in flight at the kill: not acknowledged
      }
    }
  };
  const callers = Array.from({ length: 8 }, caller);
  await until(() => acked.length >= 150, '150 answered requests');
  first.proc.kill('SIGKILL');
  killed = true;
  await Promise.all(callers);
  await new Promise((r) => first.proc.exitCode !== null || first.proc.signalCode ? r(undefined) : first.proc.once('exit', r));
  assert.equal(first.proc.signalCode, 'SIGKILL');
  const before = new Set(storedIds());
  t.diagnostic(`${acked.length} answered before the kill; ${acked.filter((id) => !before.has(id)).length} of them only in the spool`);

  const second = await startWarden();
  try {
    const res = await fetch(`${second.url}${MODEL_PATH}/gemini-2.0-flash:generateContent`, {
      method: 'POST', body: PROMPT, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'after-restart' },
    });
    assert.equal(res.status, 200);
    await res.text();
    await until(() => storedIds().includes('after-restart'), 'the record after the restart');
  } finally {
    second.proc.kill('SIGTERM');
    await new Promise((r) => second.proc.once('exit', r));
  }
  const ids = storedIds();
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const lost = acked.filter((id) => !counts.has(id));
  assert.deepEqual(lost, [], 'acknowledged requests missing from the audit log');
  assert.deepEqual([...counts].filter(([, c]) => c > 1), [], 'records stored twice');
  assert.equal(ids.at(-1), 'after-restart', 'the chain goes on after the replayed records');

  const verified = await runCli(['audit', 'verify', '-c', configFile]);
  assert.equal(verified.code, 0, verified.out);
  assert.match(verified.out, new RegExp(`^OK: ${ids.length} record\\(s\\) in 1 chain\\(s\\) verified`));
});
