// Compiles AuthorizationPolicy documents into matchers, once, at load.
// Semantics follow istio/api security/v1beta1 authorization_policy.proto:
// a rule matches when one of its `from` entries, one of its `to` entries and
// every `when` condition match (a missing list matches anything; `rules: [{}]`
// matches everything; no rules match nothing). Inside one source or operation
// the fields are ANDed; each field matches when any value does and no
// `not…` value does. Warden's own kind adds `cel` to a rule, ANDed too.
import type { AuthorizationPolicyDoc, PolicyCondition, PolicyOperation, PolicyRule, PolicySource } from '../config/schema.js';
import type { FieldPath, Reporter } from '../config/load.js';
import { compileAttribute, compileOperationField, KNOWN_KEYS, type CompileContext, type Facts, type Predicate } from './attributes.js';
import { compileCel } from './cel.js';
import { scopeOf, type Scope, type Workload } from './scope.js';
import { FACT_INSTANCES, FACT_JURISDICTION, FACT_LOCATION, FACT_MODEL, FACT_SOURCE_PRINCIPAL, FACT_STREAM } from '../types.js';

export type PolicyAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

/** One ANDed part of a rule; `wants` says, for explanations, what it needs. */
export interface Check {
  test: Predicate;
  wants: string;
}

export interface CompiledRule {
  checks: Check[];
}

export interface CompiledPolicy {
  /** `namespace/name`, or the name alone for a policy without a namespace. */
  name: string;
  action: PolicyAction;
  /** CUSTOM only: the extension provider's name. */
  provider?: string;
  rules: CompiledRule[];
  scope: Scope;
  /** `istio.io/dry-run: "true"`: evaluated for explanations, never enforced. */
  dryRun: boolean;
  /**
   * FACT_* flags whose absence could let a request through this policy (src/types.ts): attributes
   * in a DENY's or CUSTOM's `values`, an ALLOW's `notValues`, or any CEL expression naming them.
   */
  atStake: number;
  /** Whether a rule reads the client address (source.ip, remote.ip, ipBlocks, remoteIpBlocks, or in CEL). */
  readsAddress: boolean;
}

export interface PolicyCompileOptions {
  workload: Workload;
  spaceDelimitedClaims: ReadonlyMap<string, ReadonlySet<string>>;
}

export function compilePolicies(docs: { value: AuthorizationPolicyDoc; report: Reporter }[], opts: PolicyCompileOptions): CompiledPolicy[] {
  return docs.map(({ value, report }) => compilePolicy(value, report, opts));
}

export function compilePolicy(doc: AuthorizationPolicyDoc, report: Reporter, opts: PolicyCompileOptions): CompiledPolicy {
  const { metadata, spec } = doc;
  const name = metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
  const ctx: CompileContext = { policyNamespace: metadata.namespace, spaceDelimitedClaims: opts.spaceDelimitedClaims };
  if (spec.action === 'CUSTOM' && !spec.provider?.name) report(['spec', 'provider'], 'a CUSTOM policy names its provider', 'provider: {name: warden}');
  if (spec.action !== 'CUSTOM' && spec.provider) report(['spec', 'provider'], `provider is only for CUSTOM policies, not ${spec.action}`, 'remove provider or set action: CUSTOM');
  // An expression that fails at request time must never open a door: it
  // matches for the actions that refuse, and not for those that admit.
  const celOnError = spec.action === 'DENY' || spec.action === 'CUSTOM';
  const rules = (spec.rules ?? []).map((r, ri) => compileRule(r, (p, m, h) => report(['spec', 'rules', ri, ...p], m, h), ctx, celOnError));
  return {
    name,
    action: spec.action,
    provider: spec.provider?.name,
    rules,
    scope: scopeOf(doc, opts.workload, report),
    dryRun: metadata.annotations?.['istio.io/dry-run'] === 'true',
    ...factsOf(spec.rules ?? [], spec.action),
  };
}

