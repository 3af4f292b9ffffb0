// guard(request): what the request body must be before it may leave.
// Today: the protocol's shape (JSON operations need a JSON object). PII,
// secret and prompt-injection detectors plug in here.
import { WardenError } from '../errors.js';
import { mayBeJson, type RequestBody } from '../admission/body.js';
import type { Target } from '../types.js';

/** Operations whose body is opaque to Warden (the model server defines it). */
const RAW_BODY = new Set(['rawPredict', 'streamRawPredict', 'other']);
const RAW_PREDICT = new Set(['rawPredict', 'streamRawPredict']);

/**
 * Whether Warden can read this operation's request body (JSON it understands). A partner model's
 * rawPredict (`publishers/{p}/models/{m}:rawPredict`: Anthropic Messages, or a chat completion for
 * Llama and Mistral) is JSON Warden reads; an endpoint's (`endpoints/{e}:rawPredict`) is whatever
 * the deployed container defines.
 */
export function readableBody(target: Target): boolean {
  if (target.provider === 'http') return false;
  if (RAW_PREDICT.has(target.operation)) return target.publisher !== undefined;
  return !RAW_BODY.has(target.operation);
}

/**
 * A google.api.HttpBody wrapper (`{"httpBody": {"contentType", "data": base64}}`, as
 * @google-cloud/aiplatform's REST transport sends rawPredict bodies; an interactionsHttp create's): the text is inside `data`,
 * where the scanners do not read it. Such a body counts as unscanned.
 */
export function wrappedHttpBody(json: unknown): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  // Protobuf's JSON mapping reads the field's own name as well as its JSON name.
  const o = json as Record<string, unknown>;
  const hb = o['httpBody'] ?? o['http_body'];
  return typeof hb === 'object' && hb !== null;
}

/**
 * `contentEncoding`: the request's content-encoding header. A body Warden
 * reads must arrive as it is to be read: a compressed one is refused, not
 * decompressed (no decompression bomb to bound, and what policy and the
 * guardrails saw is byte for byte what leaves).
 */
export function guardRequest(target: Target, body: RequestBody, contentEncoding?: string, contentType?: string): void {
  if (!readableBody(target)) return;
  // A body Warden reads as JSON but declared as something else (text/plain) would go unread —
  // its model unseen by policy, its text by the guardrails — yet an upstream may well parse it.
  // Form uploads (audio, image edits) are the one other kind these APIs take.
  if (hasBody(body) && !mayBeJson(contentType) && !/^\s*multipart\/form-data/i.test(contentType!)) {
    throw new WardenError('INVALID_ARGUMENT', 'CONTENT_TYPE_UNSUPPORTED',
      `content-type "${contentType!.trim().slice(0, 64)}" is not accepted for ${target.operation}: Warden inspects this request body; send it as application/json`,
      { httpStatus: 415 });
  }
  const coding = contentEncoding?.trim().toLowerCase();
  if (coding && coding !== 'identity') {
    throw new WardenError('INVALID_ARGUMENT', 'CONTENT_ENCODING_UNSUPPORTED',
      `content-encoding "${contentEncoding!.trim().slice(0, 64)}" is not accepted for ${target.operation}: Warden inspects this request body; send it uncompressed`,
      { httpStatus: 415, headers: { 'accept-encoding': 'identity' } });
  }
  if (body.jsonError !== undefined) {
    throw new WardenError('INVALID_ARGUMENT', 'MALFORMED_JSON', `request body is not valid JSON: ${body.jsonError}`);
  }
  if (body.json !== undefined && (body.json === null || typeof body.json !== 'object' || Array.isArray(body.json))) {
    throw new WardenError('INVALID_ARGUMENT', 'MALFORMED_JSON', 'request body must be a JSON object');
  }
}

function hasBody(body: RequestBody): boolean {
  return body.streamed !== undefined || (body.buffer !== undefined && body.buffer.length > 0);
}
