// The raw-body form of the Interactions API (`POST …/interactionsHttp`, a google.api.HttpBody sent
// as the interaction's JSON itself or wrapped as {"httpBody": {contentType, data}}) through Warden
// against the emulator, as the JSON form is: classified with its model and operation (policy and
// the audit record see them, the wrapped one's too), its usage metered from the answer and the
// stream and charged to a token quota, its creator recorded so that a second principal is refused
// on the interaction, and the guardrails reading the raw JSON (a wrapper they cannot read is
// refused when they would change it). No @google/genai method sends this form: plain HTTP.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { signedInCallers, startStack, type Stack } from '../helpers/stack.js';

const PARENT = '/v1beta1/projects/emulator-project/locations/us-central1';
const HTTP = `${PARENT}/interactionsHttp`;

const config = ({ emulatorUrl, issuer }: { emulatorUrl: string; issuer: string }) => `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: interactions-http}
spec:
  routes:
    - {name: vertex, provider: vertex, upstream: '${emulatorUrl}', credential: vertex-sa}
  credentials:
    - {name: vertex-sa, google: {file: ./credentials/service-account.json}}
  audit: {sqlite: ./audit.db}
  guardrails:
    rules:
      - name: scanned callers
        match: {groups: [scanned]}
        request: {EMAIL: redact}
  limits:
    rules:
      - {name: flash-tokens, by: [principal], match: {models: [gemini-2.5-flash]}, tokens: {limit: 100000, per: 1h, count: total}}
---
${signedInCallers(issuer)}---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-pro}
spec:
  action: DENY
  rules: [{when: [{key: request.model, values: [gemini-2.5-pro]}]}]
`;

interface RpcError { error: { code: number; status: string; details: { reason: string }[] } }
type Row = Record<string, unknown>;

const wrap = (o: unknown) => ({ httpBody: { contentType: 'application/json', data: Buffer.from(JSON.stringify(o)).toString('base64') } });

