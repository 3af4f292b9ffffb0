// `warden istio render -c FILE`: everything a cluster with Istio needs to run
// Warden from this config, as one multi-document YAML on stdout:
//   Warden itself   ConfigMap (the config), Deployment, Service, HPA, PDB,
//                   PeerAuthentication STRICT, and an AuthorizationPolicy that
//                   lets only the egress gateway call the ext_authz ports
//                   (a Check answer carries a Google token);
//   the mesh        IstioOperator with meshConfig.extensionProviders;
//   model egress    ServiceEntry, egress Gateway, VirtualService, a
//                   DestinationRule originating TLS, and the CUSTOM
//                   AuthorizationPolicy that sends model calls to Warden;
//   the config's    RequestAuthentication / AuthorizationPolicy documents,
//                   scoped to the egress gateway (Warden-only keys skipped).
// Secrets are referenced, never rendered: key files come from a Secret.
import { writeFileSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, posix } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { formatProblem, loadConfigFile, type LoadedConfig } from '../config/load.js';
import type { AuthorizationPolicyDoc, GatewaySpec, RequestAuthenticationDoc } from '../config/schema.js';
import { compileConfig } from '../gateway.js';

export interface RenderOptions {
  image: string;
  replicas: number;
  maxReplicas: number;
  namespace: string;
  /** The Istio egress gateway that model calls leave through. */
  egressNamespace: string;
  egressSelector: Record<string, string>;
  egressServiceAccount: string;
  trustDomain: string;
  /** Secret holding the key files the config names. */
  secret: string;
}

export type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
};

const CONFIG_DIR = '/etc/warden';
const CONFIG_PATH = `${CONFIG_DIR}/warden.yaml`;
const GRPC_PROVIDER = 'warden-ext-authz-grpc';
const HTTP_PROVIDER = 'warden-ext-authz-http';
/** Envoy sends at most this much body with a check (Warden's own buffer limit). */
const CHECK_BODY_BYTES = 1024 * 1024;
/** Condition keys only Warden understands: Istio would reject a policy that uses them. */
const WARDEN_KEY = /^request\.(model|publisher|operation|operation_class|project|location|stream|endpoint)$|^warden\./;
/** Request headers that can carry a caller's credential: Envoy must send them with the check. */
const CHECK_HEADERS = ['authorization', 'x-goog-api-key', 'x-api-key', 'cookie', 'content-type', 'x-forwarded-client-cert', 'x-request-id', 'traceparent', 'tracestate'];

const USAGE = `usage: warden istio render -c FILE [options]

Writes the Kubernetes and Istio manifests for running Warden from FILE as
Istio's external authorizer (and as a gateway), one YAML stream on stdout.

options:
  -c, --config FILE            the Warden config (its Gateway needs spec.extAuthz)
  -o, --output FILE            write here instead of stdout
  --image IMAGE                container image (default warden:0.1.0)
  --replicas N                 minimum replicas (default 2); the HPA may go to --max-replicas (default 10)
  --namespace NS               Warden's namespace (default: the Gateway's metadata.namespace, else warden)
  --egress-namespace NS        where the Istio egress gateway runs (default istio-system)
  --egress-service-account SA  its service account (default istio-egressgateway-service-account)
  --trust-domain TD            the mesh's trust domain (default cluster.local)
  --secret NAME                Secret holding the config's key files (default warden-files)`;

