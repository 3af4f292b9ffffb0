// Picks the route for a request: host (exact, or `*.suffix`) and the longest
// matching path prefix win; routes without a host match any host.
import type { RouteSpec } from '../config/schema.js';
import type { RequestInfo } from '../types.js';

export function routeMatcher<R extends { spec: RouteSpec }>(routes: R[]): (req: RequestInfo) => R | undefined {
  const ordered = [...routes].sort(
    (a, b) =>
      Number(!!b.spec.match.host) - Number(!!a.spec.match.host) ||
      (b.spec.match.pathPrefix ?? '/').length - (a.spec.match.pathPrefix ?? '/').length,
  );
  const hostOk = (pattern: string | undefined, host: string) => {
    if (!pattern) return true;
    const h = host.replace(/:\d+$/, '');
    const p = pattern.toLowerCase();
    return p.startsWith('*.') ? h.endsWith(p.slice(1)) : h === p;
  };
  return (req) => ordered.find((r) => hostOk(r.spec.match.host, req.host) && req.path.startsWith(r.spec.match.pathPrefix ?? '/'));
}
