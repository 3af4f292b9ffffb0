// OAuth 2.0 Token Exchange (RFC 8693) on behalf of the caller: the caller's
// own verified token is the subject token; the authorization server answers
// with a token for the upstream (its `audience` / `resource`). Each caller gets
// its own, never outliving the token it came from. This is how an MCP server
// behind Warden sees the user, not Warden, without ever seeing the user's
// token for Warden (no token passthrough).
import { request } from 'undici';
import type { TokenExchangeSpec } from '../config/schema.js';
import { MintError, type AccessToken, type CallerToken, type TokenSource } from './token-source.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** A mint that takes longer fails (and is retried by the cache): the request waiting on it has its own deadline. */
const TIMEOUT_MS = 10_000;
/** Lifetime assumed when the answer gives no expires_in. */
const DEFAULT_TTL_S = 300;

export class TokenExchangeSource implements TokenSource {
  readonly kind: string;
  readonly perCaller = true;

  constructor(
    private readonly spec: TokenExchangeSpec,
    /** Warden's client secret at the token endpoint, read from clientSecretFile. */
    private readonly clientSecret: () => string | undefined,
  ) {
    const target = spec.audience ?? spec.resource;
    this.kind = `token exchange at ${spec.tokenUrl}${target ? ` for ${target}` : ''}`;
  }

  async mint(caller?: CallerToken): Promise<AccessToken> {
    if (!caller) throw new MintError('this credential exchanges the caller’s token, and the request has none');
    const s = this.spec;
    const form = new URLSearchParams({ grant_type: GRANT, subject_token: caller.token, subject_token_type: s.subjectTokenType, requested_token_type: s.requestedTokenType });
    if (s.audience) form.set('audience', s.audience);
    if (s.resource) form.set('resource', s.resource);
    if (s.scopes.length) form.set('scope', s.scopes.join(' '));
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    const secret = this.clientSecret();
    if (s.clientId) {
      // RFC 6749 §2.3.1: both halves form-urlencoded, then Basic.
      const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
      headers.authorization = `Basic ${Buffer.from(`${enc(s.clientId)}:${enc(secret ?? '')}`).toString('base64')}`;
    }
    let status: number;
    let body: Record<string, unknown>;
    try {
      const res = await request(s.tokenUrl, { method: 'POST', headers, body: form.toString(), headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
      status = res.statusCode;
      body = (await res.body.json().catch(() => ({}))) as Record<string, unknown>;
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new MintError(`token exchange at ${s.tokenUrl} failed${code ? ` (${code})` : ''}`);
    }
    if (status !== 200) {
      const error = typeof body.error === 'string' ? ` ${body.error}` : '';
      throw new MintError(`token exchange at ${s.tokenUrl} answered ${status}${error}`);
    }
    const token = body.access_token;
    if (typeof token !== 'string' || !token) throw new MintError(`token exchange at ${s.tokenUrl} returned no access_token`);
    const ttl = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TTL_S;
    return { token, expiresAt: Math.min(Date.now() + ttl * 1000, caller.expiresAt) };
  }
}
