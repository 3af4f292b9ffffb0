// Limit rules compiled from config: which requests a rule counts, the
// counter key for a request (one per distinct principal / group / route /
// model combination named in `by`), and its fixed windows.
import { durationMs, type LimitRuleSpec } from '../config/schema.js';
import { compilePatterns, type StringMatcher } from '../policy/match.js';
import type { Principal, Target } from '../types.js';

export type TokenCount = 'prompt' | 'output' | 'total';

export interface LimitScope {
  route: string;
  principal: Principal;
  target: Target;
}

export interface Window {
  limit: number;
  ms: number;
}

export class LimitRule {
  readonly name: string;
  readonly requests?: Window & { count: 'requests' | 'instances' };
  readonly tokens?: Window & { count: TokenCount };
  private readonly by: LimitRuleSpec['by'];
  private readonly match: { [K in Exclude<keyof LimitRuleSpec['match'], 'tools'>]?: ReadonlySet<string> };
  /** MCP tool names, as Istio patterns (`delete_*`, `*`). */
  private readonly tools?: StringMatcher;

  constructor(spec: LimitRuleSpec) {
    this.name = spec.name;
    this.by = spec.by;
    if (spec.requests) this.requests = { limit: spec.requests.limit, ms: durationMs(spec.requests.per), count: spec.requests.count ?? 'requests' };
    if (spec.tokens) this.tokens = { limit: spec.tokens.limit, ms: durationMs(spec.tokens.per), count: spec.tokens.count };
    const set = (v?: string[]) => (v ? new Set(v) : undefined);
    this.match = { routes: set(spec.match.routes), models: set(spec.match.models), groups: set(spec.match.groups), principals: set(spec.match.principals), operations: set(spec.match.operations) };
    if (spec.match.tools) this.tools = compilePatterns(spec.match.tools);
  }

  /** The counter ids this request charges under this rule (several when `by: [group]` and the caller is in several). */
  subjects(s: LimitScope): string[] {
    const m = this.match;
    const who = principalOf(s.principal);
    if (m.routes && !m.routes.has(s.route)) return [];
    if (m.models && !(s.target.model !== undefined && m.models.has(s.target.model))) return [];
    if (m.operations && !m.operations.has(s.target.operation)) return [];
    const tool = s.target.mcp?.tool;
    if (this.tools && !(tool !== undefined && this.tools(tool))) return [];
    if (m.principals && !m.principals.has(who)) return [];
    const groups = m.groups ? s.principal.groups.filter((g) => m.groups!.has(g)) : s.principal.groups;
    if (m.groups && groups.length === 0) return [];
    let keys = [''];
    for (const d of this.by) {
      const values =
        d === 'principal' ? [who] : d === 'route' ? [s.route] : d === 'model' ? [s.target.model ?? '-'] : d === 'tool' ? [tool ?? '-'] : groups.length ? groups : ['-'];
      keys = keys.flatMap((k) => values.map((v) => `${k}${d}=${encodeURIComponent(v)};`));
    }
    return keys;
  }
}

function principalOf(p: Principal): string {
  return p.requestPrincipal ?? p.sourcePrincipal ?? 'anonymous';
}
