// Self-signed service-account JWTs used directly as access tokens, as Google
// APIs accept them: signed by a key this emulator issued, `iss` = `sub` = the
// account, at most an hour long, and either `aud` = the API's URL or a
// `scope` claim. The emulator never minted them, so they are checked here.

import { decodeProtectedHeader, jwtVerify } from 'jose';
import { CLOUD_PLATFORM_SCOPE, type EmulatorState } from './state.js';

const API_AUDIENCES = ['https://aiplatform.googleapis.com/', 'https://aiplatform.googleapis.com'];
const MAX_LIFETIME_S = 3600;

/** The service account a valid self-signed JWT stands for, or undefined. */
export async function selfSignedIdentity(state: EmulatorState, token: string): Promise<string | undefined> {
  if (token.split('.').length !== 3) return undefined;
  try {
    const kid = decodeProtectedHeader(token).kid;
    const key = kid ? state.saKeys.byKeyId(kid) : undefined;
    if (!key) return undefined;
    const { payload } = await jwtVerify(token, key.publicKey, { algorithms: ['RS256'], issuer: key.email, subject: key.email });
    if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number' || payload.exp - payload.iat > MAX_LIFETIME_S) return undefined;
    const aud = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(/\s+/) : [];
    if (!aud.some((a) => API_AUDIENCES.includes(a)) && !scopes.includes(CLOUD_PLATFORM_SCOPE)) return undefined;
    return key.email;
  } catch {
    return undefined;
  }
}