/** The FACT_* flag of each attribute that admission may not establish. */
const FACT_OF_KEY: Readonly<Record<string, number>> = {
  'request.model': FACT_MODEL,
  'request.publisher': FACT_MODEL,
  'request.stream': FACT_STREAM,
  'request.location': FACT_LOCATION,
  'request.location_class': FACT_JURISDICTION,
  'request.jurisdiction': FACT_JURISDICTION,
  'source.principal': FACT_SOURCE_PRINCIPAL,
  'source.namespace': FACT_SOURCE_PRINCIPAL,
  'source.serviceAccount': FACT_SOURCE_PRINCIPAL,
  'source.trustDomain': FACT_SOURCE_PRINCIPAL,
};
const ADDRESS_KEYS: ReadonlySet<string> = new Set(['source.ip', 'remote.ip']);

/** What the rules read, for CompiledPolicy's `atStake` and `readsAddress`; computed once per config. */
function factsOf(rules: PolicyRule[], action: PolicyAction): { atStake: number; readsAddress: boolean } {
  // An absent attribute matches no value and satisfies every `not…` list: which of the two opens a door depends on the action.
  const yesOpens = action === 'DENY' || action === 'CUSTOM';
  const noOpens = action === 'ALLOW';
  let atStake = 0;
  let readsAddress = false;
  const use = (key: string, yes: string[] | undefined, no: string[] | undefined) => {
    if (ADDRESS_KEYS.has(key)) readsAddress ||= !!(yes?.length || no?.length);
    const fact = FACT_OF_KEY[key];
    if (fact && ((yesOpens && yes?.length) || (noOpens && no?.length))) atStake |= fact;
  };
  for (const r of rules) {
    for (const f of r.from ?? []) for (const [yes, no, key] of SOURCE_FIELDS) use(key, f.source?.[yes], f.source?.[no]);
    for (const c of r.when ?? []) use(c.key, c.values, c.notValues);
    if (r.cel !== undefined && action !== 'AUDIT') {
      // An absent string is "" in CEL, which a comparison can take either way: any mention counts.
      if (/\b(model|publisher)\b/.test(r.cel)) atStake |= FACT_MODEL;
      if (/\bstream\b/.test(r.cel)) atStake |= FACT_STREAM;
      if (/\binstances\b/.test(r.cel)) atStake |= FACT_INSTANCES;
      if (/\blocation\b/.test(r.cel)) atStake |= FACT_LOCATION;
      if (/\b(location_class|jurisdiction)\b/.test(r.cel)) atStake |= FACT_JURISDICTION;
      if (/\bsource\s*\.\s*(principal|namespace)\b/.test(r.cel)) atStake |= FACT_SOURCE_PRINCIPAL;
      if (/\b(source|remote)\s*\.\s*ip\b/.test(r.cel)) readsAddress = true;
    }
  }
  if (action === 'AUDIT') atStake = 0;
  return { atStake, readsAddress: readsAddress && action !== 'AUDIT' };
}

function compileRule(r: PolicyRule, report: Reporter, ctx: CompileContext, celOnError: boolean): CompiledRule {
  const checks: Check[] = [];
  if (r.from?.length) {
    const alts = r.from.map((f, i) => conjunction(sourceChecks(f.source ?? {}, (p, m, h) => report(['from', i, 'source', ...p], m, h), ctx)));
    checks.push(disjunction(alts, 'any source'));
  }
  if (r.to?.length) {
    const alts = r.to.map((t, i) => conjunction(operationChecks(t.operation ?? {}, (p, m, h) => report(['to', i, 'operation', ...p], m, h), ctx)));
    checks.push(disjunction(alts, 'any operation'));
  }
  (r.when ?? []).forEach((c, i) => {
    const check = conditionCheck(c, (p, m, h) => report(['when', i, ...p], m, h), ctx);
    if (check) checks.push(check);
  });
  if (r.cel !== undefined) {
    try {
      checks.push({ test: compileCel(r.cel, celOnError), wants: `CEL ${r.cel}` });
    } catch (e) {
      report(['cel'], (e as Error).message, 'a boolean CEL expression over request, source, remote, destination and connection, e.g. request.model.startsWith(\'gemini\')');
    }
  }
  return { checks };
}

function conditionCheck(c: PolicyCondition, report: Reporter, ctx: CompileContext): Check | undefined {
  if (!c.values?.length && !c.notValues?.length) {
    report([], `condition "${c.key}" has neither values nor notValues`, 'add values: [...] or notValues: [...]');
    return undefined;
  }
  return field(c.key, c.key, c.values, c.notValues, report, ctx);
}

