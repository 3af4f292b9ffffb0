// aiplatform.googleapis.com REST under /v1 and /v1beta1: authentication,
// path parsing and dispatch to the operation handlers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, readBody, sendRpcError } from './http.js';
import { JOB_KINDS, type JobKind } from './jobs.js';
import { selfSignedIdentity } from './self-signed.js';
import { VERTEX_REQUEST_LOG_SIZE, type EmulatorState, type VertexRequestRecord } from './state.js';
import { computeTokens, countTokens, generateContent, streamGenerateContent, type CallContext } from './vertex-content.js';
import { chatCompletions } from './vertex-openai.js';
import { partnerRawPredict } from './vertex-partner.js';
import { predict, rawPredict, streamRawPredict, unwrapRawBody, type PredictTarget } from './vertex-predict.js';

const DEFAULT_LOCATION = 'us-central1';

const MODEL_VERB = /^(?:projects\/([^/]+)\/locations\/([^/]+)\/)?publishers\/([^/]+)\/models\/([^/:]+):([A-Za-z]+)$/;
const ENDPOINT_VERB = /^(?:projects\/([^/]+)\/locations\/([^/]+)\/)?endpoints\/([^/:]+):([A-Za-z]+)$/;
const OPENAI_CHAT = /^projects\/([^/]+)\/locations\/([^/]+)\/endpoints\/([^/:]+)\/chat\/completions$/;
/** …/interactions[/{id}[/cancel | :poll | :stream | :cancel]] (the verbs on the bare name in Google's reference). */
const INTERACTIONS = /^(projects\/[^/]+\/locations\/[^/]+\/)?interactions(?:\/([^/:]+)(?:(\/cancel)|:(poll|stream|cancel))?)?$/;
/** The raw-body create (`interactionsHttp.create`); its get and cancel are the paths above. */
const INTERACTIONS_HTTP = /^projects\/[^/]+\/locations\/[^/]+\/interactionsHttp$/;
const CACHES = /^(projects\/[^/]+\/locations\/[^/]+)\/cachedContents(?:\/([^/:]+))?$/;
const JOBS = /^(projects\/[^/]+\/locations\/[^/]+)\/(customJobs|pipelineJobs|hyperparameterTuningJobs|batchPredictionJobs)(?:\/([^/:]+))?(?::([A-Za-z]+))?$/;

export function isVertexPath(path: string): boolean {
  return path === '/v1' || path === '/v1beta1' || path.startsWith('/v1/') || path.startsWith('/v1beta1/');
}

function record(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL, identity?: string): void {
  const entry: VertexRequestRecord = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.search.replace(/^\?/, ''),
    headers: { ...req.headers },
    status: 0,
    ...(identity ? { identity } : {}),
  };
  state.vertexRequests.push(entry);
  if (state.vertexRequests.length > VERTEX_REQUEST_LOG_SIZE) state.vertexRequests.shift();
  res.once('finish', () => (entry.status = res.statusCode));
  res.once('close', () => (entry.status ||= res.statusCode));
}

function decodedRest(path: string): string | undefined {
  const rest = path.replace(/^\/v1(beta1)?\/?/, '');
  try {
    return decodeURIComponent(rest);
  } catch {
    return undefined;
  }
}

/** The query asks for numeric enums; aiplatform sends `$alt=json;enum-encoding=int`, sometimes percent-encoded. */
function wantsEnumInt(url: URL): boolean {
  let q = url.search;
  try {
    q = decodeURIComponent(q);
  } catch {
    // keep raw
  }
  return /enum-encoding=int/.test(q);
}

function wantsSse(url: URL): boolean {
  return url.searchParams.get('alt') === 'sse' || url.searchParams.get('$alt') === 'sse';
}

function parseJson(res: ServerResponse, body: Buffer): Record<string, unknown> | undefined {
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    sendRpcError(res, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Expected an object.');
    return undefined;
  } catch (e) {
    sendRpcError(res, 'INVALID_ARGUMENT', `Invalid JSON payload received. ${(e as Error).message}`);
    return undefined;
  }
}

function notFound(res: ServerResponse, path: string): void {
  sendRpcError(res, 'NOT_FOUND', `The requested URL ${path} was not found on this server.`);
}

