// Route path rewrites: an OpenAI-compatible upstream mounted under /openai/
// (stripPrefix) and under /llm/ (Envoy's prefix_rewrite). The official openai
// client calls Warden at /openai/v1; the upstream gets /v1/chat/completions,
// the provider classifies that, and policy and the audit record see the path
// the caller sent.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { parseConfig, formatProblem } from '../../src/config/load.js';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { startStack, type Stack } from '../helpers/stack.js';

const config = ({ emulatorUrl }: { emulatorUrl: string }) => `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: rewrite}
spec:
  audit: {sqlite: ./audit.db}
  routes:
    - name: mounted
      provider: openai
      match: {pathPrefix: /openai/}
      rewrite: {stripPrefix: /openai}
      upstream: ${emulatorUrl}
      credential: vertex-sa
    - name: replaced
      provider: openai
      match: {pathPrefix: /llm/}
      rewrite: {prefix: /v1/}
      upstream: ${emulatorUrl}
      credential: vertex-sa
  credentials:
    - name: vertex-sa
      google: {file: ./credentials/service-account.json}
---
# Policy sees the caller's path: /openai/… is open, /llm/… only for one model.
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: paths}
spec:
  action: ALLOW
  rules:
    - to: [{operation: {paths: [/openai/*]}}]
    - to: [{operation: {paths: [/llm/*]}}]
      when:
        - {key: request.model, values: [gpt-allowed]}
`;

describe('route rewrite', () => {
  let s: Stack;
  before(async () => {
    s = await startStack(config);
  });
  after(() => s?.close());

  const client = (base: string) => new OpenAI({ baseURL: `${s.gw.url}${base}`, apiKey: 'unused', maxRetries: 0 });
  const row = (id: string) => waitForAuditRow<{ path: string; model: string; operation: string; status: number; route: string }>(join(s.dir, 'audit.db'), id);

  it('stripPrefix: the client at /openai/v1 reaches the upstream at /v1, classified, recorded with the caller path', async () => {
    const upstreamBefore = s.emu.vertexRequests.length;
    const res = await client('/openai/v1').chat.completions
      .create({ model: 'gpt-test', messages: [{ role: 'user', content: 'Hello' }] }, { headers: { 'x-request-id': 'rewrite-strip' } })
      .withResponse();
    assert.equal(res.response.status, 200);
    assert.ok(res.data.choices[0]?.message.content);
    const r = (await row('rewrite-strip'))!;
    assert.deepEqual([r.route, r.path, r.model, r.operation], ['mounted', '/openai/v1/chat/completions', 'gpt-test', 'chat.completions']);
    const seen = s.emu.vertexRequests.slice(upstreamBefore).map((x) => x.path);
    assert.ok(seen.includes('/v1/chat/completions'), `the upstream got ${seen.join(', ')}`);
  });

  it('prefix (Envoy prefix_rewrite): /llm/chat/completions goes up as /v1/chat/completions; policy on the caller path and the model decides', async () => {
    const ok = await client('/llm').chat.completions
      .create({ model: 'gpt-allowed', messages: [{ role: 'user', content: 'Hello' }] }, { headers: { 'x-request-id': 'rewrite-prefix' } })
      .withResponse();
    assert.equal(ok.response.status, 200);
    const r = (await row('rewrite-prefix'))!;
    assert.deepEqual([r.route, r.path, r.model, r.operation], ['replaced', '/llm/chat/completions', 'gpt-allowed', 'chat.completions']);
    await assert.rejects(
      client('/llm').chat.completions.create({ model: 'gpt-other', messages: [{ role: 'user', content: 'Hello' }] }),
      (e: InstanceType<typeof OpenAI.APIError>) => e.status === 403,
    );
  });

  it('a rewrite the route cannot apply is a config problem', () => {
    const cfg = parseConfig(`apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: bad}
spec:
  routes:
    - {name: a, provider: openai, upstream: "http://127.0.0.1:9", rewrite: {prefix: /v1/}}
    - {name: b, provider: openai, match: {pathPrefix: /llm/}, upstream: "http://127.0.0.1:9", rewrite: {stripPrefix: /openai}}
`, 'warden.yaml', '.');
    const problems = cfg.problems.map(formatProblem).join('\n');
    assert.match(problems, /routes\[0\]\.rewrite\.prefix: rewrite\.prefix replaces match\.pathPrefix, and this route has none/);
    assert.match(problems, /routes\[1\]\.rewrite\.stripPrefix: stripPrefix \/openai is not a prefix of every path this route matches/);
    const both = parseConfig(`apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: bad}
spec:
  routes:
    - {name: c, provider: openai, match: {pathPrefix: /x/}, upstream: "http://127.0.0.1:9", rewrite: {stripPrefix: /x, prefix: /y/}}
`, 'warden.yaml', '.');
    assert.match(both.problems.map(formatProblem).join('\n'), /routes\[0\]\.rewrite: rewrite takes one of stripPrefix and prefix/);
  });
});
