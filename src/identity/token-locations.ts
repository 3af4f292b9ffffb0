// Where a JWT may travel (Istio's fromHeaders / fromParams / fromCookies, or
// the defaults) and how to find exactly one in a request: two different
// tokens at once are refused, never resolved by guessing.
import type { JwtRule } from '../config/schema.js';
import type { RequestInfo } from '../types.js';
import { unauthenticated } from './reject.js';

export interface TokenLocation {
  kind: 'header' | 'param' | 'cookie';
  /** Lower-cased for headers. */
  name: string;
  prefix?: string;
  /** Issuers whose rule names this location: a token found here must come from one of them. */
  issuers: Set<string>;
}

export interface FoundToken {
  token: string;
  location: TokenLocation;
}

const DEFAULTS: Omit<TokenLocation, 'issuers'>[] = [
  { kind: 'header', name: 'authorization', prefix: 'Bearer ' },
  { kind: 'param', name: 'access_token' },
];

export function tokenLocations(rules: JwtRule[]): TokenLocation[] {
  const byKey = new Map<string, TokenLocation>();
  for (const rule of rules) {
    const own: Omit<TokenLocation, 'issuers'>[] = [
      ...(rule.fromHeaders ?? []).map((h) => ({ kind: 'header' as const, name: h.name.toLowerCase(), prefix: h.prefix })),
      ...(rule.fromParams ?? []).map((name) => ({ kind: 'param' as const, name })),
      ...(rule.fromCookies ?? []).map((name) => ({ kind: 'cookie' as const, name })),
    ];
    for (const loc of own.length ? own : DEFAULTS) {
      const key = `${loc.kind}|${loc.name}|${loc.prefix ?? ''}`;
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { ...loc, issuers: new Set() }));
      entry.issuers.add(rule.issuer);
    }
  }
  return [...byKey.values()];
}

/**
 * The token the request carries, or undefined. `skipBearer` lets bearer values
 * that are not JWT-shaped (API keys) pass by.
 */
export function findToken(req: RequestInfo, locations: TokenLocation[], skipBearer?: (value: string) => boolean): FoundToken | undefined {
  let found: FoundToken | undefined;
  let params: URLSearchParams | undefined;
  let cookies: Map<string, string> | undefined;
  for (const location of locations) {
    let token: string | undefined;
    if (location.kind === 'header') {
      const v = req.headers[location.name];
      if (v === undefined) continue;
      if (location.prefix) {
        if (v.length < location.prefix.length || v.slice(0, location.prefix.length).toLowerCase() !== location.prefix.toLowerCase()) continue;
        token = v.slice(location.prefix.length).trim();
        if (location.name === 'authorization' && skipBearer?.(token)) continue;
      } else token = v.trim();
    } else if (location.kind === 'param') {
      if (!req.query) continue;
      params ??= new URLSearchParams(req.query);
      token = params.get(location.name) ?? undefined;
    } else {
      const header = req.headers.cookie;
      if (!header) continue;
      cookies ??= parseCookies(header);
      token = cookies.get(location.name);
    }
    if (!token) continue;
    if (found && found.token !== token) throw unauthenticated('TOKEN_AMBIGUOUS', 'JWT rejected: more than one token in the request');
    found ??= { token, location };
  }
  return found;
}

function parseCookies(header: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    let value = part.slice(i + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

/** The query string without the token parameters `names` (so no token is forwarded). */
export function withoutParams(query: string, names: readonly string[]): string {
  // Other parameters keep their bytes exactly: re-serialising would re-encode them.
  return query
    .split('&')
    .filter((part) => {
      const params = new URLSearchParams(part);
      return !names.some((name) => params.has(name));
    })
    .join('&');
}
