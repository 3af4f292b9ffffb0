// Identity mapping: per route, an ordered rule list that picks the upstream
// credential from who calls (groups, request principal, SPIFFE ID, namespace)
// and what is called (model, operation, operation class). The first matching
// rule wins; then the route's `credential`; a route with rules and no default
// refuses callers no rule covers (fail closed).
import type { CredentialRuleSpec, RouteSpec } from '../config/schema.js';
import type { Reporter } from '../config/load.js';
import { WardenError } from '../errors.js';
import { anyMatches, compilePatterns } from '../policy/match.js';
import type { Principal, Target } from '../types.js';

/** The credential's name, or undefined when the route sends none. */
export type CredentialSelector = (principal: Principal, target: Target) => string | undefined;

type Check = (principal: Principal, target: Target) => boolean;

export function compileMapping(route: RouteSpec, known: ReadonlySet<string>, report: Reporter): CredentialSelector {
  const rules = route.credentials.map((rule, i) => {
    if (!known.has(rule.credential)) {
      report(['credentials', i, 'credential'], `unknown credential "${rule.credential}"`,
        known.size ? `defined credentials: ${[...known].join(', ')}` : 'define it under spec.credentials');
    }
    return { credential: rule.credential, checks: compileWhen(rule.when) };
  });
  const fallback = route.credential;
  if (!rules.length) return () => fallback;
  return (principal, target) => {
    for (const r of rules) if (r.checks.every((c) => c(principal, target))) return r.credential;
    if (fallback) return fallback;
    throw new WardenError('PERMISSION_DENIED', 'NO_CREDENTIAL_MAPPING', `no upstream credential is mapped to this caller on route ${route.name}`);
  };
}

function compileWhen(when: CredentialRuleSpec['when']): Check[] {
  if (!when) return [];
  const checks: Check[] = [];
  const on = (patterns: string[] | undefined, get: (p: Principal, t: Target) => string | readonly string[] | undefined) => {
    if (!patterns) return;
    const m = compilePatterns(patterns);
    checks.push((p, t) => anyMatches(m, get(p, t)));
  };
  on(when.groups, (p) => p.groups);
  on(when.requestPrincipals, (p) => p.requestPrincipal);
  // Principal.sourcePrincipal is the SPIFFE ID without its scheme, as Istio writes principals.
  on(when.principals?.map((s) => s.replace(/^spiffe:\/\//, '')), (p) => p.sourcePrincipal);
  on(when.namespaces, (p) => p.sourceNamespace);
  on(when.models, (_, t) => t.model ?? t.endpoint);
  on(when.operations, (_, t) => t.operation);
  on(when.operationClasses, (_, t) => t.operationClass);
  on(when.tools, (_, t) => t.mcp?.tool);
  return checks;
}
