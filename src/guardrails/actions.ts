// Which action applies to which finding, for one request. Layers, each
// overriding the one before for the keys it names: the base actions
// (spec.guardrails), the route's, then every matching rule in file order.
// Within a layer a finding type beats its category. Compiled at load; a
// request only picks the layers that apply to it.
import type { Reporter } from '../config/load.js';
import type { GuardActionName, GuardrailsSpec } from '../config/schema.js';
import type { Principal } from '../types.js';
import type { Category } from './detectors/types.js';

export type Action = GuardActionName;
export type Direction = 'request' | 'response';

export const CATEGORIES: readonly Category[] = ['pii', 'secret', 'injection', 'harm', 'custom'];

type Layer = ReadonlyMap<string, Action>;

interface CompiledRule {
  routes?: ReadonlySet<string>;
  policies?: ReadonlySet<string>;
  groups?: ReadonlySet<string>;
  principals?: ReadonlySet<string>;
  request?: Layer;
  response?: Layer;
}

export interface RequestScope {
  route: string;
  principal: Principal;
  /** The AuthorizationPolicy that allowed the request, if one did. */
  policy?: string;
}

/** The resolved actions for one request and direction. */
export class ActionTable {
  constructor(private readonly layers: readonly Layer[]) {}

  /** `otherwise`: when no layer names the type or its category (external guardrails' findings default to flag). */
  action(type: string, category: Category, otherwise: Action = 'off'): Action {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const l = this.layers[i]!;
      const a = l.get(type) ?? l.get(category);
      if (a !== undefined) return a;
    }
    return otherwise;
  }

  private activeMemo?: boolean;

  /** Whether some key's last word is `redact` or `block`: content could change or stop the request. */
  get enforcing(): boolean {
    return this.someLastWord((a) => a === 'redact' || a === 'block');
  }

  /** Whether anything may be scanned: some key's last word is not `off` (every action `off` means no work). */
  get active(): boolean {
    this.activeMemo ??= this.someLastWord((a) => a !== 'off');
    return this.activeMemo;
  }

  /** Whether the last layer that names some key says `test` of it (a plain loop: this runs for every request). */
  private someLastWord(test: (a: Action) => boolean): boolean {
    const seen = new Set<string>();
    for (let i = this.layers.length - 1; i >= 0; i--) {
      for (const [k, a] of this.layers[i]!) {
        if (seen.has(k)) continue;
        seen.add(k);
        if (test(a)) return true;
      }
    }
    return false;
  }
}

/**
 * When guardrails are configured, each category is flagged unless the config says otherwise. In
 * answers, injection is read from MCP results only (GuardSession.mcpAnswer flags it by default).
 */
const BASE: Record<Direction, Layer> = {
  request: new Map<string, Action>([['pii', 'flag'], ['secret', 'flag'], ['injection', 'flag'], ['custom', 'flag']]),
  response: new Map<string, Action>([['pii', 'flag'], ['secret', 'flag'], ['custom', 'flag']]),
};

const INJECTION_KEYS: ReadonlySet<string> = new Set(['injection', 'PROMPT_INJECTION']);

export class ActionResolver {
  private readonly base: Record<Direction, Layer[]>;
  private readonly routes = new Map<string, Partial<Record<Direction, Layer>>>();
  private readonly rules: CompiledRule[];

  constructor(
    spec: Pick<GuardrailsSpec, 'request' | 'response' | 'rules'>,
    routeSpecs: readonly { name: string; guardrails?: { request?: Record<string, Action>; response?: Record<string, Action> } }[],
    knownTypes: ReadonlySet<string>,
    report: Reporter,
  ) {
    const layer = (m: Record<string, Action> | undefined, dir: Direction, path: (string | number)[]): Layer | undefined => {
      if (!m) return undefined;
      for (const [k, a] of Object.entries(m)) {
        if (!CATEGORIES.includes(k as Category) && !knownTypes.has(k)) {
          report([...path, k], `unknown detector "${k}"`, `a category (${CATEGORIES.join(', ')}) or a finding type: ${[...knownTypes].sort().join(', ')}`);
        } else if (dir === 'response' && a === 'block' && !INJECTION_KEYS.has(k)) {
          // Injection is the exception: an MCP result is one message, held whole and answered as an error instead.
          report([...path, k], 'an answer cannot be blocked once it streams', 'use redact (or flag) for responses');
        } else if (a === 'redact' && k === 'injection') {
          report([...path, k], 'an injection signal has no span to redact', 'use flag or block');
        }
      }
      return new Map(Object.entries(m));
    };
    this.base = {
      request: [BASE.request, layer(spec.request, 'request', ['guardrails', 'request'])!],
      response: [BASE.response, layer(spec.response, 'response', ['guardrails', 'response'])!],
    };
    routeSpecs.forEach((r, i) => {
      if (!r.guardrails) return;
      this.routes.set(r.name, {
        request: layer(r.guardrails.request, 'request', ['routes', i, 'guardrails', 'request']),
        response: layer(r.guardrails.response, 'response', ['routes', i, 'guardrails', 'response']),
      });
    });
    const routeNames = new Set(routeSpecs.map((r) => r.name));
    this.rules = spec.rules.map((r, i) => {
      r.match.routes?.forEach((n, j) => {
        if (!routeNames.has(n)) report(['guardrails', 'rules', i, 'match', 'routes', j], `unknown route "${n}"`, `routes: ${[...routeNames].join(', ')}`);
      });
      const set = (v?: string[]) => (v ? new Set(v) : undefined);
      return {
        routes: set(r.match.routes),
        policies: set(r.match.policies),
        groups: set(r.match.groups),
        principals: set(r.match.principals),
        request: layer(r.request, 'request', ['guardrails', 'rules', i, 'request']),
        response: layer(r.response, 'response', ['guardrails', 'rules', i, 'response']),
      };
    });
  }

  resolve(scope: RequestScope): Record<Direction, ActionTable> {
    const req = [...this.base.request];
    const res = [...this.base.response];
    const route = this.routes.get(scope.route);
    if (route?.request) req.push(route.request);
    if (route?.response) res.push(route.response);
    for (const r of this.rules) {
      if (!matches(r, scope)) continue;
      if (r.request) req.push(r.request);
      if (r.response) res.push(r.response);
    }
    return { request: new ActionTable(req), response: new ActionTable(res) };
  }
}

/** Whether a rule's `match` (as written in the config) fits a request. */
export function ruleMatches(m: { routes?: string[]; policies?: string[]; groups?: string[]; principals?: string[] }, s: RequestScope): boolean {
  const set = (v?: string[]) => (v ? new Set(v) : undefined);
  return matches({ routes: set(m.routes), policies: set(m.policies), groups: set(m.groups), principals: set(m.principals) }, s);
}

function matches(r: CompiledRule, s: RequestScope): boolean {
  if (r.routes && !r.routes.has(s.route)) return false;
  if (r.policies && !(s.policy !== undefined && (r.policies.has(s.policy) || r.policies.has(s.policy.split('/').pop()!)))) return false;
  if (r.groups && !s.principal.groups.some((g) => r.groups!.has(g))) return false;
  const who = s.principal.requestPrincipal ?? s.principal.sourcePrincipal;
  if (r.principals && !(who !== undefined && r.principals.has(who))) return false;
  return true;
}
