// Generic HTTP upstreams: nothing is known about the route, so every request
// is `other`; the model is taken from a JSON body's `model` when present.

import type { Target } from '../types.js';
import { bodyObject, isModelId, makeTarget } from './target.js';

/** Any JSON body's `model` is taken, whatever the method and path. */
export function httpModelInBody(): boolean {
  return true;
}

/**
 * A `model` that is not a model id (not a string, or characters outside the alphabet) is left out:
 * on a generic upstream it may mean something else. Admission counts such a body's model as not
 * established, which refuses the request where a policy or quota depends on it.
 */
export function classifyHttp(_method: string, _path: string, _query: string, body: unknown): Target {
  const m = bodyObject(body)?.['model'];
  return makeTarget('http', { operation: 'other', operationClass: 'other', model: typeof m === 'string' && isModelId(m, 'http') ? m : undefined });
}
