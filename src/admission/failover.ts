// Failover between Vertex locations, on the proxy (under Envoy, Envoy
// forwards: its own retry policy applies). A route lists locations in order;
// a call to one of them that gets 429, 503 or no connection moves on to the
// next one the caller's policy allows, with host and path location rewritten,
// if the call is safe to repeat (inference that creates nothing), its body can
// be sent again (read whole), the route's retry budget has room and the
// location's circuit is closed. Residency holds because every location tried
// is authorized as if the caller had asked for it.
import { Pool } from 'undici';
import type { RouteSpec } from '../config/schema.js';
import { durationMs } from '../config/schema.js';
import { WardenError } from '../errors.js';
import { locationHost } from '../providers/locations.js';
import type { Target } from '../types.js';

/** Statuses a location answers when it cannot serve now (quota, overload): another may. */
export const MOVE_ON_FROM: ReadonlySet<number> = new Set([429, 503]);

const WINDOW_MS = 10_000;

export interface UpstreamLocation {
  location: string;
  pool: Pool;
  /** The upstream URL's path, prepended to the request path. */
  basePath: string;
}

interface Circuit {
  failures: number;
  openUntil: number;
}

export class Failover {
  readonly locations: readonly UpstreamLocation[];
  private readonly circuits = new Map<string, Circuit>();
  private readonly spec: NonNullable<RouteSpec['failover']>;
  private window = { start: 0, calls: 0, retries: 0 };

  constructor(spec: NonNullable<RouteSpec['failover']>) {
    this.spec = spec;
    this.locations = spec.locations.map((l) => {
      const location = typeof l === 'string' ? l : l.location;
      const url = new URL((typeof l === 'string' ? undefined : l.upstream) ?? `https://${locationHost(location)}`);
      return { location, pool: new Pool(url.origin, { connections: 128, keepAliveTimeout: 30_000, connectTimeout: 10_000 }), basePath: url.pathname.replace(/\/$/, '') };
    });
    for (const l of this.locations) this.circuits.set(l.location, { failures: 0, openUntil: 0 });
  }

  /**
   * The locations to try for `target`, in order: its own first, then the others the caller may
   * use (`allowed`), skipping open circuits. Undefined when the route does not fail over for it
   * (another location, or a call not safe to repeat); refused when every circuit is open.
   */
  plan(target: Target, replayable: boolean, allowed: (location: string) => boolean): UpstreamLocation[] | undefined {
    const own = this.locations.find((l) => l.location === target.location);
    if (own === undefined) return undefined;
    this.count();
    const now = Date.now();
    const open = (l: UpstreamLocation) => this.circuits.get(l.location)!.openUntil > now;
    const repeatable = replayable && target.operationClass === 'inference' && target.creates === undefined;
    const plan = repeatable ? [own, ...this.locations.filter((l) => l !== own && allowed(l.location))].filter((l) => !open(l)) : open(own) ? [] : [own];
    if (plan.length === 0) {
      throw new WardenError('UNAVAILABLE', 'LOCATIONS_UNAVAILABLE', `every location this call may use has failed repeatedly (circuit open: ${[own, ...this.locations].filter(open).map((l) => l.location).filter((v, i, a) => a.indexOf(v) === i).join(', ')})`);
    }
    return plan;
  }

  /** Whether the retry budget has room for one more upstream call past the first (asked before a try that may move on). */
  mayRetry(): boolean {
    this.count(0);
    return this.window.retries < Math.max(this.spec.minRetries, this.spec.retryBudget * this.window.calls);
  }

  /** A retry is made: it counts against the budget. */
  retried(): void {
    this.window.retries++;
  }

  /** A location answered (`ok`: not with a status or failure failover moves on from). */
  report(location: string, ok: boolean): void {
    const c = this.circuits.get(location)!;
    if (ok) {
      c.failures = 0;
      c.openUntil = 0;
      return;
    }
    c.failures++;
    if (c.failures >= this.spec.breakerFailures) c.openUntil = Date.now() + durationMs(this.spec.breakerOpenFor);
  }

  async close(): Promise<void> {
    await Promise.all(this.locations.map((l) => l.pool.close()));
  }

  private count(n = 1): void {
    const now = Date.now();
    if (now - this.window.start > WINDOW_MS) this.window = { start: now, calls: 0, retries: 0 };
    this.window.calls += n;
  }
}

/** `path` with its `locations/{from}` segment (if any) naming `to`. */
export function relocate(path: string, from: string | undefined, to: string): string {
  if (from === undefined || from === to) return path;
  return path.replace(new RegExp(`(/projects/[^/]+/locations/)${from.replace(/[^a-z0-9-]/g, '')}(?=/|$|:)`), `$1${to}`);
}
