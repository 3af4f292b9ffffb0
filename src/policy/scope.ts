// Which of Warden's routes a policy applies to. Istio scopes a policy to
// workloads by namespace, `selector` and `targetRefs`; Warden maps that onto
// itself like this (docs/policy.md, "Scope"):
//
// - Warden is one workload: the Gateway document's metadata (name, namespace,
//   labels). A policy applies when it has no namespace, when the Gateway has
//   none, or when it is in the Gateway's namespace or `spec.policy.rootNamespace`.
// - Each route is a workload of its own for `selector.matchLabels`: its labels
//   are the Gateway's labels, the route's `labels` and `warden.dev/route: NAME`.
// - `targetRefs`: `kind: Gateway` naming the Gateway selects every route;
//   `kind: Service` or `ServiceEntry` naming a route selects that route.
import type { AuthorizationPolicyDoc } from '../config/schema.js';
import type { Reporter } from '../config/load.js';

export interface Workload {
  name: string;
  namespace?: string;
  labels: Readonly<Record<string, string>>;
  rootNamespace: string;
  routes: readonly { name: string; labels: Readonly<Record<string, string>> }[];
}

export interface Scope {
  /** Route names the policy applies to, or every route. */
  routes: ReadonlySet<string> | 'all';
  /** For explanations: "every route", "routes a, b", "no route: …". */
  describe: string;
}

export const ROUTE_LABEL = 'warden.dev/route';

export function scopeOf(doc: AuthorizationPolicyDoc, w: Workload, report: Reporter): Scope {
  const ns = doc.metadata.namespace;
  if (ns !== undefined && w.namespace !== undefined && ns !== w.namespace && ns !== w.rootNamespace) {
    return { routes: new Set(), describe: `no route: namespace "${ns}" is neither Warden's ("${w.namespace}") nor the root namespace ("${w.rootNamespace}")` };
  }
  const { selector, targetRef } = doc.spec;
  const refs = [...(targetRef ? [targetRef] : []), ...(doc.spec.targetRefs ?? [])];
  if (selector && refs.length) {
    report(['spec', 'selector'], 'only one of selector or targetRefs can be set', 'remove one of them');
  }
  if (refs.length) {
    const picked = new Set<string>();
    refs.forEach((ref, i) => {
      const path = doc.spec.targetRef ? ['spec', 'targetRef'] : ['spec', 'targetRefs', i];
      if (ref.kind === 'Gateway') {
        if (ref.name === w.name) w.routes.forEach((r) => picked.add(r.name));
      } else if (ref.kind === 'Service' || ref.kind === 'ServiceEntry') {
        if (w.routes.some((r) => r.name === ref.name)) picked.add(ref.name);
      } else {
        report([...path, 'kind'], `targetRefs kind "${ref.kind}" has no meaning for Warden`,
          'kind: Gateway with the Gateway\'s metadata.name (every route), or kind: Service with a route name (that route)');
      }
    });
    return describeSet(picked, w, 'no route: no targetRef names this Gateway or one of its routes');
  }
  const labels = selector?.matchLabels;
  if (!labels || !Object.keys(labels).length) return { routes: 'all', describe: 'every route' };
  const picked = new Set(
    w.routes
      .filter((r) => {
        const all: Record<string, string> = { ...w.labels, ...r.labels, [ROUTE_LABEL]: r.name };
        return Object.entries(labels).every(([k, v]) => all[k] === v);
      })
      .map((r) => r.name),
  );
  return describeSet(picked, w, 'no route: no route carries the selector\'s labels');
}

function describeSet(picked: Set<string>, w: Workload, none: string): Scope {
  if (picked.size === w.routes.length && picked.size) return { routes: 'all', describe: 'every route' };
  if (!picked.size) return { routes: picked, describe: none };
  return { routes: picked, describe: `route${picked.size > 1 ? 's' : ''} ${[...picked].join(', ')}` };
}
