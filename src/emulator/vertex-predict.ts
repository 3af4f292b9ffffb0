// Prediction-service operations on endpoints and publisher models:
// predict, explain, rawPredict, streamRawPredict.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { sendJson, sendRpcError } from './http.js';
import { jsonArrayPieces, splitText, writePieces } from './streaming.js';
import { tokenCount } from './vertex-content.js';

export interface PredictTarget {
  project: string;
  location: string;
  publisher?: string;
  model?: string;
  endpoint?: string;
}

function displayName(t: PredictTarget): string {
  return t.model ?? t.endpoint ?? 'unknown';
}

function modelResource(t: PredictTarget): string {
  const base = `projects/${t.project}/locations/${t.location}`;
  return t.model ? `${base}/publishers/${t.publisher ?? 'google'}/models/${t.model}` : `${base}/models/${t.endpoint}-model`;
}

function deployedModelId(t: PredictTarget): string {
  const digest = createHash('sha256').update(displayName(t)).digest();
  return String(digest.readUInt32BE(0) * 1000 + (digest[4]! % 1000));
}

/** A small deterministic vector, so text-embedding style calls get embedding-shaped answers. */
function embedding(text: string): number[] {
  const digest = createHash('sha256').update(text).digest();
  return Array.from({ length: 8 }, (_, i) => Number(((digest[i]! - 128) / 128).toFixed(6)));
}

function predictionFor(t: PredictTarget, instance: unknown): unknown {
  if (instance && typeof instance === 'object' && !Array.isArray(instance)) {
    const o = instance as Record<string, unknown>;
    if (typeof o.content === 'string') {
      return { embeddings: { values: embedding(o.content), statistics: { truncated: false, token_count: tokenCount(o.content.length) } } };
    }
    if (typeof o.prompt === 'string') return { content: `Echo from ${displayName(t)}: ${o.prompt}` };
  }
  return { echo: instance };
}

function instancesOf(res: ServerResponse, body: Record<string, unknown>): unknown[] | undefined {
  if (!Array.isArray(body.instances) || body.instances.length === 0) {
    sendRpcError(res, 'INVALID_ARGUMENT', 'instances must be a non-empty list.');
    return undefined;
  }
  return body.instances;
}

export function predict(res: ServerResponse, t: PredictTarget, body: Record<string, unknown>, explain: boolean): void {
  const instances = instancesOf(res, body);
  if (!instances) return;
  const predictions = instances.map((i) => predictionFor(t, i));
  const out: Record<string, unknown> = {
    predictions,
    deployedModelId: deployedModelId(t),
    model: modelResource(t),
    modelDisplayName: displayName(t),
    modelVersionId: '1',
  };
  if (explain) {
    out.explanations = instances.map((inst) => {
      const keys = inst && typeof inst === 'object' && !Array.isArray(inst) ? Object.keys(inst) : ['value'];
      const share = keys.length ? Number((1 / keys.length).toFixed(6)) : 0;
      return {
        attributions: [
          {
            baselineOutputValue: 0,
            instanceOutputValue: JSON.stringify(inst).length,
            featureAttributions: Object.fromEntries(keys.map((k) => [k, share])),
            outputIndex: [0],
            approximationError: 0,
          },
        ],
      };
    });
  }
  sendJson(res, 200, out);
}

/**
 * The bytes the caller meant. @google-cloud/aiplatform's REST transport wraps
 * them as `{"httpBody": {"contentType", "data": base64}}`; everyone else sends
 * them as they are.
 */
export function unwrapRawBody(req: IncomingMessage, body: Buffer): { contentType: string; bytes: Buffer; wrapped: boolean } {
  const contentType = req.headers['content-type'] ?? 'application/octet-stream';
  if (contentType.includes('json')) {
    try {
      const o = JSON.parse(body.toString('utf8')) as { httpBody?: { contentType?: unknown; data?: unknown } };
      const hb = o && typeof o === 'object' ? o.httpBody : undefined;
      if (hb && typeof hb === 'object') {
        return {
          contentType: typeof hb.contentType === 'string' ? hb.contentType : 'application/octet-stream',
          bytes: Buffer.from(typeof hb.data === 'string' ? hb.data : '', 'base64'),
          wrapped: true,
        };
      }
    } catch {
      // Not JSON after all: treat as opaque bytes.
    }
  }
  return { contentType, bytes: body, wrapped: false };
}

/**
 * The same client reads the answer as a google.api.HttpBody message, so a
 * wrapped request gets a wrapped answer; a raw request gets raw JSON.
 */
function asHttpBody(contentType: string, payload: string) {
  return { contentType, data: Buffer.from(payload, 'utf8').toString('base64') };
}

function describe(raw: { contentType: string; bytes: Buffer }): unknown {
  const text = raw.bytes.toString('utf8');
  if (raw.contentType.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

export function rawPredict(req: IncomingMessage, res: ServerResponse, t: PredictTarget, body: Buffer): void {
  const raw = unwrapRawBody(req, body);
  const answer = { received: describe(raw), bytes: raw.bytes.length, contentType: raw.contentType, model: displayName(t) };
  sendJson(res, 200, raw.wrapped ? asHttpBody('application/json', JSON.stringify(answer)) : answer);
}

export async function streamRawPredict(req: IncomingMessage, res: ServerResponse, t: PredictTarget, body: Buffer): Promise<void> {
  const raw = unwrapRawBody(req, body);
  const text = `Echo from ${displayName(t)}: ${raw.bytes.toString('utf8')}`;
  const events = splitText(text).map((delta, index) => `data: ${JSON.stringify({ index, delta })}\n\n`);
  events.push(`data: ${JSON.stringify({ done: true, received: describe(raw), bytes: raw.bytes.length })}\n\n`);
  if (raw.wrapped) {
    // A server stream of HttpBody messages, in the JSON-array framing that client parses.
    await writePieces(res, 'application/json; charset=UTF-8', jsonArrayPieces(events.map((e) => asHttpBody('text/event-stream', e))));
    return;
  }
  await writePieces(res, 'text/event-stream', events);
}
