// OpenAI-compatible endpoints: request path → Target.
//
//   [/{base…}]/v1/chat/completions | completions | embeddings | responses   inference
//   /v1/images/{generations|edits|variations}, /v1/audio/{speech|…}, /v1/moderations   inference
//   /v1/batches, fine_tuning/jobs, assistants, threads[/{id}]/runs, realtime/…   the model is in the body
//   /v1/models, /v1/models/{m}                                               admin
//   anything else                                                            other

import type { Target } from '../types.js';
import { bodyModel, bodyObject, bodyStream, countInputs, makeTarget, unclassifiable, UNSPLITTABLE } from './target.js';
import { splitPath } from './url.js';

interface BodyRoute {
  operation: string;
  /** Whether `body.stream` applies. */
  streams: boolean;
  operationClass?: Target['operationClass'];
  /** Where the body names the model, when not `model`: a member of an object member (`session.model`). */
  nested?: string;
}

/** POST routes (segments after `v1`, joined with `/`, `{id}` for an id) → operation. Each names its model in the body. */
const BODY_ROUTES: ReadonlyMap<string, BodyRoute> = new Map<string, BodyRoute>([
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
  // Calls that run (or set up) a model named in the body, or in a file Warden does not read (batches:
  // no model in the body, so a policy on the model refuses them, facts.ts).
  ['batches', { operation: 'batches.create', streams: false }],
  ['fine_tuning/jobs', { operation: 'fine_tuning.jobs.create', streams: false, operationClass: 'training' }],
  ['assistants', { operation: 'assistants.create', streams: false, operationClass: 'other' }],
  ['threads/runs', { operation: 'threads.runs.create', streams: true }],
  ['threads/{id}/runs', { operation: 'threads.runs.create', streams: true }],
  ['realtime/sessions', { operation: 'realtime.sessions.create', streams: false }],
  ['realtime/transcription_sessions', { operation: 'realtime.transcription_sessions.create', streams: false }],
  ['realtime/client_secrets', { operation: 'realtime.client_secrets.create', streams: false, nested: 'session' }],
]);
/** The keys of BODY_ROUTES as a case-insensitive spelling would give them. */
const INFERENCE_ROUTES: ReadonlySet<string> = new Set([...BODY_ROUTES.keys()].filter((k) => !k.includes('{')));

/** How many leading segments may precede `v1` (a base path such as `/openai/v1`). */
const MAX_BASE_SEGMENTS = 3;

function unparsed(apiVersion?: string): Target {
  return makeTarget('openai', { operation: 'other', operationClass: 'other', apiVersion });
}

const BODY_OPERATIONS: ReadonlySet<string> = new Set([...BODY_ROUTES.values()].map((r) => r.operation));

/** Inference calls (and the others in BODY_ROUTES) name their model (and `stream`) in the body. */
export function openAIModelInBody(method: string, path: string): boolean {
  if (method !== 'POST') return false;
  try {
    return BODY_OPERATIONS.has(classifyOpenAI(method, path, '', undefined).operation);
  } catch {
    return false; // a path classify refuses (MODEL_INVALID): it refuses the request itself
  }
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

  if (method !== 'POST') return unknownShape(segs, a, unparsed(apiVersion));
  const key =
    rem === 1 ? segs[a]!
    : rem === 2 ? `${segs[a]!}/${segs[a + 1]!}`
    : rem === 3 && segs[a] === 'threads' && segs[a + 2] === 'runs' ? 'threads/{id}/runs'
    : undefined;
  const route = key === undefined ? undefined : BODY_ROUTES.get(key);
  if (route === undefined) return unknownShape(segs, a, unparsed(apiVersion));
  const stream = route.streams && bodyStream(body);
  return makeTarget('openai', {
    operation: route.operation,
    operationClass: route.operationClass ?? 'inference',
    stream,
    streamFormat: 'sse',
    model: bodyModel(route.nested === undefined ? body : bodyObject(body)?.[route.nested]),
    apiVersion,
    instances: route.operation === 'embeddings' ? countInputs(body, 'input', 'string') : undefined,
  });
}

/** Whether a call to `path` carries an instance count in its body: an `embeddings` call. */
export function openAIInstancesInBody(method: string, path: string): boolean {
  return method === 'POST' && path.endsWith('/embeddings');
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
