// Generic HTTP upstreams: nothing is known about the route, so every request
// is `other`; the model is taken from a JSON body's `model` when present.

import type { Target } from '../types.js';
import { bodyModel, makeTarget } from './target.js';

/** Any JSON body's `model` is taken, whatever the method and path. */
export function httpModelInBody(): boolean {
  return true;
}

export function classifyHttp(_method: string, _path: string, _query: string, body: unknown): Target {
  return makeTarget('http', { operation: 'other', operationClass: 'other', model: bodyModel(body) });
}
