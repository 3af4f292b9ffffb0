// Reads the request body. Small bodies are read whole (one upstream write is
// the fastest forward here, and the guards need the text); a body that
// outgrows the buffer limit streams on to the upstream, still counted against
// the route's maximum. A body that names the model (OpenAI-style calls) is
// read whole up to the route's maximum: policy needs the model before anything
// may leave.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { WardenError } from '../errors.js';
import type { BufferBudget } from './buffer-budget.js';
import { duplicateMemberAt } from './duplicate-keys.js';

/** Bodies up to this size are read whole before forwarding. */
export const BUFFER_LIMIT = 1024 * 1024;

export interface RequestBody {
  /** The whole body, when it fitted in the buffer. */
  buffer?: Buffer;
  /** The rest of a large body, as it arrives (starts with what was read so far). */
  stream?: Readable;
  /**
   * Set for a body that streams on past the buffer limit (through `stream` on the proxy; through
   * Envoy in ext_proc): its size and SHA-256, once all of it has passed.
   */
  streamed?: StreamedBody;
  /** Parsed JSON when the body is JSON (by content type) and parsed cleanly. */
  json?: unknown;
  /** Why the JSON body did not parse; the request guard decides whether that matters. */
  jsonError?: string;
  /**
   * Only the start of the body is here, or none of a body the request has: Envoy cut it at its
   * `maxRequestBytes`, or sent none, in an ext_authz check. Nothing in it is read.
   */
  partial?: true;
  /** Bytes of this body taken from the BufferBudget: given back (releaseBody) once the body has gone upstream. */
  held?: number;
}

export interface StreamedBody {
  bytes: number;
  /** Set when the stream has passed the body's last byte. */
  sha256?: string;
}

/**
 * `bufferLimit`: bodies up to this size are read whole (the guardrails raise it to what they can scan).
 * Read with 'data' events (an async iterator costs several promises per chunk); past the buffer limit
 * the rest goes on through the stream's iterator.
 */
export function readBody(
  req: IncomingMessage, contentType: string | undefined, maxBytes: number, bufferLimit = BUFFER_LIMIT, budget?: BufferBudget,
): Promise<RequestBody> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) return Promise.reject(bodyTooLarge(maxBytes));
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (!(declared > 0) && !req.headers['transfer-encoding']) return Promise.resolve({});
  }
  // What the body would hold at most, known up front: refused at once, nothing read.
  if (budget && declared > 0 && budget.used + Math.min(declared, bufferLimit) > budget.limit) return Promise.reject(budget.refusal());
  return new Promise((resolve, reject) => new BodyReader(req, contentType, maxBytes, bufferLimit, budget, resolve, reject));
}

/** Gives back what the body held of the BufferBudget. */
export function releaseBody(body: RequestBody, budget: BufferBudget | undefined): void {
  if (body.held) {
    budget?.give(body.held);
    body.held = 0;
  }
}

/**
 * One body being read. A class, not closures: the loader keeps function names
 * (one defineProperty per named closure, per request); prototype methods,
 * bound once, cost less.
 */
class BodyReader {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  /** Bytes taken from the budget. */
  private taken = 0;
  private readonly onData: (value: Buffer) => void;
  private readonly onEnd: () => void;
  private readonly onError: (err: Error) => void;
  private readonly onClose: () => void;

  constructor(
    private readonly req: IncomingMessage,
    private readonly contentType: string | undefined,
    private readonly maxBytes: number,
    private readonly bufferLimit: number,
    private readonly budget: BufferBudget | undefined,
    private readonly resolve: (body: RequestBody) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.onData = this.data.bind(this);
    this.onEnd = this.end.bind(this);
    this.onError = this.error.bind(this);
    this.onClose = this.close.bind(this);
    req.on('data', this.onData);
    req.on('end', this.onEnd);
    req.on('error', this.onError);
    req.on('close', this.onClose);
  }

  private stop(): void {
    const req = this.req;
    req.off('data', this.onData);
    req.off('end', this.onEnd);
    req.off('error', this.onError);
    req.off('close', this.onClose);
  }

