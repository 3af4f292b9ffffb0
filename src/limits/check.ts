// Cross-field checks on spec.limits that the schema cannot express.
import type { Reporter } from '../config/load.js';
import type { GatewaySpec } from '../config/schema.js';

export function checkLimits(spec: GatewaySpec, report: Reporter): void {
  if (!spec.limits) return;
  const routes = new Set(spec.routes.map((r) => r.name));
  const names = new Set<string>();
  spec.limits.rules.forEach((r, i) => {
    if (names.has(r.name)) report(['limits', 'rules', i, 'name'], `duplicate limit rule name "${r.name}"`, 'names key the counters; make each unique');
    names.add(r.name);
    r.match.routes?.forEach((n, j) => {
      if (!routes.has(n)) report(['limits', 'rules', i, 'match', 'routes', j], `unknown route "${n}"`, `routes: ${[...routes].join(', ')}`);
    });
    if (new Set(r.by).size !== r.by.length) report(['limits', 'rules', i, 'by'], 'a dimension is listed twice', 'principal, group, route, model: each at most once');
  });
}
