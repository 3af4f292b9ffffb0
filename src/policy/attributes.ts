// The request attributes a policy can name: Istio's condition keys plus
// Warden's model-aware keys. Each key compiles once, at load, into a getter;
// an unknown key is a config error, never a silent miss.
import type { Principal, RequestInfo, Target } from '../types.js';

export interface PolicyInput {
  req: RequestInfo;
  principal: Principal;
  target: Target;
}

export type AttributeValue = string | readonly string[] | undefined;
export type Getter = (input: PolicyInput) => AttributeValue;

const SIMPLE: Record<string, Getter> = {
  'source.ip': (i) => i.req.sourceIp,
  'remote.ip': (i) => i.req.sourceIp,
  'source.namespace': (i) => i.principal.sourceNamespace,
  'source.principal': (i) => i.principal.sourcePrincipal,
  'request.auth.principal': (i) => i.principal.requestPrincipal,
  'request.auth.audiences': (i) => i.principal.audiences,
  'request.auth.presenter': (i) => i.principal.presenter,
  'destination.ip': (i) => i.req.destinationIp,
  'destination.port': (i) => (i.req.destinationPort === undefined ? undefined : String(i.req.destinationPort)),
  'connection.sni': (i) => i.req.tls?.sni,
  'request.model': (i) => i.target.model,
  'request.publisher': (i) => i.target.publisher,
  'request.operation': (i) => i.target.operation,
  'request.operation_class': (i) => i.target.operationClass,
  'request.project': (i) => i.target.project,
  'request.location': (i) => i.target.location,
  'request.stream': (i) => String(i.target.stream),
  'request.endpoint': (i) => i.target.endpoint,
};

export const KNOWN_KEYS = [...Object.keys(SIMPLE), 'request.headers[NAME]', 'request.auth.claims[NAME]…'];

/** Compile a condition key into a getter; throws an Error with a hint for unknown keys. */
export function compileKey(key: string): Getter {
  const simple = SIMPLE[key];
  if (simple) return simple;
  const header = /^request\.headers\[([^\]]+)\]$/.exec(key);
  if (header) {
    const name = header[1].toLowerCase();
    return (i) => i.req.headers[name];
  }
  if (key.startsWith('request.auth.claims[')) {
    const path = parseClaimPath(key.slice('request.auth.claims'.length));
    if (!path) throw new Error(`malformed claim key "${key}"; write request.auth.claims[name] or request.auth.claims[outer][inner]`);
    return (i) => claimValue(i.principal.claims, path);
  }
  throw new Error(`unknown condition key "${key}"`);
}

function parseClaimPath(s: string): string[] | undefined {
  const parts: string[] = [];
  const re = /\[([^\]]+)\]/y;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    parts.push(m[1]);
    consumed = re.lastIndex;
  }
  return parts.length && consumed === s.length ? parts : undefined;
}

/** A claim as strings: scalars stringified, lists element by element. */
function claimValue(claims: Record<string, unknown> | undefined, path: string[]): AttributeValue {
  let v: unknown = claims;
  for (const p of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.filter((x) => typeof x !== 'object').map(String);
  return undefined;
}
