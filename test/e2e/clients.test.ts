// The official Google and OpenAI client libraries, unchanged, talking to the
// emulator through Warden (demo config). The caller authenticates with a dev
// OIDC token; Warden verifies it, applies policy, mints its own Google access
// token and attaches that. The emulator's Vertex routes accept only tokens it
// minted itself, so every success here proves the caller's token was replaced.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { ApiError, GoogleGenAI } from '@google/genai';
import aiplatform from '@google-cloud/aiplatform';
import { GoogleError, Status } from 'google-gax';
import { OAuth2Client } from 'google-auth-library';
import OpenAI from 'openai';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { startStack, type Stack } from '../helpers/stack.js';

const PROJECT = 'emulator-project';
const LOCATION = 'us-central1';
const PARENT = `projects/${PROJECT}/locations/${LOCATION}`;
const GEMINI = 'gemini-2.0-flash';

interface AuditRow {
  request_id: string;
  principal: string | null;
  model: string | null;
  operation: string | null;
  stream: number;
  decision: string;
  policy: string | null;
  status: number;
  credential: string | null;
  prompt_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
}

// google-gax bundles its own google-auth-library: same runtime shape, different class type.
type GaxAuthClient = NonNullable<ConstructorParameters<typeof aiplatform.v1.PredictionServiceClient>[0]>['authClient'];

