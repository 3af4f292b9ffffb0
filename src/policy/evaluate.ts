// The authorize stage: Istio's order — DENY, then ALLOW (no ALLOW policy →
// allow; ALLOW policies present and none matching → deny). AUDIT policies
// only mark the record. Warden is itself the CUSTOM authorizer, so CUSTOM
// policies (which tell Istio to ask Warden) take no part here.
import type { Decision } from '../types.js';
import type { PolicyInput } from './attributes.js';
import { ruleMismatch, type CompiledPolicy } from './compile.js';

export interface PolicyExplanation {
  policy: string;
  action: CompiledPolicy['action'];
  matched: boolean;
  /** Index of the first matching rule, when matched. */
  rule?: number;
  /** Per rule, why it did not match. */
  misses: string[];
}

export class Authorizer {
  private readonly deny: CompiledPolicy[];
  private readonly allow: CompiledPolicy[];
  private readonly audit: CompiledPolicy[];

  constructor(policies: CompiledPolicy[]) {
    this.deny = policies.filter((p) => p.action === 'DENY');
    this.allow = policies.filter((p) => p.action === 'ALLOW');
    this.audit = policies.filter((p) => p.action === 'AUDIT');
  }

  authorize(input: PolicyInput): Decision {
    const marks = this.audit.length ? this.audit.filter((p) => firstMatch(p, input) >= 0).map((p) => p.name) : undefined;
    const auditMarks = marks?.length ? marks : undefined;
    for (const p of this.deny) {
      const rule = firstMatch(p, input);
      if (rule >= 0) return { action: 'deny', policy: p.name, rule, reason: `denied by DENY policy ${p.name} rule ${rule}`, auditMarks };
    }
    if (!this.allow.length) return { action: 'allow', reason: 'no ALLOW policy applies', auditMarks };
    for (const p of this.allow) {
      const rule = firstMatch(p, input);
      if (rule >= 0) return { action: 'allow', policy: p.name, rule, reason: `allowed by ALLOW policy ${p.name} rule ${rule}`, auditMarks };
    }
    return { action: 'deny', reason: 'no ALLOW policy matched', auditMarks };
  }

  /** Every policy's verdict on the request, for `warden explain`. */
  explain(input: PolicyInput): { decision: Decision; policies: PolicyExplanation[] } {
    const policies = [...this.deny, ...this.allow, ...this.audit].map((p) => {
      const misses = p.rules.map((r) => ruleMismatch(r, input) ?? '');
      const rule = misses.indexOf('');
      return {
        policy: p.name,
        action: p.action,
        matched: rule >= 0,
        rule: rule >= 0 ? rule : undefined,
        misses: p.rules.length ? misses.filter(Boolean) : ['the policy has no rules, so it matches nothing'],
      };
    });
    return { decision: this.authorize(input), policies };
  }
}

function firstMatch(p: CompiledPolicy, input: PolicyInput): number {
  for (let i = 0; i < p.rules.length; i++) if (ruleMismatch(p.rules[i], input) === undefined) return i;
  return -1;
}
