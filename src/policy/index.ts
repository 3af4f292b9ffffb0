// The policy stage assembled from a loaded config: every AuthorizationPolicy
// compiled against Warden's routes and the mesh-wide settings in
// `spec.policy`. Problems are reported against the config file.
import type { LoadedConfig } from '../config/load.js';
import { compilePolicies } from './compile.js';
import { Authorizer } from './evaluate.js';

const DEFAULT_SETTINGS = { pathNormalization: 'BASE', xffNumTrustedHops: 0, rootNamespace: 'istio-system', customProviders: ['warden'] } as const;

export function buildAuthorizer(config: LoadedConfig): Authorizer {
  const spec = config.gateway?.value;
  const settings = spec?.policy ?? { ...DEFAULT_SETTINGS, customProviders: [...DEFAULT_SETTINGS.customProviders] };
  const routes = (spec?.routes ?? []).map((r) => ({ name: r.name, labels: r.labels ?? {} }));
  const meta = config.gatewayMetadata;
  // Istio's JWT filter turns these string claims into lists, per issuer.
  const spaceDelimitedClaims = new Map<string, Set<string>>();
  for (const ra of config.requestAuthentications) {
    for (const rule of ra.value.spec.jwtRules) {
      if (!rule.spaceDelimitedClaims?.length) continue;
      const set = spaceDelimitedClaims.get(rule.issuer) ?? new Set<string>();
      rule.spaceDelimitedClaims.forEach((c) => set.add(c));
      spaceDelimitedClaims.set(rule.issuer, set);
    }
  }
  const policies = compilePolicies(config.authorizationPolicies, {
    workload: { name: meta.name, namespace: meta.namespace, labels: meta.labels ?? {}, rootNamespace: settings.rootNamespace, routes },
    spaceDelimitedClaims,
  });
  return new Authorizer(policies, settings, routes.map((r) => r.name));
}
