// The request attributes a policy can name — Istio's condition keys plus
// Warden's model-aware keys — and how each one's values match. Every key and
// every field of `from.source` / `to.operation` compiles once, at load, into a
// predicate; an unknown key or a malformed value is a config error.
import { jurisdictionOf, locationClass } from '../providers/locations.js';
import type { Principal, RequestInfo, Target } from '../types.js';
import { compileIpBlocks } from './ip.js';
import { anyMatches, compileGlob, compilePatterns, compileRequestPrincipal, compileTrustDomain, anyOf, type StringMatcher } from './match.js';
import { compilePathPattern } from './path.js';

export interface PolicyInput {
  req: RequestInfo;
  principal: Principal;
  target: Target;
  /** Name of the route the request matched; policies scoped by selector/targetRefs apply per route. */
  route?: string;
  /**
   * The decision is for a list answer (MCP tools/list …): may this caller use the listed item with
   * some arguments? Conditions on the arguments cannot be known then: an ALLOW rule's count as met,
   * a DENY rule's as not, so an item is hidden only when no call of it could be allowed.
   */
  listing?: boolean;
}

/** One request as the matchers read it: the input plus what the Authorizer derives once per request. */
export interface Facts extends PolicyInput {
  /** The request path after `spec.policy.pathNormalization`. */
  path: string;
  /** The client address behind `spec.policy.xffNumTrustedHops` proxies. */
  remoteIp: string;
}

export type Predicate = (f: Facts) => boolean;

export interface CompileContext {
  /** The policy's metadata.namespace: `serviceAccounts` entries without a namespace mean this one. */
  policyNamespace?: string;
  /** Per issuer, claims whose string value is a space-separated list (Istio: `scope`, `permission`, plus `spaceDelimitedClaims`). */
  spaceDelimitedClaims: ReadonlyMap<string, ReadonlySet<string>>;
}

type Str = (f: Facts) => string | readonly string[] | undefined;

const STRING_KEYS: Record<string, Str> = {
  'request.auth.audiences': (f) => f.principal.audiences,
  'request.auth.presenter': (f) => f.principal.presenter,
  'connection.sni': (f) => f.req.tls?.sni,
  'request.method': (f) => f.req.method,
  'request.model': (f) => f.target.model,
  'request.publisher': (f) => f.target.publisher,
  'request.operation': (f) => f.target.operation,
  'request.operation_class': (f) => f.target.operationClass,
  'request.project': (f) => f.target.project,
  'request.location': (f) => f.target.location,
  'request.location_class': (f) => locationClass(f.target.location),
  'request.jurisdiction': (f) => jurisdictionOf(f.target.location),
  'request.stream': (f) => (f.target.stream ? 'true' : 'false'),
  'request.endpoint': (f) => f.target.endpoint,
  'request.resource': (f) => f.target.resource,
  'request.resource.owner': (f) => f.target.owner,
  'request.batch.input_uris': (f) => f.target.batchInputs,
  'request.batch.output_uri': (f) => f.target.batchOutput,
  'request.mcp.method': (f) => f.target.mcp?.method,
  'request.mcp.tool': (f) => f.target.mcp?.tool,
  'request.mcp.prompt': (f) => f.target.mcp?.prompt,
  'request.mcp.resource': (f) => f.target.mcp?.resource,
};

const IP_KEYS: Record<string, (f: Facts) => string | undefined> = {
  'source.ip': (f) => f.req.sourceIp,
  'remote.ip': (f) => f.remoteIp,
  'destination.ip': (f) => f.req.destinationIp,
};

const SPECIAL_KEYS = [
  'source.principal',
  'source.namespace',
  'source.serviceAccount',
  'source.trustDomain',
  'request.auth.principal',
  'destination.port',
];

/** Every key a `when` condition may name, for hints. */
export const KNOWN_KEYS = [
  ...SPECIAL_KEYS,
  ...Object.keys(IP_KEYS),
  ...Object.keys(STRING_KEYS),
  'request.headers[NAME]',
  'request.auth.claims[NAME] (nested: [A][B])',
];

/**
 * A predicate that is true when the attribute has a value matching any of
 * `patterns`. Throws an Error whose message says what is wrong.
 */
