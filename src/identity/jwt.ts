// JWT bearer authentication with Istio RequestAuthentication semantics:
// a token that is present must be valid (else 401); no token means no request
// principal, and policy decides. Keys come from inline `jwks`, `jwksUri`, or
// the issuer's OIDC discovery document.
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { WardenError } from '../errors.js';
import type { JwtRule } from '../config/schema.js';
import { durationMs } from '../config/schema.js';
import type { RequestInfo } from '../types.js';

/** Asymmetric algorithms only: `none` and HMAC are never accepted (no alg confusion). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const CLOCK_TOLERANCE_S = 60;
const MAX_TOKEN_BYTES = 16 * 1024;
const CACHE_MAX = 10_000;

export interface VerifiedJwt {
  token: string;
  issuer: string;
  subject: string;
  claims: JWTPayload;
  /** Where the token was found, to remove it before forwarding. */
  from: { header?: string; param?: string };
}

interface Location {
  header?: string;
  prefix?: string;
  param?: string;
}

class IssuerVerifier {
  readonly issuer: string;
  private readonly audiences?: string[];
  private keys?: JWTVerifyGetKey;
  private keysPending?: Promise<JWTVerifyGetKey>;

  constructor(private readonly rule: JwtRule) {
    this.issuer = rule.issuer;
    this.audiences = rule.audiences?.length ? rule.audiences : undefined;
    if (rule.jwks) this.keys = createLocalJWKSet(JSON.parse(rule.jwks));
    else if (rule.jwksUri) this.keys = this.remote(new URL(rule.jwksUri));
  }

  async verify(token: string): Promise<JWTPayload> {
    const keys = this.keys ?? (await this.discover());
    const { payload } = await jwtVerify(token, keys, {
      issuer: this.issuer,
      audience: this.audiences,
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['exp'],
    });
    return payload;
  }

  private remote(url: URL): JWTVerifyGetKey {
    const timeoutDuration = this.rule.timeout ? durationMs(this.rule.timeout) : 5000;
    return createRemoteJWKSet(url, { timeoutDuration, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  }

  /** OIDC discovery, once; a failure is retried on the next token. */
  private discover(): Promise<JWTVerifyGetKey> {
    this.keysPending ??= (async () => {
      const url = `${this.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`OIDC discovery at ${url} answered ${res.status}`);
      const doc = (await res.json()) as { jwks_uri?: string };
      if (!doc.jwks_uri) throw new Error(`OIDC discovery at ${url} has no jwks_uri`);
      this.keys = this.remote(new URL(doc.jwks_uri));
      return this.keys;
    })().finally(() => {
      this.keysPending = undefined;
    });
    return this.keysPending;
  }
}

export class JwtAuthenticator {
  private readonly byIssuer = new Map<string, IssuerVerifier>();
  private readonly locations: Location[] = [];
  /** Verified tokens until their expiry, so a hot caller pays for verification once. */
  private readonly cache = new Map<string, { jwt: VerifiedJwt; expiresAt: number }>();

  constructor(rules: JwtRule[]) {
    const seen = new Set<string>();
    for (const rule of rules) {
      this.byIssuer.set(rule.issuer, new IssuerVerifier(rule));
      const own: Location[] = [
        ...(rule.fromHeaders ?? []).map((h) => ({ header: h.name.toLowerCase(), prefix: h.prefix })),
        ...(rule.fromParams ?? []).map((p) => ({ param: p })),
      ];
      if (!rule.fromHeaders && !rule.fromParams && !rule.fromCookies) {
        own.push({ header: 'authorization', prefix: 'Bearer ' }, { param: 'access_token' });
      }
      for (const loc of own) {
        const key = `${loc.header ?? ''}|${loc.prefix ?? ''}|${loc.param ?? ''}`;
        if (!seen.has(key)) this.locations.push(loc), seen.add(key);
      }
    }
  }

  get enabled(): boolean {
    return this.byIssuer.size > 0;
  }

  /** The verified token, undefined when the request carries none, or a 401 WardenError. */
  async authenticate(req: RequestInfo): Promise<VerifiedJwt | undefined> {
    const found = this.extract(req);
    if (!found) return undefined;
    const { token, from } = found;

    const cached = this.cache.get(token);
    if (cached && cached.expiresAt > Date.now()) return cached.jwt;

    if (token.length > MAX_TOKEN_BYTES) throw unauthenticated('TOKEN_TOO_LARGE', 'token exceeds 16 KiB');
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw unauthenticated('TOKEN_MALFORMED', 'token is not a well-formed JWT');
    }
    const verifier = unverified.iss ? this.byIssuer.get(unverified.iss) : undefined;
    if (!verifier) throw unauthenticated('ISSUER_UNKNOWN', 'token issuer is not trusted');
    let claims: JWTPayload;
    try {
      claims = await verifier.verify(token);
    } catch (e) {
      throw unauthenticated(reasonOf(e), messageOf(e), e);
    }
    const jwt: VerifiedJwt = { token, issuer: verifier.issuer, subject: String(claims.sub ?? ''), claims, from };
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(token, { jwt, expiresAt: (claims.exp as number) * 1000 });
    return jwt;
  }

  private extract(req: RequestInfo): { token: string; from: VerifiedJwt['from'] } | undefined {
    let found: { token: string; from: VerifiedJwt['from'] } | undefined;
    for (const loc of this.locations) {
      let token: string | undefined;
      if (loc.header) {
        const v = req.headers[loc.header];
        if (v === undefined) continue;
        if (loc.prefix) {
          if (!v.toLowerCase().startsWith(loc.prefix.toLowerCase())) continue;
          token = v.slice(loc.prefix.length).trim();
        } else token = v.trim();
      } else if (loc.param && req.query) {
        token = new URLSearchParams(req.query).get(loc.param) ?? undefined;
      }
      if (!token) continue;
      if (found && found.token !== token) {
        throw unauthenticated('TOKEN_AMBIGUOUS', 'more than one token in the request');
      }
      found ??= { token, from: loc.header ? { header: loc.header } : { param: loc.param } };
    }
    return found;
  }
}

function unauthenticated(reason: string, message: string, cause?: unknown): WardenError {
  return new WardenError('UNAUTHENTICATED', reason, `JWT rejected: ${message}`, {
    headers: { 'www-authenticate': `Bearer realm="warden", error="invalid_token"` },
    cause,
  });
}

function reasonOf(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return 'TOKEN_EXPIRED';
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.claim === 'aud') return 'AUDIENCE_MISMATCH';
    if (e.claim === 'iss') return 'ISSUER_MISMATCH';
    if (e.claim === 'nbf') return 'TOKEN_NOT_YET_VALID';
    if (e.claim === 'iat') return 'TOKEN_IAT_INVALID';
    return 'CLAIM_INVALID';
  }
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'SIGNATURE_INVALID';
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return 'ALGORITHM_NOT_ALLOWED';
  if (e instanceof joseErrors.JWKSNoMatchingKey) return 'KEY_UNKNOWN';
  if (e instanceof joseErrors.JWSInvalid || e instanceof joseErrors.JWTInvalid) return 'TOKEN_MALFORMED';
  if (e instanceof joseErrors.JWKSTimeout) return 'JWKS_UNAVAILABLE';
  return 'JWKS_UNAVAILABLE';
}

function messageOf(e: unknown): string {
  if (e instanceof joseErrors.JOSEError) return e.message;
  return 'signing keys unavailable';
}
