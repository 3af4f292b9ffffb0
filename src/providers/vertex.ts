// Vertex AI: request path → Target.
//
//   /{version}/[projects/{p}/[locations/{l}/]]<rest>
//
//   rest = publishers/{pub}/models/{m}:{verb}      model call
//        | models/{m}:{verb}                        model call, no publisher
//        | endpoints/{e}:{verb}                     endpoint call (model undefined)
//        | endpoints/{e}/chat/completions           OpenAI-compatible (e = openapi or an id)
//        | endpoints/{e}/completions | embeddings
//        | {customJobs|pipelineJobs|…}[/{id}[:cancel]]   training
//        | batchPredictionJobs                      a batch job: the model is in the body
//        | interactions[/{id}[/cancel]] | interactionsHttp   the Interactions API: the model is in the body
//        | cachedContents[/{id}]                    context caches
//        | anything else                            admin (GET) or other

import { bufferedBody, isJsonType } from '../admission/body.js';
import type { Target } from '../types.js';
import { bodyModel, bodyObject, bodyStream, countInputs, makeTarget, unclassifiable, UNSPLITTABLE, type TargetParts } from './target.js';
import { queryWantsSse, splitPath } from './url.js';

/** How an inference verb streams: not at all, always SSE, or as the query says (SSE or JSON array). */
type Streaming = 0 | 1 | 2;
const NONE = 0;
const SSE = 1;
const BY_QUERY = 2;

const INFERENCE_VERBS: ReadonlyMap<string, Streaming> = new Map<string, Streaming>([
  ['predict', NONE],
  ['rawPredict', NONE],
  ['directPredict', NONE],
  ['directRawPredict', NONE],
  ['explain', NONE],
  ['generateContent', NONE],
  ['countTokens', NONE],
  ['computeTokens', NONE],
  ['embedContent', NONE],
  ['batchEmbedContents', NONE],
  ['predictLongRunning', NONE],
  ['fetchPredictOperation', NONE],
  ['streamGenerateContent', BY_QUERY],
  ['serverStreamingPredict', BY_QUERY],
  ['streamingPredict', BY_QUERY],
  ['streamRawPredict', SSE],
]);

/**
 * The paths of the calls safe to repeat (inference that creates nothing, as failover sees it:
 * INFERENCE_VERBS and the OpenAI-compatible endpoint) as one RE2 pattern a whole path (without its
 * query) must match, for Envoy's retry policy: `warden istio render` lets the mesh retry these
 * calls only. A spelling it does not match (an escaped `:`) is not retried: the safe side.
 */
export const VERTEX_REPEATABLE_PATHS = `.*:(${[...INFERENCE_VERBS.keys()].join('|')})|.*/endpoints/[^/:]+/(chat/completions|completions|embeddings)`;

/** Calls billed by input: where the body lists them (Target.instances), and what names a single one. */
const INSTANCE_VERBS: ReadonlyMap<string, readonly [string, 'string' | 'object' | 'none']> = new Map([
  ['predict', ['instances', 'none']],
  ['explain', ['instances', 'none']],
  ['countTokens', ['instances', 'none']],
  ['computeTokens', ['instances', 'none']],
  ['embedContent', ['content', 'object']],
  ['batchEmbedContents', ['requests', 'none']],
] as const);

const TOKEN_VERBS: ReadonlySet<string> = new Set(['countTokens', 'computeTokens']);

/** Whether a call to `path` carries an instance count in its body (INSTANCE_VERBS, or an OpenAI-style `embeddings` call). */
export function vertexInstancesInBody(method: string, path: string): boolean {
  if (method !== 'POST') return false;
  if (path.endsWith('/embeddings')) return true;
  const colon = path.lastIndexOf(':');
  return colon > path.lastIndexOf('/') && INSTANCE_VERBS.has(path.slice(colon + 1));
}

/**
 * The Interactions API (`…/interactions[/{id}[/cancel]]`): create (streamed when the body says so;
 * `previous_interaction_id` continues one, which is using it), get (`?stream=true` resumes its
 * stream), cancel, delete. The model (or agent) is named in the body. `raw`: the `…/interactionsHttp`
 * collection, whose one method is create with a google.api.HttpBody (interactionHttpBody); Google's
 * reference lists the raw-body get and cancel (`interactionsHttp.get`, `.cancel`) on the
 * `…/interactions/{id}[/cancel]` paths, which are classified here either way.
 */
