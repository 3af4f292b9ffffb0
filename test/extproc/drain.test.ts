// ext_proc drains and reloads as the proxy does, with real processes, real
// Envoy and signals: `warden start` serves Envoy's ext_proc filter (as
// `warden istio render` writes it), Envoy forwards to an upstream whose
// streams the test releases.
// - SIGTERM while a stream runs through Envoy: not ready at once, a call
//   arriving during drainDelay is processed, the stream finishes whole and
//   is recorded as completed;
// - a stream still running after shutdown.timeout is cut and recorded as
//   SHUTDOWN;
// - a reload that adds a DENY applies to the next call through Envoy, while a
//   stream begun before it finishes on the config it began with.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { renderManifests } from '../../src/istio/render.js';
import { auditRow, waitForAuditRow } from '../helpers/audit-db.js';
import { startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { heldUpstream, HELD_STREAM_BODY, type HeldUpstream } from '../helpers/held-upstream.js';
import { extProcFromEnvoyFilter } from '../helpers/istio-filters.js';
import { exited, jsonLines, spawnWarden, until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const MODEL = '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash';
const PROMPT = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] });
const WARDEN = 'warden-ext-proc';
const RENDER = {
  image: 'warden:test', replicas: 2, maxReplicas: 4, namespace: 'warden', egressNamespace: 'istio-system',
  egressSelector: { istio: 'egressgateway' }, egressServiceAccount: 'istio-egressgateway-service-account', trustDomain: 'cluster.local', secret: 'warden-files',
  metricsFrom: { namespaces: ['monitoring'], principals: [] }, ephemeralAudit: true,
};

/** Anyone may call (no policy), until a reload adds `policies`. */
function config(upstream: string, shutdown: string, policies = ''): string {
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: drain, namespace: warden}
spec:
  listen: {port: 0}
  admin: {port: 0}
  extProc: {grpc: {port: 0}, timeout: 5s}
  routes:
    - {name: vertex, provider: vertex, upstream: "${upstream}"}
  audit: {sqlite: ./audit.db}
  shutdown: ${shutdown}
${policies}`;
}

const DENY_FLASH = `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-flash}
spec:
  action: DENY
  rules:
    - when:
        - key: request.model
          values: [gemini-2.0-flash]
