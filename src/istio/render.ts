// Everything a cluster with Istio needs to run Warden from one config. The
// stream for `kubectl apply`, in the order it wants it:
//   Warden itself   ConfigMap, Deployment, Service, HPA, PDB (render/deployment,
//                   render/service, render/autoscaling);
//   its guard       PeerAuthentication STRICT, and who may call which port
//                   (render/policies);
//   model egress    ServiceEntry, egress Gateway, VirtualService, the TLS-
//                   originating DestinationRule (render/egress), and Warden on the
//                   model hosts: the CUSTOM policy (ext_authz form, render/egress) or
//                   the EnvoyFilter inserting ext_proc (ext_proc form, render/extproc).
//   MCP egress      the same for the MCP servers the config's mcp routes name
//                   (render/mcp), with the route that checks 2026-07-28 calls
//                   from their headers alone.
// Apart from it, the mesh's side for `istioctl install -f`: an IstioOperator
// with meshConfig.extensionProviders (render/mesh), which is no cluster
// object and must not sit in the apply stream.
// The config's own RequestAuthentication / AuthorizationPolicy documents are
// Warden's to enforce and are not rendered (render/policies says why).
// Secrets are referenced, never rendered: key files come from a Secret,
// mounted as a directory that the config's file paths are rewritten into
// (render/secret-files), so that a rotated key reaches the running pod.
import { stringify } from 'yaml';
import type { LoadedConfig } from '../config/load.js';
import { GRPC_PROVIDER, HTTP_PROVIDER, portsOf, wardenLabels, type Manifest, type RenderOptions } from './manifest.js';
import { autoscaler, disruptionBudget } from './render/autoscaling.js';
import { configMap, deployment, ephemeralAuditStore } from './render/deployment.js';
import { egress, vertexHosts } from './render/egress.js';
import { extProcEnvoyFilter } from './render/extproc.js';
import { mcpEgress, mcpServers } from './render/mcp.js';
import { rewriteConfigPaths, secretLayout } from './render/secret-files.js';
import { meshConfig } from './render/mesh.js';
import { configDocumentsNote, portAccess, strictMtls } from './render/policies.js';
import { service } from './render/service.js';

export type { Manifest, RenderOptions } from './manifest.js';

/** A config the renderer will not turn into manifests as they are asked for; the message says what to change. */
export class RenderRefusedError extends Error {}

export interface Rendered {
  /** For `kubectl apply`. */
  manifests: Manifest[];
  /** The IstioOperator overlay with Warden's extension providers, for `istioctl install -f`. */
  meshConfig: Manifest;
  /** What was adapted or left out. */
  notes: string[];
  /** What was rendered although it is unsafe, because an option asked for it. */
  warnings: string[];
}