function interactions(method: string, segs: string[], i: number, rem: number, verb: string | undefined, scope: Scope, body: unknown, raw: boolean): Target {
  // Another form (a custom verb, another method or sub-path) would create or reach an interaction unseen: refused.
  const unknownForm = () => unclassifiable('a form of the Interactions API Warden does not classify (it would run a model, or reach an interaction, unseen by policy and ownership)');
  if (verb !== undefined) return interactionVerb(method, segs[i + 1], rem, verb, scope, raw, unknownForm);
  if (rem === 1 && method === 'POST') {
    const request = raw ? interactionHttpBody(body) : body;
    const o = bodyObject(request);
    const previous = o?.['previous_interaction_id'];
    if (previous !== undefined && (typeof previous !== 'string' || !RESOURCE_ID.test(previous))) throw unclassifiable('previous_interaction_id is not an interaction id');
    const agent = typeof o?.['agent'] === 'string' ? (o['agent'] as string) : undefined;
    const stream = bodyStream(request);
    return vertexTarget(scope, {
      operation: 'interactions.create', operationClass: 'inference', stream, streamFormat: 'sse', creates: 'interactions',
      ...modelName(bodyModel(request) ?? agent),
      resource: previous === undefined ? undefined : `interactions/${previous}`,
    });
  }
  const id = segs[i + 1];
  if (raw || id === undefined || !RESOURCE_ID.test(id)) throw unknownForm();
  const resource = `interactions/${id}`;
  if (rem === 2 && isRead(method)) return vertexTarget(scope, { operation: 'interactions.get', operationClass: 'admin', resource });
  if (rem === 2 && method === 'DELETE') return vertexTarget(scope, { operation: 'interactions.delete', operationClass: 'other', resource });
  if (rem === 3 && segs[i + 2] === 'cancel' && method === 'POST') return vertexTarget(scope, { operation: 'interactions.cancel', operationClass: 'other', resource });
  throw unknownForm();
}

/**
 * The custom methods on an interaction's name (`interactions/{id}:poll`, `:stream`, `:cancel`; in
 * Google's reference on the bare name, without project or location): a get (polled, or its
 * stream) or a cancel, as their paths without a verb are.
 */
function interactionVerb(method: string, id: string | undefined, rem: number, verb: string, scope: Scope, raw: boolean, unknownForm: () => Error): Target {
  if (raw || rem !== 2 || id === undefined || !RESOURCE_ID.test(id)) throw unknownForm();
  const resource = `interactions/${id}`;
  if ((verb === 'poll' || verb === 'stream') && isRead(method)) return vertexTarget(scope, { operation: 'interactions.get', operationClass: 'admin', resource });
  if (verb === 'cancel' && method === 'POST') return vertexTarget(scope, { operation: 'interactions.cancel', operationClass: 'other', resource });
  throw unknownForm();
}

