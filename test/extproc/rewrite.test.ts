// Route rewrites through ext_proc and real Envoy: Envoy forwards, so Warden
// sets the rewritten :path in its header answer, as the proxy sends it. The
// official openai client calls Envoy at /openai/v1; the upstream gets
// /v1/chat/completions; policy and the audit record see the caller's path.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { parseConfig } from '../../src/config/load.js';
import { renderManifests } from '../../src/istio/render.js';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { extProcFromEnvoyFilter } from '../helpers/istio-filters.js';
import { startStack, type Stack } from '../helpers/stack.js';

const WARDEN = 'warden-ext-proc';
const RENDER = {
  image: 'warden:test', replicas: 2, maxReplicas: 4, namespace: 'warden', egressNamespace: 'istio-system',
  egressSelector: { istio: 'egressgateway' }, egressServiceAccount: 'istio-egressgateway-service-account', trustDomain: 'cluster.local', secret: 'warden-files',
  metricsFrom: { namespaces: ['monitoring'], principals: [] }, ephemeralAudit: true,
};

const config = ({ emulatorUrl }: { emulatorUrl: string }) => `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: rewrite, namespace: warden}
spec:
  listen: {host: 127.0.0.1, port: 0}
  admin: {host: 127.0.0.1, port: 0}
  extProc: {grpc: {port: 0}, timeout: 5s}
  audit: {sqlite: ./audit.db}
  routes:
    - name: mounted
      provider: openai
      match: {pathPrefix: /openai/}
      rewrite: {stripPrefix: /openai}
      upstream: ${emulatorUrl}
      credential: vertex-sa
    # Render enables ext_proc on the Vertex hosts of the config's vertex routes; without one it writes none.
    - name: vertex
      provider: vertex
      match: {pathPrefix: /v1/}
      upstream: ${emulatorUrl}
      credential: vertex-sa
  credentials:
    - name: vertex-sa
      google: {file: ./credentials/service-account.json}
---
# Policy sees the caller's path: only /openai/… with one model.
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: paths}
spec:
  action: ALLOW
  rules:
    - to: [{operation: {paths: [/openai/*]}}]
      when:
        - {key: request.model, values: [gpt-allowed]}
`;

describe('route rewrite through ext_proc and real Envoy', { timeout: 120_000 }, () => {
  let s: Stack;
  let envoy: RunningEnvoy;
  before(async () => {
    s = await startStack(config);
    const text = config({ emulatorUrl: s.emu.url }).replace('extProc: {grpc: {port: 0}', 'extProc: {grpc: {port: 9193}');
    const rendered = renderManifests(parseConfig(text, join(s.dir, 'render.yaml'), s.dir), text, RENDER).manifests.find((m) => m.kind === 'EnvoyFilter')!;
    const { filter, perFilterConfig, runtime } = extProcFromEnvoyFilter(rendered, WARDEN);
    envoy = await startEnvoy({
      httpFilters: [filter],
      clusters: [{ name: 'upstream', port: s.emu.port }, { name: WARDEN, port: s.gw.extProc!.port, http2: true }],
      routeTo: 'upstream',
      perFilterConfig,
      runtime,
    });
  });
  after(async () => {
    await envoy?.stop();
    await s?.close();
  });

  const client = () => new OpenAI({ baseURL: `${envoy.url}/openai/v1`, apiKey: 'unused', maxRetries: 0 });

  it('stripPrefix: the upstream gets /v1/chat/completions, policy and the record the caller\'s /openai/v1/chat/completions', async () => {
    const before = s.emu.vertexRequests.length;
    const res = await client().chat.completions
      .create({ model: 'gpt-allowed', messages: [{ role: 'user', content: 'Hello' }] }, { headers: { 'x-request-id': 'xp-rewrite' } })
      .withResponse();
    assert.equal(res.response.status, 200);
    assert.ok(res.data.choices[0]?.message.content);
    const seen = s.emu.vertexRequests.slice(before).map((r) => r.path);
    assert.deepEqual(seen, ['/v1/chat/completions'], 'Envoy forwarded the path Warden rewrote');
    const row = (await waitForAuditRow<{ path: string; model: string; operation: string; route: string; status: number }>(join(s.dir, 'audit.db'), 'xp-rewrite'))!;
    assert.deepEqual([row.route, row.path, row.model, row.operation, row.status], ['mounted', '/openai/v1/chat/completions', 'gpt-allowed', 'chat.completions', 200]);
    await assert.rejects(
      client().chat.completions.create({ model: 'gpt-other', messages: [{ role: 'user', content: 'Hello' }] }),
      (e: InstanceType<typeof OpenAI.APIError>) => e.status === 403,
    );
  });
});
