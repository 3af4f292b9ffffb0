// Reads the request body. Small bodies are read whole (one upstream write is
// the fastest forward here, and the guards need the text); a body that
// outgrows the buffer limit streams on to the upstream, still counted against
// the route's maximum.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { WardenError } from '../errors.js';

/** Bodies up to this size are read whole before forwarding. */
export const BUFFER_LIMIT = 1024 * 1024;

export interface RequestBody {
  /** The whole body, when it fitted in the buffer. */
  buffer?: Buffer;
  /** The rest of a large body, as it arrives (starts with what was read so far). */
  stream?: Readable;
  /** Parsed JSON when the body is JSON (by content type) and parsed cleanly. */
  json?: unknown;
  /** Why the JSON body did not parse; the request guard decides whether that matters. */
  jsonError?: string;
}

/** `bufferLimit`: bodies up to this size are read whole (the guardrails raise it to what they can scan). */
export async function readBody(req: IncomingMessage, contentType: string | undefined, maxBytes: number, bufferLimit = BUFFER_LIMIT): Promise<RequestBody> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (!(declared > 0) && !req.headers['transfer-encoding']) return {};
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const it = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  for (;;) {
    const { value, done } = await it.next();
    if (done) break;
    size += value.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(value);
    if (size > bufferLimit) return { stream: Readable.from(rest(chunks, it, size, maxBytes), { objectMode: false }) };
  }
  return bufferedBody(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size), contentType);
}

/** A body already in memory (read here, or sent whole by Envoy in an ext_authz check). */
export function bufferedBody(buffer: Buffer, contentType: string | undefined): RequestBody {
  if (!buffer.length) return { buffer };
  // Without a content type, a body that opens like JSON is treated as JSON.
  if (contentType ? !isJson(contentType) : buffer[0] !== 0x7b && buffer[0] !== 0x5b) return { buffer };
  try {
    return { buffer, json: JSON.parse(buffer.toString('utf8')) };
  } catch (e) {
    return { buffer, jsonError: (e as Error).message };
  }
}

async function* rest(head: Buffer[], it: AsyncIterator<Buffer>, size: number, maxBytes: number): AsyncIterable<Buffer> {
  yield* head;
  for (;;) {
    const { value, done } = await it.next();
    if (done) return;
    size += value.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    yield value;
  }
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const ct = contentType.toLowerCase();
  return ct.startsWith('application/json') || ct.includes('+json');
}

function tooLarge(max: number): WardenError {
  return new WardenError('INVALID_ARGUMENT', 'BODY_TOO_LARGE', `request body exceeds the route's limit of ${max} bytes`, { httpStatus: 413 });
}

/**
 * After an answer that did not read the whole body (a refusal, an upstream that answered early):
 * let the rest drain and be dropped, as Node does for unread bodies, so that the caller can finish
 * sending and the connection stays usable. readBody's iterator would otherwise hold it paused.
 */
export function discardBody(req: IncomingMessage): void {
  if (req.complete || req.destroyed) return;
  req.removeAllListeners('readable');
  req.resume();
}