// The timeout only turns a hang (a client waiting forever) into a failure; nothing here is timed.
describe('official clients through Warden (demo config)', { timeout: 120_000 }, () => {
  let s: Stack;
  let engineerJwt: string;
  let analystJwt: string;
  let callerTokens: string[];
  let seq = 0;
  const rid = (name: string) => `clients-${name}-${++seq}`;

  before(async () => {
    s = await startStack();
    engineerJwt = await s.token('alice', ['ml-engineers']);
    analystJwt = await s.token('bob', ['analysts']);
    callerTokens = [engineerJwt, analystJwt];
  });
  after(() => s?.close());

  const authClient = (token: string) => {
    const c = new OAuth2Client();
    c.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
    return c;
  };

  /** The audit sink writes in batches off the request path: wait (bounded) for the row to land. */
  async function auditRow(requestId: string): Promise<AuditRow> {
    const row = await waitForAuditRow<AuditRow>(join(s.dir, 'audit.db'), requestId, { tries: 100, intervalMs: 20 });
    if (!row) throw new Error(`no audit row for request ${requestId}`);
    return row;
  }

  /** What the emulator saw for a request: Warden's minted identity, never the caller's JWT. */
  function upstreamSaw(requestId: string) {
    const rec = s.emu.vertexRequests.find((r) => r.headers['x-request-id'] === requestId);
    assert.ok(rec, `the emulator saw request ${requestId}`);
    assert.equal(rec.status, 200);
    assert.equal(rec.identity, s.emu.serviceAccountEmail);
    const auth = String(rec.headers.authorization ?? '');
    for (const t of callerTokens) assert.ok(!auth.includes(t), "the caller's token never reaches the upstream");
    assert.ok(s.emu.isValidAccessToken(auth.replace(/^Bearer /, '')), 'the upstream got a token the emulator minted');
    return rec;
  }

  describe('@google/genai (Vertex mode)', () => {
    const genai = (token: string) =>
      new GoogleGenAI({
        vertexai: true,
        project: PROJECT,
        location: LOCATION,
        httpOptions: { baseUrl: s.gw.url },
        googleAuthOptions: { authClient: authClient(token) },
      });

    it('generateContent: answered by the emulator, audited with model, operation, principal and tokens', async () => {
      const id = rid('genai-generate');
      const r = await genai(engineerJwt).models.generateContent({
        model: GEMINI,
        contents: 'hello through warden',
        config: { httpOptions: { headers: { 'x-request-id': id } } },
      });
      assert.equal(r.text, `Echo from ${GEMINI}: hello through warden`);
      const total = r.usageMetadata?.totalTokenCount;
      assert.ok(total && total > 0);
      const rec = upstreamSaw(id);
      assert.match(rec.path, new RegExp(`^/v1beta1/${PARENT}/publishers/google/models/${GEMINI}:generateContent$`));
      // Warden minted one Google token (JWT-bearer grant) and used it.
      assert.ok((s.emu.stats.byGrant['jwt-bearer'] ?? 0) >= 1);

      const row = await auditRow(id);
      assert.equal(row.principal, `${s.emu.issuer}/alice`);
      assert.equal(row.model, GEMINI);
      assert.equal(row.operation, 'generateContent');
      assert.equal(row.decision, 'allow');
      assert.equal(row.policy, 'ml-engineers');
      assert.equal(row.credential, 'vertex-sa');
      assert.equal(row.status, 200);
      assert.equal(row.total_tokens, total);
      assert.equal(row.prompt_tokens, r.usageMetadata?.promptTokenCount);
      assert.equal(row.output_tokens, r.usageMetadata?.candidatesTokenCount);
    });

    it('generateContentStream: several chunks, usage on the last, audited as a stream (analyst may)', async () => {
      const id = rid('genai-stream');
      const stream = await genai(analystJwt).models.generateContentStream({
        model: GEMINI,
        contents: 'stream through warden',
        config: { httpOptions: { headers: { 'x-request-id': id } } },
      });
      let text = '';
      const usage: (number | undefined)[] = [];
      for await (const c of stream) {
        text += c.text ?? '';
        usage.push(c.usageMetadata?.totalTokenCount);
      }
      assert.equal(text, `Echo from ${GEMINI}: stream through warden`);
      assert.ok(usage.length >= 3, `expected several chunks, got ${usage.length}`);
      const last = usage.at(-1);
      assert.ok(last && last > 0, 'usage arrives on the last chunk');
      assert.ok(usage.slice(0, -1).every((u) => u === undefined), 'and only there');
      assert.equal(upstreamSaw(id).query, 'alt=sse');

      const row = await auditRow(id);
      assert.equal(row.principal, `${s.emu.issuer}/bob`);
      assert.equal(row.operation, 'streamGenerateContent');
      assert.equal(row.stream, 1);
      assert.equal(row.policy, 'analysts-gemini');
      assert.equal(row.total_tokens, last);
    });

    it('embedContent: the embeddings\' token counts audited as prompt tokens', async () => {
      const id = rid('genai-embed');
      const r = await genai(engineerJwt).models.embedContent({
        model: 'text-embedding-005',
        contents: ['embed me through warden', 'and me'],
        config: { httpOptions: { headers: { 'x-request-id': id } } },
      });
      const counts = r.embeddings!.map((e) => e.statistics!.tokenCount!);
      assert.equal(counts.length, 2);
      const row = await auditRow(id);
      assert.equal(row.operation, 'predict');
      assert.equal(row.model, 'text-embedding-005');
      assert.equal(row.prompt_tokens, counts[0] + counts[1]);
      assert.equal(row.total_tokens, counts[0] + counts[1]);
      assert.equal(row.output_tokens, null);
    });

    it('tunings.tune: a training event, audited with the model it tunes (baseModel)', async () => {
      const id = rid('genai-tune');
      // The emulator serves no tuningJobs (404); the record is what matters here.
      await genai(engineerJwt)
        .tunings.tune({
          baseModel: 'gemini-2.0-flash-001',
          trainingDataset: { gcsUri: 'gs://bucket/train.jsonl' },
          config: { tunedModelDisplayName: 'tuned', httpOptions: { headers: { 'x-request-id': id } } },
        })
        .catch(() => undefined);
      const row = await auditRow(id);
      assert.deepEqual([row.operation, row.model, row.decision, row.credential], ['training.create', 'gemini-2.0-flash-001', 'allow', 'vertex-sa']);
    });

    it('countTokens', async () => {
      const id = rid('genai-count');
      const r = await genai(analystJwt).models.countTokens({ model: GEMINI, contents: 'count me', config: { httpOptions: { headers: { 'x-request-id': id } } } });
      assert.equal(r.totalTokens, 2);
      upstreamSaw(id);
      const row = await auditRow(id);
      assert.equal(row.operation, 'countTokens');
      assert.equal(row.model, GEMINI);
    });

    it('a wrong token: ApiError 401 carrying the google.rpc.Status', async () => {
      const rejectedBefore = s.emu.stats.rejectedCalls;
      const callsBefore = s.emu.stats.vertexCalls;
      const id = rid('genai-badtoken');
      const err = await genai('not-a-jwt')
        .models.generateContent({ model: GEMINI, contents: 'x', config: { httpOptions: { headers: { 'x-request-id': id } } } })
        .then(() => assert.fail('expected a rejection'), (e: unknown) => e);
      assert.ok(err instanceof ApiError, `got ${String(err)}`);
      assert.equal(err.status, 401);
      assert.match(err.message, /UNAUTHENTICATED/);
      // Warden refused it; nothing reached the emulator.
      assert.equal(s.emu.stats.vertexCalls, callsBefore);
      assert.equal(s.emu.stats.rejectedCalls, rejectedBefore);
      // The record says what was attempted, though no one was identified and no policy ran.
      const row = await auditRow(id);
      assert.deepEqual([row.status, row.decision, row.principal, row.policy, row.credential], [401, 'deny', null, null, null]);
      assert.deepEqual([row.model, row.operation], [GEMINI, 'generateContent']);
    });

    it('no token at all (genai with an API key sends none): ApiError 403 PERMISSION_DENIED', async () => {
      // With apiKey the client sends x-goog-api-key and no Authorization; Warden strips the key and policy denies.
      const ai = new GoogleGenAI({ vertexai: true, apiKey: 'some-google-api-key', httpOptions: { baseUrl: s.gw.url } });
      const err = await ai.models
        .generateContent({ model: GEMINI, contents: 'x' })
        .then(() => assert.fail('expected a rejection'), (e: unknown) => e);
      assert.ok(err instanceof ApiError, `got ${String(err)}`);
      assert.equal(err.status, 403);
      assert.match(err.message, /PERMISSION_DENIED/);
    });
  });

  describe('@google-cloud/aiplatform (REST fallback)', () => {
    const opts = (token: string) => ({
      apiEndpoint: '127.0.0.1',
      port: Number(new URL(s.gw.url).port),
      fallback: true as const,
      protocol: 'http',
      authClient: authClient(token) as unknown as GaxAuthClient,
    });
    const model = `${PARENT}/publishers/google/models/${GEMINI}`;
    const endpoint = `${PARENT}/endpoints/123`;
    const headers = (id: string) => ({ otherArgs: { headers: { 'x-request-id': id } } });

    it('PredictionService.predict on an endpoint', async () => {
      const pc = new aiplatform.v1.PredictionServiceClient(opts(engineerJwt));
      try {
        const id = rid('aip-predict');
        const [p] = await pc.predict({ endpoint, instances: [{ structValue: { fields: { prompt: { stringValue: 'predict me' } } } }] }, headers(id));
        assert.equal(p.predictions?.[0]?.structValue?.fields?.content?.stringValue, 'Echo from 123: predict me');
        assert.match(upstreamSaw(id).query, /enum-encoding=int/);
        const row = await auditRow(id);
        assert.equal(row.operation, 'predict');
        assert.equal(row.model, '123');
      } finally {
        await pc.close();
      }
    });

    it('PredictionService.rawPredict (the {"httpBody": …} wrapper)', async () => {
      const pc = new aiplatform.v1.PredictionServiceClient(opts(engineerJwt));
      try {
        const id = rid('aip-raw');
        const [raw] = await pc.rawPredict({ endpoint, httpBody: { contentType: 'application/json', data: Buffer.from('{"a":1}') } }, headers(id));
        const decoded = JSON.parse(Buffer.from(raw.data as Uint8Array).toString()) as { received: unknown };
        assert.deepEqual(decoded.received, { a: 1 });
        upstreamSaw(id);
        assert.equal((await auditRow(id)).operation, 'rawPredict');
      } finally {
        await pc.close();
      }
    });

    it('PredictionService.generateContent', async () => {
      const pc = new aiplatform.v1.PredictionServiceClient(opts(analystJwt));
      try {
        const id = rid('aip-generate');
        const [r] = await pc.generateContent({ model, contents: [{ role: 'user', parts: [{ text: 'hello aip' }] }] }, headers(id));
        assert.equal(r.candidates?.[0]?.content?.parts?.[0]?.text, `Echo from ${GEMINI}: hello aip`);
        assert.equal(r.candidates?.[0]?.finishReason, 'STOP');
        upstreamSaw(id);
        const row = await auditRow(id);
        assert.equal(row.operation, 'generateContent');
        assert.equal(row.total_tokens, r.usageMetadata?.totalTokenCount);
      } finally {
        await pc.close();
      }
    });

    it('PredictionService.streamGenerateContent (JSON array stream)', async () => {
      const pc = new aiplatform.v1.PredictionServiceClient(opts(engineerJwt));
      try {
        const id = rid('aip-stream');
        const stream = pc.streamGenerateContent({ model, contents: [{ role: 'user', parts: [{ text: 'aip stream' }] }] }, headers(id));
        let text = '';
        let chunks = 0;
        let total = 0;
        for await (const d of stream) {
          const r = d as { candidates?: { content?: { parts?: { text?: string }[] } }[]; usageMetadata?: { totalTokenCount?: number } };
          chunks++;
          text += r.candidates?.[0]?.content?.parts?.[0]?.text ?? '';
          if (r.usageMetadata?.totalTokenCount) total = r.usageMetadata.totalTokenCount;
        }
        assert.equal(text, `Echo from ${GEMINI}: aip stream`);
        assert.ok(chunks >= 3, `expected several chunks, got ${chunks}`);
        assert.ok(total > 0);
        upstreamSaw(id);
        const row = await auditRow(id);
        assert.equal(row.operation, 'streamGenerateContent');
        assert.equal(row.total_tokens, total);
      } finally {
        await pc.close();
      }
    });

    it('JobService.createCustomJob: an engineer may', async () => {
      const jc = new aiplatform.v1.JobServiceClient(opts(engineerJwt));
      try {
        const id = rid('aip-job');
        const [job] = await jc.createCustomJob({ parent: PARENT, customJob: { displayName: 'train', jobSpec: { workerPoolSpecs: [] } } }, headers(id));
        assert.match(job.name ?? '', /customJobs\//);
        assert.equal(job.state, 'JOB_STATE_PENDING');
        upstreamSaw(id);
        const row = await auditRow(id);
        assert.equal(row.decision, 'allow');
        assert.equal(row.policy, 'ml-engineers');
      } finally {
        await jc.close();
      }
    });

    // The pinned REST transport (google-gax 5 on gaxios 7) throws gaxios' error before gax decodes the body,
    // so err.code is the HTTP status and the google.rpc.Status travels in err.message (gax-nodejs#1803; fixed
    // only in gax 6, which needs Node 22). gax's own decoder, GoogleError.parseHttpError, is what gax applies
    // to an error body; on Warden's body it yields the gRPC code. Both halves are asserted.
    const grpcCode = (err: { message?: string }) => GoogleError.parseHttpError(JSON.parse(err.message ?? '')).code;

    it('JobService.createCustomJob: an analyst gets PERMISSION_DENIED (gRPC code 7)', async () => {
      const jc = new aiplatform.v1.JobServiceClient(opts(analystJwt));
      const callsBefore = s.emu.stats.vertexCalls;
      try {
        const id = rid('aip-job-denied');
        const err = await jc
          .createCustomJob({ parent: PARENT, customJob: { displayName: 'train', jobSpec: { workerPoolSpecs: [] } } }, headers(id))
          .then(() => assert.fail('expected a rejection'), (e: unknown) => e as { code?: number; message?: string });
        assert.equal(err.code, 403);
        assert.equal(grpcCode(err), Status.PERMISSION_DENIED);
        assert.equal(Status.PERMISSION_DENIED, 7);
        const body = JSON.parse(err.message ?? '') as { error: { status: string; message: string; details: { reason?: string }[] } };
        assert.equal(body.error.status, 'PERMISSION_DENIED');
        assert.equal(body.error.message, 'permission denied by policy');
        assert.equal(body.error.details[0]?.reason, 'POLICY_DENIED');
        assert.equal(s.emu.stats.vertexCalls, callsBefore, 'a denied call never reaches the upstream');
        const row = await auditRow(id);
        assert.equal(row.decision, 'deny');
        assert.equal(row.status, 403);
        assert.equal(row.principal, `${s.emu.issuer}/bob`);
      } finally {
        await jc.close();
      }
    });

    it('a wrong token: UNAUTHENTICATED (gRPC code 16)', async () => {
      const pc = new aiplatform.v1.PredictionServiceClient(opts('not-a-jwt'));
      try {
        const err = await pc
          .generateContent({ model, contents: [{ role: 'user', parts: [{ text: 'x' }] }] })
          .then(() => assert.fail('expected a rejection'), (e: unknown) => e as { code?: number; message?: string });
        assert.equal(err.code, 401);
        assert.equal(grpcCode(err), Status.UNAUTHENTICATED);
      } finally {
        await pc.close();
      }
    });
  });

  describe('openai (Vertex OpenAI-compatible endpoint)', () => {
    const baseURL = () => `${s.gw.url}/v1/${PARENT}/endpoints/openapi`;
    const client = (apiKey: string) => new OpenAI({ baseURL: baseURL(), apiKey, maxRetries: 0 });
    const MODEL = `google/${GEMINI}`;

    it('chat.completions.create, usage audited', async () => {
      const id = rid('openai-chat');
      const r = await client(engineerJwt).chat.completions.create(
        { model: MODEL, messages: [{ role: 'user', content: 'hi openai' }] },
        { headers: { 'x-request-id': id } },
      );
      assert.equal(r.choices[0]!.message.content, `Echo from ${MODEL}: hi openai`);
      assert.ok(r.usage && r.usage.total_tokens > 0);
      upstreamSaw(id);
      const row = await auditRow(id);
      assert.equal(row.operation, 'chat.completions');
      assert.equal(row.principal, `${s.emu.issuer}/alice`);
      assert.equal(row.prompt_tokens, r.usage.prompt_tokens);
      assert.equal(row.output_tokens, r.usage.completion_tokens);
      assert.equal(row.total_tokens, r.usage.total_tokens);
    });

    it('streaming: deltas collected, [DONE] handled by the client, usage audited', async () => {
      const id = rid('openai-stream');
      const stream = await client(engineerJwt).chat.completions.create(
        { model: MODEL, messages: [{ role: 'user', content: 'hi stream' }], stream: true, stream_options: { include_usage: true } },
        { headers: { 'x-request-id': id } },
      );
      let text = '';
      let deltas = 0;
      let total = 0;
      for await (const ch of stream) {
        const d = ch.choices[0]?.delta?.content;
        if (d) {
          deltas++;
          text += d;
        }
        if (ch.usage) total = ch.usage.total_tokens;
      }
      assert.equal(text, `Echo from ${MODEL}: hi stream`);
      assert.ok(deltas >= 2, `expected several deltas, got ${deltas}`);
      assert.ok(total > 0);
      upstreamSaw(id);
      const row = await auditRow(id);
      assert.equal(row.operation, 'chat.completions');
      assert.equal(row.stream, 1);
      assert.equal(row.total_tokens, total);
    });

    it('a wrong key: AuthenticationError (401) with the status body', async () => {
      const err = await client('not-a-jwt')
        .chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] })
        .then(() => assert.fail('expected a rejection'), (e: unknown) => e);
      assert.ok(err instanceof OpenAI.AuthenticationError, `got ${String(err)}`);
      assert.equal(err.status, 401);
      assert.match(JSON.stringify(err.error), /UNAUTHENTICATED/);
    });

    it('a caller no policy allows: PermissionDeniedError (403)', async () => {
      const nobody = await s.token('eve', ['contractors']);
      const err = await client(nobody)
        .chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] })
        .then(() => assert.fail('expected a rejection'), (e: unknown) => e);
      assert.ok(err instanceof OpenAI.PermissionDeniedError, `got ${String(err)}`);
      assert.equal(err.status, 403);
      assert.match(JSON.stringify(err.error), /PERMISSION_DENIED/);
    });
  });

  it('Warden minted its Google token once and reused it for every call', () => {
    assert.equal(s.emu.stats.byGrant['jwt-bearer'], 1);
    assert.ok(s.emu.stats.vertexCalls >= 10);
    assert.equal(s.emu.stats.rejectedCalls, 0, 'the emulator never saw a token it did not mint');
  });
});
