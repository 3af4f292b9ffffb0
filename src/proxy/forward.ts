// forward: one upstream call through an undici Pool with a small dispatch
// handler (the fastest sound technique measured here, see FIELD-NOTES.md).
// The handler owns the safety work a naive pipe gets wrong: backpressure both
// ways, aborting the upstream when the client goes away, and never leaving a
// half-sent response looking complete.
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
import { WardenError } from '../errors.js';
import { downstreamResponseHeaders } from './headers.js';

export interface ForwardRequest {
  method: string;
  /** Path and query for the upstream, starting with `/`. */
  path: string;
  headers: Record<string, string>;
  body: Buffer | Readable | null;
  timeoutMs: number;
  /** Headers Warden adds to the caller's response. */
  responseHeaders: Record<string, string>;
}

export interface ForwardOutcome {
  upstreamStatus?: number;
  /** Time to the first response body byte, in ms from the forward's start. */
  ttfbMs?: number;
  bytesOut: number;
  /** Set when the upstream failed before the response started; the caller renders it. */
  error?: WardenError;
  /** The response started and then broke (upstream error or client gone). */
  aborted?: boolean;
}

export interface ResponseObserver {
  start(status: number, contentType: string | undefined): void;
  chunk(chunk: Buffer): void;
}

export function createPool(origin: string): Pool {
  return new Pool(origin, { connections: 128, keepAliveTimeout: 30_000, connectTimeout: 10_000 });
}

export function forward(pool: Dispatcher, fr: ForwardRequest, res: ServerResponse, observer: ResponseObserver): Promise<ForwardOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const outcome: ForwardOutcome = { bytesOut: 0 };
    let controller: Dispatcher.DispatchController | undefined;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      res.off('close', onClientClose);
      resolve(outcome);
    };
    const onClientClose = () => {
      if (res.writableFinished) return;
      outcome.aborted = true;
      controller?.abort(new Error('client closed the connection'));
      settle();
    };
    res.on('close', onClientClose);

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (res.destroyed) c.abort(new Error('client closed the connection'));
      },
      onResponseStart(c, statusCode, headers) {
        outcome.upstreamStatus = statusCode;
        const contentType = headers['content-type'] as string | undefined;
        observer.start(statusCode, contentType);
        res.writeHead(statusCode, { ...downstreamResponseHeaders(headers), ...fr.responseHeaders });
        // Streams reach the caller chunk by chunk, not when Node's buffer fills.
        res.flushHeaders();
      },
      onResponseData(c, chunk) {
        outcome.ttfbMs ??= performance.now() - started;
        outcome.bytesOut += chunk.length;
        observer.chunk(chunk);
        if (!res.write(chunk)) {
          c.pause();
          res.once('drain', () => c.resume());
        }
      },
      onResponseEnd() {
        res.end();
        settle();
      },
      onResponseError(c, err) {
        if (settled) return;
        if (res.headersSent) {
          // The caller already has a status line: the only honest signal left is a broken stream.
          outcome.aborted = true;
          res.destroy(err);
        } else {
          outcome.error = upstreamError(err, fr.timeoutMs);
        }
        settle();
      },
    };

    pool.dispatch(
      {
        method: fr.method as Dispatcher.HttpMethod,
        path: fr.path,
        headers: fr.headers,
        body: fr.body,
        headersTimeout: fr.timeoutMs,
        bodyTimeout: fr.timeoutMs,
      },
      handler,
    );
  });
}

function upstreamError(err: Error, timeoutMs: number): WardenError {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new WardenError('DEADLINE_EXCEEDED', 'UPSTREAM_TIMEOUT', `upstream did not answer within ${timeoutMs} ms`, { cause: err });
  }
  if (err instanceof WardenError) return err; // e.g. the request body outgrew its limit while streaming
  return new WardenError('UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', `upstream unreachable (${code || err.message})`, { cause: err });
}
