// JWT bearer authentication with Istio RequestAuthentication semantics: a
// token that is present must be valid (else 401 with a specific reason); no
// token means no request principal, and policy decides. Verified tokens are
// cached until they expire, and only while the issuer's key set is the one
// that verified them.
import { decodeJwt, errors as joseErrors, type JWTPayload } from 'jose';
import type { JwtRule } from '../config/schema.js';
import type { RequestInfo } from '../types.js';
import { IssuedInFuture, Issuer } from './issuer.js';
import { KeysUnavailable } from './jwks.js';
import { unauthenticated } from './reject.js';
import { findToken, tokenLocations, type TokenLocation } from './token-locations.js';

/** Gives a reload's new authenticator the previous one's state when the config defining it is unchanged (state.ts). */
export type Keep = <T>(kind: string, config: unknown, make: () => T, stop: (value: T) => void) => T;

export interface JwtOptions {
  maxTokenBytes: number;
  cacheSize: number;
  /** Per-issuer algorithm allow-lists; issuers not named get `defaultAlgorithms`. */
  algorithms: Map<string, string[]>;
  defaultAlgorithms: string[];
  clockSkewS: number;
  refreshMs: number;
  minRefetchMs: number;
  /** Bearer values that are not JWT-shaped belong to another authenticator (API keys). */
  skipBearer?: (value: string) => boolean;
}

export interface VerifiedJwt {
  token: string;
  issuer: string;
  subject: string;
  claims: JWTPayload;
  rule: JwtRule;
  location: TokenLocation;
}

/** A verified token as found this time. Spelled out, not `{ ...jwt, location }`: see makeTarget (providers/target.ts). */
function located(jwt: Omit<VerifiedJwt, 'location'>, location: TokenLocation): VerifiedJwt {
  return { token: jwt.token, issuer: jwt.issuer, subject: jwt.subject, claims: jwt.claims, rule: jwt.rule, location };
}

interface CacheEntry {
  jwt: Omit<VerifiedJwt, 'location'>;
  issuer: Issuer;
  /** The issuer's key set version it was verified under (KeySet.version). */
  keys: number;
  expiresAt: number;
}

export class JwtAuthenticator {
  private readonly issuers = new Map<string, { issuer: Issuer; rule: JwtRule }>();
  private readonly locations: TokenLocation[];
  private readonly cache: Map<string, CacheEntry>;

  /** `keep`: a reload keeps each unchanged issuer's key set, and the verified tokens when no rule or option changed. */
  constructor(rules: JwtRule[], private readonly opts: JwtOptions, keep?: Keep) {
    for (const rule of rules) {
      const issuer = new Issuer(
        rule,
        {
          algorithms: opts.algorithms.get(rule.issuer) ?? opts.defaultAlgorithms,
          clockSkewS: opts.clockSkewS,
          refreshMs: opts.refreshMs,
          minRefetchMs: opts.minRefetchMs,
        },
        keep && ((config, make) => keep('jwks', config, make, (keys) => keys.stop())),
      );
      this.issuers.set(rule.issuer, { issuer, rule });
    }
    this.locations = tokenLocations(rules);
    // A cached verification holds its rule and issuer: kept only when no rule and no option changed (so every key set was kept too).
    const { skipBearer: _, algorithms, ...options } = opts;
    const cacheConfig = { rules, options, algorithms: [...algorithms] };
    this.cache = keep ? keep('jwt-cache', cacheConfig, () => new Map<string, CacheEntry>(), (m) => m.clear()) : new Map();
  }

  get enabled(): boolean {
    return this.issuers.size > 0;
  }

  get rules(): JwtRule[] {
    return [...this.issuers.values()].map((i) => i.rule);
  }

  get tokenLocations(): readonly TokenLocation[] {
    return this.locations;
  }

  /** Fetch remote key sets now and keep them fresh; failures go to `onKeyError` (the last good set stays). */
  start(onKeyError?: (issuer: string, err: Error) => void): void {
    for (const { issuer } of this.issuers.values()) issuer.keys.start((e) => onKeyError?.(issuer.name, e));
  }

  stop(): void {
    for (const { issuer } of this.issuers.values()) issuer.keys.stop();
  }

  /** The issuers whose first key set fetch since start() has not finished yet. */
  warming(): string[] {
    return [...this.issuers.values()].filter(({ issuer }) => issuer.keys.warming).map(({ issuer }) => issuer.name);
  }

