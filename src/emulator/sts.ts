// sts.googleapis.com/v1/token: Workload Identity Federation's token exchange
// (RFC 8693). Trusts the dev OIDC issuer, and any issuer added with trustIssuer().

import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { readTokenParams, sendJson, sendOAuthError } from './http.js';
import { verifyIssuerJwt } from './oidc.js';
import { PROJECT_NUMBER, WIF_POOL, type EmulatorState } from './state.js';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const SUBJECT_TOKEN_TYPES = new Set([
  'urn:ietf:params:oauth:token-type:jwt',
  'urn:ietf:params:oauth:token-type:id_token',
  ACCESS_TOKEN_TYPE,
]);

/**
 * `//iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/providers/X`
 * → `principal://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/subject/<sub>`.
 */
export function federatedPrincipal(audience: string, sub: string): string {
  const m = /^\/\/iam\.googleapis\.com\/(projects\/[^/]+\/locations\/[^/]+\/workloadIdentityPools\/[^/]+)\//.exec(audience);
  const pool = m ? m[1] : `projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/${WIF_POOL}`;
  return `principal://iam.googleapis.com/${pool}/subject/${sub}`;
}

export async function handleSts(state: EmulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (state.control.tokenEndpointsDown) {
    sendOAuthError(res, 503, 'temporarily_unavailable', 'token endpoint is down (failure injection)');
    return;
  }
  const p = await readTokenParams(req, res);
  if (!p) return;
  if (p.get('grant_type') !== TOKEN_EXCHANGE) {
    sendOAuthError(res, 400, 'unsupported_grant_type', `Invalid grant_type: ${p.get('grant_type') ?? ''}`);
    return;
  }
  const audience = p.get('audience');
  if (!audience) {
    sendOAuthError(res, 400, 'invalid_request', 'Missing required parameter: audience');
    return;
  }
  const subjectTokenType = p.get('subject_token_type') ?? '';
  if (!SUBJECT_TOKEN_TYPES.has(subjectTokenType)) {
    sendOAuthError(res, 400, 'invalid_request', `Invalid subject_token_type: ${subjectTokenType}`);
    return;
  }
  const requested = p.get('requested_token_type');
  if (requested && requested !== ACCESS_TOKEN_TYPE) {
    sendOAuthError(res, 400, 'invalid_request', `Invalid requested_token_type: ${requested}`);
    return;
  }
  const subjectToken = p.get('subject_token') ?? '';
  if (!subjectToken) {
    sendOAuthError(res, 400, 'invalid_request', 'Missing required parameter: subject_token');
    return;
  }
  // Strict, as Google's STS is: the token is taken byte for byte. Surrounding
  // whitespace (a token file's trailing newline, which google-auth-library
  // sends untrimmed) makes it no JWT at all, so clients must trim.
  if (subjectToken !== subjectToken.trim()) {
    sendOAuthError(res, 400, 'invalid_grant', 'The subject token could not be verified: it has surrounding whitespace');
    return;
  }

  let claims: JWTPayload;
  try {
    if (state.writtenSubjectTokens.has(subjectToken)) {
      claims = decodeJwt(subjectToken);
      if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) throw new Error('expired');
    } else {
      const iss = String(decodeJwt(subjectToken).iss);
      const trusted = state.trustedIssuers.get(iss);
      claims = trusted
        ? (await jwtVerify(subjectToken, trusted, { issuer: iss })).payload
        : await verifyIssuerJwt(state, subjectToken);
    }
  } catch (e) {
    sendOAuthError(res, 400, 'invalid_grant', `The subject token could not be verified: ${(e as Error).message}`);
    return;
  }
  if (!claims.sub) {
    sendOAuthError(res, 400, 'invalid_grant', 'The subject token has no sub claim');
    return;
  }

  const scopes = (p.get('scope') ?? '').split(/\s+/).filter(Boolean);
  const info = state.tokens.mint(federatedPrincipal(audience, claims.sub), scopes, 'token-exchange', state.ttlSeconds);
  sendJson(res, 200, {
    access_token: info.token,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: state.ttlSeconds,
  }, { 'cache-control': 'no-store' });
}
