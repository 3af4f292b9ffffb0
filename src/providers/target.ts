// Building Target values: only the keys that are known are set, so Targets
// compare and serialize cleanly (no `key: undefined`).

import { WardenError } from '../errors.js';
import type { OperationClass, ProviderKind, Target } from '../types.js';

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
}

/**
 * `scope`, when given, supplies project, location and API version (a Vertex
 * path's prefix). Taken as a second argument rather than merged into `p` with
 * a spread: `{ ...p, more }` on every request kept other requests' objects
 * alive through V8's young-generation collections (Node 20), lengthening the
 * pauses (see docs/istio.md, Performance).
 */
export function makeTarget(provider: ProviderKind, p: TargetParts, scope: Pick<TargetParts, 'project' | 'location' | 'apiVersion'> = p): Target {
  checkName(p.model);
  checkName(p.endpoint);
  const stream = p.stream === true;
  const t: Target = { provider, operation: p.operation, operationClass: p.operationClass, stream };
  if (stream && p.streamFormat !== undefined) t.streamFormat = p.streamFormat;
  if (scope.project !== undefined) t.project = scope.project;
  if (scope.location !== undefined) t.location = scope.location;
  if (p.publisher !== undefined) t.publisher = p.publisher;
  if (p.model !== undefined) t.model = p.model;
  if (p.endpoint !== undefined) t.endpoint = p.endpoint;
  if (scope.apiVersion !== undefined) t.apiVersion = scope.apiVersion;
  return t;
}

function checkName(name: string | undefined): void {
  if (name !== undefined && name.length > MAX_MODEL_NAME) {
    throw new WardenError('INVALID_ARGUMENT', 'MODEL_INVALID', `the model name is ${name.length} characters long; at most ${MAX_MODEL_NAME}`);
  }
}

/** The body as a plain JSON object, or undefined (absent, array, scalar). */
export function bodyObject(body: unknown): Record<string, unknown> | undefined {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}

/** `body.model` (or another field naming a model, e.g. a tuning job's `baseModel`) when it is a non-empty string. */
export function bodyModel(body: unknown, field = 'model'): string | undefined {
  const o = bodyObject(body);
  if (o === undefined) return undefined;
  const m = o[field];
  return typeof m === 'string' && m.length > 0 ? m : undefined;
}

/** `body.stream === true`. */
export function bodyStream(body: unknown): boolean {
  const o = bodyObject(body);
  return o !== undefined && o['stream'] === true;
}
