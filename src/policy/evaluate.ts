// The authorize stage, in Istio's order:
//   1. a matching CUSTOM policy asks its provider; Warden is that provider
//      (`spec.policy.customProviders`), so one naming Warden defers to the
//      steps below, and one naming any other provider denies: Warden cannot
//      ask it, and failing open is not an option;
//   2. any matching DENY policy denies;
//   3. no ALLOW policy → allow; 4. a matching ALLOW policy → allow; 5. deny.
// AUDIT policies only mark the decision; dry-run policies are never enforced.
import type { PolicySettings } from '../config/schema.js';
import type { Decision } from '../types.js';
import type { Facts, PolicyInput } from './attributes.js';
import { firstFailure, type CompiledPolicy, type PolicyAction } from './compile.js';
import { remoteIp } from './ip.js';
import { normalizePath } from './path.js';

interface PolicySet {
  custom: CompiledPolicy[];
  deny: CompiledPolicy[];
  allow: CompiledPolicy[];
  audit: CompiledPolicy[];
}

export interface RuleVerdict {
  rule: number;
  matched: boolean;
  /** What the first failing part of the rule wanted. */
  wanted?: string;
}

export interface PolicyExplanation {
  policy: string;
  action: PolicyAction;
  provider?: string;
  dryRun: boolean;
  /** The routes it applies to; when it does not apply to this request's route, nothing else is evaluated. */
  scope: string;
  applies: boolean;
  matched: boolean;
  /** Index of the first matching rule. */
  rule?: number;
  rules: RuleVerdict[];
  /** One line: why it matched or did not. */
  why: string;
}

export interface Explanation {
  decision: Decision;
  route?: string;
  /** The path the policies saw (after normalization), or undefined when it was refused. */
  path?: string;
  remoteIp: string;
  policies: PolicyExplanation[];
}

export type AuthorizerSettings = Pick<PolicySettings, 'pathNormalization' | 'xffNumTrustedHops' | 'customProviders'>;

export class Authorizer {
  private readonly policies: readonly CompiledPolicy[];
  private readonly byRoute = new Map<string, PolicySet>();
  /** Policies for a request without a route: those that apply to every route. */
  private readonly unrouted: PolicySet;
  private readonly self: ReadonlySet<string>;

  constructor(policies: CompiledPolicy[], private readonly settings: AuthorizerSettings, routes: readonly string[] = []) {
    this.policies = policies;
    this.self = new Set(settings.customProviders);
    this.unrouted = setOf(policies.filter((p) => p.scope.routes === 'all'));
    for (const r of routes) this.byRoute.set(r, setOf(policies.filter((p) => appliesTo(p, r))));
  }

  authorize(input: PolicyInput): Decision {
    const facts = this.facts(input);
    if (!facts) return { action: 'deny', reason: 'the path holds an encoded NUL (%00), which Istio refuses' };
    const set = (input.route !== undefined && this.byRoute.get(input.route)) || this.unrouted;
    let auditMarks: string[] | undefined;
    for (const p of set.audit) {
      if (firstMatch(p, facts) >= 0) (auditMarks ??= []).push(p.name);
    }
    for (const p of set.custom) {
      const rule = firstMatch(p, facts);
      if (rule >= 0 && !this.self.has(p.provider ?? '')) {
        return { action: 'deny', policy: p.name, rule, reason: `denied by CUSTOM policy ${p.name} rule ${rule}: provider "${p.provider}" is not Warden and cannot be asked`, auditMarks };
      }
    }
    for (const p of set.deny) {
      const rule = firstMatch(p, facts);
      if (rule >= 0) return { action: 'deny', policy: p.name, rule, reason: `denied by DENY policy ${p.name} rule ${rule}`, auditMarks };
    }
    if (!set.allow.length) return { action: 'allow', reason: 'no ALLOW policy applies', auditMarks };
    for (const p of set.allow) {
      const rule = firstMatch(p, facts);
      if (rule >= 0) return { action: 'allow', policy: p.name, rule, reason: `allowed by ALLOW policy ${p.name} rule ${rule}`, auditMarks };
    }
    return { action: 'deny', reason: 'no ALLOW policy matched', auditMarks };
  }

  /** FACT_* flags whose absence could let a request on `route` through an enforced policy (src/types.ts). */
  factsAtStake(route: string): number {
    const set = this.byRoute.get(route) ?? this.unrouted;
    let facts = 0;
    for (const p of [...set.custom, ...set.deny, ...set.allow]) facts |= p.atStake;
    return facts;
  }

  /** Names of enforced policies that read the client address, of those that apply to a route. */
  addressPolicies(): string[] {
    return this.policies.filter((p) => !p.dryRun && p.readsAddress && (p.scope.routes === 'all' || p.scope.routes.size > 0)).map((p) => p.name);
  }

  /** The decision, and every policy's verdict on the request, for `warden explain` and the admin API. */
  explain(input: PolicyInput): Explanation {
    const decision = this.authorize(input);
    const facts = this.facts(input);
    const remote = remoteIp(input.req.sourceIp, input.req.headers['x-forwarded-for'], this.settings.xffNumTrustedHops);
    const policies = this.policies.map((p): PolicyExplanation => {
      const applies = input.route === undefined ? p.scope.routes === 'all' : appliesTo(p, input.route);
      const base = { policy: p.name, action: p.action, provider: p.provider, dryRun: p.dryRun, scope: p.scope.describe, applies };
      if (!applies || !facts) {
        const why = !facts ? 'not evaluated: the request was refused before policies' : `does not apply to ${input.route === undefined ? 'requests without a route' : `route ${input.route}`} (applies to ${p.scope.describe})`;
        return { ...base, matched: false, rules: [], why };
      }
      const rules = p.rules.map((r, i): RuleVerdict => {
        const failed = firstFailure(r, facts);
        return failed < 0 ? { rule: i, matched: true } : { rule: i, matched: false, wanted: r.checks[failed].wants };
      });
      const hit = rules.find((r) => r.matched);
      const why = hit
        ? `rule ${hit.rule} matches${p.dryRun ? ' (dry run: not enforced)' : ''}`
        : !rules.length
          ? 'has no rules, so it matches nothing'
          : rules.map((r) => `rule ${r.rule} wants ${r.wanted}`).join('; ');
      return { ...base, matched: !!hit, rule: hit?.rule, rules, why };
    });
    return { decision, route: input.route, path: facts?.path, remoteIp: remote, policies };
  }

  private facts(input: PolicyInput): Facts | undefined {
    const path = normalizePath(input.req.path, this.settings.pathNormalization);
    if (path === undefined) return undefined;
    const remote = remoteIp(input.req.sourceIp, input.req.headers['x-forwarded-for'], this.settings.xffNumTrustedHops);
    const facts: Facts = { req: input.req, principal: input.principal, target: input.target, route: input.route, path, remoteIp: remote };
    if (input.listing) facts.listing = true;
    return facts;
  }
}

function appliesTo(p: CompiledPolicy, route: string): boolean {
  return p.scope.routes === 'all' || p.scope.routes.has(route);
}

function setOf(policies: CompiledPolicy[]): PolicySet {
  const enforced = policies.filter((p) => !p.dryRun);
  const of = (a: PolicyAction) => enforced.filter((p) => p.action === a);
  return { custom: of('CUSTOM'), deny: of('DENY'), allow: of('ALLOW'), audit: of('AUDIT') };
}

function firstMatch(p: CompiledPolicy, f: Facts): number {
  for (let i = 0; i < p.rules.length; i++) if (firstFailure(p.rules[i], f) < 0) return i;
  return -1;
}
