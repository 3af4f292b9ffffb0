// The one way identify refuses a request: 401 UNAUTHENTICATED with a stable
// reason (for the log and the caller) and a WWW-Authenticate challenge.
import { WardenError } from '../errors.js';

export function unauthenticated(reason: string, message: string, cause?: unknown): WardenError {
  return new WardenError('UNAUTHENTICATED', reason, message, {
    headers: { 'www-authenticate': 'Bearer realm="warden", error="invalid_token"' },
    cause,
  });
}
