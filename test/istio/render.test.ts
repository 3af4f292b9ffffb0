// `warden istio render`: the manifests it writes are valid Kubernetes and
// Istio objects (kubernetes-models' published schemas; the mesh's extension
// provider against the JSON schema kept in ./schemas; both through
// ./manifests.ts, which helm.test.ts shares) and say what the config says:
// ports, probes, key files, the CUSTOM policy's provider.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1';
import { main } from '../../src/cli/main.js';
import { parseConfig } from '../../src/config/load.js';
import { renderManifests, type RenderOptions } from '../../src/istio/render.js';
import { startEmulatorWithCredentials } from '../helpers/gateway.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { MODELS, assertConfigFilesMounted, assertValidManifests, parseManifests, validExtensionProvider, type Doc } from './manifests.js';

const CONFIG = `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: warden, namespace: ai-gateway}
spec:
  listen: {host: 0.0.0.0, port: 8080}
  admin: {host: 0.0.0.0, port: 9901}
  extAuthz:
    grpc: {port: 9191}
    http: {port: 9192, pathPrefix: /check}
  routes:
    - name: vertex
      provider: vertex
      match: {host: europe-west4-aiplatform.googleapis.com}
      upstream: https://europe-west4-aiplatform.googleapis.com
      credential: vertex-sa
  credentials:
    - name: vertex-sa
      google: {file: ./credentials/service-account.json}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: corp-idp}
spec:
  jwtRules:
    - issuer: https://idp.example.com
      audiences: [warden]
      jwksUri: https://idp.example.com/jwks
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ml-namespace}
spec:
  action: ALLOW
  rules:
    - from:
        - source: {namespaces: [ml]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: gemini-only}
spec:
  action: ALLOW
  rules:
    - when:
        - key: request.model
          values: [gemini*]
`;

const OPTIONS: RenderOptions = {
  image: 'warden:test', replicas: 2, maxReplicas: 4, namespace: 'warden', egressNamespace: 'istio-system',
  egressSelector: { istio: 'egressgateway' }, egressServiceAccount: 'istio-egressgateway-service-account',
  trustDomain: 'cluster.local', secret: 'warden-files',
};

