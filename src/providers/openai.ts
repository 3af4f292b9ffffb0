// OpenAI-compatible endpoints: request path → Target.
//
//   [/{base…}]/v1/chat/completions | completions | embeddings | responses   inference
//   /v1/images/{generations|edits|variations}, /v1/audio/{speech|…}, /v1/moderations   inference
//   /v1/models, /v1/models/{m}                                               admin
//   anything else                                                            other

import type { Target } from '../types.js';
import { bodyModel, bodyStream, makeTarget, unclassifiable, UNSPLITTABLE } from './target.js';
import { splitPath } from './url.js';

/** POST routes (segments after `v1`, joined with `/`) → operation, and whether `body.stream` applies. */
const INFERENCE_ROUTES: ReadonlyMap<string, { operation: string; streams: boolean }> = new Map([
  ['chat/completions', { operation: 'chat.completions', streams: true }],
  ['completions', { operation: 'completions', streams: true }],
  ['responses', { operation: 'responses', streams: true }],
  ['embeddings', { operation: 'embeddings', streams: false }],
  ['moderations', { operation: 'moderations', streams: false }],
  ['images/generations', { operation: 'images.generations', streams: true }],
  ['images/edits', { operation: 'images.edits', streams: true }],
  ['images/variations', { operation: 'images.variations', streams: false }],
  ['audio/speech', { operation: 'audio.speech', streams: false }],
  ['audio/transcriptions', { operation: 'audio.transcriptions', streams: true }],
  ['audio/translations', { operation: 'audio.translations', streams: false }],
]);

/** How many leading segments may precede `v1` (a base path such as `/openai/v1`). */
const MAX_BASE_SEGMENTS = 3;

function unparsed(apiVersion?: string): Target {
  return makeTarget('openai', { operation: 'other', operationClass: 'other', apiVersion });
}

/** Inference calls name their model (and `stream`) in the body. */
export function openAIModelInBody(method: string, path: string): boolean {
  return method === 'POST' && classifyOpenAI(method, path, '', undefined).operationClass === 'inference';
}

export function classifyOpenAI(method: string, path: string, _query: string, body: unknown): Target {
  const segs = splitPath(path);
  if (segs === undefined) throw unclassifiable(UNSPLITTABLE);
  let v = 0;
  while (v < segs.length && v <= MAX_BASE_SEGMENTS && segs[v] !== 'v1') v++;
  if (v >= segs.length || v > MAX_BASE_SEGMENTS) return unknownShape(segs, 0, unparsed());
  const apiVersion = 'v1';
  const a = v + 1; // first segment after v1
  const rem = segs.length - a;
  if (rem === 0) return unparsed(apiVersion);

  if (segs[a] === 'models') {
    const read = method === 'GET' || method === 'HEAD';
    if (!read) return unparsed(apiVersion);
    if (rem === 1) return makeTarget('openai', { operation: 'models.list', operationClass: 'admin', apiVersion });
    // Model ids may contain `/` (`meta-llama/Llama-3.1-8B`): the rest of the path is the id.
    const model = rem === 2 ? segs[a + 1] : segs.slice(a + 1).join('/');
    return makeTarget('openai', { operation: 'models.get', operationClass: 'admin', model, apiVersion });
  }

  if (rem > 2 || method !== 'POST') return unknownShape(segs, a, unparsed(apiVersion));
  const key = rem === 1 ? segs[a]! : `${segs[a]!}/${segs[a + 1]!}`;
  const route = INFERENCE_ROUTES.get(key);
  if (route === undefined) return unknownShape(segs, a, unparsed(apiVersion));
  const stream = route.streams && bodyStream(body);
  return makeTarget('openai', {
    operation: route.operation,
    operationClass: 'inference',
    stream,
    streamFormat: 'sse',
    model: bodyModel(body),
    apiVersion,
  });
}

/**
 * `target` for a path of no shape Warden knows, unless it spells a model call in another case
 * (`/V1/chat/completions`, `/v1/Chat/Completions`, `/v1/MODELS/x`): an upstream that routes without
 * regard to case would run it, with a model policy never saw. Such a path is refused (MODEL_INVALID).
 * Exact spellings with another method or more segments (`GET /v1/chat/completions`, stored
 * completions) stay `other`.
 */
function unknownShape(segs: readonly string[], from: number, target: Target): Target {
  let v = from;
  if (from === 0) {
    while (v < segs.length && v <= MAX_BASE_SEGMENTS && segs[v]!.toLowerCase() !== 'v1') v++;
    if (v >= segs.length || v > MAX_BASE_SEGMENTS) return target;
    v++;
  }
  if (v >= segs.length) return target;
  const exact = v + 1 < segs.length ? `${segs[v]!}/${segs[v + 1]!}` : segs[v]!;
  const lower = exact.toLowerCase();
  const first = lower.split('/', 1)[0]!;
  if (from === 0 || exact !== lower) {
    if (first === 'models' || INFERENCE_ROUTES.has(lower) || INFERENCE_ROUTES.has(first)) {
      throw unclassifiable(`"${segs.slice(Math.max(0, v - 1), v + 2).join('/').slice(0, 80)}" spells a model call in a case or place Warden does not read`);
    }
  }
  return target;
}