  private data(value: Buffer): void {
    this.size += value.length;
    if (this.size > this.maxBytes) return this.fail(bodyTooLarge(this.maxBytes));
    if (this.budget) {
      if (!this.budget.take(value.length)) return this.fail(this.budget.refusal());
      this.taken += value.length;
    }
    this.chunks.push(value);
    if (this.size > this.bufferLimit) {
      this.stop();
      this.req.pause();
      const it = this.req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      const streamed: StreamedBody = { bytes: 0 };
      // The chunks read so far stay held until the request ends; the rest flows with backpressure.
      this.resolve({ stream: Readable.from(rest(this.chunks, it, this.size, this.maxBytes, streamed), { objectMode: false }), streamed, held: this.taken });
    }
  }

  private end(): void {
    this.stop();
    const chunks = this.chunks;
    const body = bufferedBody(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.size), this.contentType);
    body.held = this.taken;
    this.resolve(body);
  }

  /** Refused while reading: what it held goes back at once (the caller gets no body to release). */
  private fail(err: unknown): void {
    this.stop();
    this.req.pause();
    this.giveBack();
    this.reject(err);
  }

  private error(err: Error): void {
    this.stop();
    this.giveBack();
    this.reject(err);
  }

  /** Gone before its end without an error event: what the stream's iterator reports then. */
  private close(): void {
    this.stop();
    this.giveBack();
    this.reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
  }

  private giveBack(): void {
    this.budget?.give(this.taken);
    this.taken = 0;
  }
}

/** A body already in memory (read here, or sent whole by Envoy in an ext_authz check). */
export function bufferedBody(buffer: Buffer, contentType: string | undefined): RequestBody {
  if (!buffer.length) return { buffer };
  // Without a content type a body is read as JSON, as upstreams read it (leading white space
  // included, as RFC 8259 allows): one that does not parse is a jsonError, which the request guard
  // refuses on operations whose body Warden reads.
  if (contentType && !isJsonType(contentType)) return { buffer };
  const text = buffer.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { buffer, jsonError: jsonErrorWithoutText(e as Error) };
  }
  const dup = duplicateMemberAt(text, json);
  // The name is left out: a map's keys may be data the record keeps no copy of.
  if (dup >= 0) return { buffer, jsonError: `an object names the same member twice, at position ${dup}` };
  return { buffer, json };
}

/**
 * V8's JSON.parse message without the body text it quotes (`Unexpected token
 * 's', "{"k":sk-live-hu"... is not valid JSON`): the message reaches the
 * caller and the audit record, which keep no request text unless asked to.
 */
function jsonErrorWithoutText(e: Error): string {
  // "Expected property name or '}' in JSON at position 1 (line 1 column 2)" and its kin name no text.
  const at = /^([^"]*) at position (\d+)/.exec(e.message);
  if (at) return `${at[1]} at position ${at[2]}`;
  return /end of JSON input/.test(e.message) ? 'Unexpected end of JSON input' : 'Unexpected token';
}

/** The body past the buffer limit, as it arrives; `streamed` gets its size and digest as it passes. */
async function* rest(head: Buffer[], it: AsyncIterator<Buffer>, size: number, maxBytes: number, streamed: StreamedBody): AsyncIterable<Buffer> {
  const hash = createHash('sha256');
  for (const c of head) hash.update(c);
  streamed.bytes = size;
  yield* head;
  for (;;) {
    const { value, done } = await it.next();
    if (done) {
      streamed.sha256 = hash.digest('hex');
      return;
    }
    size += value.length;
    if (size > maxBytes) throw bodyTooLarge(maxBytes);
    hash.update(value);
    streamed.bytes = size;
    yield value;
  }
}

/** Whether a body of this content type may be JSON (bufferedBody parses it): a JSON type, or none. */
export function mayBeJson(contentType: string | undefined): boolean {
  return contentType === undefined || contentType === '' || isJsonType(contentType);
}

/** A JSON content type (`application/json`, `…+json`). */
export function isJsonType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const ct = contentType.toLowerCase();
  return ct.startsWith('application/json') || ct.includes('+json');
}

/** A body over the route's maxBodyBytes: 413, whichever front door read it. */
export function bodyTooLarge(max: number): WardenError {
  return new WardenError('INVALID_ARGUMENT', 'BODY_TOO_LARGE', `request body exceeds the route's limit of ${max} bytes`, { httpStatus: 413 });
}

/**
 * After an answer that did not read the whole body (a refusal, an upstream that answered early):
 * let the rest drain and be dropped, as Node does for unread bodies, so that the caller can finish
 * sending and the connection stays usable. readBody would otherwise leave it paused.
 */
export function discardBody(req: IncomingMessage): void {
  if (req.complete || req.destroyed) return;
  req.removeAllListeners('readable');
  req.resume();
}