`;

interface Running {
  file: string;
  db: string;
  line(msg: string): Record<string, unknown> | undefined;
  proc: ReturnType<typeof spawnWarden>;
  admin: string;
  envoy: RunningEnvoy;
}

/** `warden start` as its own process, and an Envoy in front whose ext_proc filter is the one render writes for this config. */
async function start(dir: string, up: HeldUpstream, shutdown: string): Promise<Running> {
  const file = join(dir, 'warden.yaml');
  const text = config(up.url, shutdown);
  writeFileSync(file, text);
  const proc = spawnWarden(file, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = jsonLines(proc.stdout!);
  const line = (msg: string) => lines.find((l) => String(l.msg).startsWith(msg));
  await until(() => line('warden listening') !== undefined || proc.exitCode !== null, 'warden to listen', 30_000);
  const started = line('warden listening');
  assert.ok(started, 'warden started');
  const extProcPort = Number(String(started.extProc).split(':').pop());
  assert.ok(extProcPort > 0, 'the start line says where ext_proc listens');
  // Render needs a real port; the test's cluster points at the one Warden bound.
  const renderText = text.replace('extProc: {grpc: {port: 0}', 'extProc: {grpc: {port: 9193}');
  const rendered = renderManifests(parseConfig(renderText, join(dir, 'render.yaml'), dir), renderText, RENDER).manifests.find((m) => m.kind === 'EnvoyFilter')!;
  const { filter, perFilterConfig, runtime } = extProcFromEnvoyFilter(rendered, WARDEN);
  let envoy: RunningEnvoy;
  try {
    envoy = await startEnvoy({
      httpFilters: [filter],
      clusters: [{ name: 'upstream', port: Number(new URL(up.url).port) }, { name: WARDEN, port: extProcPort, http2: true }],
      routeTo: 'upstream',
      perFilterConfig,
      runtime,
    });
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  return { file, db: join(dir, 'audit.db'), line, proc, admin: String(started.admin), envoy };
}

/** Opens a stream through Envoy and reads its first event: the exchange is in flight, on Warden's ext_proc stream. */
async function openStream(envoy: RunningEnvoy, id: string) {
  const res = await fetch(`${envoy.url}${MODEL}:streamGenerateContent?alt=sse`, {
    method: 'POST', body: PROMPT, headers: { 'content-type': 'application/json', 'x-request-id': id },
  });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value, { stream: true });
  assert.match(text, /The first part/);
  return {
    async rest(): Promise<string> {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return text + decoder.decode();
        text += decoder.decode(value, { stream: true });
      }
    },
  };
}

const call = (envoy: RunningEnvoy, id: string) =>
  fetch(`${envoy.url}${MODEL}:generateContent`, { method: 'POST', body: PROMPT, headers: { 'content-type': 'application/json', 'x-request-id': id } });
const readyStatus = async (admin: string) => (await fetch(`${admin}/readyz`)).status;

type Row = { status: number; decision: string; reason: string; output_tokens: number };

// The timeout only turns a hang into a failure; nothing here is timed.
describe('ext_proc drain and reload, through real Envoy', { timeout: 120_000 }, () => {
  it('SIGTERM: not ready at once, a call during drainDelay is processed, a stream in flight finishes whole and is recorded as completed', async () => {
    const dir = makeTempDir('warden-extproc-drain-');
    const up = await heldUpstream();
    let w: Running | undefined;
    try {
      w = await start(dir, up, '{drainDelay: 3s, timeout: 30s}');
      assert.equal(await readyStatus(w.admin), 200);
      const stream = await openStream(w.envoy, 'xp-drain-stream');
      w.proc.kill('SIGTERM');
      await until(async () => (await readyStatus(w!.admin)) === 503, '/readyz to answer 503');
      await until(() => w!.line('shutdown started') !== undefined, 'the shutdown line');
      assert.equal(w.line('shutdown started')!.inFlight, 1, 'the ext_proc stream is counted in flight');

      // A call during drainDelay: a new processing stream, processed whole.
      const late = await call(w.envoy, 'xp-drain-late');
      assert.equal(late.status, 200);
      assert.match(await late.text(), /Hi\./);

      up.releaseAll();
      assert.equal(await stream.rest(), HELD_STREAM_BODY, 'the stream reaches the caller whole');
      assert.deepEqual(await exited(w.proc), { code: 0, signal: null });

      const streamed = auditRow<Row>(w.db, 'xp-drain-stream')!;
      assert.deepEqual([streamed.status, streamed.decision, streamed.reason], [200, 'allow', 'no ALLOW policy applies'], 'completed: the decision reason, no error');
      assert.equal(streamed.output_tokens, 4, 'the usage of the stream\'s last event');
      assert.equal(auditRow<Row>(w.db, 'xp-drain-late')!.status, 200);
      const done = w.line('shutdown complete')!;
      assert.deepEqual([done.cut, done.completed], [0, 2]);
    } finally {
      w?.proc.kill('SIGKILL');
      await w?.envoy.stop();
      await up.close();
      removeDir(dir);
    }
  });

  it('a stream still running after shutdown.timeout is cut: the caller\'s answer breaks off, the record says SHUTDOWN', async () => {
    const dir = makeTempDir('warden-extproc-drain-');
    const up = await heldUpstream();
    let w: Running | undefined;
    try {
      w = await start(dir, up, '{drainDelay: 0s, timeout: 1s}');
      const stream = await openStream(w.envoy, 'xp-cut-stream');
      w.proc.kill('SIGTERM');
      await assert.rejects(stream.rest(), 'Envoy resets the answer it had begun');
      assert.deepEqual(await exited(w.proc), { code: 0, signal: null });
      const cut = auditRow<Row>(w.db, 'xp-cut-stream')!;
      assert.equal(cut.status, 200, 'the status the caller had been sent');
      assert.match(cut.reason, /^SHUTDOWN: /);
      assert.equal(w.line('shutdown complete')!.cut, 1);
    } finally {
      w?.proc.kill('SIGKILL');
      await w?.envoy.stop();
      await up.close();
      removeDir(dir);
    }
  });

  it('a reload adding a DENY applies to the next call through Envoy; a stream begun before it finishes on the old config', async () => {
    const dir = makeTempDir('warden-extproc-reload-');
    const up = await heldUpstream();
    let w: Running | undefined;
    try {
      w = await start(dir, up, '{drainDelay: 0s, timeout: 5s}');
      assert.equal((await call(w.envoy, 'xp-before')).status, 200);
      const stream = await openStream(w.envoy, 'xp-reload-stream');

      writeFileSync(w.file, config(up.url, '{drainDelay: 0s, timeout: 5s}', DENY_FLASH));
      await until(() => w!.line('config reloaded') !== undefined, 'the reload line');

      const denied = await call(w.envoy, 'xp-after');
      assert.equal(denied.status, 403, 'the next call is judged by the new config');
      assert.equal(JSON.parse(await denied.text()).error.status, 'PERMISSION_DENIED');
      const deniedRow = (await waitForAuditRow<Row>(w.db, 'xp-after'))!;
      assert.deepEqual([deniedRow.decision, deniedRow.status], ['deny', 403]);

      up.releaseAll();
      assert.equal(await stream.rest(), HELD_STREAM_BODY, 'the stream begun before the reload completes');
      const streamed = (await waitForAuditRow<Row>(w.db, 'xp-reload-stream'))!;
      assert.deepEqual([streamed.status, streamed.decision, streamed.output_tokens], [200, 'allow', 4]);
    } finally {
      w?.proc.kill('SIGKILL');
      await w?.envoy.stop();
      await up.close();
      removeDir(dir);
    }
  });
});
