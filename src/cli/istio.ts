// `warden istio render -c FILE`: reads and checks the config, and writes the
// manifests src/istio/render.ts makes from it as one YAML stream for
// `kubectl apply` (stdout or -o FILE), and the mesh config for `istioctl
// install -f` apart (--mesh-config-out FILE); notes about what was adapted or
// left out, and warnings, go to stderr too.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatProblem, loadConfigFile } from '../config/load.js';
import { compileConfig } from '../gateway.js';
import { meshConfigFile, RenderRefusedError, renderManifests, toYamlStream } from '../istio/render.js';

const USAGE = `usage: warden istio render -c FILE [options]

Writes the Kubernetes and Istio manifests for running Warden from FILE in the
mesh, one YAML stream for kubectl apply on stdout: as Istio's external
authorizer (ext_authz), or as the egress gateway's external processor
(ext_proc), and as a gateway; the mesh config (an IstioOperator naming Warden
as an extension provider, for istioctl install -f) goes to its own file.

options:
  -c, --config FILE            the Warden config (its Gateway needs spec.extAuthz or spec.extProc)
  --mode ext-authz|ext-proc    how the egress gateway involves Warden: a CUSTOM AuthorizationPolicy
                               (ext_authz) or an EnvoyFilter (ext_proc); default: the one the config
                               serves (needed when it serves both)
  -o, --output FILE            write here instead of stdout
  --mesh-config-out FILE       write the IstioOperator overlay here (it is never in the apply stream)
  --image IMAGE                container image (default warden:0.1.0)
  --replicas N                 minimum replicas (default 2); the HPA may go to --max-replicas (default 10)
  --namespace NS               Warden's namespace (default: the Gateway's metadata.namespace, else warden)
  --egress-namespace NS        where the Istio egress gateway runs (default istio-system)
  --egress-service-account SA  its service account (default istio-egressgateway-service-account)
  --trust-domain TD            the mesh's trust domain (default cluster.local)
  --secret NAME                Secret holding the config's key files (default warden-files)
  --metrics-namespace NS       a namespace whose workloads may call the admin port (Prometheus);
                               repeatable; default monitoring unless --metrics-principal is given
  --metrics-principal P        a peer identity that may call the admin port, TRUST_DOMAIN/ns/NS/sa/SA; repeatable
  --ephemeral-audit            render an SQLite or JSON lines audit file on the pod's emptyDir
                               anyway (refused without it: a deleted pod takes its records along)`;

export async function istio(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (sub !== 'render') {
    console.error(sub === undefined ? USAGE : `warden istio: unknown subcommand "${sub}"\n\n${USAGE}`);
    return 2;
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
      mode: { type: 'string' },
      'mesh-config-out': { type: 'string' },
      'metrics-namespace': { type: 'string', multiple: true },
      'metrics-principal': { type: 'string', multiple: true },
      'ephemeral-audit': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.config) {
    // Asked for: usage on stdout, exit 0. A usage mistake: usage on stderr, exit 2.
    (values.help ? console.log : console.error)(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadConfigFile(values.config);
  if (!config.problems.length) compileConfig(config);
  const gw = config.gateway?.value;
  if (values.mode !== undefined && values.mode !== 'ext-authz' && values.mode !== 'ext-proc') {
    console.error(`warden istio render: --mode is ext-authz or ext-proc, not "${values.mode}"`);
    return 2;
  }
  if (config.gateway && gw && !gw.extAuthz && !gw.extProc) {
    config.gateway.report([], 'the Gateway has neither spec.extAuthz nor spec.extProc',
      'add extAuthz: {grpc: {port: 9191}} (and/or http: {port: 9192, pathPrefix: /check}), or extProc: {grpc: {port: 9193}}');
  } else if (config.gateway && gw) {
    if (values.mode === 'ext-authz' && !gw.extAuthz) config.gateway.report([], '--mode ext-authz, but the Gateway has no spec.extAuthz', 'add extAuthz: {grpc: {port: 9191}}');
    if (values.mode === 'ext-proc' && !gw.extProc) config.gateway.report([], '--mode ext-proc, but the Gateway has no spec.extProc', 'add extProc: {grpc: {port: 9193}}');
    if (values.mode === undefined && gw.extAuthz && gw.extProc) {
      config.gateway.report([], 'the Gateway serves both spec.extAuthz and spec.extProc: say which the egress gateway uses', 'add --mode ext-authz or --mode ext-proc');
    }
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
  const principals = values['metrics-principal'] ?? [];
  const namespaces = values['metrics-namespace'] ?? (principals.length ? [] : ['monitoring']);
  const bad = principals.find((p) => p.includes(':'));
  if (bad !== undefined) {
    console.error(`warden istio render: --metrics-principal ${bad}: write a peer identity as Istio does, TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT, without spiffe://`);
    return 2;
  }
  let rendered;
  try {
    rendered = renderManifests(config, readFileSync(values.config, 'utf8'), {
      image: values.image,
      replicas,
      maxReplicas,
      namespace: values.namespace ?? config.gatewayMetadata?.namespace ?? 'warden',
      egressNamespace: values['egress-namespace'],
      egressSelector: { istio: 'egressgateway' },
      egressServiceAccount: values['egress-service-account'],
      trustDomain: values['trust-domain'],
      secret: values.secret,
      metricsFrom: { namespaces, principals },
      ephemeralAudit: values['ephemeral-audit'],
      mode: values.mode as 'ext-authz' | 'ext-proc' | undefined,
    });
  } catch (e) {
    if (!(e instanceof RenderRefusedError)) throw e;
    console.error(`warden istio render: not rendered: ${e.message}`);
    return 1;
  }
  const { manifests, meshConfig, notes, warnings } = rendered;
  const meshOut = values['mesh-config-out'];
  if (meshOut) writeFileSync(meshOut, meshConfigFile(meshConfig));
  else notes.push('the mesh config (the IstioOperator naming Warden as an extension provider) is not in this stream, which is for kubectl apply: write it with --mesh-config-out FILE and install it with istioctl install -f FILE (docs/istio.md)');
  const text = toYamlStream(manifests, notes, warnings);
  if (values.output) writeFileSync(values.output, text);
  else process.stdout.write(text);
  for (const w of warnings) console.error(`warning: ${w}`);
  for (const n of notes) console.error(`note: ${n}`);
  return 0;
}