export async function istio(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'render') {
    console.error(sub === undefined || sub === '--help' || sub === '-h' ? USAGE : `warden istio: unknown subcommand "${sub}"\n\n${USAGE}`);
    return sub === '--help' || sub === '-h' ? 0 : 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string', short: 'c' },
      output: { type: 'string', short: 'o' },
      image: { type: 'string', default: 'warden:0.1.0' },
      replicas: { type: 'string', default: '2' },
      'max-replicas': { type: 'string', default: '10' },
      namespace: { type: 'string' },
      'egress-namespace': { type: 'string', default: 'istio-system' },
      'egress-service-account': { type: 'string', default: 'istio-egressgateway-service-account' },
      'trust-domain': { type: 'string', default: 'cluster.local' },
      secret: { type: 'string', default: 'warden-files' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.config) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadConfigFile(values.config);
  if (!config.problems.length) compileConfig(config);
  if (config.gateway && !config.gateway.value.extAuthz) {
    config.gateway.report([], 'the Gateway has no spec.extAuthz', 'add extAuthz: {grpc: {port: 9191}} (and/or http: {port: 9192, pathPrefix: /check})');
  }
  if (config.problems.length) {
    for (const p of config.problems) console.error(formatProblem(p));
    return 1;
  }
  const replicas = Number(values.replicas);
  const maxReplicas = Number(values['max-replicas']);
  if (!(replicas >= 1) || !(maxReplicas >= replicas)) {
    console.error('warden istio render: --replicas must be at least 1 and --max-replicas at least --replicas');
    return 2;
  }
  const { manifests, notes } = renderManifests(config, readFileSync(values.config, 'utf8'), {
    image: values.image,
    replicas,
    maxReplicas,
    namespace: values.namespace ?? config.gatewayMetadata?.namespace ?? 'warden',
    egressNamespace: values['egress-namespace'],
    egressSelector: { istio: 'egressgateway' },
    egressServiceAccount: values['egress-service-account'],
    trustDomain: values['trust-domain'],
    secret: values.secret,
  });
  const text = toYamlStream(manifests, notes);
  if (values.output) writeFileSync(values.output, text);
  else process.stdout.write(text);
  for (const n of notes) console.error(`note: ${n}`);
  return 0;
}

export function toYamlStream(manifests: Manifest[], notes: string[] = []): string {
  const head = `# Generated by 'warden istio render'.\n${notes.map((n) => `# note: ${n}\n`).join('')}`;
  return head + manifests.map((m) => `---\n${stringify(m, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
}

/** The manifests for `config`, whose text is `configText`. `notes` says what was adapted or left out. */
export function renderManifests(config: LoadedConfig, configText: string, o: RenderOptions): { manifests: Manifest[]; notes: string[] } {
  const spec = config.gateway.value;
  const notes: string[] = [];
  const name = config.gatewayMetadata?.name || 'warden';
  const ports = portsOf(spec);
  if (spec.listen.host !== '0.0.0.0' && spec.listen.host !== '::') {
    notes.push(`spec.listen.host is ${spec.listen.host}: other pods cannot reach Warden; use 0.0.0.0 in the config`);
  }
  const serviceHost = `${name}.${o.namespace}.svc.${o.trustDomain}`;
  const hosts = vertexHosts(spec);
  const files = secretFiles(spec);
  const writableDirs = [...new Set(stateFiles(spec).map((f) => posix.dirname(inPod(f))))].filter((d) => d !== CONFIG_DIR);

  const labels = { 'app.kubernetes.io/name': 'warden', 'app.kubernetes.io/instance': name };
  const meta = (n: string, ns = o.namespace) => ({ name: n, namespace: ns, labels });

  const manifests: Manifest[] = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${name}-config`), data: { 'warden.yaml': configText } },
    deployment(name, meta(name), labels, ports, files, writableDirs, o),
    service(name, meta(name), labels, ports),
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(name),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: o.replicas,
        maxReplicas: o.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(name),
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    },
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: meta(name),
      spec: { selector: { matchLabels: labels }, mtls: { mode: 'STRICT' } },
    },
    extAuthzCallers(name, meta(`${name}-ext-authz-callers`), labels, ports, o),
    meshConfig(serviceHost, spec, ports, config.requestAuthentications.map((r) => r.value)),
    ...egress(name, hosts, spec, o),
    ...configPolicies(config, o, notes),
  ];
  return { manifests, notes };
}

interface Ports {
  http: number;
  admin: number;
  grpcExtAuthz?: number;
  httpExtAuthz?: number;
}

function portsOf(spec: GatewaySpec): Ports {
  return { http: spec.listen.port, admin: spec.admin.port, grpcExtAuthz: spec.extAuthz?.grpc?.port, httpExtAuthz: spec.extAuthz?.http?.port };
}

