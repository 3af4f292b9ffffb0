// oauth2.googleapis.com/token: the JWT-bearer grant (RFC 7523) a service
// account key is used for, plus the tokeninfo endpoint.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { readTokenParams, sendJson, sendOAuthError } from './http.js';
import type { ServiceAccountKey } from './keys.js';
import type { EmulatorState } from './state.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MAX_ASSERTION_LIFETIME_S = 3600;
const CLOCK_SKEW_S = 300;
const TIMEFRAME_MSG =
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';

/** Google's own token URLs are accepted too, since libraries hard-code them as `aud`. */
function acceptedAudiences(state: EmulatorState, req: IncomingMessage): string[] {
  const list = [
    `${state.url}/token`,
    'https://oauth2.googleapis.com/token',
    'https://www.googleapis.com/oauth2/v4/token',
  ];
  if (req.headers.host) list.push(`http://${req.headers.host}/token`);
  return list;
}

export async function handleToken(state: EmulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (state.control.tokenEndpointsDown) {
    sendOAuthError(res, 503, 'temporarily_unavailable', 'token endpoint is down (failure injection)');
    return;
  }
  const params = await readTokenParams(req, res);
  if (!params) return;
  const grantType = params.get('grant_type');
  if (grantType !== JWT_BEARER) {
    sendOAuthError(res, 400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
    return;
  }
  const assertion = params.get('assertion');
  if (!assertion) {
    sendOAuthError(res, 400, 'invalid_request', 'Missing required parameter: assertion');
    return;
  }

  let kid: string | undefined;
  let iss: string | undefined;
  try {
    kid = decodeProtectedHeader(assertion).kid;
    const claims = decodeJwt(assertion);
    iss = claims.iss;
  } catch {
    sendOAuthError(res, 400, 'invalid_grant', 'Invalid JWT: malformed assertion');
    return;
  }
  if (!iss || !state.saKeys.knows(iss)) {
    sendOAuthError(res, 400, 'invalid_grant', 'Invalid grant: account not found');
    return;
  }
  let candidates: ServiceAccountKey[];
  if (kid) {
    const k = state.saKeys.byKeyId(kid);
    candidates = k && k.email === iss ? [k] : [];
  } else {
    candidates = state.saKeys.forEmail(iss);
  }
  if (candidates.length === 0) {
    sendOAuthError(res, 400, 'invalid_grant', 'Invalid JWT Signature.');
    return;
  }

  let payload: Record<string, unknown> | undefined;
  let failure = 'Invalid JWT Signature.';
  for (const key of candidates) {
    try {
      const r = await jwtVerify(assertion, key.publicKey, {
        algorithms: ['RS256'],
        issuer: iss,
        audience: acceptedAudiences(state, req),
        clockTolerance: CLOCK_SKEW_S,
      });
      payload = r.payload as Record<string, unknown>;
      break;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED') failure = TIMEFRAME_MSG;
      else if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
        const claim = (e as { claim?: string }).claim;
        failure = claim === 'aud' ? 'Invalid JWT: audience claim is not the token endpoint' : TIMEFRAME_MSG;
      } else failure = 'Invalid JWT Signature.';
    }
  }
  if (!payload) {
    sendOAuthError(res, 400, 'invalid_grant', failure);
    return;
  }

  const now = Math.floor(Date.now() / 1000);
  const iat = payload.iat;
  const exp = payload.exp;
  if (
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    exp <= iat ||
    exp - iat > MAX_ASSERTION_LIFETIME_S ||
    iat > now + CLOCK_SKEW_S
  ) {
    sendOAuthError(res, 400, 'invalid_grant', TIMEFRAME_MSG);
    return;
  }
  const scope = typeof payload.scope === 'string' ? payload.scope.trim() : '';
  if (!scope) {
    sendOAuthError(res, 400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    return;
  }

  const info = state.tokens.mint(iss, scope.split(/\s+/), 'jwt-bearer', state.ttlSeconds);
  sendJson(res, 200, {
    access_token: info.token,
    expires_in: state.ttlSeconds,
    token_type: 'Bearer',
  }, { 'cache-control': 'no-store' });
}

/** oauth2.googleapis.com/tokeninfo, for tests and humans who want to see whose token this is. */
export function handleTokenInfo(state: EmulatorState, url: URL, res: ServerResponse): void {
  const token = url.searchParams.get('access_token') ?? '';
  const info = state.tokens.lookup(token);
  if (!info) {
    sendOAuthError(res, 400, 'invalid_token', 'Invalid Value');
    return;
  }
  const expiresIn = Math.max(0, Math.floor((info.expiresAt - Date.now()) / 1000));
  sendJson(res, 200, {
    azp: info.identity,
    aud: info.identity,
    sub: info.identity,
    scope: info.scopes.join(' '),
    exp: String(Math.floor(info.expiresAt / 1000)),
    expires_in: String(expiresIn),
    email: info.identity.includes('@') ? info.identity : undefined,
    email_verified: info.identity.includes('@') ? 'true' : undefined,
    access_type: 'online',
  });
}
