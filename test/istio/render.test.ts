// `warden istio render`: the manifests it writes are valid Kubernetes and
// Istio objects (kubernetes-models' published schemas; the mesh's extension
// provider against the JSON schema kept in ./schemas; both through
// ./manifests.ts, which helm.test.ts shares) and say what the config says:
// ports, probes, key files, the CUSTOM policy's provider. And they are safe
// to apply: Istio, given what they put on the shared egress gateway, leaves
// unrelated egress alone and refuses no caller Warden allows; Warden's admin
// port answers only the metrics scraper; an audit log on the pod's emptyDir
// is refused unless asked for; the mesh config stays out of the apply stream.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1';
import { main } from '../../src/cli/main.js';
import { parseConfig } from '../../src/config/load.js';
import { RenderRefusedError, renderManifests, type RenderOptions } from '../../src/istio/render.js';
import { startEmulatorWithCredentials } from '../helpers/gateway.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { MODELS, assertConfigFilesMounted, assertValidManifests, meshDecision, parseManifests, validExtensionProvider, type Doc } from './manifests.js';

const CONFIG = `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: warden, namespace: ai-gateway}
spec:
  listen: {host: 0.0.0.0, port: 8080}
  admin: {host: 0.0.0.0, port: 9901, auth: {oidc: {issuer: "https://idp.example.com", clientId: warden-console}}}
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
  trustDomain: 'cluster.local', secret: 'warden-files', metricsFrom: { namespaces: ['monitoring'], principals: [] }, ephemeralAudit: false,
};

/** `warden istio render ARGS`, in this process: exit code, and what it printed on stderr. */
async function renderCli(args: string[]): Promise<{ code: number; stderr: string }> {
  const errors: string[] = [];
  const orig = console.error;
  console.error = (m: string) => errors.push(m);
  try {
    return { code: await main(['istio', 'render', ...args]), stderr: errors.join('\n') };
  } finally {
    console.error = orig;
  }
}

const EGRESS_GATEWAY = { namespace: 'istio-system', labels: { istio: 'egressgateway', app: 'istio-egressgateway' } };
const VERTEX = 'europe-west4-aiplatform.googleapis.com';

describe('warden istio render', () => {
  let dir: string;
  let docs: Doc[];
  let text: string;
  let stderr: string;
  let mesh: Doc[];
  const find = (kind: string, name?: string) => docs.find((d) => d.kind === kind && (name === undefined || d.metadata.name === name))!;

  before(async () => {
    dir = makeTempDir('warden-istio-');
    await (await startEmulatorWithCredentials(dir)).close();
    writeFileSync(join(dir, 'warden.yaml'), CONFIG);
    const run = await renderCli([
      '-c', join(dir, 'warden.yaml'), '-o', join(dir, 'out.yaml'), '--mesh-config-out', join(dir, 'mesh.yaml'),
      '--image', 'registry.example.com/warden:0.1.0', '--replicas', '3',
    ]);
    assert.equal(run.code, 0, run.stderr);
    stderr = run.stderr;
    text = readFileSync(join(dir, 'out.yaml'), 'utf8');
    docs = parseManifests(text);
    mesh = parseManifests(readFileSync(join(dir, 'mesh.yaml'), 'utf8'));
  });
  after(() => removeDir(dir));

  it('writes only objects that validate against the Kubernetes and Istio schemas, networking ones as networking.istio.io/v1', () => {
    assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`), [
      'ConfigMap/warden-config', 'Deployment/warden', 'Service/warden', 'HorizontalPodAutoscaler/warden', 'PodDisruptionBudget/warden',
      'PeerAuthentication/warden', 'AuthorizationPolicy/warden-ext-authz-callers', 'ServiceEntry/vertex-ai', 'ServiceEntry/google-token-services',
      'Gateway/vertex-egress', 'VirtualService/vertex-egress-0', 'DestinationRule/vertex-tls-origination', 'AuthorizationPolicy/vertex-ext-authz',
    ]);
    assertValidManifests(docs);
    assertValidManifests(mesh);
    const networking = docs.filter((d) => d.apiVersion.startsWith('networking.istio.io/'));
    assert.equal(networking.length, 5);
    for (const d of networking) assert.equal(d.apiVersion, 'networking.istio.io/v1', `${d.kind} ${d.metadata.name}`);
    // The validation is real: a wrong type is caught.
    const broken = structuredClone(find('Deployment')) as Doc;
    broken.spec!.replicas = 'three';
    assert.throws(() => new Deployment(broken as never).validate(), /replicas/);
  });

  it('renders the mesh extension providers as Istio reads them', () => {
    const valid = validExtensionProvider;
    assert.deepEqual(mesh.map((d) => d.kind), ['IstioOperator']);
    const providers = mesh[0].spec!.meshConfig.extensionProviders as Record<string, any>[];
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
    // drainDelay is the preStop hook's sleep, before SIGTERM; Warden is told so, and does not wait it again.
    assert.deepEqual(c.lifecycle, { preStop: { sleep: { seconds: 5 } } });
    assert.deepEqual(c.env.find((e: { name: string }) => e.name === 'WARDEN_PRESTOP_SECONDS'), { name: 'WARDEN_PRESTOP_SECONDS', value: '5' });
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
    assert.deepEqual(vs.spec!.http.map((h: { match: { gateways: string[] }[]; route: { destination: { port: { number: number } } }[] }) => `${h.match[0]!.gateways[0]} → ${h.route[0]!.destination.port.number}`),
      ['mesh → 80', 'mesh → 80', 'vertex-egress → 443', 'vertex-egress → 443']);
    const callers = find('AuthorizationPolicy', 'warden-ext-authz-callers');
    assert.deepEqual(callers.spec!.rules[0], {
      from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-egressgateway-service-account'] } }],
      to: [{ operation: { ports: ['9191', '9192'] } }],
    });
  });

  it('lets the mesh retry only the calls safe to repeat: any other (an interaction\'s, a cache\'s, a job\'s creation) has attempts 0, on the sidecar and the gateway', () => {
    const http = find('VirtualService').spec!.http as { match: { uri?: { regex: string } }[]; retries?: { attempts: number } }[];
    const [repeatable, other] = [http.filter((h) => h.match[0]!.uri), http.filter((h) => !h.match[0]!.uri)];
    assert.equal(repeatable.length, 2);
    assert.ok(repeatable.every((h) => h.retries === undefined), 'the mesh\'s retry policy applies');
    assert.deepEqual(other.map((h) => h.retries), [{ attempts: 0 }, { attempts: 0 }]);
    // Envoy matches the whole path, without its query: the same calls Warden's failover repeats.
    const re = new RegExp(`^(?:${repeatable[0]!.match[0]!.uri!.regex})$`);
    const V = '/v1/projects/p/locations/europe-west4';
    for (const [path, repeat] of [
      [`${V}/publishers/google/models/gemini-2.5-flash:generateContent`, true],
      [`${V}/publishers/google/models/gemini-2.5-flash:streamGenerateContent`, true],
      [`${V}/publishers/anthropic/models/claude-sonnet-4-5:streamRawPredict`, true],
      [`${V}/publishers/google/models/text-embedding-005:predict`, true],
      [`${V}/endpoints/openapi/chat/completions`, true],
      [`${V}/endpoints/123:predict`, true],
      [`${V}/interactions`, false],
      [`${V}/interactionsHttp`, false],
      [`${V}/interactions/abc/cancel`, false],
      [`${V}/cachedContents`, false],
      [`${V}/batchPredictionJobs`, false],
      [`${V}/batchPredictionJobs/1:cancel`, false],
      [`${V}/customJobs`, false],
      [`${V}/publishers/google/models/gemini-2.5-flash%3AgenerateContent`, false],
    ] as const) {
      assert.equal(re.test(path), repeat, path);
    }
  });

  it('keeps the mesh config out of the kubectl apply stream: --mesh-config-out gets it, and without that flag a note says how', async () => {
    assert.equal(docs.some((d) => d.kind === 'IstioOperator'), false, 'an IstioOperator is no cluster object: kubectl apply would refuse it');
    assert.match(readFileSync(join(dir, 'mesh.yaml'), 'utf8'), /^# .*\n# Install with istioctl install -f /);
    const plain = await renderCli(['-c', join(dir, 'warden.yaml'), '-o', join(dir, 'plain.yaml')]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(parseManifests(readFileSync(join(dir, 'plain.yaml'), 'utf8')).some((d) => d.kind === 'IstioOperator'), false);
    assert.match(plain.stderr, /note: the mesh config .* is not in this stream, which is for kubectl apply: write it with --mesh-config-out FILE and install it with istioctl install -f FILE/);
  });

  it('puts on the shared egress gateway only the CUSTOM policy, scoped to the Vertex hosts: other egress is untouched, callers Warden allows pass', () => {
    const egress = (host: string, namespace: string) => meshDecision(docs, EGRESS_GATEWAY, { host, port: 80, from: { namespace } });
    // Unrelated egress through the same gateway, from anywhere: not Warden's business.
    for (const ns of ['web', 'ml']) assert.deepEqual(egress('api.github.com', ns), { asks: [], decision: 'allow', reason: 'no ALLOW policy applies' });
    // Model calls: Istio asks Warden and adds nothing of its own, so a caller Warden allows by gemini-only
    // (request.model, which Istio cannot read) from outside namespace ml is not refused by ml-namespace.
    assert.deepEqual(egress(VERTEX, 'web'), { asks: ['warden-ext-authz-grpc'], decision: 'allow', reason: 'no ALLOW policy applies' });
    assert.deepEqual(egress('us-central1-aiplatform.googleapis.com', 'web').asks, [], 'a host the config does not route');
    const onGateway = docs.filter((d) => d.metadata.namespace === 'istio-system' && /Authorization|Authentication/.test(d.kind));
    assert.deepEqual(onGateway.map((d) => `${d.kind}/${d.metadata.name}`), ['AuthorizationPolicy/vertex-ext-authz']);
    assert.equal(docs.some((d) => d.kind === 'RequestAuthentication'), false, 'a RequestAuthentication has no host scope');
    assert.match(stderr, /note: the config's AuthorizationPolicy ml-namespace, AuthorizationPolicy gemini-only, RequestAuthentication corp-idp: enforced by Warden in its CUSTOM check/);
    assert.match(stderr, /kubectl -n istio-system delete authorizationpolicy ml-namespace gemini-only --ignore-not-found; kubectl -n istio-system delete requestauthentication corp-idp --ignore-not-found/);
  });

  it('opens the admin port only to the metrics scraper, the ext_authz ports only to the egress gateway, and the gateway port to the mesh', async () => {
    const warden = { namespace: 'ai-gateway', labels: find('Deployment').spec!.template.metadata.labels };
    const call = (port: number, namespace: string, serviceAccount?: string) => meshDecision(docs, warden, { host: 'warden', port, from: { namespace, serviceAccount } }).decision;
    assert.equal(call(9901, 'monitoring', 'prometheus'), 'allow');
    assert.equal(call(9901, 'web'), 'deny', '/explain and /credentials are not for every workload');
    assert.equal(call(9901, 'istio-system', 'istio-egressgateway-service-account'), 'deny');
    assert.equal(call(8080, 'web'), 'allow');
    assert.equal(call(9191, 'web'), 'deny');
    assert.equal(call(9191, 'istio-system', 'istio-egressgateway-service-account'), 'allow');
    assert.equal(call(9192, 'monitoring'), 'deny');
    // The kubelet's probes reach the admin port through the sidecar's agent, inside the pod.
    assert.equal(find('Deployment').spec!.template.metadata.annotations['sidecar.istio.io/rewriteAppHTTPProbers'], 'true');

    const out = join(dir, 'scraper.yaml');
    const run = await renderCli(['-c', join(dir, 'warden.yaml'), '-o', out, '--metrics-principal', 'cluster.local/ns/observability/sa/prometheus', '--metrics-namespace', 'metrics']);
    assert.equal(run.code, 0, run.stderr);
    const scraped = parseManifests(readFileSync(out, 'utf8'));
    const by = (namespace: string, serviceAccount?: string) => meshDecision(scraped, warden, { host: 'warden', port: 9901, from: { namespace, serviceAccount } }).decision;
    assert.equal(by('observability', 'prometheus'), 'allow');
    assert.equal(by('observability', 'grafana'), 'deny');
    assert.equal(by('metrics'), 'allow');
    assert.equal(by('monitoring'), 'deny', 'the default gives way to what is named');
    const bad = await renderCli(['-c', join(dir, 'warden.yaml'), '-o', out, '--metrics-principal', 'spiffe://cluster.local/ns/x/sa/y']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--metrics-principal spiffe:\/\/cluster\.local\/ns\/x\/sa\/y: write a peer identity as Istio does/);
  });

  it('refuses an audit log on the pod’s emptyDir unless --ephemeral-audit is given, and then warns', async () => {
    for (const [store, what] of [['{sqlite: ./audit.db}', 'SQLite file ./audit.db'], ['{jsonl: /var/log/warden/audit.jsonl}', 'JSON lines file /var/log/warden/audit.jsonl']]) {
      const file = join(dir, 'ephemeral.yaml');
      writeFileSync(file, CONFIG.replace('  credentials:\n', `  audit: ${store}\n  credentials:\n`));
      const out = join(dir, 'ephemeral-out.yaml');
      writeFileSync(out, 'untouched');
      const refused = await renderCli(['-c', file, '-o', out]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, new RegExp(`not rendered: the config keeps its audit log in the ${what.replace(/\./g, '\\.')}, which the rendered Deployment puts on the pod's emptyDir`));
      assert.match(refused.stderr, /Use audit\.postgres .*PersistentVolumeClaim.*--ephemeral-audit renders it anyway/);
      assert.equal(readFileSync(out, 'utf8'), 'untouched', 'nothing is written');
      const allowed = await renderCli(['-c', file, '-o', out, '--ephemeral-audit']);
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.match(allowed.stderr, new RegExp(`warning: the audit log \\(${what.replace(/\./g, '\\.')}\\) is on the pod's emptyDir: its records are lost when the pod is deleted`));
      assert.match(readFileSync(out, 'utf8'), /^# Generated by 'warden istio render'\.\n# WARNING: the audit log/);
    }
    // PostgreSQL, and JSON lines on stdout, outlive the pod.
    for (const store of ['{postgres: {url: "postgres://warden@db:5432/warden"}, hmacKeyFile: ./credentials/service-account.json}', '{jsonl: "-"}']) {
      const text = CONFIG.replace('  credentials:\n', `  audit: ${store}\n  credentials:\n`);
      const config = parseConfig(text, 'durable.yaml', dir);
      assert.deepEqual(config.problems, []);
      assert.deepEqual(renderManifests(config, text, OPTIONS).warnings, []);
    }
    // No store at all: rendered, with a warning that nothing will be recorded.
    const none = parseConfig(CONFIG, 'none.yaml', dir);
    assert.match(renderManifests(none, CONFIG, OPTIONS).warnings.join('\n'), /no audit store: Warden will keep no record/);
    const sqlite = CONFIG.replace('  credentials:\n', '  audit: {sqlite: a.db}\n  credentials:\n');
    assert.throws(() => renderManifests(parseConfig(sqlite, 'x.yaml', dir), sqlite, OPTIONS), RenderRefusedError);
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
    const { manifests, notes } = renderManifests(config, rich, { ...OPTIONS, secret: 'edge-files', ephemeralAudit: true });
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

  it('matches the pod to spec.shutdown: a longer drainDelay is a longer preStop sleep, none without one', () => {
    const podFor = (shutdown: string) => {
      const t = CONFIG.replace('spec:\n', `spec:\n  shutdown: ${shutdown}\n`);
      const config = parseConfig(t, 'shutdown.yaml', '/nowhere');
      assert.deepEqual(config.problems, []);
      const dep = renderManifests(config, t, OPTIONS).manifests.find((m) => m.kind === 'Deployment') as unknown as Doc;
      assertValidManifests([dep]);
      return dep.spec!.template;
    };
    const long = podFor('{drainDelay: 10500ms, timeout: 60s}');
    const c = long.spec.containers[0];
    assert.deepEqual(c.lifecycle, { preStop: { sleep: { seconds: 11 } } }, 'whole seconds, rounded up');
    assert.equal(c.env.find((e: { name: string }) => e.name === 'WARDEN_PRESTOP_SECONDS').value, '11');
    assert.equal(long.spec.terminationGracePeriodSeconds, 76);
    assert.deepEqual(JSON.parse(long.metadata.annotations['proxy.istio.io/config']), { terminationDrainDuration: '71s' });
    const none = podFor('{drainDelay: 0s}').spec;
    assert.equal(none.containers[0].lifecycle, undefined);
    assert.equal(none.containers[0].env.some((e: { name: string }) => e.name === 'WARDEN_PRESTOP_SECONDS'), false);
    assert.equal(none.terminationGracePeriodSeconds, 30);
  });

  /** `warden istio render` on `text`: its exit code, the manifests and what it said on stderr. */
  async function render(text: string, file: string, args: string[] = []) {
    writeFileSync(join(dir, file), text);
    const errors: string[] = [];
    const orig = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      const code = await main(['istio', 'render', '-c', join(dir, file), '-o', join(dir, `${file}.out`), ...args]);
      return { code, errors: errors.join('\n'), docs: code === 0 ? parseManifests(readFileSync(join(dir, `${file}.out`), 'utf8')) : [] };
    } finally {
      console.error = orig;
    }
  }

  it('refuses a config without spec.extAuthz or spec.extProc, with file and line', async () => {
    const r = await render(CONFIG.replace(/  extAuthz:\n.*\n.*\n/, ''), 'no-extauthz.yaml');
    assert.equal(r.code, 1);
    assert.match(r.errors, /no-extauthz\.yaml:\d+:\d+: .*the Gateway has neither spec\.extAuthz nor spec\.extProc/);
  });

  it('the ext_proc form: an EnvoyFilter on the egress gateway, enabled on the Vertex hosts only, instead of the CUSTOM policy', async () => {
    const r = await render(CONFIG.replace(/  extAuthz:\n.*\n.*\n/, '  extProc: {grpc: {port: 9193}, timeout: 1500ms}\n'), 'ext-proc.yaml');
    assert.equal(r.code, 0, r.errors);
    assertValidManifests(r.docs);
    const kinds = r.docs.map((d) => `${d.kind}/${d.metadata.name}`);
    assert.ok(kinds.includes('EnvoyFilter/warden-ext-proc'));
    assert.ok(!kinds.includes('AuthorizationPolicy/vertex-ext-authz'), 'no CUSTOM policy: Warden is not asked twice');
    assert.ok(!kinds.includes('IstioOperator/warden-extension-providers'), 'no ext_authz provider to declare');
    const ef = r.docs.find((d) => d.kind === 'EnvoyFilter')!;
    assert.equal(ef.metadata.namespace, 'istio-system');
    assert.deepEqual(ef.spec!.workloadSelector, { labels: { istio: 'egressgateway' } });
    const patches = ef.spec!.configPatches as { applyTo: string; patch: Record<string, any>; match: Record<string, any> }[];
    const filter = patches.find((p) => p.applyTo === 'HTTP_FILTER')!;
    const hosts = patches.filter((p) => p.applyTo === 'VIRTUAL_HOST');
    // Envoy closes each processing stream instead of resetting it (Node's HTTP/2 would take the resets for an attack).
    assert.deepEqual(patches.find((p) => p.applyTo === 'BOOTSTRAP')!.patch, {
      operation: 'MERGE',
      value: { layered_runtime: { layers: [{ name: 'warden-ext-proc', static_layer: { 'envoy.reloadable_features.ext_proc_graceful_grpc_close': true } }] } },
    });
    assert.equal(filter.applyTo, 'HTTP_FILTER');
    assert.deepEqual(filter.patch.operation, 'INSERT_BEFORE');
    const cfg = filter.patch.value;
    assert.equal(cfg.disabled, true, 'off on the listener');
    assert.equal(cfg.typed_config.grpc_service.envoy_grpc.cluster_name, 'outbound|9193||warden.ai-gateway.svc.cluster.local');
    assert.equal(cfg.typed_config.failure_mode_allow, false);
    assert.equal(cfg.typed_config.message_timeout, '2.5s', 'Warden\'s own deadline and a second');
    assert.deepEqual(cfg.typed_config.processing_mode, {
      request_header_mode: 'SEND', request_body_mode: 'STREAMED', request_trailer_mode: 'SEND',
      response_header_mode: 'SEND', response_body_mode: 'STREAMED', response_trailer_mode: 'SEND',
    });
    assert.equal(cfg.typed_config.send_body_without_waiting_for_header_response, true);
    assert.deepEqual(hosts.map((h) => [h.applyTo, h.match.routeConfiguration.vhost.name]),
      [['VIRTUAL_HOST', 'europe-west4-aiplatform.googleapis.com:80']]);
    // Only the egress gateway may call the ext_proc port: its answers carry a Google token.
    const callers = r.docs.find((d) => d.metadata.name === 'warden-ext-authz-callers')!;
    assert.deepEqual(callers.spec!.rules[0].to, [{ operation: { ports: ['9193'] } }]);
    const svc = r.docs.find((d) => d.kind === 'Service')!;
    assert.deepEqual(svc.spec!.ports.at(-1), { name: 'grpc-ext-proc', port: 9193, targetPort: 'grpc-ext-proc', protocol: 'TCP', appProtocol: 'grpc' });
  });

  it('MCP routes: their servers leave through the egress gateway like the Vertex hosts, Warden asked for them only; 2026-07-28 calls are checked without the body', async () => {
    const mcp = CONFIG.replace('  credentials:\n', `    - {name: tools, provider: mcp, match: {pathPrefix: /mcp}, upstream: "https://mcp.example.com/mcp"}
    - {name: plain, provider: mcp, match: {host: tools.partner.example, pathPrefix: /mcp}, upstream: "http://tools.partner.example:8080/mcp"}
    - {name: inside, provider: mcp, match: {pathPrefix: /inside/mcp}, upstream: "http://mcp-server.tools.svc:8080/mcp"}
  credentials:
`);
    const r = await render(mcp, 'mcp.yaml', ['--mesh-config-out', join(dir, 'mcp-mesh.yaml')]);
    assert.equal(r.code, 0, r.errors);
    assertValidManifests(r.docs);
    const get = (kind: string, name: string) => r.docs.find((d) => d.kind === kind && d.metadata.name === name) ?? assert.fail(`no ${kind} ${name}`);
    const hosts = ['mcp.example.com', 'tools.partner.example'];
    assert.deepEqual(get('Gateway', 'mcp-egress').spec!.servers[0].hosts, hosts);
    assert.deepEqual(get('ServiceEntry', 'mcp-server-0').spec!.ports, [{ number: 80, name: 'http', protocol: 'HTTP' }, { number: 443, name: 'https', protocol: 'HTTPS' }]);
    assert.deepEqual(get('ServiceEntry', 'mcp-server-1').spec!.ports, [{ number: 80, name: 'http', protocol: 'HTTP' }, { number: 8080, name: 'http-upstream', protocol: 'HTTP' }]);
    assert.deepEqual(get('DestinationRule', 'mcp-tls-origination-0').spec!.trafficPolicy.portLevelSettings, [{ port: { number: 443 }, tls: { mode: 'SIMPLE' } }]);
    assert.ok(!r.docs.some((d) => d.metadata.name === 'mcp-tls-origination-1'), 'an http upstream: no TLS to originate');
    // The server inside the mesh never passes the gateway: nothing for it, and a note says how callers reach it.
    assert.ok(!r.docs.some((d) => d.kind !== 'ConfigMap' && JSON.stringify(d).includes('mcp-server.tools.svc')));
    assert.match(r.errors, /note: the MCP route\(s\) inside \(mcp-server\.tools\.svc:8080\) forward to a server inside the mesh.*http:\/\/warden\.ai-gateway\.svc\.cluster\.local:8080/);

    // Istio asks Warden for the MCP hosts (and the Vertex host), for nothing else.
    const custom = get('AuthorizationPolicy', 'mcp-ext-authz');
    assert.deepEqual([custom.spec!.action, custom.spec!.provider.name, custom.spec!.rules[0].to[0].operation.hosts], ['CUSTOM', 'warden-ext-authz-grpc', hosts]);
    const egress = (host: string) => meshDecision(r.docs, EGRESS_GATEWAY, { host, port: 80, from: { namespace: 'web' } });
    for (const h of hosts) assert.deepEqual(egress(h), { asks: ['warden-ext-authz-grpc'], decision: 'allow', reason: 'no ALLOW policy applies' }, h);
    assert.deepEqual(egress('api.github.com').asks, []);
    assert.deepEqual(egress(VERTEX).asks, ['warden-ext-authz-grpc']);

    // A 2026-07-28 call takes the headers-only route, whose ext_authz check carries no body; any other the body route.
    const vs = get('VirtualService', 'mcp-egress-0').spec!;
    assert.deepEqual(vs.http.map((h: { name?: string }) => h.name ?? ''), ['', 'mcp-headers-only', '']);
    const revision = new RegExp(`^(?:${vs.http[1].match[0].headers['mcp-protocol-version'].regex})$`);
    for (const v of ['2026-07-28', '2026-07-31', '2026-11-25', '2027-03-01']) assert.match(v, revision);
    for (const v of ['2025-06-18', '2025-11-25', '2026-07-27', '2026-06-30', 'x2026-07-28', '']) assert.doesNotMatch(v, revision);
    assert.deepEqual(vs.http[1].route, [{ destination: { host: 'mcp.example.com', port: { number: 443 } } }]);
    // A tool call is never sent twice (Istio's default retries a 503).
    assert.deepEqual(vs.http.map((h: { retries?: object }) => h.retries), [{ attempts: 0 }, { attempts: 0 }, { attempts: 0 }]);
    assert.deepEqual(vs.http[2].route, vs.http[1].route);
    const ef = get('EnvoyFilter', 'warden-mcp-headers-only');
    const patches = ef.spec!.configPatches as { applyTo: string; match: any; patch: any }[];
    assert.deepEqual(patches.map((p) => [p.applyTo, p.match.routeConfiguration.vhost.name, p.match.routeConfiguration.vhost.route.name]),
      [['HTTP_ROUTE', 'mcp.example.com:80', 'mcp-headers-only'], ['HTTP_ROUTE', 'tools.partner.example:80', 'mcp-headers-only']]);
    assert.deepEqual(patches[0]!.patch.value.typed_per_filter_config['envoy.filters.http.ext_authz'].check_settings, { disable_request_body_buffering: true });
    // The HTTP provider sends the MCP headers Warden decides on.
    const [op] = parseManifests(readFileSync(join(dir, 'mcp-mesh.yaml'), 'utf8'));
    const http = op!.spec!.meshConfig.extensionProviders.find((p: { name: string }) => p.name === 'warden-ext-authz-http').envoyExtAuthzHttp;
    for (const h of ['mcp-session-id', 'mcp-protocol-version', 'mcp-method', 'mcp-name']) assert.ok(http.includeRequestHeadersInCheck.includes(h), h);

    // The ext_proc form: the filter on the MCP hosts' virtual hosts too, and neither CUSTOM policy nor headers-only route.
    const proc = await render(mcp.replace(/  extAuthz:\n.*\n.*\n/, '  extProc: {grpc: {port: 9193}}\n'), 'mcp-proc.yaml');
    assert.equal(proc.code, 0, proc.errors);
    assertValidManifests(proc.docs);
    const vhosts = (proc.docs.find((d) => d.kind === 'EnvoyFilter')!.spec!.configPatches as { applyTo: string; match: any }[])
      .filter((p) => p.applyTo === 'VIRTUAL_HOST').map((p) => p.match.routeConfiguration.vhost.name);
    assert.deepEqual(vhosts, ['europe-west4-aiplatform.googleapis.com:80', 'mcp.example.com:80', 'tools.partner.example:80']);
    assert.ok(!proc.docs.some((d) => d.metadata.name === 'mcp-ext-authz' || d.metadata.name === 'warden-mcp-headers-only'));
    assert.deepEqual(proc.docs.find((d) => d.metadata.name === 'mcp-egress-0')!.spec!.http.length, 2);

    // A gateway for MCP servers only: nothing on a Vertex host it has no route for (Warden would refuse every call there).
    const only = await render(mcp.replace(/    - name: vertex\n(      .*\n)+?(?=    - \{name: tools)/, ''), 'mcp-only.yaml');
    assert.equal(only.code, 0, only.errors);
    assertValidManifests(only.docs);
    assert.ok(!only.docs.some((d) => /^vertex-/.test(d.metadata.name)), only.docs.map((d) => d.metadata.name).join(' '));
    assert.ok(only.docs.some((d) => d.metadata.name === 'google-token-services'));
    assert.deepEqual(meshDecision(only.docs, EGRESS_GATEWAY, { host: 'us-central1-aiplatform.googleapis.com', port: 80, from: { namespace: 'web' } }).asks, []);
    assert.deepEqual(meshDecision(only.docs, EGRESS_GATEWAY, { host: 'mcp.example.com', port: 80, from: { namespace: 'web' } }).asks, ['warden-ext-authz-grpc']);
  });

  it('a gateway for OpenAI-compatible upstreams only: no Vertex objects (a CUSTOM policy on a Vertex host without a route would refuse every call there)', async () => {
    const openai = CONFIG.replace(
      /    - name: vertex\n(      .*\n)+/,
      '    - {name: chat, provider: openai, match: {pathPrefix: /v1/}, upstream: "https://llm.internal.example", credential: vertex-sa}\n',
    );
    assert.notEqual(openai, CONFIG);
    const r = await render(openai, 'openai-only.yaml');
    assert.equal(r.code, 0, r.errors);
    assertValidManifests(r.docs);
    assert.ok(!r.docs.some((d) => /^vertex-/.test(d.metadata.name)), r.docs.map((d) => d.metadata.name).join(' '));
    assert.deepEqual(meshDecision(r.docs, EGRESS_GATEWAY, { host: 'us-central1-aiplatform.googleapis.com', port: 80, from: { namespace: 'web' } }).asks, []);
    // A vertex route whose upstream names no Vertex host (an emulator, a private endpoint) still gets us-central1's.
    const emulated = await render(CONFIG.replace('upstream: https://europe-west4-aiplatform.googleapis.com', 'upstream: http://vertex-emulator:8080').replace('match: {host: europe-west4-aiplatform.googleapis.com}', 'match: {pathPrefix: /}'), 'emulated.yaml');
    assert.equal(emulated.code, 0, emulated.errors);
    assert.deepEqual(meshDecision(emulated.docs, EGRESS_GATEWAY, { host: 'us-central1-aiplatform.googleapis.com', port: 80, from: { namespace: 'web' } }).asks, ['warden-ext-authz-grpc']);
  });

  it('a config serving both ext_authz and ext_proc: --mode says which form the egress gateway uses', async () => {
    const both = CONFIG.replace('  extAuthz:\n', '  extProc: {grpc: {port: 9193}}\n  extAuthz:\n');
    const unsaid = await render(both, 'both.yaml');
    assert.equal(unsaid.code, 1);
    assert.match(unsaid.errors, /serves both spec\.extAuthz and spec\.extProc[\s\S]*--mode ext-authz or --mode ext-proc/);
    const proc = await render(both, 'both.yaml', ['--mode', 'ext-proc']);
    assert.equal(proc.code, 0, proc.errors);
    assert.ok(proc.docs.some((d) => d.kind === 'EnvoyFilter') && !proc.docs.some((d) => d.metadata.name === 'vertex-ext-authz'));
    const authz = await render(both, 'both.yaml', ['--mode', 'ext-authz']);
    assert.ok(!authz.docs.some((d) => d.kind === 'EnvoyFilter') && authz.docs.some((d) => d.metadata.name === 'vertex-ext-authz'));
    assert.equal((await render(CONFIG, 'authz-only.yaml', ['--mode', 'ext-proc'])).code, 1, 'no spec.extProc to use');
  });
});