function containerPorts(p: Ports) {
  return [
    { name: 'http', containerPort: p.http, protocol: 'TCP' },
    { name: 'http-admin', containerPort: p.admin, protocol: 'TCP' },
    ...(p.grpcExtAuthz ? [{ name: 'grpc-ext-authz', containerPort: p.grpcExtAuthz, protocol: 'TCP' }] : []),
    ...(p.httpExtAuthz ? [{ name: 'http-ext-authz', containerPort: p.httpExtAuthz, protocol: 'TCP' }] : []),
  ];
}

function deployment(
  name: string,
  metadata: Manifest['metadata'],
  labels: Record<string, string>,
  ports: Ports,
  files: { key: string; path: string }[],
  writableDirs: string[],
  o: RenderOptions,
): Manifest {
  const volumes: Record<string, unknown>[] = [
    { name: 'config', configMap: { name: `${name}-config` } },
    // The config's own directory is writable (SQLite audit, spool) and holds the mounted files.
    { name: 'workdir', emptyDir: {} },
    { name: 'tmp', emptyDir: {} },
  ];
  const mounts: Record<string, unknown>[] = [
    { name: 'workdir', mountPath: CONFIG_DIR },
    { name: 'config', mountPath: CONFIG_PATH, subPath: 'warden.yaml', readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  if (files.length) {
    volumes.push({ name: 'files', secret: { secretName: o.secret, defaultMode: 0o440 } });
    for (const f of files) mounts.push({ name: 'files', mountPath: f.path, subPath: f.key, readOnly: true });
  }
  writableDirs.forEach((dir, i) => {
    volumes.push({ name: `state-${i}`, emptyDir: {} });
    mounts.push({ name: `state-${i}`, mountPath: dir });
  });
  const probe = (path: string) => ({ httpGet: { path, port: 'http-admin' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: {
          labels: { ...labels, 'sidecar.istio.io/inject': 'true' },
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(ports.admin), 'prometheus.io/path': '/metrics' },
        },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          terminationGracePeriodSeconds: 30,
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } },
          ],
          containers: [
            {
              name: 'warden',
              image: o.image,
              args: ['start', '-c', CONFIG_PATH],
              ports: containerPorts(ports),
              readinessProbe: probe('/readyz'),
              livenessProbe: { ...probe('/healthz'), initialDelaySeconds: 5 },
              resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  };
}

function service(name: string, metadata: Manifest['metadata'], labels: Record<string, string>, ports: Ports): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      selector: labels,
      ports: containerPorts(ports).map((p) => ({
        name: p.name,
        port: p.containerPort,
        targetPort: p.name,
        protocol: 'TCP',
        appProtocol: p.name.startsWith('grpc') ? 'grpc' : 'http',
      })),
    },
  };
}

/**
 * A Check answer carries a Google token, and a CheckRequest's source principal
 * is taken on Envoy's word: only the egress gateway may call those ports.
 */
function extAuthzCallers(name: string, metadata: Manifest['metadata'], labels: Record<string, string>, ports: Ports, o: RenderOptions): Manifest {
  const authzPorts = [ports.grpcExtAuthz, ports.httpExtAuthz].filter((p): p is number => !!p).map(String);
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata,
    spec: {
      selector: { matchLabels: labels },
      action: 'ALLOW',
      rules: [
        {
          from: [{ source: { principals: [`${o.trustDomain}/ns/${o.egressNamespace}/sa/${o.egressServiceAccount}`] } }],
          to: [{ operation: { ports: authzPorts } }],
        },
        // The gateway and admin ports stay open to the mesh: Warden checks its callers itself.
        { to: [{ operation: { ports: [String(ports.http), String(ports.admin)] } }] },
      ],
    },
  };
}

