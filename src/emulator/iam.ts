// iamcredentials.googleapis.com generateAccessToken: service-account
// impersonation, the second leg of Workload Identity Federation.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, readBody, rfc3339, sendJson, sendRpcError } from './http.js';
import { CLOUD_PLATFORM_SCOPE, type EmulatorState } from './state.js';

const IAM_SCOPE = 'https://www.googleapis.com/auth/iam';
const MAX_LIFETIME_S = 43200;

export const GENERATE_ACCESS_TOKEN = /^projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/;

function knownAccount(state: EmulatorState, email: string): boolean {
  return email === state.serviceAccountEmail || state.saKeys.knows(email) || /^[^@\s]+@[^@\s]+\.gserviceaccount\.com$/.test(email);
}

export async function handleGenerateAccessToken(
  state: EmulatorState,
  email: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (state.control.tokenEndpointsDown) {
    sendRpcError(res, 'UNAVAILABLE', 'The service is currently unavailable (failure injection).');
    return;
  }
  const body = await readBody(req);
  const caller = state.tokens.lookup(bearerToken(req) ?? '');
  if (!caller) {
    sendRpcError(res, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.', {
      'www-authenticate': 'Bearer realm="https://accounts.google.com/"',
    });
    return;
  }
  if (!caller.scopes.includes(CLOUD_PLATFORM_SCOPE) && !caller.scopes.includes(IAM_SCOPE)) {
    sendRpcError(res, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.');
    return;
  }
  let req0: { scope?: unknown; lifetime?: unknown; delegates?: unknown };
  try {
    req0 = JSON.parse(body.toString('utf8') || '{}') as typeof req0;
  } catch {
    sendRpcError(res, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    return;
  }
  if (!knownAccount(state, email)) {
    sendRpcError(res, 'NOT_FOUND', `Not found; Gaia id not found for email ${email}`);
    return;
  }
  const scopes = Array.isArray(req0.scope) ? req0.scope.map(String) : typeof req0.scope === 'string' ? [req0.scope] : [];
  if (scopes.length === 0) {
    sendRpcError(res, 'INVALID_ARGUMENT', 'Scope required.');
    return;
  }
  let lifetime = state.ttlSeconds;
  if (req0.lifetime !== undefined) {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(String(req0.lifetime));
    if (!m) {
      sendRpcError(res, 'INVALID_ARGUMENT', `Invalid value at 'lifetime' (type.googleapis.com/google.protobuf.Duration), Field 'lifetime', Illegal duration format; duration must end with 's'`);
      return;
    }
    const requested = Number(m[1]);
    if (requested > MAX_LIFETIME_S) {
      sendRpcError(res, 'INVALID_ARGUMENT', 'The lifetime must be at most 43200s.');
      return;
    }
    // The emulator's TTL option caps it so tests can exercise refresh quickly.
    lifetime = Math.min(requested, state.ttlSeconds);
  }
  const info = state.tokens.mint(email, scopes, 'generateAccessToken', lifetime);
  sendJson(res, 200, { accessToken: info.token, expireTime: rfc3339(info.expiresAt) });
}
