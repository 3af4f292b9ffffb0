// OpenAI-style streams without stream_options.include_usage: Warden asks the
// upstream for usage itself, records and charges it, and hands the caller the
// stream it asked for (no usage chunk, no `usage: null`). The official openai
// client streams through Warden to the emulator's plain OpenAI route, which
// reports usage only when asked, as OpenAI does.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import OpenAI from 'openai';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { startStack, type Stack } from '../helpers/stack.js';

const MODEL = 'gpt-test';
const QUOTA_MODEL = 'gpt-quota';

const config = ({ emulatorUrl }: { emulatorUrl: string }) => `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: stream-usage}
spec:
  audit: {sqlite: ./audit.db}
  routes:
    - name: openai
      provider: openai
      match: {pathPrefix: /v1/chat/}
      upstream: ${emulatorUrl}
      credential: vertex-sa
    - name: vertex
      provider: vertex
      match: {pathPrefix: /v1/projects/}
      upstream: ${emulatorUrl}
      credential: vertex-sa
  credentials:
    - name: vertex-sa
      google: {file: ./credentials/service-account.json}
  limits:
    rules:
      - name: output-tokens
        match: {routes: [openai], models: [${QUOTA_MODEL}]}
        tokens: {limit: 5, per: 1h, count: output}
`;

interface Row {
  stream: number;
  status: number;
  prompt_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
}

/** A chunk without what differs between two calls (its id and time). */
function stable(chunk: unknown): unknown {
  const { id: _id, created: _created, ...rest } = chunk as Record<string, unknown>;
  return rest;
}