export async function handleVertex(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const bearer = bearerToken(req) ?? '';
  const identity = state.tokens.lookup(bearer)?.identity ?? (await selfSignedIdentity(state, bearer));
  if (!identity) {
    state.stats.rejectedCalls++;
    record(state, req, res, url);
    req.resume();
    sendRpcError(
      res,
      'UNAUTHENTICATED',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' },
    );
    return;
  }
  state.stats.vertexCalls++;
  record(state, req, res, url, identity);

  // A location told to fail answers as an overloaded (503) or out-of-quota (429) region does.
  const failing = state.control.failingLocations.get(/\/locations\/([^/]+)/.exec(url.pathname)?.[1] ?? '');
  if (failing !== undefined) {
    req.resume();
    sendRpcError(res, failing === 429 ? 'RESOURCE_EXHAUSTED' : 'UNAVAILABLE', failing === 429 ? 'Quota exceeded for this location.' : 'The service is currently unavailable in this location.');
    return;
  }

  const method = req.method ?? 'GET';
  const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  if (!hasBody) req.resume();
  const body = hasBody ? await readBody(req) : Buffer.alloc(0);
  const rest = decodedRest(url.pathname);
  if (rest === undefined) {
    notFound(res, url.pathname);
    return;
  }
  const enumInt = wantsEnumInt(url);

  let m = MODEL_VERB.exec(rest);
  const e = m ? null : ENDPOINT_VERB.exec(rest);
  if (m || e) {
    if (method !== 'POST') {
      notFound(res, url.pathname);
      return;
    }
    const target: PredictTarget = m
      ? { project: m[1] ?? state.projectId, location: m[2] ?? DEFAULT_LOCATION, publisher: m[3]!, model: m[4]! }
      : { project: e![1] ?? state.projectId, location: e![2] ?? DEFAULT_LOCATION, endpoint: e![3]! };
    const verb = m ? m[5]! : e![4]!;
    const ctx: CallContext = { model: target.model ?? target.endpoint!, enumInt, sse: wantsSse(url), armorConfigs: state.modelArmorConfigs };
    // A partner's model (Claude, Llama, Mistral) answers in its own API's shape; the httpBody wrapper gets the echo.
    const partner = target.publisher !== undefined && target.publisher !== 'google' && !unwrapRawBody(req, body).wrapped;
    if (partner && (verb === 'rawPredict' || verb === 'streamRawPredict')) {
      return partnerRawPredict(res, target.publisher!, target.model!, body, verb === 'streamRawPredict');
    }
    switch (verb) {
      case 'rawPredict':
        rawPredict(req, res, target, body);
        return;
      case 'streamRawPredict':
        await streamRawPredict(req, res, target, body);
        return;
    }
    const json = parseJson(res, body);
    if (!json) return;
    switch (verb) {
      case 'generateContent':
        return generateContent(res, ctx, json);
      case 'streamGenerateContent':
        return streamGenerateContent(res, ctx, json);
      case 'countTokens':
        return countTokens(res, ctx, json);
      case 'computeTokens':
        return computeTokens(res, ctx, json);
      case 'predict':
        return predict(res, target, json, false);
      case 'explain':
        return predict(res, target, json, true);
      default:
        notFound(res, url.pathname);
        return;
    }
  }

  // Plain OpenAI (`/v1/chat/completions`), for `provider: openai` routes.
  const plainOpenAI = rest === 'chat/completions';
  if (plainOpenAI || OPENAI_CHAT.test(rest)) {
    if (method !== 'POST') {
      notFound(res, url.pathname);
      return;
    }
    const json = parseJson(res, body);
    if (json) await chatCompletions(res, json, plainOpenAI ? 'openai' : 'vertex');
    return;
  }

  const ix = INTERACTIONS.exec(rest);
  if (ix) {
    const [, , id, cancelPath, verb] = ix;
    const cancel = cancelPath !== undefined || verb === 'cancel';
    if (!id && method === 'POST') {
      const json = parseJson(res, body);
      return json && state.resources.createInteraction(res, json);
    }
    if (id && verb === 'stream' && method === 'GET') {
      // getStream: the events, always streamed (resumed after last_event_id).
      const query = new URLSearchParams(url.searchParams);
      query.set('stream', 'true');
      return state.resources.getInteraction(res, id, query);
    }
    if (id && !cancel && method === 'GET') return state.resources.getInteraction(res, id, url.searchParams);
    if (id && !cancel && !verb && method === 'DELETE') return state.resources.deleteInteraction(res, id);
    if (id && cancel && method === 'POST') return state.resources.cancelInteraction(res, id);
    return notFound(res, url.pathname);
  }
  if (INTERACTIONS_HTTP.test(rest)) {
    if (method !== 'POST') return notFound(res, url.pathname);
    // A google.api.HttpBody: the interaction's JSON itself, or wrapped ({"httpBody": {contentType, data}}).
    // The answer is the HttpBody Vertex renders raw: the interaction, or its event stream.
    const raw = unwrapRawBody(req, body);
    if (!raw.contentType.includes('json')) return sendRpcError(res, 'INVALID_ARGUMENT', `Unsupported content type ${raw.contentType}; the interaction is JSON.`);
    const json = parseJson(res, raw.bytes);
    return json && state.resources.createInteraction(res, json);
  }
  const cc = CACHES.exec(rest);
  if (cc) {
    const parent = cc[1]!;
    const name = cc[2] && `${parent}/cachedContents/${cc[2]}`;
    if (!name && method === 'POST') {
      const json = parseJson(res, body);
      return json && state.resources.createCache(res, parent, json);
    }
    if (!name && method === 'GET') return state.resources.listCaches(res, parent);
    if (name && method === 'GET') return state.resources.getCache(res, name);
    if (name && method === 'PATCH') {
      const json = parseJson(res, body);
      return json && state.resources.updateCache(res, name, json);
    }
    if (name && method === 'DELETE') return state.resources.deleteCache(res, name);
    return notFound(res, url.pathname);
  }

  m = JOBS.exec(rest);
  if (m) {
    const parent = m[1]!;
    const kind = m[2] as JobKind;
    const id = m[3];
    const verb = m[4];
    if (!JOB_KINDS.includes(kind)) return notFound(res, url.pathname);
    if (!id && !verb && method === 'POST') {
      const json = parseJson(res, body);
      if (!json) return;
      const idParam = kind === 'pipelineJobs' ? url.searchParams.get('pipelineJobId') : null;
      return state.jobs.create(res, parent, kind, json, idParam, enumInt);
    }
    if (!id && !verb && method === 'GET') return state.jobs.list(res, parent, kind, enumInt);
    if (id && !verb && method === 'GET') return state.jobs.get(res, `${parent}/${kind}/${id}`, enumInt);
    if (id && !verb && method === 'DELETE') return state.jobs.delete(res, `${parent}/${kind}/${id}`);
    if (id && verb === 'cancel' && method === 'POST') return state.jobs.cancel(res, `${parent}/${kind}/${id}`);
    return notFound(res, url.pathname);
  }

  notFound(res, url.pathname);
}
