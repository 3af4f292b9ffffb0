// A dev OpenID Connect issuer: discovery, JWKS and a client_credentials
// token endpoint. It stands in for the company IdP that callers of Warden
// get their tokens from, and is the trust root the emulated STS accepts.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { readTokenParams, sendJson, sendOAuthError } from './http.js';
import { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, type EmulatorState } from './state.js';
import { redeemCode } from './oidc-login.js';

export interface MintOptions {
  sub: string;
  groups?: string[];
  aud?: string | string[];
  ttlSeconds?: number;
  /** Applied last, so tests can override any standard claim (e.g. a foreign `iss`). */
  claims?: Record<string, unknown>;
}

export const DEFAULT_AUDIENCE = 'warden';

export async function mintIssuerJwt(state: EmulatorState, o: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    iss: state.issuer,
    sub: o.sub,
    aud: o.aud ?? DEFAULT_AUDIENCE,
    iat: now,
    exp: now + (o.ttlSeconds ?? 3600),
    jti: randomUUID(),
  };
  if (o.groups) payload.groups = o.groups;
  Object.assign(payload, o.claims ?? {});
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: state.issuerKey.kid, typ: 'JWT' })
    .sign(state.issuerKey.privateKey);
}

/** Verify against the issuer's current JWKS, in process (what a remote JWKS fetch would see). */
export async function verifyIssuerJwt(state: EmulatorState, token: string): Promise<JWTPayload> {
  const jwks = createLocalJWKSet({ keys: [state.issuerKey.publicJwk] });
  const { payload } = await jwtVerify(token, jwks, { algorithms: ['RS256'], issuer: state.issuer });
  return payload;
}

export function discoveryDocument(state: EmulatorState) {
  return {
    issuer: state.issuer,
    jwks_uri: `${state.issuer}/jwks`,
    token_endpoint: `${state.issuer}/token`,
    authorization_endpoint: `${state.issuer}/authorize`,
    grant_types_supported: ['client_credentials', 'authorization_code'],
    response_types_supported: ['code', 'token'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['openid', 'profile', 'email'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    claims_supported: ['iss', 'sub', 'aud', 'iat', 'exp', 'jti', 'scope', 'groups', 'client_id', 'azp', 'nonce', 'name', 'preferred_username'],
  };
}

export function handleJwks(state: EmulatorState, res: ServerResponse): void {
  // Short max-age: rotation tests must see the new key on the next fetch.
  sendJson(res, 200, { keys: [state.issuerKey.publicJwk] }, { 'cache-control': 'public, max-age=0' });
}

function clientCredentials(req: IncomingMessage, params: Map<string, string>): { id?: string; secret?: string } {
  const h = req.headers.authorization;
  if (h && /^Basic\s+/i.test(h)) {
    const decoded = Buffer.from(h.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i >= 0) {
      // RFC 6749 §2.3.1: both halves are form-urlencoded before base64.
      const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      return { id: dec(decoded.slice(0, i)), secret: dec(decoded.slice(i + 1)) };
    }
  }
  return { id: params.get('client_id'), secret: params.get('client_secret') };
}

export async function handleOidcToken(state: EmulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const params = await readTokenParams(req, res);
  if (!params) return;
  const client = clientCredentials(req, params);
  // A person's sign-in (the login page's code): public clients too, proven by PKCE.
  if (params.get('grant_type') === 'authorization_code') return redeemCode(state, res, params, client);
  const registered = client.id === undefined ? undefined : state.oidcClients.get(client.id);
  const known = (client.id === OIDC_CLIENT_ID && client.secret === OIDC_CLIENT_SECRET) || (registered !== undefined && registered.secret === client.secret);
  if (!known) {
    sendOAuthError(res, 401, 'invalid_client', 'client authentication failed', {
      'www-authenticate': 'Basic realm="warden-dev-oidc"',
    });
    return;
  }
  const grantType = params.get('grant_type');
  if (grantType !== 'client_credentials') {
    sendOAuthError(res, 400, 'unsupported_grant_type', `unsupported grant_type: ${grantType ?? ''}`);
    return;
  }
  const scope = params.get('scope') ?? 'openid';
  // The built-in client may ask for any subject and groups (a test's stand-in); a registered one is itself.
  const groups = registered
    ? registered.groups
    : params
        .get('groups')
        ?.split(',')
        .map((g) => g.trim())
        .filter(Boolean);
  const ttl = 3600;
  const token = await mintIssuerJwt(state, {
    sub: (registered ? undefined : params.get('sub')) || client.id!,
    aud: params.get('audience') || params.get('resource') || DEFAULT_AUDIENCE,
    ttlSeconds: ttl,
    ...(groups ? { groups } : {}),
    claims: { scope, client_id: client.id, azp: client.id },
  });
  sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: ttl, scope }, { 'cache-control': 'no-store' });
}