describe('the raw-body Interactions API (interactionsHttp) through Warden', () => {
  let s: Stack;
  const tokens: Record<string, string> = {};
  before(async () => {
    s = await startStack(config);
    tokens.alice = await s.token('alice', ['team']);
    tokens.bob = await s.token('bob', ['team']);
    tokens.carol = await s.token('carol', ['scanned']);
  });
  after(() => s?.close());

  const call = async (who: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', requestId: res.headers.get('x-request-id')!, text, body: json as Record<string, unknown> };
  };
  const audit = async (id: string): Promise<Row> => {
    const row = await waitForAuditRow<Row>(join(s.dir, 'audit.db'), id);
    assert.ok(row, `the audit record of ${id}`);
    return row;
  };
  const reason = (b: unknown) => (b as RpcError).error.details[0]!.reason;
  const refused = (r: { status: number; body: unknown }, status: number, why: string) => {
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(reason(r.body), why);
  };
  const upstreamCalls = () => s.emu.vertexRequests.filter((r) => r.path.endsWith('/interactionsHttp')).length;

  it('raw JSON: classified, usage recorded and charged, the creator recorded; bob is refused on it, alice continues it', async () => {
    const created = await call('alice', 'POST', HTTP, { model: 'gemini-2.5-flash', input: 'remember the word tangerine' });
    assert.equal(created.status, 200, created.text);
    const id = created.body.id as string;
    const usage = created.body.usage as { total_input_tokens: number; total_output_tokens: number; total_tokens: number };
    const row = await audit(created.requestId);
    assert.deepEqual([row.operation, row.operation_class, row.model, row.resource, row.stream],
      ['interactions.create', 'inference', 'gemini-2.5-flash', `interactions/${id}`, 0]);
    assert.deepEqual([row.prompt_tokens, row.output_tokens, row.total_tokens], [usage.total_input_tokens, usage.total_output_tokens, usage.total_tokens]);
    assert.equal((JSON.parse(String(row.quota)) as { settledTokens: number }).settledTokens, usage.total_tokens);

    // Bob reaches it neither by the get and cancel paths nor by continuing it in either form.
    refused(await call('bob', 'GET', `${PARENT}/interactions/${id}`), 403, 'NOT_OWNER');
    refused(await call('bob', 'POST', `${PARENT}/interactions/${id}/cancel`), 403, 'NOT_OWNER');
    refused(await call('bob', 'POST', HTTP, { model: 'gemini-2.5-flash', input: 'what was the word?', previous_interaction_id: id }), 403, 'NOT_OWNER');
    refused(await call('bob', 'POST', HTTP, wrap({ model: 'gemini-2.5-flash', input: 'what was the word?', previous_interaction_id: id })), 403, 'NOT_OWNER');
    const next = await call('alice', 'POST', HTTP, { model: 'gemini-2.5-flash', input: 'what was the word?', previous_interaction_id: id });
    assert.equal(next.status, 200, next.text);
    assert.equal(next.body.previous_interaction_id, id);
    assert.equal((await call('alice', 'GET', `${PARENT}/interactions/${id}`)).status, 200);
  });

  it('raw JSON, streamed: the creator recorded from the first event, the stream\'s usage in the record; only the owner resumes it', async () => {
    const res = await call('alice', 'POST', HTTP, { model: 'gemini-2.5-flash', input: 'stream me a reply', stream: true });
    assert.equal(res.status, 200, res.text);
    assert.match(res.type, /text\/event-stream/);
    const events = res.text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as Record<string, any>);
    const id = events[0]!.interaction.id as string;
    const usage = events.at(-1)!.interaction.usage as { total_input_tokens: number; total_output_tokens: number; total_tokens: number };
    const row = await audit(res.requestId);
    assert.deepEqual([row.operation, row.stream, row.resource, row.model], ['interactions.create', 1, `interactions/${id}`, 'gemini-2.5-flash']);
    assert.deepEqual([row.prompt_tokens, row.output_tokens, row.total_tokens], [usage.total_input_tokens, usage.total_output_tokens, usage.total_tokens]);
    const resume = `${PARENT}/interactions/${id}?stream=true&last_event_id=${String(events[1]!.event_id)}`;
    const resumed = await call('alice', 'GET', resume);
    assert.equal(resumed.status, 200);
    assert.deepEqual(resumed.text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)).event_id), events.slice(2).map((e) => e.event_id).filter((e) => e !== undefined), 'the events after it (the guardrails\' stream window adds one without an id)');
    refused(await call('bob', 'GET', resume), 403, 'NOT_OWNER');
  });

  it('the httpBody wrapper: the model inside is the one policy decides on and the record names; its creator is recorded', async () => {
    const before = upstreamCalls();
    const denied = await call('alice', 'POST', HTTP, wrap({ model: 'gemini-2.5-pro', input: 'hi' }));
    refused(denied, 403, 'POLICY_DENIED');
    assert.equal((await audit(denied.requestId)).model, 'gemini-2.5-pro');
    assert.equal(upstreamCalls(), before, 'a denied creation never reaches Vertex');

    const created = await call('alice', 'POST', HTTP, wrap({ model: 'gemini-2.5-flash', input: 'wrapped hello' }));
    assert.equal(created.status, 200, created.text);
    const id = created.body.id as string;
    const row = await audit(created.requestId);
    assert.deepEqual([row.operation, row.model, row.resource], ['interactions.create', 'gemini-2.5-flash', `interactions/${id}`]);
    assert.equal(row.total_tokens, (created.body.usage as { total_tokens: number }).total_tokens);
    // The guardrails cannot read the data inside: recorded as unscanned.
    assert.deepEqual((JSON.parse(String(row.findings)) as { type: string }[]).map((f) => f.type), ['UNSCANNED']);
    refused(await call('bob', 'GET', `${PARENT}/interactions/${id}`), 403, 'NOT_OWNER');
    assert.equal((await call('alice', 'GET', `${PARENT}/interactions/${id}`)).status, 200);
  });

  it('the guardrails read the raw JSON (a redacted prompt leaves), and refuse a wrapper they would have to change', async () => {
    const raw = await call('carol', 'POST', HTTP, { model: 'gemini-2.5-flash', input: 'write to carol@example.com' });
    assert.equal(raw.status, 200, raw.text);
    const answer = JSON.stringify(raw.body.outputs);
    assert.doesNotMatch(answer, /carol@example\.com/, 'the prompt left redacted (the emulator echoes it)');
    assert.match(answer, /\[EMAIL/);
    refused(await call('carol', 'POST', HTTP, wrap({ model: 'gemini-2.5-flash', input: 'write to carol@example.com' })), 415, 'CONTENT_TYPE_UNSUPPORTED');
    // The wrapper under the proto field's own name, which the upstream reads as well.
    refused(await call('carol', 'POST', HTTP, { http_body: wrap({ model: 'gemini-2.5-flash', input: 'write to carol@example.com' }).httpBody }), 415, 'CONTENT_TYPE_UNSUPPORTED');
  });

  it('a wrapper Warden cannot read as one interaction, and a method interactionsHttp does not have, are refused before Vertex', async () => {
    const before = upstreamCalls();
    for (const body of [
      { ...wrap({ model: 'gemini-2.5-flash', input: 'x' }), model: 'gemini-2.5-flash' },
      { httpBody: { contentType: 'application/json', data: 'not base64!' } },
      { httpBody: { data: Buffer.from('{"model":"gemini-2.5-flash","model":"gemini-2.5-pro"}').toString('base64') } },
    ]) {
      const r = await call('alice', 'POST', HTTP, body);
      refused(r, 400, 'MODEL_INVALID');
      assert.equal((r.body as unknown as RpcError).error.status, 'INVALID_ARGUMENT');
    }
    refused(await call('alice', 'GET', HTTP), 400, 'MODEL_INVALID');
    assert.equal(upstreamCalls(), before);
  });
});