/** Standard or URL-safe base64, as protobuf's JSON mapping reads `bytes`. */
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * The interaction an `interactionsHttp` create asks for. Its body is a google.api.HttpBody: sent
 * raw (the interaction's own JSON, read as any body) or in the request message's JSON
 * form, `{"httpBody": {"contentType": "application/json", "data": base64}}`, whose data is read as
 * a request body is (JSON, no member named twice). A wrapper with anything beside it, a data that
 * is not base64 JSON, or a JSON inside that is itself a wrapper is refused: the upstream could run
 * a request Warden did not read.
 */
function interactionHttpBody(body: unknown): unknown {
  const o = bodyObject(body);
  if (o === undefined || (!('httpBody' in o) && !('http_body' in o))) return body;
  const bad = (why: string) => unclassifiable(`the interactionsHttp body ${why}`);
  const keys = Object.keys(o);
  const hb = bodyObject(o[keys[0]!]);
  if (keys.length !== 1 || hb === undefined) throw bad('must be {"httpBody": {"contentType", "data"}} with nothing beside it');
  const fields = Object.keys(hb);
  if (fields.some((k) => k !== 'contentType' && k !== 'content_type' && k !== 'data')) throw bad('has httpBody fields other than contentType and data');
  if (fields.some((k) => k !== 'data' && (typeof hb[k] !== 'string' || !isJsonType(hb[k] as string)))) throw bad('has a contentType other than JSON');
  const data = hb['data'];
  if (typeof data !== 'string' || !BASE64.test(data)) throw bad('has a data that is not base64');
  const inner = bufferedBody(Buffer.from(data, 'base64'), 'application/json');
  const request = bodyObject(inner.json);
  if (inner.jsonError !== undefined || request === undefined) throw bad(`has a data that is not a JSON object${inner.jsonError ? ` (${inner.jsonError})` : ''}`);
  if ('httpBody' in request || 'http_body' in request) throw bad('wraps another httpBody');
  return request;
}

/** An id of a resource Warden tracks: what Vertex issues (letters, digits, `-`, `_`), bounded. */
const RESOURCE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Context caches and batch prediction jobs: create (the model is in the body), list, get, update
 * (caches: PATCH), cancel (jobs), delete. Each item is `{kind}/{id}` to ownership.
 */
function ownedCollection(kind: 'cachedContents' | 'batchPredictionJobs', method: string, segs: string[], i: number, rem: number, verb: string | undefined, scope: Scope, body: unknown): Target {
  const operationClass = kind === 'batchPredictionJobs' ? 'inference' : 'other';
  if (rem === 1 && verb === undefined) {
    // A batch job runs the model its body names; a cache holds content for one.
    if (method === 'POST') {
      return vertexTarget(scope, { operation: `${kind}.create`, operationClass, creates: kind, ...modelName(bodyModel(body)), ...(kind === 'batchPredictionJobs' ? batchUris(body) : {}) });
    }
    if (isRead(method)) return vertexTarget(scope, { operation: `${kind}.list`, operationClass: 'admin', lists: kind });
    return other(scope);
  }
  const id = segs[i + 1];
  if (rem !== 2 || id === undefined || !RESOURCE_ID.test(id)) return unknownShape(segs, i, verb, other(scope));
  const resource = `${kind}/${id}`;
  let operation = 'other';
  if (verb === undefined && isRead(method)) operation = `${kind}.get`;
  else if (verb === undefined && method === 'DELETE') operation = `${kind}.delete`;
  else if (verb === undefined && method === 'PATCH' && kind === 'cachedContents') operation = `${kind}.update`;
  else if (verb === 'cancel' && method === 'POST' && kind === 'batchPredictionJobs') operation = `${kind}.cancel`;
  return vertexTarget(scope, { operation, operationClass: operation.endsWith('.get') ? 'admin' : 'other', resource });
}

/**
 * Where a batch job reads and writes (`inputConfig.gcsSource.uris`, `inputConfig.bigquerySource.inputUri`,
 * `outputConfig.gcsDestination.outputUriPrefix`, `outputConfig.bigqueryDestination.outputUri`), for
 * policy; a value that is not a string (list) is refused: the upstream would read one policy never saw.
 */
function batchUris(body: unknown): { batchInputs?: string[]; batchOutput?: string } {
  const o = bodyObject(body);
  const input = bodyObject(o?.['inputConfig']);
  const output = bodyObject(o?.['outputConfig']);
  const str = (v: unknown, what: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length > 2048) throw unclassifiable(`${what} is not a URI`);
    return v;
  };
  const gcs = bodyObject(input?.['gcsSource'])?.['uris'];
  if (gcs !== undefined && (!Array.isArray(gcs) || gcs.length > 100)) throw unclassifiable('inputConfig.gcsSource.uris is not a list of URIs');
  const inputs = [...((gcs as unknown[] | undefined) ?? []).map((u) => str(u, 'inputConfig.gcsSource.uris')!), str(bodyObject(input?.['bigquerySource'])?.['inputUri'], 'inputConfig.bigquerySource.inputUri')]
    .filter((u): u is string => u !== undefined);
  const out = str(bodyObject(output?.['gcsDestination'])?.['outputUriPrefix'], 'outputConfig.gcsDestination.outputUriPrefix')
    ?? str(bodyObject(output?.['bigqueryDestination'])?.['outputUri'], 'outputConfig.bigqueryDestination.outputUri');
  return { ...(inputs.length ? { batchInputs: inputs } : {}), ...(out !== undefined ? { batchOutput: out } : {}) };
}

/** The context cache a generation reads (`cachedContent`: a resource name or a bare id), as an owned resource; refused when it is not a cache's name. */
function cachedContentOf(body: unknown): string | undefined {
  const v = bodyObject(body)?.['cachedContent'] ?? bodyObject(body)?.['cached_content'];
  if (v === undefined || v === null) return undefined;
  const id = typeof v === 'string' ? v.split('/').at(-1) : undefined;
  if (typeof v !== 'string' || id === undefined || !RESOURCE_ID.test(id) || !/^(?:projects\/[^/]+\/locations\/[^/]+\/)?cachedContents\/[^/]+$/.test(v)) {
    throw unclassifiable('cachedContent is not a context cache\'s name (projects/P/locations/L/cachedContents/ID)');
  }
  return `cachedContents/${id}`;
}