export function compileAttribute(key: string, patterns: readonly string[], ctx: CompileContext): Predicate {
  const str = STRING_KEYS[key];
  if (str) {
    const m = compilePatterns(patterns);
    return (f) => anyMatches(m, str(f));
  }
  const ip = IP_KEYS[key];
  if (ip) {
    const m = compileIpBlocks(patterns);
    return (f) => {
      const a = ip(f);
      return a !== undefined && m(a);
    };
  }
  switch (key) {
    case 'source.principal': {
      const m = compilePatterns(patterns);
      return (f) => anyMatches(m, f.principal.sourcePrincipal);
    }
    case 'source.namespace': {
      const m = anyOf(patterns.map(compileGlob));
      return (f) => anyMatches(m, namespaceOf(f.principal));
    }
    case 'source.serviceAccount': {
      const wanted = new Set(patterns.map((p) => serviceAccountPattern(p, ctx.policyNamespace)));
      return (f) => {
        const sa = serviceAccountOf(f.principal.sourcePrincipal);
        return sa !== undefined && wanted.has(sa);
      };
    }
    case 'source.trustDomain': {
      const m = anyOf(patterns.map(compileTrustDomain));
      return (f) => anyMatches(m, trustDomainOf(f.principal.sourcePrincipal));
    }
    case 'request.auth.principal': {
      const ms = patterns.map(compileRequestPrincipal);
      return (f) => {
        const rp = f.principal.requestPrincipal;
        if (rp === undefined) return false;
        // Istio compares issuer and subject separately; a principal from another
        // method (an API key) splits the same way Istio splits the pattern.
        const slash = rp.lastIndexOf('/');
        const issuer = f.principal.issuer ?? (slash < 0 ? rp : rp.slice(0, slash));
        const subject = f.principal.subject ?? (slash < 0 ? '' : rp.slice(slash + 1));
        for (const m of ms) if (m(issuer, subject)) return true;
        return false;
      };
    }
    case 'destination.port': {
      const ports = new Set(patterns.map(portNumber));
      return (f) => f.req.destinationPort !== undefined && ports.has(f.req.destinationPort);
    }
  }
  const header = /^request\.headers\[([^\]]+)\]$/.exec(key);
  if (header) {
    const name = header[1].toLowerCase();
    const m = headerMatcher(patterns);
    return (f) => {
      const v = f.req.headers[name];
      return v !== undefined && m(v);
    };
  }
  if (key.startsWith('request.auth.claims')) {
    const path = claimPath(key.slice('request.auth.claims'.length));
    if (!path) throw new Error(`malformed claim key "${key}": write request.auth.claims[name] or request.auth.claims[outer][inner]`);
    const m = compilePatterns(patterns);
    return (f) => anyMatches(m, claimValues(f.principal, path, ctx.spaceDelimitedClaims));
  }
  throw new Error(`unknown condition key "${key}"`);
}

/** Operation fields, which are not condition keys in Istio but match the same way. */
export function compileOperationField(field: 'hosts' | 'methods' | 'paths', patterns: readonly string[]): Predicate {
  switch (field) {
    case 'hosts': {
      // Istio compares hosts with the request's :authority, case-insensitively, port included.
      const m = compilePatterns(patterns, true);
      return (f) => m(f.req.host);
    }
    case 'methods': {
      const m = compilePatterns(patterns);
      return (f) => m(f.req.method);
    }
    case 'paths': {
      const m = anyOf(patterns.map(compilePathPattern));
      return (f) => m(f.path);
    }
  }
}

/** Header values: `*` means the header is present, even if empty (Envoy's present_match). */
function headerMatcher(patterns: readonly string[]): StringMatcher {
  if (patterns.includes('*')) return () => true;
  return compilePatterns(patterns);
}

function portNumber(p: string): number {
  const n = Number(p);
  if (!/^\d+$/.test(p) || n > 65535) throw new Error(`"${p}" is not a port number`);
  return n;
}

/** Istio reads the namespace from the SPIFFE ID (`…/ns/NS/…`); an explicit one (e.g. from XFCC) wins. */
export function namespaceOf(p: Principal): string | undefined {
  if (p.sourceNamespace !== undefined) return p.sourceNamespace;
  const m = /\/ns\/([^/]+)\//.exec(p.sourcePrincipal ?? '');
  return m ? m[1] : undefined;
}

/** `ns/sa` from a SPIFFE ID `td/ns/NS/…/sa/SA[/…]`. */
export function serviceAccountOf(sourcePrincipal: string | undefined): string | undefined {
  const m = /^[^/]+\/ns\/([^/]+)\/(?:.+\/)?sa\/([^/]+)(?:\/.*)?$/.exec(sourcePrincipal ?? '');
  return m ? `${m[1]}/${m[2]}` : undefined;
}

export function trustDomainOf(sourcePrincipal: string | undefined): string | undefined {
  if (!sourcePrincipal) return undefined;
  const slash = sourcePrincipal.indexOf('/');
  return slash < 0 ? sourcePrincipal : sourcePrincipal.slice(0, slash);
}

function serviceAccountPattern(p: string, policyNamespace: string | undefined): string {
  if (p.includes('*')) throw new Error(`"${p}": serviceAccounts take no wildcards`);
  const parts = p.split('/');
  if (parts.length === 2 && parts[0] && parts[1]) return p;
  if (parts.length === 1 && p) {
    if (!policyNamespace) throw new Error(`"${p}" has no namespace and the policy has none either: write NAMESPACE/${p}`);
    return `${policyNamespace}/${p}`;
  }
  throw new Error(`"${p}" is not NAMESPACE/SERVICE_ACCOUNT`);
}

function claimPath(s: string): string[] | undefined {
  return /^(\[[^[\]]+\])+$/.test(s) ? s.slice(1, -1).split('][') : undefined;
}

const ALWAYS_SPACE_DELIMITED = new Set(['scope', 'permission']);

/** A claim's string values: a string, or the strings of a list; space-delimited claims split. */
function claimValues(
  p: Principal,
  path: readonly string[],
  spaceDelimited: ReadonlyMap<string, ReadonlySet<string>>,
): string | readonly string[] | undefined {
  let v: unknown = p.claims;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  if (typeof v === 'string') {
    const split = path.length === 1 && (ALWAYS_SPACE_DELIMITED.has(path[0]) || (p.issuer !== undefined && spaceDelimited.get(p.issuer)?.has(path[0])));
    return split ? v.split(' ').filter(Boolean) : v;
  }
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return undefined;
}