/** The extension providers, as an IstioOperator overlay (the same block goes in istiod's Helm `meshConfig`). */
function meshConfig(serviceHost: string, spec: GatewaySpec, ports: Ports, ras: RequestAuthenticationDoc[]): Manifest {
  const body = { maxRequestBytes: CHECK_BODY_BYTES, allowPartialMessage: true, packAsBytes: true };
  const providers: Record<string, unknown>[] = [];
  if (ports.grpcExtAuthz) {
    providers.push({
      name: GRPC_PROVIDER,
      envoyExtAuthzGrpc: { service: serviceHost, port: ports.grpcExtAuthz, timeout: '0.2s', failOpen: false, includeRequestBodyInCheck: body },
    });
  }
  if (ports.httpExtAuthz) {
    providers.push({
      name: HTTP_PROVIDER,
      envoyExtAuthzHttp: {
        service: serviceHost,
        port: ports.httpExtAuthz,
        ...(spec.extAuthz?.http?.pathPrefix ? { pathPrefix: spec.extAuthz.http.pathPrefix } : {}),
        timeout: '0.2s',
        failOpen: false,
        includeRequestHeadersInCheck: CHECK_HEADERS,
        headersToUpstreamOnAllow: ['authorization', ...identityHeaders(spec, ras)],
        headersToDownstreamOnDeny: ['content-type', 'www-authenticate', 'retry-after', 'x-request-id'],
        includeRequestBodyInCheck: body,
      },
    });
  }
  return {
    apiVersion: 'install.istio.io/v1alpha1',
    kind: 'IstioOperator',
    metadata: { name: 'warden-extension-providers', namespace: 'istio-system' },
    spec: { meshConfig: { extensionProviders: providers } },
  };
}

/** Headers Warden sets upstream besides `authorization`: routes' identity tokens and jwtRules' outputs. */
function identityHeaders(spec: GatewaySpec, ras: RequestAuthenticationDoc[]): string[] {
  const out = new Set<string>();
  for (const r of spec.routes) if (r.identityToken) out.add(r.identityToken.header);
  for (const ra of ras) {
    for (const rule of ra.spec.jwtRules) {
      if (rule.outputPayloadToHeader) out.add(rule.outputPayloadToHeader.toLowerCase());
      for (const c of rule.outputClaimToHeaders ?? []) out.add(c.header.toLowerCase());
    }
  }
  return [...out];
}

/**
 * Vertex AI's regional hosts the config's vertex routes name. Istio host
 * names only take a leading `*.` wildcard, so `*-aiplatform.googleapis.com`
 * is written out as the hosts in use.
 */
function vertexHosts(spec: GatewaySpec): string[] {
  const hosts = new Set<string>();
  for (const r of spec.routes) {
    if (r.provider !== 'vertex') continue;
    for (const h of [r.match.host, new URL(r.upstream).hostname]) {
      if (h && /^([a-z0-9-]+-)?aiplatform\.googleapis\.com$/.test(h)) hosts.add(h);
    }
  }
  if (!hosts.size) hosts.add('us-central1-aiplatform.googleapis.com');
  return [...hosts].sort();
}

/**
 * Model calls leave through the egress gateway: workloads speak plain HTTP to
 * the Vertex host, their sidecar sends it (mTLS) to the egress gateway, whose
 * CUSTOM policy asks Warden, and the gateway originates TLS to Google.
 */
function egress(name: string, hosts: string[], spec: GatewaySpec, o: RenderOptions): Manifest[] {
  const ns = o.egressNamespace;
  const egressService = `istio-egressgateway.${ns}.svc.${o.trustDomain}`;
  const labels = { 'app.kubernetes.io/name': 'warden', 'app.kubernetes.io/instance': name };
  const provider = spec.extAuthz?.grpc ? GRPC_PROVIDER : HTTP_PROVIDER;
  return [
    {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'ServiceEntry',
      metadata: { name: 'vertex-ai', namespace: ns, labels },
      spec: {
        hosts,
        location: 'MESH_EXTERNAL',
        resolution: 'DNS',
        ports: [
          { number: 80, name: 'http', protocol: 'HTTP' },
          { number: 443, name: 'https', protocol: 'HTTPS' },
        ],
      },
    },
    {
      // Warden's own calls for tokens (and to Vertex AI when it is the gateway) are already TLS.
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'ServiceEntry',
      metadata: { name: 'google-token-services', namespace: o.namespace, labels },
      spec: {
        hosts: ['oauth2.googleapis.com', 'sts.googleapis.com', 'iamcredentials.googleapis.com'],
        location: 'MESH_EXTERNAL',
        resolution: 'DNS',
        ports: [{ number: 443, name: 'tls', protocol: 'TLS' }],
      },
    },
    {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'Gateway',
      metadata: { name: 'vertex-egress', namespace: ns, labels },
      spec: {
        selector: o.egressSelector,
        servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts }],
      },
    },
    ...hosts.map((host, i) => ({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: `vertex-egress-${i}`, namespace: ns, labels },
      spec: {
        hosts: [host],
        gateways: ['mesh', 'vertex-egress'],
        http: [
          { match: [{ gateways: ['mesh'], port: 80 }], route: [{ destination: { host: egressService, port: { number: 80 } } }] },
          { match: [{ gateways: ['vertex-egress'], port: 80 }], route: [{ destination: { host, port: { number: 443 } } }] },
        ],
      },
    })),
    {
      // Visible only in the gateway's namespace, so that Warden's own HTTPS is not wrapped twice.
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'DestinationRule',
      metadata: { name: 'vertex-tls-origination', namespace: ns, labels },
      spec: {
        host: '*.googleapis.com',
        exportTo: ['.'],
        trafficPolicy: { portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'SIMPLE' } }] },
      },
    },
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'vertex-ext-authz', namespace: ns, labels },
      spec: {
        selector: { matchLabels: o.egressSelector },
        action: 'CUSTOM',
        provider: { name: provider },
        rules: [{ to: [{ operation: { hosts } }] }],
      },
    },
  ];
}