/** Collections whose items are training (or tuning) jobs. */
const TRAINING_COLLECTIONS: ReadonlySet<string> = new Set([
  'customJobs',
  'pipelineJobs',
  'hyperparameterTuningJobs',
  'trainingPipelines',
  'tuningJobs',
]);

/** How many leading segments may precede the API version (a route's prefix such as `/team-a`). */
const MAX_BASE_SEGMENTS = 3;

function isApiVersion(s: string): boolean {
  // v1, v1beta1, v1alpha, v2 …
  if (s.length < 2 || s.charCodeAt(0) !== 118 /* v */) return false;
  const d = s.charCodeAt(1);
  return d >= 48 && d <= 57;
}

function isRead(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}


interface Scope {
  apiVersion: string;
  project: string | undefined;
  location: string | undefined;
}

export function classifyVertex(method: string, path: string, query: string, body: unknown): Target {
  const segs = splitPath(path);
  if (segs === undefined) throw unclassifiable(UNSPLITTABLE);
  // A route mounted under a prefix (`/team-a/v1/…`): the API version may follow a few base segments.
  let v = 0;
  while (v < segs.length && v <= MAX_BASE_SEGMENTS && !isApiVersion(segs[v]!)) v++;
  if (v > MAX_BASE_SEGMENTS || segs.length - v < 2) return unknownShape(segs, 0, undefined, unparsed());
  const apiVersion = segs[v]!;

  // A custom method (`:verb`) is the suffix of the last segment.
  const n = segs.length;
  const last = segs[n - 1]!;
  const colon = last.lastIndexOf(':');
  let verb: string | undefined;
  if (colon !== -1) {
    verb = last.slice(colon + 1);
    if (verb.length === 0 || colon === 0) return unknownShape(segs, 0, verb, unparsed());
    segs[n - 1] = last.slice(0, colon);
  }

  let i = v + 1;
  let project: string | undefined;
  let location: string | undefined;
  if (segs[i] === 'projects' && i + 1 < n) {
    project = segs[i + 1];
    i += 2;
    if (segs[i] === 'locations' && i + 1 < n) {
      location = segs[i + 1];
      i += 2;
    }
  }
  const scope: Scope = { apiVersion, project, location };
  const rem = n - i;
  if (rem === 0) return verb === undefined ? admin(method, scope) : unknownShape(segs, i, verb, other(scope));
  const r0 = segs[i]!;

  // The segment after `models` (and `endpoints`) is the model (endpoint) whatever follows it: a
  // call of a shape Warden does not know still carries its model to policy.
  if (r0 === 'publishers') {
    const publisher = segs[i + 1];
    if (rem >= 4 && segs[i + 2] === 'models') {
      const model = segs[i + 3]!;
      if (rem > 4) return verb === undefined ? admin(method, scope, publisher, model) : other(scope, publisher, model);
      if (verb !== undefined) return modelCall(method, query, verb, scope, publisher, model, undefined, body);
      return admin(method, scope, publisher, model);
    }
    if (verb === undefined && rem <= 3 && (rem < 3 || segs[i + 2] === 'models')) {
      return admin(method, scope, publisher);
    }
    return unknownShape(segs, i, verb, other(scope));
  }

  if (r0 === 'models') {
    if (rem >= 2) {
      const model = segs[i + 1]!;
      if (rem > 2) return verb === undefined ? admin(method, scope, undefined, model) : other(scope, undefined, model);
      if (verb !== undefined) return modelCall(method, query, verb, scope, undefined, model, undefined, body);
      return admin(method, scope, undefined, model);
    }
    // The collection: list (GET), upload (`models:upload`); an inference verb here names no model.
    return verb === undefined ? admin(method, scope) : unknownShape([], 0, verb, other(scope));
  }

  if (r0 === 'endpoints') {
    if (rem === 2 && verb !== undefined) {
      return modelCall(method, query, verb, scope, undefined, undefined, segs[i + 1], body);
    }
    if (rem >= 3 && verb === undefined) {
      const endpoint = segs[i + 1]!;
      const a = segs[i + 2];
      let op: string | undefined;
      if (rem === 4 && a === 'chat' && segs[i + 3] === 'completions') op = 'chat.completions';
      else if (rem === 3 && a === 'completions') op = 'completions';
      else if (rem === 3 && a === 'embeddings') op = 'embeddings';
      if (op !== undefined) {
        return method === 'POST' ? openAiCompatible(op, scope, endpoint, body) : other(scope, undefined, undefined, endpoint);
      }
    }
    const endpoint = rem >= 2 ? segs[i + 1] : undefined;
    if (verb === undefined) return admin(method, scope, undefined, undefined, endpoint);
    return endpoint === undefined ? unknownShape([], 0, verb, other(scope)) : other(scope, undefined, undefined, endpoint);
  }

  if (TRAINING_COLLECTIONS.has(r0)) return training(method, verb, rem, scope, r0 === 'tuningJobs' ? body : undefined);

  if (r0 === 'interactions' || r0 === 'interactionsHttp') return interactions(method, segs, i, rem, verb, scope, body, r0 === 'interactionsHttp');
  if (r0 === 'cachedContents' || r0 === 'batchPredictionJobs') return ownedCollection(r0, method, segs, i, rem, verb, scope, body);

  return unknownShape(segs, i, verb, verb === undefined ? admin(method, scope) : other(scope));
}

