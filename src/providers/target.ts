// Building Target values: only the keys that are known are set, so Targets
// compare and serialize cleanly (no `key: undefined`).

import { WardenError } from '../errors.js';
import type { OperationClass, OwnedKind, ProviderKind, Target } from '../types.js';

/** Longer model or endpoint names are refused: none exists, and the name goes into logs, spans and metrics. */
export const MAX_MODEL_NAME = 256;

export interface TargetParts {
  operation: string;
  operationClass: OperationClass;
  stream?: boolean | undefined;
  streamFormat?: 'sse' | 'json-array' | undefined;
  project?: string | undefined;
  location?: string | undefined;
  publisher?: string | undefined;
  model?: string | undefined;
  endpoint?: string | undefined;
  apiVersion?: string | undefined;
  instances?: number | undefined;
  resource?: string | undefined;
  creates?: OwnedKind | undefined;
  lists?: OwnedKind | undefined;
  batchInputs?: string[] | undefined;
  batchOutput?: string | undefined;
}

/**
 * `scope`, when given, supplies project, location and API version (a Vertex
 * path's prefix). Taken as a second argument rather than merged into `p` with
 * a spread: `{ ...p, more }` on every request kept other requests' objects
 * alive through V8's young-generation collections (Node 20), lengthening the
 * pauses (see docs/istio.md, Performance).
 */
export function makeTarget(provider: ProviderKind, p: TargetParts, scope: Pick<TargetParts, 'project' | 'location' | 'apiVersion'> = p): Target {
  const ids = provider === 'vertex' ? VERTEX_ID : MODEL_ID;
  checkName(p.model, ids, 'model');
  checkName(p.endpoint, ids, 'endpoint');
  checkName(p.publisher, ids, 'publisher');
  const stream = p.stream === true;
  const t: Target = { provider, operation: p.operation, operationClass: p.operationClass, stream };
  if (stream && p.streamFormat !== undefined) t.streamFormat = p.streamFormat;
  if (scope.project !== undefined) t.project = scope.project;
  if (scope.location !== undefined) t.location = scope.location;
  if (p.publisher !== undefined) t.publisher = p.publisher;
  if (p.model !== undefined) t.model = p.model;
  if (p.endpoint !== undefined) t.endpoint = p.endpoint;
  if (scope.apiVersion !== undefined) t.apiVersion = scope.apiVersion;
  if (p.instances !== undefined) t.instances = p.instances;
  if (p.resource !== undefined) t.resource = p.resource;
  if (p.creates !== undefined) t.creates = p.creates;
  if (p.lists !== undefined) t.lists = p.lists;
  if (p.batchInputs !== undefined) t.batchInputs = p.batchInputs;
  if (p.batchOutput !== undefined) t.batchOutput = p.batchOutput;
  return t;
}

/**
 * The inputs a call billed by input carries (see Target.instances), from its parsed body: the
 * length of `field`'s list; `single` when the body names one input there instead (a string, or an
 * object for `embedContent`'s `content`). Undefined when the body was not read or names none.
 */
export function countInputs(body: unknown, field: string, single: 'string' | 'object' | 'none' = 'none'): number | undefined {
  const o = bodyObject(body);
  if (o === undefined) return undefined;
  const v = o[field];
  if (Array.isArray(v)) return v.length;
  if (single === 'string' && typeof v === 'string') return 1;
  if (single === 'object' && typeof v === 'object' && v !== null) return 1;
  return undefined;
}

/**
 * The characters a model id may have, after decoding. Anything else is refused rather than
 * compared: a policy on `gemini-2.5-pro` must not be passed by `Gemini-2.5-Pro`, `gemini-2.5-pro.`
 * or a look-alike that a lenient upstream reads as the same model. Vertex ids (publisher models,
 * model and endpoint resource ids) are lower case: letters, digits, `-`, `.`, `_`, `@` (a version),
 * starting and ending with a letter or digit.
 */
const VERTEX_ID = /^[a-z0-9](?:[a-z0-9._@-]*[a-z0-9])?$/;
/**
 * OpenAI-style model ids name what the upstream serves (`gpt-4o`, `meta-llama/Llama-3.1-8B-Instruct`,
 * `ft:gpt-4o-mini:org::id`, `llama3.1:8b`): letters of either case, digits and `-._:@/+`, starting
 * and ending with a letter or digit, no empty or dot `/`-segment. No white space, no control or
 * non-ASCII character.
 */
const MODEL_ID = /^[A-Za-z0-9](?:[A-Za-z0-9._:@+-]|\/(?![/.]))*(?<![./])$/;

/** Whether `name` is a model id Warden compares: the provider's alphabet, at most MAX_MODEL_NAME long. */
export function isModelId(name: string, provider: ProviderKind): boolean {
  return name.length <= MAX_MODEL_NAME && (provider === 'vertex' ? VERTEX_ID : MODEL_ID).test(name);
}

function checkName(name: string | undefined, ids: RegExp, what: string): void {
  if (name === undefined) return;
  if (name.length > MAX_MODEL_NAME) {
    throw new WardenError('INVALID_ARGUMENT', 'MODEL_INVALID', `the ${what} name is ${name.length} characters long; at most ${MAX_MODEL_NAME}`);
  }
  if (!ids.test(name)) {
    throw new WardenError('INVALID_ARGUMENT', 'MODEL_INVALID',
      `the ${what} name has characters a ${what} id does not (${ids === VERTEX_ID ? 'lower-case letters, digits and - . _ @' : 'letters, digits and - . _ : @ / +'}, starting and ending with a letter or digit)`);
  }
}

/** A path Warden cannot read reliably, on a route whose calls it must classify: refused, never `other`. */
export function unclassifiable(detail: string): WardenError {
  return new WardenError('INVALID_ARGUMENT', 'MODEL_INVALID', `the request path cannot be classified: ${detail}`);
}

export const UNSPLITTABLE = 'it holds a dot segment, an encoded "/" or "\\" inside a segment, a malformed or double percent-encoding, a control character, or more than 32 segments';

/** The body as a plain JSON object, or undefined (absent, array, scalar). */
export function bodyObject(body: unknown): Record<string, unknown> | undefined {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}

/**
 * `body.model` (or another field naming a model, e.g. a tuning job's `baseModel`): undefined when the
 * body or the field is absent (or null); a field of any other type than a non-empty string is refused
 * (MODEL_INVALID), not read as "no model".
 */
export function bodyModel(body: unknown, field = 'model'): string | undefined {
  const o = bodyObject(body);
  if (o === undefined) return undefined;
  const m = o[field];
  if (m === undefined || m === null) return undefined;
  if (typeof m === 'string' && m.length > 0) return m;
  throw new WardenError('INVALID_ARGUMENT', 'MODEL_INVALID', `the body's "${field}" is not a model name (a non-empty string)`);
}

/**
 * `body.stream`: true or false; absent or null is false. Any other value (`"true"`, `1`) is refused
 * (STREAM_INVALID), not read as false: lenient upstreams stream on such values, and policy, quotas
 * and stream usage must see the call as the upstream will run it.
 */
export function bodyStream(body: unknown): boolean {
  const o = bodyObject(body);
  if (o === undefined) return false;
  const s = o['stream'];
  if (s === true) return true;
  if (s === false || s === undefined || s === null) return false;
  throw new WardenError('INVALID_ARGUMENT', 'STREAM_INVALID', '"stream" must be true or false (or absent)');
}