/** The manifests for `config`, whose text is `configText`. */
export function renderManifests(config: LoadedConfig, configText: string, o: RenderOptions): Rendered {
  const spec = config.gateway.value;
  const notes: string[] = [];
  const warnings: string[] = [];
  const name = config.gatewayMetadata?.name || 'warden';
  const ports = portsOf(spec);
  const ephemeral = ephemeralAuditStore(spec);
  if (ephemeral && !o.ephemeralAudit) {
    throw new RenderRefusedError(
      `the config keeps its audit log in the ${ephemeral}, which the rendered Deployment puts on the pod's emptyDir: ` +
        'a pod deleted by the autoscaler scaling down, a rollout or a node drain takes its audit records with it. ' +
        'Use audit.postgres (the replicas share one database, see docs/audit.md), or jsonl: - (stdout, for a log shipper), ' +
        'or keep the file on a PersistentVolumeClaim (one per pod: a StatefulSet, which this render does not write). ' +
        '--ephemeral-audit renders it anyway',
    );
  }
  const { sqlite, jsonl, postgres } = spec.audit as { sqlite?: string; jsonl?: string; postgres?: unknown };
  if (!sqlite && !jsonl && !postgres) {
    warnings.push('the config has no audit store: Warden will keep no record of the calls it decides (set audit.postgres, or audit.jsonl: - for a log shipper; docs/audit.md)');
  }
  if (ephemeral) warnings.push(`the audit log (${ephemeral}) is on the pod's emptyDir: its records are lost when the pod is deleted (--ephemeral-audit)`);
  if (spec.listen.host !== '0.0.0.0' && spec.listen.host !== '::') {
    notes.push(`spec.listen.host is ${spec.listen.host}: other pods cannot reach Warden; use 0.0.0.0 in the config`);
  }
  const serviceHost = `${name}.${o.namespace}.svc.${o.trustDomain}`;
  const labels = wardenLabels(name);
  const meta = (n: string) => ({ name: n, namespace: o.namespace, labels });
  const secret = secretLayout(spec, o.secret);
  const podConfig = rewriteConfigPaths(configText, secret);
  if (secret.files.length) {
    const from = secret.files.map((f) => ` ${shellWord(`--from-file=${f.key}=${f.configPath}`)}`).join('');
    notes.push(
      `the config's files are read from Secret ${o.secret}, mounted at ${secret.dir}/ (the ConfigMap's config names them there): ` +
        `${secret.files.map((f) => `${f.configPath} -> key ${f.key}`).join(', ')}; ` +
        `create it from the config's directory: kubectl -n ${o.namespace} create secret generic ${o.secret}${from}`,
    );
  }
  const documents = configDocumentsNote(config, o);
  if (documents) notes.push(documents);

  const mode = o.mode ?? (spec.extAuthz ? 'ext-authz' : 'ext-proc');
  const hosts = vertexHosts(spec);
  const mcp = mcpServers(spec);
  if (mcp.inMesh.length) {
    notes.push(
      `the MCP route(s) ${mcp.inMesh.join(', ')} forward to a server inside the mesh, which the egress gateway never sees: ` +
        `nothing is rendered for it; callers reach it through Warden itself (http://${serviceHost}:${ports.http}, the route's path), ` +
        'and a mesh policy on the server should admit only Warden (docs/mcp.md, In the mesh)',
    );
  }
  const manifests: Manifest[] = [
    configMap(meta(`${name}-config`), podConfig),
    deployment(name, meta(name), labels, ports, spec, o, secret, podConfig),
    service(meta(name), labels, ports),
    autoscaler(name, meta(name), o),
    disruptionBudget(meta(name), labels),
    strictMtls(meta(name), labels),
    portAccess(meta(`${name}-ext-authz-callers`), labels, ports, o),
    ...egress(name, hosts, spec, o, mode === 'ext-authz'),
    ...mcpEgress(name, mcp.servers, o, spec.extAuthz?.grpc ? GRPC_PROVIDER : HTTP_PROVIDER, mode === 'ext-authz'),
    ...(mode === 'ext-proc' && spec.extProc
      ? [extProcEnvoyFilter(serviceHost, spec.extProc.grpc.port, [...hosts, ...mcp.servers.map((m) => m.host)], spec.extProc, o, name)]
      : []),
  ];
  return { manifests, meshConfig: meshConfig(serviceHost, spec, ports, config.requestAuthentications.map((r) => r.value)), notes, warnings };
}

/** `s` as one word for sh. */
function shellWord(s: string): string {
  return /^[-\w./@:=+,]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** One multi-document YAML stream, the warnings and notes as comments at its head. */
export function toYamlStream(manifests: Manifest[], notes: string[] = [], warnings: string[] = []): string {
  const head = `# Generated by 'warden istio render'.\n${warnings.map((w) => `# WARNING: ${w}\n`).join('')}${notes.map((n) => `# note: ${n}\n`).join('')}`;
  return head + manifests.map((m) => `---\n${stringify(m, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
}

/** The mesh config's own file: an IstioOperator overlay for `istioctl install -f`, never for `kubectl apply`. */
export function meshConfigFile(meshConfig: Manifest): string {
  return "# Generated by 'warden istio render --mesh-config-out': Warden as the mesh's ext_authz provider.\n" +
    '# Install with istioctl install -f THIS_FILE (beside your other overlays), or put spec.meshConfig in\n' +
    "# istiod's Helm values; if your mesh config lists extensionProviders already, add these entries to that list.\n" +
    `---\n${stringify(meshConfig, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