  /** The verified token, undefined when the request carries none, or a 401 WardenError. */
  async authenticate(req: RequestInfo): Promise<VerifiedJwt | undefined> {
    const found = findToken(req, this.locations, this.opts.skipBearer);
    if (!found) return undefined;
    const { token, location } = found;
    if (token.length > this.opts.maxTokenBytes) {
      throw unauthenticated('TOKEN_TOO_LARGE', `JWT rejected: token exceeds ${this.opts.maxTokenBytes} bytes`);
    }

    const cached = this.cache.get(token);
    if (cached && cached.expiresAt > Date.now() && cached.keys === cached.issuer.keys.version) {
      checkLocation(location, cached.jwt.issuer);
      return located(cached.jwt, location);
    }
    if (cached) this.cache.delete(token);

    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch (e) {
      throw unauthenticated('TOKEN_MALFORMED', 'JWT rejected: not a well-formed JWT', e);
    }
    const entry = typeof unverified.iss === 'string' ? this.issuers.get(unverified.iss) : undefined;
    if (!entry) throw unauthenticated('ISSUER_UNKNOWN', `JWT rejected: issuer ${JSON.stringify(unverified.iss ?? null)} is not trusted`);
    checkLocation(location, entry.rule.issuer);

    // Taken before verifying: keys that change meanwhile (a refetch for an unknown kid)
    // cost one more verification later, never a cached one that the old keys vouched for.
    const keys = entry.issuer.keys.version;
    let verified;
    try {
      verified = await entry.issuer.verify(token);
    } catch (e) {
      throw unauthenticated(reasonOf(e), `JWT rejected: ${messageOf(e)}`, e);
    }
    const jwt = { token, issuer: entry.rule.issuer, subject: String(verified.claims.sub ?? ''), claims: verified.claims, rule: entry.rule };
    if (this.opts.cacheSize > 0) {
      if (this.cache.size >= this.opts.cacheSize) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(token, { jwt, issuer: entry.issuer, keys, expiresAt: (verified.claims.exp as number) * 1000 });
    }
    return located(jwt, location);
  }
}

/** A token in an issuer-specific location must come from that issuer (Envoy's per-provider extraction). */
function checkLocation(location: TokenLocation, issuer: string): void {
  if (!location.issuers.has(issuer)) {
    throw unauthenticated('ISSUER_UNKNOWN', `JWT rejected: issuer ${issuer} is not accepted in ${location.kind} ${location.name}`);
  }
}

function reasonOf(e: unknown): string {
  if (e instanceof IssuedInFuture) return 'TOKEN_NOT_YET_VALID';
  if (e instanceof KeysUnavailable) return 'JWKS_UNAVAILABLE';
  if (e instanceof joseErrors.JWTExpired) return 'TOKEN_EXPIRED';
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.claim === 'aud') return 'AUDIENCE_MISMATCH';
    if (e.claim === 'iss') return 'ISSUER_UNKNOWN';
    if (e.claim === 'nbf' || e.claim === 'iat') return 'TOKEN_NOT_YET_VALID';
    if (e.claim === 'exp' && e.reason === 'missing') return 'EXP_MISSING';
    return 'CLAIM_INVALID';
  }
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'SIGNATURE_INVALID';
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return 'ALGORITHM_NOT_ALLOWED';
  if (e instanceof joseErrors.JWKSNoMatchingKey || e instanceof joseErrors.JWKSMultipleMatchingKeys) return 'KEY_UNKNOWN';
  if (e instanceof joseErrors.JOSENotSupported) return 'ALGORITHM_NOT_ALLOWED';
  if (e instanceof joseErrors.JWSInvalid || e instanceof joseErrors.JWTInvalid) return 'TOKEN_MALFORMED';
  return 'TOKEN_INVALID';
}

function messageOf(e: unknown): string {
  // jose's own words ('"exp" claim timestamp check failed') say which check, not what to do.
  if (e instanceof joseErrors.JWTExpired && typeof e.payload.exp === 'number') {
    return `the token expired at ${new Date(e.payload.exp * 1000).toISOString()}; get a new one`;
  }
  if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'aud') {
    return `the token's audience ${JSON.stringify(e.payload.aud ?? null)} is not one this gateway accepts for its issuer (RequestAuthentication audiences)`;
  }
  if (e instanceof joseErrors.JOSEError || e instanceof KeysUnavailable || e instanceof IssuedInFuture) return e.message;
  return 'token could not be verified';
}
