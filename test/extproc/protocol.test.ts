// Bad input from "Envoy": a gRPC client built from the same proto files
// plays the data plane and breaks the protocol on purpose (messages out of
// order, a stream ended mid-request or mid-answer, a message over the size
// limit, a body mode Warden cannot serve). Each gets its documented answer
// (docs/istio.md), fails closed, and leaves its audit record.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { credentials, loadPackageDefinition, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { devIssuerAuthentication } from '../../src/cli/demo.js';
import { LOADER_OPTIONS } from '../../src/envoy-api/load.js';
import { EXTERNAL_PROCESSOR_PROTO } from '../../src/extproc/proto.js';
import { readAuditDb, waitForAuditRow } from '../helpers/audit-db.js';
import { until } from '../helpers/process.js';
import { startStack, type Stack } from '../helpers/stack.js';

const PATH = '/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';
const PROMPT = Buffer.from(JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }));

type Msg = Record<string, unknown>;
type Stream = ClientDuplexStream<Msg, Msg>;
type ProcessorClient = { Process(): Stream; close(): void };

const config = (o: { emulatorUrl: string; issuer: string }) => `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: protocol}
spec:
  listen: {host: 127.0.0.1, port: 0}
  admin: {host: 127.0.0.1, port: 0}
  extProc: {grpc: {port: 0}, timeout: 5s, bodyBufferBytes: 65536}
  routes:
    - name: vertex
      provider: vertex
      upstream: ${o.emulatorUrl}
      credential: vertex-sa
      maxBodyBytes: 1048576
  credentials:
    - name: vertex-sa
      google: {file: ./credentials/service-account.json}
  # A generation's body past bodyBufferBytes streams on here; with owners tracked it would be refused (it may name a context cache).
  ownership: {enforce: off}
  audit: {sqlite: ./audit.db}
---
${devIssuerAuthentication(o.issuer, 'warden')}---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: engineers}
spec:
  action: ALLOW
  rules:
    - when:
        - key: request.auth.claims[groups]
          values: [ml-engineers]
`;

const header = (key: string, value: string) => ({ key, rawValue: Buffer.from(value) });

