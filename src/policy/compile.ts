// Compiles Istio AuthorizationPolicy documents into matchers, once, at load.
// Semantics follow istio/api security/v1: within a rule `from`, `to` and
// `when` are ANDed; the entries of `from` (and of `to`) are ORed; inside one
// source or operation the fields are ANDed and each field's values ORed.
import { BlockList, isIPv6 } from 'node:net';
import type { AuthorizationPolicyDoc, PolicyOperation, PolicySource } from '../config/schema.js';
import type { Reporter } from '../config/load.js';
import { compileKey, type Getter, type PolicyInput } from './attributes.js';
import { anyMatches, compilePatterns } from './match.js';

/** One ANDed check; `explain` says what it wanted when it failed. */
interface Check {
  test(input: PolicyInput): boolean;
  explain: string;
}

export interface CompiledRule {
  /** Each group is ORed inside and the groups are ANDed: [from-alternatives, to-alternatives, ...when]. */
  groups: Check[][];
}

export interface CompiledPolicy {
  /** `namespace/name`, or just the name without a namespace. */
  name: string;
  action: 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
  rules: CompiledRule[];
}

export function compilePolicies(docs: { value: AuthorizationPolicyDoc; report: Reporter }[]): CompiledPolicy[] {
  return docs.map(({ value, report }) => compilePolicy(value, report));
}

export function compilePolicy(doc: AuthorizationPolicyDoc, report: Reporter): CompiledPolicy {
  const name = doc.metadata.namespace ? `${doc.metadata.namespace}/${doc.metadata.name}` : doc.metadata.name;
  const rules = (doc.spec.rules ?? []).map((r, ri) => {
    const groups: Check[][] = [];
    if (r.from?.length) groups.push(r.from.map((f, fi) => all(sourceChecks(f.source, (p, m, h) => report(['spec', 'rules', ri, 'from', fi, 'source', ...p], m, h)))));
    if (r.to?.length) groups.push(r.to.map((t) => all(operationChecks(t.operation))));
    (r.when ?? []).forEach((c, ci) => {
      let get: Getter;
      try {
        get = compileKey(c.key);
      } catch (e) {
        report(['spec', 'rules', ri, 'when', ci, 'key'], (e as Error).message,
          'Istio keys such as request.auth.claims[groups], request.headers[x-team], source.principal, or model keys such as request.model and request.operation');
        return;
      }
      if (!c.values && !c.notValues) {
        report(['spec', 'rules', ri, 'when', ci], `condition "${c.key}" has neither values nor notValues`);
      }
      groups.push([field(c.key, get, c.values, c.notValues)]);
    });
    return { groups };
  });
  if (doc.spec.action === 'CUSTOM' && !doc.spec.provider) {
    report(['spec', 'provider'], 'a CUSTOM policy names its provider', 'provider: {name: warden}');
  }
  return { name, action: doc.spec.action, rules };
}

/** Evaluate a rule; returns undefined on a match or the first reason it failed. */
export function ruleMismatch(rule: CompiledRule, input: PolicyInput): string | undefined {
  for (const group of rule.groups) {
    let ok = false;
    for (const c of group) {
      if (c.test(input)) {
        ok = true;
        break;
      }
    }
    if (!ok) return group.map((c) => c.explain).join(' or ');
  }
  return undefined;
}

function all(checks: Check[]): Check {
  if (checks.length === 1) return checks[0];
  return {
    test: (i) => checks.every((c) => c.test(i)),
    explain: checks.map((c) => c.explain).join(' and '),
  };
}

function field(label: string, get: Getter, values?: string[], notValues?: string[], ci = false): Check {
  const yes = values?.length ? compilePatterns(values, ci) : undefined;
  const no = notValues?.length ? compilePatterns(notValues, ci) : undefined;
  const wants = [yes && `${label} in [${values!.join(', ')}]`, no && `${label} not in [${notValues!.join(', ')}]`]
    .filter(Boolean)
    .join(' and ');
  return {
    test: (i) => {
      const v = get(i);
      if (yes && !anyMatches(yes, v)) return false;
      if (no && anyMatches(no, v)) return false;
      return true;
    },
    explain: wants,
  };
}

function sourceChecks(s: PolicySource, report: Reporter): Check[] {
  const checks: Check[] = [];
  const pair = (label: string, get: Getter, yes?: string[], no?: string[]) => {
    if (yes?.length || no?.length) checks.push(field(label, get, yes, no));
  };
  pair('source.principal', (i) => i.principal.sourcePrincipal, s.principals, s.notPrincipals);
  pair('request.auth.principal', (i) => i.principal.requestPrincipal, s.requestPrincipals, s.notRequestPrincipals);
  pair('source.namespace', (i) => i.principal.sourceNamespace, s.namespaces, s.notNamespaces);
  pair('source.serviceAccount', serviceAccountOf, s.serviceAccounts, s.notServiceAccounts);
  const ip = (label: string, yes: string[] | undefined, no: string[] | undefined, key: string) => {
    if (!yes?.length && !no?.length) return;
    const yesList = yes?.length ? blockList(yes, (m) => report([key], m)) : undefined;
    const noList = no?.length ? blockList(no, (m) => report([`not${key[0].toUpperCase()}${key.slice(1)}`], m)) : undefined;
    checks.push({
      test: (i) => {
        const addr = i.req.sourceIp;
        const family = isIPv6(addr) ? 'ipv6' : 'ipv4';
        if (yesList && !yesList.check(addr, family)) return false;
        if (noList && noList.check(addr, family)) return false;
        return true;
      },
      explain: [yes && `${label} in [${yes.join(', ')}]`, no && `${label} not in [${no.join(', ')}]`].filter(Boolean).join(' and '),
    });
  };
  ip('source.ip', s.ipBlocks, s.notIpBlocks, 'ipBlocks');
  ip('remote.ip', s.remoteIpBlocks, s.notRemoteIpBlocks, 'remoteIpBlocks');
  return checks.length ? checks : [{ test: () => true, explain: 'any source' }];
}

function operationChecks(o: PolicyOperation): Check[] {
  const checks: Check[] = [];
  const pair = (label: string, get: Getter, yes?: string[], no?: string[], ci = false) => {
    if (yes?.length || no?.length) checks.push(field(label, get, yes, no, ci));
  };
  pair('host', (i) => i.req.host, o.hosts, o.notHosts, true);
  pair('port', (i) => (i.req.destinationPort === undefined ? undefined : String(i.req.destinationPort)), o.ports, o.notPorts);
  pair('method', (i) => i.req.method, o.methods, o.notMethods);
  pair('path', (i) => i.req.path, o.paths, o.notPaths);
  return checks.length ? checks : [{ test: () => true, explain: 'any operation' }];
}

/** `ns/sa` from a SPIFFE principal `td/ns/NS/sa/SA`. */
function serviceAccountOf(i: PolicyInput): string | undefined {
  const m = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(i.principal.sourcePrincipal ?? '');
  return m ? `${m[1]}/${m[2]}` : undefined;
}

function blockList(cidrs: string[], report: (m: string) => void): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/');
    const family = isIPv6(addr) ? 'ipv6' : 'ipv4';
    try {
      if (bits === undefined) list.addAddress(addr, family);
      else list.addSubnet(addr, Number(bits), family);
    } catch {
      report(`"${c}" is not an IP address or CIDR block`);
    }
  }
  return list;
}

