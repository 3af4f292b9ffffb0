// guard(request): what the request body must be before it may leave.
// Today: the protocol's shape (JSON operations need a JSON object). PII,
// secret and prompt-injection detectors plug in here.
import { WardenError } from '../errors.js';
import type { RequestBody } from '../proxy/body.js';
import type { Target } from '../types.js';

/** Operations whose body is opaque to Warden (the model server defines it). */
const RAW_BODY = new Set(['rawPredict', 'streamRawPredict', 'other']);

/** Whether Warden can read this operation's request body (JSON it understands). */
export function readableBody(target: Target): boolean {
  return target.provider !== 'http' && !RAW_BODY.has(target.operation);
}

export function guardRequest(target: Target, body: RequestBody): void {
  if (!readableBody(target)) return;
  if (body.jsonError !== undefined) {
    throw new WardenError('INVALID_ARGUMENT', 'MALFORMED_JSON', `request body is not valid JSON: ${body.jsonError}`);
  }
  if (body.json !== undefined && (body.json === null || typeof body.json !== 'object' || Array.isArray(body.json))) {
    throw new WardenError('INVALID_ARGUMENT', 'MALFORMED_JSON', 'request body must be a JSON object');
  }
}
