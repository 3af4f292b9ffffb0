// Policy on what only the request body names (the model and the stream flag
// of OpenAI-style calls) holds for bodies of every size: a body over the 1 MiB
// that is read whole before forwarding by default is read whole too when the
// model is in it, so a DENY on request.model, or an ALLOW with notValues,
// decides on the model the upstream will see. The official OpenAI client
// calls an upstream the test controls (an OpenAI route) and the emulator
// (Vertex's OpenAI-compatible endpoint).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { Emulator } from '../../src/emulator/index.js';
import type { RunningGateway } from '../../src/gateway.js';
import { startEmulatorWithCredentials, startGatewayFromYaml } from '../helpers/gateway.js';
import { closeServer, listen } from '../helpers/http-server.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

/** Over BUFFER_LIMIT (1 MiB): such bodies used to stream on unread. */
const BIG = 1_100_000;
const VERTEX_OPENAPI = '/v1/projects/emulator-project/locations/us-central1/endpoints/openapi';

const policies = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-gpt-4o}
spec:
  targetRefs: [{kind: Service, group: "", name: deny-model}]
  action: DENY
  rules: [{when: [{key: request.model, values: [gpt-4o]}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-streaming}
spec:
  targetRefs: [{kind: Service, group: "", name: deny-model}]
  action: DENY
  rules: [{when: [{key: request.stream, values: ["true"]}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: anything-but-gpt-4o}
spec:
  targetRefs: [{kind: Service, group: "", name: allow-not}]
  action: ALLOW
  rules: [{when: [{key: request.model, notValues: [gpt-4o]}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-gemini-pro}
spec:
  targetRefs: [{kind: Service, group: "", name: vertex}]
  action: DENY
  rules: [{when: [{key: request.model, values: [gemini-2.5-pro]}]}]
`;

describe('policy on the model named in a large body', () => {
  let upstream: Server;
  let emu: Emulator;
  let gw: RunningGateway;
  let dir: string;
  const seen: { url: string; bytes: number; model?: string }[] = [];

  before(async () => {
    upstream = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const model = (JSON.parse(body.toString('utf8')) as { model?: string }).model;
      seen.push({ url: req.url!, bytes: body.length, model });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
    const upstreamUrl = await listen(upstream);
    dir = makeTempDir('warden-body-model-');
    emu = await startEmulatorWithCredentials(dir);
    ({ gw } = await startGatewayFromYaml(
      `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  routes:
    - {name: deny-model, provider: openai, match: {pathPrefix: /openai/}, upstream: "${upstreamUrl}"}
    - {name: allow-not, provider: openai, match: {pathPrefix: /allowlist/}, upstream: "${upstreamUrl}"}
    - {name: vertex, provider: vertex, match: {pathPrefix: /v1/}, upstream: "${emu.url}", credential: sa}
  credentials:
    - {name: sa, google: {file: ./credentials/service-account.json}}
---
${policies}`,
      { dir, quiet: true },
    ));
  });
  after(async () => {
    await gw?.close();
    await emu?.close();
    await closeServer(upstream);
    removeDir(dir);
  });

  const client = (base: string) => new OpenAI({ baseURL: `${gw.url}${base}`, apiKey: 'unused', maxRetries: 0 });
  const chat = (base: string, model: string, n: number, stream = false) =>
    client(base).chat.completions.create({ model, messages: [{ role: 'user', content: 'x'.repeat(n) }], stream } as OpenAI.ChatCompletionCreateParamsNonStreaming);
  const refusal = async (p: Promise<unknown>) => {
    const err = await p.then(() => assert.fail('expected a refusal'), (e: unknown) => e);
    assert.ok(err instanceof OpenAI.PermissionDeniedError, `got ${String(err)}`);
    return err;
  };

  for (const [size, n] of [['small', 100], ['large (over 1 MiB)', BIG]] as const) {
    it(`DENY on request.model refuses a ${size} body naming the model`, async () => {
      const before = seen.length;
      const err = await refusal(chat('/openai/v1', 'gpt-4o', n));
      assert.equal(err.code, 'policy_denied');
      assert.equal(seen.length, before, 'nothing reached the upstream');
    });

    it(`ALLOW with notValues on request.model refuses a ${size} body naming that model`, async () => {
      const before = seen.length;
      await refusal(chat('/allowlist/v1', 'gpt-4o', n));
      assert.equal(seen.length, before, 'nothing reached the upstream');
    });

    it(`DENY on request.stream refuses a ${size} streaming body`, async () => {
      await refusal(client('/openai/v1').chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(n) }], stream: true }));
    });

    it(`a ${size} body naming another model is forwarded whole`, async () => {
      for (const base of ['/openai/v1', '/allowlist/v1']) {
        const r = await chat(base, 'gpt-4o-mini', n);
        assert.equal(r.model, 'gpt-4o-mini');
        const last = seen.at(-1)!;
        assert.equal(last.model, 'gpt-4o-mini');
        assert.ok(last.bytes > n, `the upstream got the whole body (${last.bytes} bytes)`);
      }
    });

    it(`Vertex's OpenAI-compatible endpoint: DENY on request.model refuses a ${size} body`, async () => {
      await refusal(chat(VERTEX_OPENAPI, 'google/gemini-2.5-pro', n));
      const r = await chat(VERTEX_OPENAPI, 'google/gemini-2.0-flash', n);
      assert.match(r.choices[0]!.message.content ?? '', /^Echo from google\/gemini-2\.0-flash/);
    });
  }
});
