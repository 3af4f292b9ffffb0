// Sign-in for people: the OpenID Connect authorization code flow with PKCE
// (S256), a `state` bound to this browser by a short-lived cookie, and a
// `nonce` in the ID token. The issuer's endpoints come from its discovery
// document, as the identity stage finds JWKS; the ID token is verified
// against the issuer's key set (asymmetric algorithms only).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { JWT_ALGORITHMS, type AdminAuthSpec } from '../config/schema.js';
import type { Principal } from '../types.js';
import { token } from './sessions.js';

type OidcSpec = NonNullable<AdminAuthSpec['oidc']>;

interface Endpoints {
  authorization: string;
  token: string;
  endSession?: string;
  keys: JWTVerifyGetKey;
}

interface Pending {
  verifier: string;
  nonce: string;
  /** The value of the browser's login cookie: a callback from another browser is refused. */
  binding: string;
  returnTo: string;
  redirectUri: string;
  expiresAt: number;
}

/** A failed sign-in: `message` is shown to the person; it never holds a secret. */
export class LoginError extends Error {}

const PENDING_MS = 10 * 60_000;
const MAX_PENDING = 1000;
const TIMEOUT_MS = 10_000;

export interface SignedIn {
  principal: Principal;
  displayName: string;
  returnTo: string;
}

export class OidcLogin {
  private readonly issuer: string;
  private endpoints?: Promise<Endpoints>;
  private readonly pending = new Map<string, Pending>();

  /** `secretFile`: the client secret's file, resolved; read at each exchange, so a rotated secret is used at once. */
  constructor(private readonly spec: OidcSpec, private readonly secretFile: string | undefined) {
    this.issuer = spec.issuer.replace(/\/$/, '');
  }