/** Collection names that place a model (or endpoint) in a path, as a case-insensitive spelling may too. */
const MODEL_COLLECTIONS: ReadonlySet<string> = new Set(['models', 'publishers', 'endpoints']);
/** Inference verbs in lower case: `GenerateContent` is refused, not read as an unknown verb without a model. */
const INFERENCE_VERBS_LOWER: ReadonlySet<string> = new Set([...INFERENCE_VERBS.keys()].map((v) => v.toLowerCase()));

/**
 * `target` for a path of no shape Warden knows, unless it looks like a model call: a segment from
 * `from` on spelling a model collection in any case (`models`, `Publishers`, `ENDPOINTS`), or an
 * inference verb in any case. Such a path names a model Warden cannot read, which a lenient upstream
 * may still serve: it is refused (MODEL_INVALID), never `other` without a model.
 */
function unknownShape(segs: readonly string[], from: number, verb: string | undefined, target: Target): Target {
  if (verb !== undefined && INFERENCE_VERBS_LOWER.has(verb.toLowerCase())) {
    throw unclassifiable(`":${verb.slice(0, 64)}" is a model call, and the path names no model Warden can read`);
  }
  for (let k = from; k < segs.length; k++) {
    const seg = segs[k]!;
    if (seg.length <= 10 && MODEL_COLLECTIONS.has(seg.toLowerCase())) {
      throw unclassifiable(`it has a "${seg}" segment but not the shape of a model call Warden knows`);
    }
  }
  return target;
}

/**
 * OpenAI-compatible calls (`endpoints/{e}/chat/completions`, …) name their model (and `stream`) in
 * the body; so does a tuning job's creation (`tuningJobs`, its `baseModel`).
 */
export function vertexModelInBody(method: string, path: string): boolean {
  // Asked of every request before its body is read: a generateContent call must not pay for a
  // second classify. Without `/endpoints/` or `/tuningJobs` (or an escape that could spell them) it cannot be one.
  if (method !== 'POST' || (!path.includes('/endpoints/') && !path.includes('Jobs') && !path.includes('/cachedContents') && !path.includes('/interactions') && !path.includes('%'))) return false;
  let target: Target;
  try {
    target = classifyVertex(method, path, '', undefined);
  } catch {
    return false; // a model name too long (MODEL_INVALID): classify refuses the request itself
  }
  if (target.operation === 'training.create') return splitPath(path)?.at(-1) === 'tuningJobs';
  return OPENAI_COMPATIBLE.has(target.operation) || target.operation === 'batchPredictionJobs.create' || target.operation === 'cachedContents.create' || target.operation === 'interactions.create';
}

const OPENAI_COMPATIBLE: ReadonlySet<string> = new Set(['chat.completions', 'completions', 'embeddings']);

function modelCall(
  method: string,
  query: string,
  verb: string,
  scope: Scope,
  publisher: string | undefined,
  model: string | undefined,
  endpoint: string | undefined,
  body: unknown,
): Target {
  const streaming = INFERENCE_VERBS.get(verb);
  if (streaming === undefined || method !== 'POST') return other(scope, publisher, model, endpoint);
  const stream = streaming !== NONE;
  const counted = INSTANCE_VERBS.get(verb);
  return vertexTarget(scope, {
    // A token count of `contents` (not the older `instances` form) counts one input.
    instances: counted && (countInputs(body, counted[0], counted[1]) ?? (TOKEN_VERBS.has(verb) ? countInputs(body, 'contents', 'object') && 1 : undefined)),
    operation: verb,
    operationClass: 'inference',
    stream,
    streamFormat: !stream
      ? undefined
      : streaming === SSE || queryWantsSse(query)
        ? 'sse'
        : 'json-array',
    publisher,
    model,
    endpoint,
    resource: CACHE_VERBS.has(verb) ? cachedContentOf(body) : undefined,
  });
}

