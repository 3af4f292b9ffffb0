// Graceful shutdown with real processes and signals: `warden start` is sent
// SIGTERM while a stream is in flight. Readiness fails at once, a request
// arriving during shutdown.drainDelay is served, the stream runs to its end
// and is recorded as completed; one still running after shutdown.timeout is
// cut and recorded as SHUTDOWN. The waits are the config's, kept short here.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { auditRow } from '../helpers/audit-db.js';
import { heldUpstream, HELD_STREAM_BODY, type HeldUpstream } from '../helpers/held-upstream.js';
import { exited, jsonLines, spawnWarden, until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const MODEL = '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash';
const PROMPT = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] });

function config(upstream: string, shutdown: string): string {
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: drain}
spec:
  listen: {port: 0}
  admin: {port: 0}
  routes:
    - {name: vertex, provider: vertex, upstream: "${upstream}"}
  audit: {sqlite: ./audit.db}
  shutdown: ${shutdown}
`;
}

/** `warden start` as its own process, its JSON log lines kept. */
async function startWarden(dir: string, up: HeldUpstream, shutdown: string, env?: NodeJS.ProcessEnv) {
  const file = join(dir, 'warden.yaml');
  writeFileSync(file, config(up.url, shutdown));
  const proc = spawnWarden(file, { stdio: ['ignore', 'pipe', 'inherit'], ...(env ? { env: { ...process.env, ...env } } : {}) });
  const lines = jsonLines(proc.stdout!);
  const line = (msg: string) => lines.find((l) => String(l.msg).startsWith(msg));
  await until(() => line('warden listening') !== undefined || proc.exitCode !== null, 'warden to listen', 30_000);
  const started = line('warden listening');
  assert.ok(started, 'warden started');
  return { proc, lines, line, url: String(started.url), admin: String(started.admin), db: join(dir, 'audit.db') };
}

/** Opens a stream and reads its first event: the request is in flight. */
async function openStream(url: string, id: string) {
  const res = await fetch(`${url}${MODEL}:streamGenerateContent?alt=sse`, {
    method: 'POST', body: PROMPT, headers: { 'content-type': 'application/json', 'x-request-id': id },
  });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const first = await reader.read();
  const decoder = new TextDecoder();
  let text = decoder.decode(first.value, { stream: true });
  return {
    /** The rest of the body, appended to what was read. */
    async rest(): Promise<string> {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return text + decoder.decode();
        text += decoder.decode(value, { stream: true });
      }
    },
  };
}

const readyStatus = async (admin: string) => (await fetch(`${admin}/readyz`)).status;

describe('graceful shutdown of `warden start`', () => {
  it('SIGTERM: not ready at once, a request during drainDelay is served, a stream in flight finishes whole and is recorded as completed', async () => {
    const dir = makeTempDir('warden-drain-');
    const up = await heldUpstream();
    const w = await startWarden(dir, up, '{drainDelay: 3s, timeout: 30s}');
    try {
      // The start line, as a log pipeline reads it: ISO-8601 time, level by name and Cloud Logging severity, version and config hash.
      const start = w.line('warden listening')!;
      assert.match(String(start.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.deepEqual([start.level, start.severity], ['info', 'INFO']);
      assert.equal(start.version, JSON.parse(readFileSync('package.json', 'utf8')).version);
      assert.match(String(start.configHash), /^[0-9a-f]{16}$/);
      assert.equal(await readyStatus(w.admin), 200);
      const stream = await openStream(w.url, 'drain-stream');
      w.proc.kill('SIGTERM');
      await until(async () => (await readyStatus(w.admin)) === 503, '/readyz to answer 503');
      await until(() => w.line('shutdown started') !== undefined, 'the shutdown line');
      assert.equal(w.line('shutdown started')!.inFlight, 1);

      // A new connection during drainDelay is served, and told to close.
      const late = await fetch(`${w.url}${MODEL}:generateContent`, {
        method: 'POST', body: PROMPT, headers: { 'content-type': 'application/json', 'x-request-id': 'drain-late' },
      });
      assert.equal(late.status, 200);
      assert.equal(late.headers.get('connection'), 'close');
      assert.match(await late.text(), /Hi\./);

      up.releaseAll();
      assert.equal(await stream.rest(), HELD_STREAM_BODY);
      assert.deepEqual(await exited(w.proc), { code: 0, signal: null });

      const streamed = auditRow<{ status: number; reason: string; output_tokens: number }>(w.db, 'drain-stream')!;
      assert.equal(streamed.status, 200);
      assert.equal(streamed.reason, 'no ALLOW policy applies', 'completed: the decision reason, no error');
      assert.equal(streamed.output_tokens, 4);
      assert.equal(auditRow<{ status: number }>(w.db, 'drain-late')!.status, 200);
      const done = w.line('shutdown complete')!;
      assert.equal(done.cut, 0);
      assert.equal(done.completed, 2);
    } finally {
      w.proc.kill('SIGKILL');
      await up.close();
      removeDir(dir);
    }
  });

  it('WARDEN_PRESTOP_SECONDS (the pod\'s preStop sleep) counts as drainDelay already waited: after SIGTERM Warden stops accepting at once', async () => {
    const dir = makeTempDir('warden-drain-');
    const up = await heldUpstream();
    // A drainDelay of an hour: waited again after SIGTERM, the test would never end.
    const w = await startWarden(dir, up, '{drainDelay: 1h, timeout: 30s}', { WARDEN_PRESTOP_SECONDS: '3600' });
    try {
      const stream = await openStream(w.url, 'prestop-stream');
      w.proc.kill('SIGTERM');
      await until(() => w.line('shutdown started') !== undefined, 'the shutdown line');
      const started = w.line('shutdown started')!;
      assert.deepEqual([started.drainDelay, started.preStopWaited, started.drainDelayLeft], ['1h', '3600s', '0s']);
      // Not accepting any more; what is in flight still finishes.
      await until(async () => !(await fetch(`${w.url}/`).then(() => true, () => false)), 'the listener to close');
      up.releaseAll();
      assert.equal(await stream.rest(), HELD_STREAM_BODY);
      assert.deepEqual(await exited(w.proc), { code: 0, signal: null });
      assert.equal(auditRow<{ status: number }>(w.db, 'prestop-stream')!.status, 200);
    } finally {
      w.proc.kill('SIGKILL');
      await up.close();
      removeDir(dir);
    }
  });

  it('refuses to start when WARDEN_PRESTOP_SECONDS is not a whole number of seconds', async () => {
    const dir = makeTempDir('warden-drain-');
    try {
      const file = join(dir, 'warden.yaml');
      writeFileSync(file, config('http://127.0.0.1:9', '{}'));
      const proc = spawnWarden(file, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, WARDEN_PRESTOP_SECONDS: '5s' } });
      let err = '';
      proc.stderr!.on('data', (d: Buffer) => (err += d));
      assert.deepEqual(await exited(proc), { code: 2, signal: null });
      assert.match(err, /WARDEN_PRESTOP_SECONDS must be a whole number of seconds, not "5s"/);
    } finally {
      removeDir(dir);
    }
  });

  it('a stream still running after shutdown.timeout is cut and recorded as SHUTDOWN, not as the caller leaving', async () => {
    const dir = makeTempDir('warden-drain-');
    const up = await heldUpstream();
    const w = await startWarden(dir, up, '{drainDelay: 0s, timeout: 1s}');
    try {
      const stream = await openStream(w.url, 'cut-stream');
      w.proc.kill('SIGTERM');
      await assert.rejects(stream.rest(), 'the caller sees its stream broken off');
      assert.deepEqual(await exited(w.proc), { code: 0, signal: null });
      const cut = auditRow<{ status: number; reason: string }>(w.db, 'cut-stream')!;
      assert.equal(cut.status, 200);
      assert.match(cut.reason, /^SHUTDOWN: /);
      assert.equal(w.line('shutdown complete')!.cut, 1);
    } finally {
      w.proc.kill('SIGKILL');
      await up.close();
      removeDir(dir);
    }
  });
});