describe('warden istio render', () => {
  let dir: string;
  let docs: Doc[];
  let text: string;
  const find = (kind: string, name?: string) => docs.find((d) => d.kind === kind && (name === undefined || d.metadata.name === name))!;

  before(async () => {
    dir = makeTempDir('warden-istio-');
    await (await startEmulatorWithCredentials(dir)).close();
    writeFileSync(join(dir, 'warden.yaml'), CONFIG);
    const code = await main(['istio', 'render', '-c', join(dir, 'warden.yaml'), '-o', join(dir, 'out.yaml'), '--image', 'registry.example.com/warden:0.1.0', '--replicas', '3']);
    assert.equal(code, 0);
    text = readFileSync(join(dir, 'out.yaml'), 'utf8');
    docs = parseManifests(text);
  });
  after(() => removeDir(dir));

  it('writes only objects that validate against the Kubernetes and Istio schemas', () => {
    assert.ok(docs.length >= 15, `got ${docs.length} documents`);
    assertValidManifests(docs);
    // The validation is real: a wrong type is caught.
    const broken = structuredClone(find('Deployment')) as Doc;
    broken.spec!.replicas = 'three';
    assert.throws(() => new Deployment(broken as never).validate(), /replicas/);
  });

  it('renders the mesh extension providers as Istio reads them', () => {
    const valid = validExtensionProvider;
    const providers = find('IstioOperator').spec!.meshConfig.extensionProviders as Record<string, any>[];
    assert.deepEqual(providers.map((p) => p.name), ['warden-ext-authz-grpc', 'warden-ext-authz-http']);
    for (const p of providers) assert.ok(valid(p), JSON.stringify(valid.errors));
    assert.equal(valid({ name: 'x', envoyExtAuthzGrpc: { service: 'warden', port: 9191, bogus: true } }), false);
    const [grpc, http] = providers;
    assert.deepEqual(grpc.envoyExtAuthzGrpc, {
      service: 'warden.ai-gateway.svc.cluster.local',
      port: 9191,
      timeout: '0.2s',
      failOpen: false,
      includeRequestBodyInCheck: { maxRequestBytes: 1048576, allowPartialMessage: true, packAsBytes: true },
    });
    assert.equal(http.envoyExtAuthzHttp.pathPrefix, '/check');
    assert.deepEqual(http.envoyExtAuthzHttp.headersToUpstreamOnAllow, ['authorization']);
    assert.ok(http.envoyExtAuthzHttp.includeRequestHeadersInCheck.includes('authorization'));
  });

  it('runs Warden non-root with probes on /readyz, its config and its key file', () => {
    const dep = find('Deployment');
    assert.equal(dep.metadata.namespace, 'ai-gateway');
    assert.equal(dep.spec!.replicas, undefined, 'the autoscaler owns the replica count');
    const pod = dep.spec!.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    const c = pod.containers[0];
    assert.equal(c.image, 'registry.example.com/warden:0.1.0');
    assert.deepEqual(c.args, ['start', '-c', '/etc/warden/warden.yaml']);
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'http-admin' });
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    assert.deepEqual(c.ports.map((p: { containerPort: number }) => p.containerPort), [8080, 9901, 9191, 9192]);
    const keyMount = c.volumeMounts.find((m: { name: string }) => m.name === 'files');
    assert.deepEqual(keyMount, { name: 'files', mountPath: '/etc/warden/secrets/warden-files', readOnly: true });
    assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === 'files').secret, {
      secretName: 'warden-files',
      defaultMode: 0o440,
      items: [{ key: 'service-account.json', path: 'service-account.json' }],
    });
    // The config in the pod reads the key from the Secret's directory; nothing else in it changes.
    assert.equal(
      find('ConfigMap').data!['warden.yaml'],
      CONFIG.replace('file: ./credentials/service-account.json', 'file: /etc/warden/secrets/warden-files/service-account.json'),
    );
    assert.match(dep.spec!.template.metadata.annotations['checksum/config'], /^[0-9a-f]{64}$/);
    // Warden drains for spec.shutdown's drainDelay + timeout (5 s + 25 s): its sidecar serves as long, the pod gets 5 s more.
    assert.deepEqual(JSON.parse(dep.spec!.template.metadata.annotations['proxy.istio.io/config']), { terminationDrainDuration: '30s' });
    assert.equal(pod.terminationGracePeriodSeconds, 35);
    assert.match(text, /# note: .*kubectl -n ai-gateway create secret generic warden-files --from-file=service-account\.json=\.\/credentials\/service-account\.json/);
    assert.doesNotMatch(text, /PRIVATE KEY/, 'key material is never rendered');
    assert.deepEqual(find('HorizontalPodAutoscaler').spec!.minReplicas, 3);
    assert.deepEqual(find('PeerAuthentication').spec!.mtls, { mode: 'STRICT' });
  });

  it('sends model calls through the egress gateway to Warden, and lets only that gateway call ext_authz', () => {
    const custom = find('AuthorizationPolicy', 'vertex-ext-authz');
    assert.equal(custom.spec!.action, 'CUSTOM');
    assert.equal(custom.spec!.provider.name, 'warden-ext-authz-grpc');
    assert.deepEqual(custom.spec!.rules[0].to[0].operation.hosts, ['europe-west4-aiplatform.googleapis.com']);
    assert.deepEqual(find('ServiceEntry', 'vertex-ai').spec!.hosts, ['europe-west4-aiplatform.googleapis.com']);
    assert.deepEqual(find('DestinationRule').spec!.trafficPolicy.portLevelSettings[0].tls, { mode: 'SIMPLE' });
    const vs = find('VirtualService');
    assert.equal(vs.spec!.http[1].route[0].destination.port.number, 443);
    const callers = find('AuthorizationPolicy', 'warden-ext-authz-callers');
    assert.deepEqual(callers.spec!.rules[0], {
      from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-egressgateway-service-account'] } }],
      to: [{ operation: { ports: ['9191', '9192'] } }],
    });
  });

  it('carries the config’s Istio documents to the egress gateway, leaving out what only Warden understands', () => {
    const ra = find('RequestAuthentication', 'corp-idp');
    assert.equal(ra.metadata.namespace, 'istio-system');
    assert.deepEqual(ra.spec!.selector, { matchLabels: { istio: 'egressgateway' } });
    assert.ok(find('AuthorizationPolicy', 'ml-namespace'));
    assert.equal(find('AuthorizationPolicy', 'gemini-only'), undefined);
    assert.match(text, /# note: AuthorizationPolicy gemini-only uses request\.model/);
  });

  it('mounts each Secret as a directory, never with subPath, so that a rotated key reaches the running pod', () => {
    const pod = find('Deployment').spec!.template.spec;
    const secretVolumes = new Set(pod.volumes.filter((v: { secret?: unknown }) => v.secret).map((v: { name: string }) => v.name));
    assert.ok(secretVolumes.size > 0);
    const mounts = pod.containers.flatMap((c: { volumeMounts: Record<string, unknown>[] }) => c.volumeMounts);
    for (const m of mounts.filter((m: { name: string }) => secretVolumes.has(m.name))) {
      assert.equal(m.subPath, undefined, `${m.name} at ${m.mountPath} uses subPath`);
      assert.equal(m.subPathExpr, undefined);
      assert.equal(m.readOnly, true);
    }
    assert.deepEqual(assertConfigFilesMounted(find('Deployment'), find('ConfigMap')), ['/etc/warden/secrets/warden-files/service-account.json']);
    const c = pod.containers[0];
    assert.equal(pod.securityContext.runAsUser, 65532);
    assert.equal(c.securityContext.runAsNonRoot, true);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  });

  it('points every file of a richer config into the Secret’s directory, keeping the rest of the text', () => {
    const rich = `# Warden, with every kind of file it reads
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: edge}
spec:
  listen:
    host: 0.0.0.0
    port: 8443
    tls: {certFile: tls/tls.crt, keyFile: "tls/tls.key", clientCaFile: /var/run/trust/ca.pem, clientCertificate: optional}
  extAuthz: {grpc: {port: 9191}}
  identity:
    apiKeys: {file: ./keys/api-keys.yaml}   # rotated by the platform team
    tokens: {signingKeyFile: 'keys/signing key.pem'}
  routes:
    - {name: vertex, provider: vertex, match: {host: us-central1-aiplatform.googleapis.com}, upstream: https://us-central1-aiplatform.googleapis.com, credential: sa}
  credentials:
    - name: sa
      google:
        file: &sa ./credentials/service-account.json
    - {name: again, google: {file: *sa}}
    - {name: bearer, bearer: {file: /etc/other/service-account.json}}
    - {name: key, apiKey: {file: credentials/api-key.txt}}
  audit:
    sqlite: ./data/audit.db
    hmacKeyFile: keys/audit-hmac.key
`;
    const config = parseConfig(rich, 'rich.yaml', '/nowhere');
    assert.deepEqual(config.problems, []);
    const { manifests, notes } = renderManifests(config, rich, { ...OPTIONS, secret: 'edge-files' });
    const cm = manifests.find((m) => m.kind === 'ConfigMap') as unknown as Doc;
    const dep = manifests.find((m) => m.kind === 'Deployment') as unknown as Doc;
    for (const d of [cm, dep]) assert.doesNotThrow(() => new MODELS[`${d.apiVersion}/${d.kind}`](d as never).validate());
    const dir = '/etc/warden/secrets/edge-files';
    assert.deepEqual(assertConfigFilesMounted(dep, cm).sort(), [
      `${dir}/2-service-account.json`, `${dir}/api-key.txt`, `${dir}/api-keys.yaml`, `${dir}/audit-hmac.key`, `${dir}/ca.pem`,
      `${dir}/service-account.json`, `${dir}/signing_key.pem`, `${dir}/tls.crt`, `${dir}/tls.key`,
    ]);
    const podConfig = cm.data!['warden.yaml'];
    assert.match(podConfig, /^# Warden, with every kind of file it reads\n/);
    assert.match(podConfig, /apiKeys: \{file: \/etc\/warden\/secrets\/edge-files\/api-keys\.yaml\}   # rotated by the platform team\n/);
    assert.match(podConfig, /keyFile: \/etc\/warden\/secrets\/edge-files\/tls\.key,/);
    assert.match(podConfig, /signingKeyFile: \/etc\/warden\/secrets\/edge-files\/signing_key\.pem\}/);
    assert.match(podConfig, /sqlite: \.\/data\/audit\.db/, 'files Warden writes are not secrets');
    assert.match(podConfig, / - \{name: vertex, provider: vertex, match: \{host: us-central1/, 'flow style is kept');
    // Both credentials read one file (an alias), mounted once; another file of that name gets its own key.
    const sa = parseConfig(podConfig, 'pod.yaml', '/etc/warden').gateway.value.credentials;
    assert.equal(sa[0].google!.file, `${dir}/2-service-account.json`);
    assert.equal(sa[1].google!.file, `${dir}/2-service-account.json`);
    assert.equal(sa[2].bearer!.file, `${dir}/service-account.json`);
    assert.match(notes.join('\n'), / '--from-file=signing_key\.pem=keys\/signing key\.pem' /, 'a path with a space is quoted for the shell');
  });

  it('renders a config that reads no files without a Secret', () => {
    const bare = CONFIG.replace(/  credentials:\n.*\n.*\n/, '').replace('      credential: vertex-sa\n', '');
    const config = parseConfig(bare, 'bare.yaml', '/nowhere');
    assert.deepEqual(config.problems, []);
    const { manifests } = renderManifests(config, bare, OPTIONS);
    const pod = (manifests.find((m) => m.kind === 'Deployment') as unknown as Doc).spec!.template.spec;
    assert.equal(pod.volumes.some((v: { secret?: unknown }) => v.secret), false);
    assert.equal((manifests.find((m) => m.kind === 'ConfigMap') as unknown as Doc).data!['warden.yaml'], bare);
  });

  it('refuses a config without spec.extAuthz, with file and line', async () => {
    const file = join(dir, 'no-extauthz.yaml');
    writeFileSync(file, CONFIG.replace(/  extAuthz:\n.*\n.*\n/, ''));
    const errors: string[] = [];
    const orig = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      assert.equal(await main(['istio', 'render', '-c', file]), 1);
    } finally {
      console.error = orig;
    }
    assert.match(errors.join('\n'), /no-extauthz\.yaml:\d+:\d+: .*no spec\.extAuthz/);
  });
});