/** Calls that may read a context cache (`cachedContent` in the body). */
const CACHE_VERBS: ReadonlySet<string> = new Set(['generateContent', 'streamGenerateContent']);

/** Whether a call to `path` may name a context cache in its body (a generation). */
export function vertexResourceInBody(method: string, path: string): boolean {
  if (method !== 'POST') return false;
  const colon = path.lastIndexOf(':');
  return colon > path.lastIndexOf('/') && CACHE_VERBS.has(path.slice(colon + 1));
}

/** `…/endpoints/{e}/chat/completions`: model `publisher/model` in the body. */
function openAiCompatible(operation: string, scope: Scope, endpoint: string, body: unknown): Target {
  const { publisher, model } = modelName(bodyModel(body));
  const stream = operation !== 'embeddings' && bodyStream(body);
  return vertexTarget(scope, {
    instances: operation === 'embeddings' ? countInputs(body, 'input', 'string') : undefined,
    operation,
    operationClass: 'inference',
    stream,
    streamFormat: 'sse',
    publisher,
    model,
    endpoint,
  });
}

/** A model named in a body: `model`, `publisher/model`, or a resource name ending in `publishers/{pub}/models/{m}`. */
function modelName(full: string | undefined): { publisher?: string; model?: string } {
  let publisher: string | undefined;
  let model = full;
  if (full !== undefined) {
    const slash = full.indexOf('/');
    if (slash > 0 && slash < full.length - 1) {
      if (full.indexOf('/', slash + 1) === -1) {
        publisher = full.slice(0, slash);
        model = full.slice(slash + 1);
      } else {
        // A resource name: …publishers/{pub}/models/{m}, or …/models/{m} (a model of the project's own)
        const parts = full.split('/');
        const p = parts.lastIndexOf('publishers');
        if (p !== -1 && p + 4 === parts.length && parts[p + 2] === 'models') {
          publisher = parts[p + 1];
          model = parts[p + 3];
        } else if (parts.length >= 2 && parts[parts.length - 2] === 'models') {
          model = parts[parts.length - 1];
        }
      }
    }
  }
  return { publisher, model };
}

/** `body`: a tuningJobs request's, whose creation names the tuned model (`baseModel`). */
function training(method: string, verb: string | undefined, rem: number, scope: Scope, body?: unknown): Target {
  let operation = 'other';
  if (rem === 1 && verb === undefined) {
    if (method === 'POST') operation = 'training.create';
    else if (isRead(method)) operation = 'training.list';
  } else if (rem === 2) {
    if (verb === undefined) {
      if (isRead(method)) operation = 'training.get';
      else if (method === 'DELETE') operation = 'training.delete';
    } else if (verb === 'cancel' && method === 'POST') {
      operation = 'training.cancel';
    }
  }
  const named = operation === 'training.create' ? modelName(bodyModel(body, 'baseModel')) : {};
  return vertexTarget(scope, { operation, operationClass: 'training', ...named });
}

/** Reads of resources (models, endpoints, operations, datasets, …) are `admin`; writes are `other`. */
function admin(
  method: string,
  scope: Scope,
  publisher?: string,
  model?: string,
  endpoint?: string,
): Target {
  if (!isRead(method)) return other(scope, publisher, model, endpoint);
  return vertexTarget(scope, {
    operation: 'other',
    operationClass: 'admin',
    publisher,
    model,
    endpoint,
  });
}

function unparsed(): Target {
  return makeTarget('vertex', { operation: 'other', operationClass: 'other' });
}

function other(scope: Scope, publisher?: string, model?: string, endpoint?: string): Target {
  return vertexTarget(scope, {
    operation: 'other',
    operationClass: 'other',
    publisher,
    model,
    endpoint,
  });
}

/** A Vertex target in `scope` (project, location, API version). */
function vertexTarget(scope: Scope, p: Omit<TargetParts, 'project' | 'location' | 'apiVersion'>): Target {
  return makeTarget('vertex', p, scope);
}
