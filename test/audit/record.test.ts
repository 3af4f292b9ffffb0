// The audit record through the whole gateway: every field the issue lists,
// digests that match what crossed the wire, prompt text only where the route
// asks for it, and `warden audit query` / `export` reading it back.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteAuditStore } from '../../src/audit/sqlite.js';
import type { StoredRecord } from '../../src/audit/verify.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { collect, drained, gatewayConfig, MODEL_PATH, PROMPT, runCli } from './helpers.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('audit record through the gateway', () => {
  let s: Stack;
  let alice: string;
  let bob: string;
  const records = new Map<string, StoredRecord>();
  const bodies = new Map<string, string>();

  before(async () => {
    s = await startStack(({ emulatorUrl, issuer, dir }) => {
      writeFileSync(join(dir, 'audit.key'), 'record-test-key-'.repeat(4));
      return gatewayConfig({ emulatorUrl, issuer, audit: '{sqlite: ./audit.db, hmacKeyFile: ./audit.key}', telemetry: '{accessLog: true}', storePrompts: true });
    });
    alice = await s.token('alice', ['ml-engineers']);
    bob = await s.token('bob', ['analysts']);
    const call = async (id: string, path: string, token: string, headers: Record<string, string> = {}) => {
      const res = await fetch(s.gw.url + path, {
        method: 'POST', body: PROMPT,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': id, ...headers },
      });
      bodies.set(id, await res.text());
    };
    await call('plain', `${MODEL_PATH}/gemini-2.0-flash:generateContent`, alice, { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` });
    await call('stream', `${MODEL_PATH}/gemini-2.0-flash:streamGenerateContent?alt=sse`, alice);
    await call('denied', `${MODEL_PATH}/gemini-2.0-flash:generateContent`, bob);
    await call('marked', `${MODEL_PATH}/gemini-2.5-pro:generateContent`, alice);
    await drained(s.gw.audit!);
    const store = new SqliteAuditStore(join(s.dir, 'audit.db'), { readonly: true });
    for (const r of await collect(store.records())) records.set(r.requestId, r);
    await store.close();
  });
  after(() => s?.close());

  it('records who, what, the decision, the outcome and the cost', () => {
    const r = records.get('plain')!;
    assert.equal(r.traceId, TRACE_ID, 'trace id continued from the caller');
    assert.equal(r.principal, `${s.emu.issuer}/alice`);
    assert.equal(r.subject, 'alice');
    assert.equal(r.issuer, s.emu.issuer);
    assert.deepEqual(r.groups, ['ml-engineers']);
    assert.deepEqual(r.authMethods, ['jwt']);
    assert.equal(r.route, 'vertex');
    assert.equal(r.provider, 'vertex');
    assert.equal(r.project, 'emulator-project');
    assert.equal(r.location, 'us-central1');
    assert.equal(r.model, 'gemini-2.0-flash');
    assert.equal(r.operation, 'generateContent');
    assert.equal(r.operationClass, 'inference');
    assert.equal(r.stream, false);
    assert.equal(r.decision, 'allow');
    assert.match(r.policy!, /ml-engineers$/);
    assert.equal(r.rule, 0);
    assert.equal(r.credential, 'vertex-sa');
    assert.equal(r.status, 200);
    assert.equal(r.upstreamStatus, 200);
    assert.ok(r.latencyMs > 0 && r.upstreamMs! > 0 && r.upstreamMs! <= r.latencyMs);
    assert.ok(r.ttfbMs! > 0 && r.ttfbMs! <= r.upstreamMs!);
    const usage = JSON.parse(bodies.get('plain')!).usageMetadata;
    assert.equal(r.promptTokens, usage.promptTokenCount);
    assert.equal(r.outputTokens, usage.candidatesTokenCount);
    assert.equal(r.totalTokens, usage.totalTokenCount);
  });

  it('digests and sizes match the bodies that crossed the wire', () => {
    for (const id of ['plain', 'stream', 'denied']) {
      const r = records.get(id)!;
      assert.equal(r.requestBytes, Buffer.byteLength(PROMPT), id);
      assert.equal(r.requestSha256, sha256(PROMPT), id);
      assert.equal(r.responseBytes, Buffer.byteLength(bodies.get(id)!), id);
      assert.equal(r.responseSha256, sha256(bodies.get(id)!), id);
    }
  });

  it('stores prompt and response text on a route with storePrompts', () => {
    assert.equal(records.get('plain')!.prompt, PROMPT);
    assert.equal(records.get('plain')!.response, bodies.get('plain'));
  });

  it('marks streams and their time to first byte', () => {
    const r = records.get('stream')!;
    assert.equal(r.stream, true);
    assert.equal(r.operation, 'streamGenerateContent');
    assert.ok(r.ttfbMs! > 0 && r.ttfbMs! < r.upstreamMs!);
    assert.ok(r.totalTokens! > 0);
  });

  it('records refusals with the reason, and AUDIT policy marks', () => {
    const d = records.get('denied')!;
    assert.equal(d.decision, 'deny');
    assert.equal(d.status, 403);
    // The caller is told only "permission denied by policy"; the record keeps why.
    assert.equal(d.reason, 'POLICY_DENIED: no ALLOW policy matched');
    assert.equal(JSON.parse(bodies.get('denied')!).error.message, 'permission denied by policy');
    assert.equal(d.upstreamStatus, undefined);
    assert.equal(d.credential, undefined);
    assert.deepEqual(records.get('marked')!.auditMarks.map((m) => m.replace(/^.*\//, '')), ['watch-pro']);
    assert.deepEqual(records.get('plain')!.auditMarks, []);
  });

  it('`warden audit query` filters by principal, model and decision; `export` writes JSON lines', async () => {
    const run = async (...args: string[]) => {
      const { code, out } = await runCli(['audit', ...args, '-c', s.configFile]);
      assert.equal(code, 0);
      return out;
    };
    const byModel = (await run('query', '--model', 'gemini-2.5-pro')).trim().split('\n');
    assert.equal(byModel.length, 1);
    assert.match(byModel[0], /\tmarked\t/);
    const denied = (await run('query', '--decision', 'deny', '--since', '1h')).trim().split('\n');
    assert.deepEqual(denied.map((l) => l.split('\t')[1]), ['denied']);
    const bobs = (await run('query', '--principal', 'bob')).trim().split('\n');
    assert.deepEqual(bobs.map((l) => l.split('\t')[1]), ['denied']);
    assert.equal((await run('query', '--until', '2000-01-01T00:00:00Z')).trim(), '');
    const exported = (await run('export', '--principal', `${s.emu.issuer}/alice`)).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(exported.map((r) => r.requestId), ['plain', 'stream', 'marked']);
    assert.equal(exported[0].hash, records.get('plain')!.hash);
    assert.equal(exported[0].storeId, undefined);
  });

  it('the access log line carries the request id, trace id and decision, never the token', () => {
    const line = s.logs.find((l) => l.requestId === 'plain' && l.msg === 'request')!;
    assert.equal(line.traceId, TRACE_ID);
    assert.equal(line.decision, 'allow');
    assert.ok(!JSON.stringify(s.logs).includes(alice), 'the bearer token appears in the logs');
  });
});
