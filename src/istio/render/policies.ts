// Security documents on Warden's own pods: PeerAuthentication STRICT, and the
// one ALLOW policy that says who may call which port. The config's own
// RequestAuthentication / AuthorizationPolicy documents are not rendered:
// Warden enforces them in its CUSTOM check (see configDocumentsNote).
import type { LoadedConfig } from '../../config/load.js';
import type { Labels, Manifest, Ports, RenderOptions } from '../manifest.js';

export function strictMtls(metadata: Manifest['metadata'], labels: Labels): Manifest {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata,
    spec: { selector: { matchLabels: labels }, mtls: { mode: 'STRICT' } },
  };
}

/**
 * Who may call Warden's pods, port by port (the name stays
 * `NAME-ext-authz-callers`, so that applying a new render replaces the
 * earlier policy, which left the admin port open to the mesh):
 * - the ext_authz and ext_proc ports: only the egress gateway. A Check answer,
 *   and an ext_proc header answer, carries a Google token, and the caller's
 *   identity in both is taken on Envoy's word;
 * - the admin port (`/metrics`, `/explain`, `/credentials`): only the metrics
 *   scraper (`o.metricsFrom`). The kubelet's probes need no rule: Istio's
 *   sidecar rewrites them to its own agent, which calls Warden from inside the
 *   pod, past the authorization filter (the Deployment asks for the rewrite);
 * - the gateway port: the whole mesh. Warden checks its callers itself.
 * Any other port: nobody.
 */
export function portAccess(metadata: Manifest['metadata'], labels: Labels, ports: Ports, o: RenderOptions): Manifest {
  const authzPorts = [ports.grpcExtAuthz, ports.httpExtAuthz, ports.grpcExtProc].filter((p): p is number => !!p).map(String);
  const scraper = [
    ...(o.metricsFrom.namespaces.length ? [{ source: { namespaces: o.metricsFrom.namespaces } }] : []),
    ...(o.metricsFrom.principals.length ? [{ source: { principals: o.metricsFrom.principals } }] : []),
  ];
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
        ...(scraper.length ? [{ from: scraper, to: [{ operation: { ports: [String(ports.admin)] } }] }] : []),
        { to: [{ operation: { ports: [String(ports.http)] } }] },
      ],
    },
  };
}

/**
 * Why the config's own Istio documents are not rendered, naming them; none
 * when it has none. The egress gateway is shared by all of the mesh's
 * egress: once any ALLOW policy applies to a workload Istio denies every
 * request that matches none, so one there (with or without `to.hosts`)
 * would refuse unrelated egress traffic, and an ALLOW for "everything not to
 * the Vertex hosts" beside it would open what the gateway's other ALLOW
 * policies close. A RequestAuthentication has no host scope: there it would
 * reject other egress requests carrying a bearer token that is not one of its
 * issuers' JWTs. What Istio cannot express (`request.model`, CEL) cannot be
 * rendered at all, and a DENY rendered beside the CUSTOM policy adds nothing
 * for the requests Warden sees (Istio asks CUSTOM first, and Warden evaluates
 * the same DENY there), while one whose conditions the gateway reads
 * otherwise (`request.auth` without the RequestAuthentication, a selector
 * naming Warden's routes) would refuse callers Warden allows. So the CUSTOM
 * policy, scoped to the Vertex hosts, is the one policy on the gateway, and
 * Warden enforces the config's documents in full.
 */
export function configDocumentsNote(config: LoadedConfig, o: RenderOptions): string | undefined {
  const policies = config.authorizationPolicies.filter((p) => !p.value.apiVersion.startsWith('warden.dev/')).map((p) => p.value);
  const ras = config.requestAuthentications.map((r) => r.value);
  if (!policies.length && !ras.length) return undefined;
  const names = [...policies.map((p) => `AuthorizationPolicy ${p.metadata.name}`), ...ras.map((r) => `RequestAuthentication ${r.metadata.name}`)];
  // Earlier renders put them in their own namespace, else the gateway's.
  const earlier = new Map<string, string[]>();
  for (const d of [...policies, ...ras]) {
    const key = `${d.metadata.namespace ?? o.egressNamespace} ${d.kind.toLowerCase()}`;
    earlier.set(key, [...(earlier.get(key) ?? []), d.metadata.name]);
  }
  const remove = [...earlier].map(([key, n]) => {
    const [ns, kind] = key.split(' ');
    return `kubectl -n ${ns} delete ${kind} ${n.join(' ')} --ignore-not-found`;
  });
  return `the config's ${names.join(', ')}: enforced by Warden in its CUSTOM check on the Vertex hosts, not rendered onto the shared egress gateway ` +
    '(an ALLOW policy there makes Istio deny all egress traffic that matches no ALLOW; a RequestAuthentication there rejects other egress requests ' +
    `carrying bearer tokens it does not know; docs/istio.md, What goes on the egress gateway). Earlier renders applied them; if yours did, remove them (after checking these are the config's): ${remove.join('; ')}`;
}