/** The config's Istio documents, scoped to the egress gateway where they have no scope of their own. */
function configPolicies(config: LoadedConfig, o: RenderOptions, notes: string[]): Manifest[] {
  const scope = <D extends RequestAuthenticationDoc | AuthorizationPolicyDoc>(d: D): Manifest => {
    const spec = { ...d.spec } as Record<string, unknown>;
    if (!spec.selector && !spec.targetRef && !spec.targetRefs) spec.selector = { matchLabels: o.egressSelector };
    return {
      apiVersion: d.apiVersion,
      kind: d.kind,
      metadata: { ...d.metadata, namespace: d.metadata.namespace ?? o.egressNamespace },
      spec,
    } as Manifest;
  };
  const out: Manifest[] = config.requestAuthentications.map((r) => scope(r.value));
  for (const { value: p } of config.authorizationPolicies) {
    if (p.apiVersion.startsWith('warden.dev/')) continue; // Warden's own policy kind: Istio does not know it
    const keys = (p.spec.rules ?? []).flatMap((r) => (r.when ?? []).map((c) => c.key));
    const wardenOnly = keys.filter((k) => WARDEN_KEY.test(k));
    if (wardenOnly.length) {
      notes.push(`AuthorizationPolicy ${p.metadata.name} uses ${[...new Set(wardenOnly)].join(', ')}: Warden enforces it, Istio cannot; not rendered`);
      continue;
    }
    if (p.spec.action === 'CUSTOM') continue;
    out.push(scope(p));
  }
  return out;
}

/** Files the config reads (keys, certificates, passwords): each mounted from the Secret. */
function secretFiles(spec: GatewaySpec): { key: string; path: string }[] {
  const paths = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'string' && (k === 'file' || k.endsWith('File'))) paths.add(inPod(x));
      else walk(x);
    }
  };
  walk(spec);
  const used = new Set<string>();
  return [...paths].sort().map((path) => {
    // Secret keys must be unique and [-._a-zA-Z0-9]+.
    let key = basename(path).replace(/[^-._a-zA-Z0-9]/g, '_');
    for (let n = 2; used.has(key); n++) key = `${n}-${basename(path)}`;
    used.add(key);
    return { key, path };
  });
}

/** Files Warden writes (SQLite audit, its spool): their directories need a writable volume. */
function stateFiles(spec: GatewaySpec): string[] {
  const audit = spec.audit as { sqlite?: string; spool?: { dir?: string } };
  const out: string[] = [];
  if (audit.sqlite) out.push(audit.sqlite);
  if (audit.spool?.dir) out.push(posix.join(audit.spool.dir, 'x'));
  return out;
}

/** A path from the config as the pod sees it: relative paths resolve against the config's directory. */
function inPod(p: string): string {
  return isAbsolute(p) ? p : posix.join(CONFIG_DIR, p);
}