  /** Where to send the browser to sign in; `binding` goes into the login cookie. */
  async begin(returnTo: string, redirectUri: string): Promise<{ location: string; binding: string }> {
    const ep = await this.discover();
    const state = token();
    const p: Pending = { verifier: token(), nonce: token(), binding: token(), returnTo: safeReturn(returnTo), redirectUri, expiresAt: Date.now() + PENDING_MS };
    this.prune();
    this.pending.set(state, p);
    const url = new URL(ep.authorization);
    const params = {
      response_type: 'code',
      client_id: this.spec.clientId,
      redirect_uri: redirectUri,
      scope: this.spec.scopes.join(' '),
      state,
      nonce: p.nonce,
      code_challenge: createHash('sha256').update(p.verifier).digest('base64url'),
      code_challenge_method: 'S256',
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return { location: url.toString(), binding: p.binding };
  }

  /** The callback: checks state and browser, exchanges the code, verifies the ID token. */
  async finish(query: URLSearchParams, binding: string | undefined): Promise<SignedIn> {
    const state = query.get('state') ?? '';
    const p = this.pending.get(state);
    if (!p || p.expiresAt < Date.now()) throw new LoginError('this sign-in is unknown or too old: start again');
    if (p.binding !== binding) throw new LoginError('this sign-in was started in another browser: start again');
    this.pending.delete(state);
    const error = query.get('error');
    if (error) throw new LoginError(`the issuer refused the sign-in: ${error}${query.get('error_description') ? ` (${query.get('error_description')})` : ''}`);
    const code = query.get('code');
    if (!code) throw new LoginError('the issuer sent no authorization code');
    const ep = await this.discover();
    const idToken = await this.exchange(ep, code, p);
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(idToken, ep.keys, {
        issuer: this.spec.issuer,
        audience: this.spec.clientId,
        algorithms: [...JWT_ALGORITHMS],
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 60,
      }));
    } catch (e) {
      throw new LoginError(`the ID token does not verify: ${(e as Error).message}`);
    }
    if (claims.nonce !== p.nonce) throw new LoginError('the ID token answers another sign-in (nonce)');
    return { principal: principalOf(claims, this.spec.groupsClaim), displayName: displayName(claims), returnTo: p.returnTo };
  }

  /** The issuer's sign-out page, when its discovery document names one. */
  async endSessionUrl(): Promise<string | undefined> {
    try {
      return (await this.discover()).endSession;
    } catch {
      return undefined;
    }
  }

  private async exchange(ep: Endpoints, code: string, p: Pending): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: p.verifier, client_id: this.spec.clientId });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (this.secretFile) {
      const secret = readFileSync(this.secretFile, 'utf8').trim();
      // RFC 6749 §2.3.1: each half form-encoded before base64.
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(this.spec.clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    }
    let res: Response;
    try {
      res = await fetch(ep.token, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (e) {
      throw new LoginError(`the issuer's token endpoint cannot be reached: ${(e as Error).message}`);
    }
    const answer = (await res.json().catch(() => ({}))) as { id_token?: unknown; error?: unknown; error_description?: unknown };
    if (!res.ok) throw new LoginError(`the issuer's token endpoint answered ${res.status}${answer.error ? ` ${String(answer.error)}` : ''}${answer.error_description ? `: ${String(answer.error_description)}` : ''}`);
    if (typeof answer.id_token !== 'string') throw new LoginError('the issuer sent no ID token (is `openid` among the scopes?)');
    return answer.id_token;
  }

  /** OIDC discovery, once; a failure is retried by the next sign-in. */
  private discover(): Promise<Endpoints> {
    this.endpoints ??= (async () => {
      const url = `${this.issuer}/.well-known/openid-configuration`;
      let doc: Record<string, unknown>;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: 'application/json' } });
        if (!res.ok) throw new Error(`it answered ${res.status}`);
        doc = (await res.json()) as Record<string, unknown>;
      } catch (e) {
        throw new LoginError(`OIDC discovery at ${url} failed: ${(e as Error).message}`);
      }
      if (doc.issuer !== this.spec.issuer && doc.issuer !== this.issuer) throw new LoginError(`OIDC discovery at ${url} names issuer ${String(doc.issuer)}`);
      for (const k of ['authorization_endpoint', 'token_endpoint', 'jwks_uri']) {
        if (typeof doc[k] !== 'string') throw new LoginError(`OIDC discovery at ${url} has no ${k}`);
      }
      return {
        authorization: doc.authorization_endpoint as string,
        token: doc.token_endpoint as string,
        endSession: typeof doc.end_session_endpoint === 'string' ? doc.end_session_endpoint : undefined,
        keys: createRemoteJWKSet(new URL(doc.jwks_uri as string), { timeoutDuration: TIMEOUT_MS }),
      };
    })();
    this.endpoints.catch(() => (this.endpoints = undefined));
    return this.endpoints;
  }

  private prune(): void {
    const now = Date.now();
    for (const [k, p] of this.pending) if (p.expiresAt < now) this.pending.delete(k);
    while (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
  }
}

/** A person as policy sees them: the ID token's issuer and subject, its claims, its groups claim. */
export function principalOf(claims: JWTPayload, groupsClaim: string): Principal {
  const g = claims[groupsClaim];
  const groups = Array.isArray(g) ? g.filter((x): x is string => typeof x === 'string') : typeof g === 'string' ? [g] : [];
  const aud = claims.aud === undefined ? undefined : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  return {
    requestPrincipal: `${claims.iss}/${claims.sub}`,
    issuer: claims.iss,
    subject: claims.sub,
    audiences: aud,
    presenter: typeof claims.azp === 'string' ? claims.azp : undefined,
    claims: claims as Record<string, unknown>,
    groups,
    methods: ['jwt'],
  };
}

function displayName(c: JWTPayload): string {
  for (const k of ['name', 'preferred_username', 'email']) if (typeof c[k] === 'string' && c[k]) return c[k] as string;
  return String(c.sub);
}

/** Only a path on this site: never `//host` or a full URL, which would make sign-in an open redirect. */
function safeReturn(p: string): string {
  return p.startsWith('/') && !p.startsWith('//') && !p.startsWith('/\\') ? p : '/';
}