describe('stream usage on OpenAI routes (Warden asks for include_usage)', { timeout: 60_000 }, () => {
  let s: Stack;
  let seq = 0;
  const rid = (name: string) => `stream-usage-${name}-${++seq}`;
  const client = () => new OpenAI({ baseURL: `${s.gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const row = async (id: string) => {
    const r = await waitForAuditRow<Row>(join(s.dir, 'audit.db'), id, { tries: 100, intervalMs: 20 });
    assert.ok(r, `audit row for ${id}`);
    return r;
  };
  const seen = (id: string) => s.emu.vertexRequests.find((r) => r.headers['x-request-id'] === id)!;

  before(async () => {
    s = await startStack(config);
  });
  after(() => s?.close());

  /** The stream as the upstream itself sends it, with the access token Warden used. */
  async function direct(auth: string, body: Record<string, unknown>): Promise<unknown[]> {
    const res = await fetch(`${s.emu.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200);
    const text = await res.text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]')
      .map((l) => JSON.parse(l.slice(6)) as unknown);
  }

  it('without include_usage: the caller gets the stream it asked for, the record has the tokens', async () => {
    const id = rid('plain');
    const messages = [{ role: 'user' as const, content: 'count my stream' }];
    const stream = await client().chat.completions.create({ model: MODEL, messages, stream: true }, { headers: { 'x-request-id': id } });
    const chunks: unknown[] = [];
    let text = '';
    for await (const ch of stream) {
      chunks.push(ch);
      text += ch.choices[0]?.delta?.content ?? '';
    }
    assert.equal(text, `Echo from ${MODEL}: count my stream`);
    for (const ch of chunks) {
      assert.ok(!Object.hasOwn(ch as object, 'usage'), `no usage member reaches the caller: ${JSON.stringify(ch)}`);
      assert.ok((ch as { choices: unknown[] }).choices.length > 0);
    }
    const upstream = await direct(String(seen(id).headers.authorization), { model: MODEL, messages, stream: true });
    assert.deepEqual(chunks.map(stable), upstream.map(stable), 'the same chunks the upstream sends a caller that did not ask for usage');

    const r = await row(id);
    assert.equal(r.stream, 1);
    assert.equal(r.status, 200);
    assert.ok(r.prompt_tokens! > 0 && r.output_tokens! > 0, JSON.stringify(r));
    assert.equal(r.total_tokens, r.prompt_tokens! + r.output_tokens!);
  });

  it('on a vertex route, by default, asks nothing: Gemini reports usage on the finishing chunk unasked, and the caller keeps it', async () => {
    const id = rid('vertex');
    const vertex = new OpenAI({ baseURL: `${s.gw.url}/v1/projects/emulator-project/locations/us-central1/endpoints/openapi`, apiKey: 'unused', maxRetries: 0 });
    const stream = await vertex.chat.completions.create(
      { model: 'google/gemini-2.0-flash', messages: [{ role: 'user', content: 'count me on vertex' }], stream: true },
      { headers: { 'x-request-id': id } },
    );
    const chunks: { choices: { finish_reason?: string | null }[]; usage?: { total_tokens: number } | null }[] = [];
    for await (const ch of stream) chunks.push(ch);
    const last = chunks.at(-1)!;
    assert.equal(last.choices[0]?.finish_reason, 'stop', 'no separate usage-only chunk was asked for');
    assert.ok(last.usage && last.usage.total_tokens > 0, `the finishing chunk keeps its usage: ${JSON.stringify(last)}`);
    const r = await row(id);
    assert.equal(r.total_tokens, last.usage!.total_tokens);
  });

  it('with include_usage true: the caller gets the usage chunk as before, the record has the tokens', async () => {
    const id = rid('asked');
    const stream = await client().chat.completions.create(
      { model: MODEL, messages: [{ role: 'user', content: 'usage please' }], stream: true, stream_options: { include_usage: true } },
      { headers: { 'x-request-id': id } },
    );
    let usage: OpenAI.CompletionUsage | undefined;
    let nulls = 0;
    for await (const ch of stream) {
      if (ch.usage) {
        assert.equal(ch.choices.length, 0);
        usage = ch.usage;
      } else if (ch.usage === null) nulls++;
    }
    assert.ok(usage && usage.total_tokens > 0);
    assert.ok(nulls > 0, 'the other chunks carry usage: null, as OpenAI sends them');
    const r = await row(id);
    assert.equal(r.prompt_tokens, usage.prompt_tokens);
    assert.equal(r.output_tokens, usage.completion_tokens);
    assert.equal(r.total_tokens, usage.total_tokens);
  });

  it('include_usage false: usage is still recorded, and the caller gets none', async () => {
    const id = rid('declined');
    const stream = await client().chat.completions.create(
      { model: MODEL, messages: [{ role: 'user', content: 'no usage' }], stream: true, stream_options: { include_usage: false } },
      { headers: { 'x-request-id': id } },
    );
    for await (const ch of stream) assert.ok(!Object.hasOwn(ch, 'usage'));
    const r = await row(id);
    assert.ok(r.output_tokens! > 0, JSON.stringify(r));
  });

  it('an output-token quota is charged for a stream without include_usage: the next request is refused 429', async () => {
    const first = await client().chat.completions.create({
      model: QUOTA_MODEL,
      messages: [{ role: 'user', content: 'a long enough answer to spend the whole output budget' }],
      stream: true,
    });
    for await (const _ of first) {
      // drain
    }
    const err = await client()
      .chat.completions.create({ model: QUOTA_MODEL, messages: [{ role: 'user', content: 'again' }], stream: true })
      .then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof OpenAI.RateLimitError, `got ${String(err)}`);
    assert.equal(err.status, 429);
  });

  it('a non-stream request is untouched: its body leaves byte for byte, its usage is recorded', async () => {
    const id = rid('whole');
    const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'whole answer' }], stream: false });
    const res = await fetch(`${s.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id },
      body,
    });
    assert.equal(res.status, 200);
    const r = (await res.json()) as OpenAI.ChatCompletion;
    assert.equal(r.choices[0]!.message.content, `Echo from ${MODEL}: whole answer`);
    assert.equal(seen(id).headers['content-length'], String(Buffer.byteLength(body)));
    const rec = await row(id);
    assert.equal(rec.stream, 0);
    assert.equal(rec.total_tokens, r.usage!.total_tokens);
  });
});