const SOURCE_FIELDS: [keyof PolicySource, keyof PolicySource, string][] = [
  ['principals', 'notPrincipals', 'source.principal'],
  ['requestPrincipals', 'notRequestPrincipals', 'request.auth.principal'],
  ['namespaces', 'notNamespaces', 'source.namespace'],
  ['serviceAccounts', 'notServiceAccounts', 'source.serviceAccount'],
  ['trustDomains', 'notTrustDomains', 'source.trustDomain'],
  ['ipBlocks', 'notIpBlocks', 'source.ip'],
  ['remoteIpBlocks', 'notRemoteIpBlocks', 'remote.ip'],
];

function sourceChecks(s: PolicySource, report: Reporter, ctx: CompileContext): Check[] {
  if ((s.serviceAccounts || s.notServiceAccounts) && (s.principals || s.notPrincipals || s.namespaces || s.notNamespaces)) {
    report(['serviceAccounts'], 'serviceAccounts cannot be set with principals or namespaces', 'use one way of naming the peer');
  }
  const checks: Check[] = [];
  for (const [yes, no, key] of SOURCE_FIELDS) {
    const check = field(key, key, s[yes], s[no], report, ctx, [yes, no]);
    if (check) checks.push(check);
  }
  return checks;
}

function operationChecks(o: PolicyOperation, report: Reporter, ctx: CompileContext): Check[] {
  const checks: Check[] = [];
  const add = (check: Check | undefined) => check && checks.push(check);
  add(field('hosts', 'host', o.hosts, o.notHosts, report, ctx, ['hosts', 'notHosts']));
  add(field('destination.port', 'port', o.ports, o.notPorts, report, ctx, ['ports', 'notPorts']));
  add(field('methods', 'method', o.methods, o.notMethods, report, ctx, ['methods', 'notMethods']));
  add(field('paths', 'path', o.paths, o.notPaths, report, ctx, ['paths', 'notPaths']));
  return checks;
}

/**
 * `values` and `notValues` of one attribute as one check. `key` is a condition
 * key or an operation field; `at` names the YAML fields for error reports.
 */
function field(
  key: string,
  label: string,
  yes: string[] | undefined,
  no: string[] | undefined,
  report: Reporter,
  ctx: CompileContext,
  at: [FieldPath[number], FieldPath[number]] = ['values', 'notValues'],
): Check | undefined {
  const compile = (patterns: string[], where: FieldPath[number]): Predicate | undefined => {
    try {
      return key === 'hosts' || key === 'methods' || key === 'paths' ? compileOperationField(key, patterns) : compileAttribute(key, patterns, ctx);
    } catch (e) {
      const unknown = (e as Error).message.startsWith('unknown condition key');
      report(unknown ? ['key'] : [where], (e as Error).message, unknown ? `known keys: ${KNOWN_KEYS.join(', ')}` : undefined);
      return undefined;
    }
  };
  const y = yes?.length ? compile(yes, at[0]) : undefined;
  const n = no?.length ? compile(no, at[1]) : undefined;
  if (!y && !n) return undefined;
  const wants = [y && `${label} in [${yes!.join(', ')}]`, n && `${label} not in [${no!.join(', ')}]`].filter(Boolean).join(' and ');
  const test: Predicate = y && n ? (f) => y(f) && !n(f) : y ? y : (f) => !n!(f);
  return { test, wants };
}

function conjunction(checks: Check[]): Check {
  if (!checks.length) return { test: () => true, wants: 'anything' };
  if (checks.length === 1) return checks[0];
  return {
    test: (f: Facts) => {
      for (const c of checks) if (!c.test(f)) return false;
      return true;
    },
    wants: checks.map((c) => c.wants).join(' and '),
  };
}

function disjunction(alts: Check[], any: string): Check {
  if (alts.length === 1) return alts[0].wants === 'anything' ? { ...alts[0], wants: any } : alts[0];
  return {
    test: (f: Facts) => {
      for (const c of alts) if (c.test(f)) return true;
      return false;
    },
    wants: alts.map((c) => `(${c.wants})`).join(' or '),
  };
}

/** Index of the first check the request fails, or -1 when the rule matches. */
export function firstFailure(rule: CompiledRule, f: Facts): number {
  const checks = rule.checks;
  for (let i = 0; i < checks.length; i++) if (!checks[i].test(f)) return i;
  return -1;
}
