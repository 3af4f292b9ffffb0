// Security documents: PeerAuthentication STRICT on Warden, the policy that
// lets only the egress gateway call the ext_authz ports (a Check answer
// carries a Google token), and the config's own RequestAuthentication /
// AuthorizationPolicy documents, scoped to the egress gateway where they have
// no scope of their own (policies using Warden-only keys are left out).
import type { LoadedConfig } from '../../config/load.js';
import type { AuthorizationPolicyDoc, RequestAuthenticationDoc } from '../../config/schema.js';
import type { Labels, Manifest, Ports, RenderOptions } from '../manifest.js';

/** Condition keys only Warden understands: Istio would reject a policy that uses them (the chart's _helpers.tpl has the same pattern). */
export const WARDEN_KEY = /^request\.(model|publisher|operation|operation_class|project|location|stream|endpoint)$|^warden\./;

export function strictMtls(metadata: Manifest['metadata'], labels: Labels): Manifest {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata,
    spec: { selector: { matchLabels: labels }, mtls: { mode: 'STRICT' } },
  };
}

/**
 * A Check answer, and an ext_proc header answer, carries a Google token, and
 * the caller's identity in both is taken on Envoy's word: only the egress
 * gateway may call those ports.
 */
export function extAuthzCallers(metadata: Manifest['metadata'], labels: Labels, ports: Ports, o: RenderOptions): Manifest {
  const authzPorts = [ports.grpcExtAuthz, ports.httpExtAuthz, ports.grpcExtProc].filter((p): p is number => !!p).map(String);
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

/** The config's Istio documents, scoped to the egress gateway where they have no scope of their own. */
export function configPolicies(config: LoadedConfig, o: RenderOptions, notes: string[]): Manifest[] {
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
