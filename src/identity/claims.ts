// What a verified JWT contributes beyond its principal: groups, claims as
// policy sees them (space-delimited claims split into lists, as Istio does),
// and the headers a jwtRule asks to send upstream.
import type { JwtRule } from '../config/schema.js';
import type { VerifiedJwt } from './jwt.js';

/** Istio always splits these, whatever `spaceDelimitedClaims` adds. */
const ALWAYS_SPACE_DELIMITED = ['scope', 'permission'];

/** Header values must not smuggle line breaks or other control characters. */
const SAFE_HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * The caller's groups from the groups claim as policy sees it (policyClaims): a list of strings, or
 * one string as one group — as Istio matches a string claim, whole. A claim the issuer writes as one
 * space-separated string is split only when the RequestAuthentication lists it in `spaceDelimitedClaims`.
 */
export function groupsOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((g): g is string => typeof g === 'string');
  if (typeof v === 'string' && v !== '') return [v];
  return [];
}

export function policyClaims(claims: Record<string, unknown>, rule: JwtRule): Record<string, unknown> {
  let out = claims;
  for (const name of [...ALWAYS_SPACE_DELIMITED, ...(rule.spaceDelimitedClaims ?? [])]) {
    const v = claims[name];
    if (typeof v !== 'string') continue;
    if (out === claims) out = { ...claims };
    out[name] = v.split(' ').filter(Boolean);
  }
  return out;
}

/** `outputPayloadToHeader` (the payload, base64url, as in the token) and `outputClaimToHeaders`. */
export function outputHeaders(jwt: VerifiedJwt, into: Record<string, string>): void {
  const rule = jwt.rule;
  if (rule.outputPayloadToHeader) into[rule.outputPayloadToHeader.toLowerCase()] = jwt.token.split('.')[1];
  for (const { header, claim } of rule.outputClaimToHeaders ?? []) {
    const value = headerValue(claimAt(jwt.claims, claim));
    if (value !== undefined) into[header.toLowerCase()] = value;
  }
}

/** Claim by dotted path (`a.b.c`); an exact top-level name containing dots wins. */
function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path];
  let v: unknown = claims;
  for (const p of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function headerValue(v: unknown): string | undefined {
  let s: string | undefined;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'boolean') s = String(v);
  else if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) s = v.join(',');
  return s !== undefined && SAFE_HEADER_VALUE.test(s) ? s : undefined;
}