describe('ext_proc: bad input from Envoy', { timeout: 60_000 }, () => {
  let s: Stack;
  let client: ProcessorClient;
  let token: string;

  before(async () => {
    s = await startStack(config);
    token = await s.token('alice', ['ml-engineers']);
    const pkg = loadPackageDefinition(loadSync(EXTERNAL_PROCESSOR_PROTO, LOADER_OPTIONS)) as unknown as {
      envoy: { service: { ext_proc: { v3: { ExternalProcessor: new (addr: string, creds: ReturnType<typeof credentials.createInsecure>, o: object) => ProcessorClient } } } };
    };
    client = new pkg.envoy.service.ext_proc.v3.ExternalProcessor(`127.0.0.1:${s.gw.extProc!.port}`, credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
  });
  after(async () => {
    client?.close();
    await s?.close();
  });

  /** The request headers Envoy sends, with the protocol configuration the rendered filter gives. */
  const requestHeaders = (id: string, o: { mode?: string; endOfStream?: boolean } = {}): Msg => ({
    requestHeaders: {
      headers: { headers: [header(':method', 'POST'), header(':path', PATH), header(':authority', 'aiplatform.example'), header('content-type', 'application/json'), header('authorization', `Bearer ${token}`), header('x-request-id', id)] },
      endOfStream: o.endOfStream ?? false,
    },
    protocolConfig: { requestBodyMode: o.mode ?? 'STREAMED', responseBodyMode: 'STREAMED', sendBodyWithoutWaitingForHeaderResponse: true },
  });

  /** Opens a stream; `answers` fills as Warden answers, `ended` resolves with the stream's final status. */
  function open() {
    const call = client.Process();
    const answers: Msg[] = [];
    const ended = new Promise<{ code: number; details: string }>((resolve) => {
      call.on('data', (m: Msg) => answers.push(m));
      call.on('error', (e: ServiceError) => resolve({ code: e.code, details: e.details }));
      call.on('status', (st: { code: number; details: string }) => {
        if (st.code === 0) resolve(st);
      });
    });
    return { call, answers, ended };
  }
  const record = async (id: string) => {
    const row = await waitForAuditRow<Record<string, unknown>>(join(s.dir, 'audit.db'), id, { tries: 250, intervalMs: 20 });
    assert.ok(row, `the audit record of ${id}`);
    return row;
  };
  const waitFor = async (answers: Msg[], n: number) => {
    for (let i = 0; i < 500 && answers.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(answers.length >= n, `${n} answers, got ${answers.length}`);
  };

  it('a body chunk before any request headers: INVALID_ARGUMENT, and a record of the broken exchange', async () => {
    const { call, ended } = open();
    call.write({ requestBody: { body: PROMPT, endOfStream: true } });
    const st = await ended;
    assert.equal(st.code, 3);
    assert.match(st.details, /^EXT_PROC_PROTOCOL: ext_proc protocol: a request body chunk in phase headers/);
    call.end();
    // No request headers, so no request id: the record is found by its reason.
    await until(() => readAuditDb(join(s.dir, 'audit.db'), (db) =>
      db.prepare("SELECT count(*) AS n FROM audit WHERE reason LIKE 'EXT_PROC_PROTOCOL: ext_proc protocol: a request body chunk in phase headers%' AND status = 500").get() as { n: number }).n === 1,
    'the record of the broken stream');
  });

  it('request headers twice: INVALID_ARGUMENT; the record names the request and the reason', async () => {
    const { call, ended } = open();
    call.write(requestHeaders('proto-twice'));
    call.write(requestHeaders('proto-twice'));
    const st = await ended;
    assert.equal(st.code, 3);
    const row = await record('proto-twice');
    assert.deepEqual([row.status, row.decision, row.route], [500, 'deny', 'vertex']);
    assert.match(String(row.reason), /^EXT_PROC_PROTOCOL: .*request headers sent twice/);
    call.end();
  });

  it('response headers before Warden decided (Envoy answered itself): passed on, recorded as Envoy\'s reply', async () => {
    const { call, answers } = open();
    call.write(requestHeaders('proto-local'));
    call.write({ requestBody: { body: PROMPT.subarray(0, 10), endOfStream: false } });
    call.write({ responseHeaders: { headers: { headers: [header(':status', '413'), header('content-type', 'text/plain')] }, endOfStream: false } });
    await waitFor(answers, 1);
    assert.ok('responseHeaders' in answers[0]!, 'answered with a plain continue');
    const row = await record('proto-local');
    assert.equal(row.status, 413);
    assert.match(String(row.reason), /^EXT_PROC_LOCAL_REPLY: Envoy answered 413 itself/);
    call.end();
  });

  it('the stream ended mid-request: recorded as closed (499), nothing answered', async () => {
    const { call, answers } = open();
    call.write(requestHeaders('proto-closed-request'));
    call.write({ requestBody: { body: PROMPT.subarray(0, 10), endOfStream: false } });
    await new Promise((r) => setTimeout(r, 50));
    call.cancel();
    const row = await record('proto-closed-request');
    assert.deepEqual([row.status, row.decision], [499, 'deny']);
    assert.match(String(row.reason), /^EXT_PROC_CLOSED: Envoy ended the processing stream before Warden had decided/);
    assert.equal(answers.length, 0);
  });

  it('the stream ended mid-answer: recorded with the upstream status, the usage so far and why it is incomplete', async () => {
    const { call, answers } = open();
    call.write(requestHeaders('proto-closed-answer'));
    call.write({ requestBody: { body: PROMPT, endOfStream: true } });
    await waitFor(answers, 2);
    assert.ok('requestHeaders' in answers[0]!, 'the header answer (with Warden\'s credential)');
    call.write({ responseHeaders: { headers: { headers: [header(':status', '200'), header('content-type', 'text/event-stream')] }, endOfStream: false } });
    call.write({ responseBody: { body: Buffer.from('data: {"candidates":[{"content":{"parts":[{"text":"half"}]}}]}\n\n'), endOfStream: false } });
    await waitFor(answers, 4);
    call.cancel();
    const row = await record('proto-closed-answer');
    assert.deepEqual([row.status, row.upstream_status, row.decision], [200, 200, 'allow']);
    assert.match(String(row.reason), /^EXT_PROC_CLOSED: /);
  });

  it('a body over the route\'s maxBodyBytes while held: an immediate 413 in the caller\'s protocol', async () => {
    const { call, answers } = open();
    call.write(requestHeaders('proto-too-large'));
    for (let i = 0; i < 17; i++) call.write({ requestBody: { body: Buffer.alloc(64 * 1024, 0x20), endOfStream: false } });
    // Over bodyBufferBytes (64 KiB) the body is admitted and streams on, each chunk answered; over maxBodyBytes (1 MiB) it is refused.
    await waitFor(answers, 18);
    assert.deepEqual(answers.map((a) => Object.keys(a).find((k) => k !== 'dynamicMetadata')), ['requestHeaders', ...Array(16).fill('requestBody'), 'immediateResponse']);
    const refusal = answers[17]!.immediateResponse as { status: { code: string }; body: Buffer };
    assert.equal(refusal.status.code, 'PayloadTooLarge');
    assert.equal(JSON.parse(refusal.body.toString()).error.details[0].reason, 'BODY_TOO_LARGE');
    const row = await record('proto-too-large');
    assert.equal(row.status, 413);
    call.end();
  });

  it('a message over the size limit: RESOURCE_EXHAUSTED (Envoy fails the request), the exchange recorded', async () => {
    const { call, ended } = open();
    call.write(requestHeaders('proto-oversized'));
    // The limit is the largest route's maxBodyBytes (1 MiB) plus 1 MiB for headers and attributes.
    call.write({ requestBody: { body: Buffer.alloc(3 * 1024 * 1024, 0x20), endOfStream: true } });
    const st = await ended;
    assert.equal(st.code, 8);
    const row = await record('proto-oversized');
    assert.equal(row.status, 499);
    assert.match(String(row.reason), /^EXT_PROC_CLOSED: /);
  });

  it('a body mode Warden cannot serve (FULL_DUPLEX_STREAMED): an immediate 500 that says so', async () => {
    const { call, answers } = open();
    call.write(requestHeaders('proto-mode', { mode: 'FULL_DUPLEX_STREAMED' }));
    await waitFor(answers, 1);
    const imm = answers[0]!.immediateResponse as { status: { code: string }; body: Buffer };
    assert.equal(imm.status.code, 'InternalServerError');
    assert.equal(JSON.parse(imm.body.toString()).error.details[0].reason, 'EXT_PROC_MODE');
    assert.match(String((await record('proto-mode')).reason), /FULL_DUPLEX_STREAMED is not supported/);
    call.end();
  });
});
