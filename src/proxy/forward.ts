// forward: one upstream call through an undici Pool with a small dispatch
// handler (the fastest sound technique measured here, see FIELD-NOTES.md).
// The handler owns the safety work a naive pipe gets wrong: backpressure both
// ways, aborting the upstream when the client goes away, and never leaving a
// half-sent response looking complete.
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { WardenError } from '../errors.js';
import type { ForwardOutcome } from '../admission/exchange.js';
import { downstreamResponseHeaders } from '../admission/headers.js';

export interface ForwardRequest {
  method: string;
  /** Path and query for the upstream, starting with `/`. */
  path: string;
  headers: Record<string, string>;
  body: Buffer | Readable | null;
  timeoutMs: number;
  /** Headers Warden adds to the caller's response. */
  responseHeaders: Record<string, string>;
  /**
   * Keep the response's completion — its last byte, or the end of a chunked
   * body — until `outcome.release()`, so that the pipeline can record the
   * request before the caller holds the whole answer.
   */
  holdEnd?: boolean;
  /** Statuses the caller is not sent because the route moves on to another location (failover). */
  moveOnFrom?: ReadonlySet<number>;
}


/**
 * The response path's hook. `start` sees the upstream status, content type and
 * headers before the caller's headers go out and says whether the body will be
 * rewritten (then content-length is dropped and the body goes chunked).
 * `chunk` sees every upstream byte in order and returns what to send the
 * caller: the chunk itself, a rewrite, or nothing yet. `end` returns anything
 * still held back. A throw from `chunk` or `end` breaks the response (never
 * sends unread bytes).
 */
export interface ResponseTransform {
  start(status: number, contentType: string | undefined, headers: Record<string, string | string[] | undefined>): boolean;
  chunk(chunk: Buffer): Buffer | undefined;
  end(): Buffer | undefined | Promise<Buffer | undefined>;
}

export function forward(pool: Dispatcher, fr: ForwardRequest, res: ServerResponse, transform: ResponseTransform): Promise<ForwardOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const outcome: ForwardOutcome = { bytesOut: 0 };
    let controller: Dispatcher.DispatchController | undefined;
    // With holdEnd and a declared length: bytes still to send, and the final chunk held back.
    let remaining: number | undefined;
    let held: Buffer | undefined;
    let settled = false;
    // Methods, not named arrows: the loader keeps function names, one defineProperty per named closure per request.
    const local = {
      settle(): void {
        if (settled) return;
        settled = true;
        res.off('close', local.onClientClose);
        resolve(outcome);
      },
      /** The answer's last bytes (`rest`, after the held final chunk): sent, or kept until the record is written. */
      ended(rest: Buffer | undefined): void {
        if (settled) return;
        outcome.durationMs = performance.now() - started;
        const tail = held && rest ? Buffer.concat([held, rest]) : (held ?? rest);
        if (fr.holdEnd) outcome.release = () => res.end(tail);
        else res.end(tail);
        local.settle();
      },
      onClientClose(): void {
        if (res.writableFinished) return;
        outcome.aborted = 'caller';
        controller?.abort(new Error('client closed the connection'));
        local.settle();
      },
    };
    const settle = local.settle;
    res.on('close', local.onClientClose);

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (res.destroyed) {
          outcome.aborted = 'caller';
          c.abort(new Error('client closed the connection'));
        }
      },
      onResponseStart(c, statusCode, headers) {
        outcome.upstreamStatus = statusCode;
        if (fr.moveOnFrom?.has(statusCode)) {
          // Not the caller's answer: failover tries the next location.
          outcome.movedOn = statusCode;
          outcome.durationMs = performance.now() - started;
          settle();
          c.abort(new Error('moving on to the next location'));
          return;
        }
        const contentType = headers['content-type'] as string | undefined;
        const rewrites = transform.start(statusCode, contentType, headers as Record<string, string | string[] | undefined>);
        const out = { ...downstreamResponseHeaders(headers), ...fr.responseHeaders };
        if (rewrites) delete out['content-length'];
        res.writeHead(statusCode, out);
        if (fr.holdEnd && out['content-length'] !== undefined) remaining = Number(out['content-length']);
        // Streams reach the caller chunk by chunk, not when Node's buffer fills. A body of declared length
        // needs no early flush: its headers leave with its first bytes (or, for a held single chunk,
        // with the release), one write instead of two.
        if (remaining === undefined) res.flushHeaders();
      },
      onResponseData(c, chunk) {
        outcome.ttfbMs ??= performance.now() - started;
        outcome.bytesOut += chunk.length;
        let out: Buffer | undefined;
        try {
          out = transform.chunk(chunk);
        } catch (err) {
          outcome.abortError = err as Error;
          c.abort(err as Error);
          return;
        }
        if (remaining !== undefined && out !== undefined && out.length > 0) {
          remaining -= out.length;
          // The final chunk waits whole (one write, as before): the caller has no complete answer without it.
          if (remaining <= 0) {
            held = out;
            out = undefined;
          }
        }
        if (out !== undefined && out.length > 0 && !res.write(out)) {
          c.pause();
          res.once('drain', () => c.resume());
        }
      },
      onResponseEnd(c) {
        let rest: Buffer | undefined | Promise<Buffer | undefined>;
        try {
          rest = transform.end();
        } catch (err) {
          outcome.abortError = err as Error;
          handler.onResponseError!(c, err as Error);
          return;
        }
        // Held for the guardrails that read the answer: it ends once they have.
        if (rest instanceof Promise) {
          rest.then(
            (r) => local.ended(r),
            (err: Error) => {
              outcome.abortError = err;
              handler.onResponseError!(c, err);
            },
          );
        } else local.ended(rest);
      },
      onResponseError(c, err) {
        if (settled) return;
        outcome.durationMs = performance.now() - started;
        if (outcome.aborted === 'caller') {
          // Gone before the request went out: there is nobody to answer.
        } else if (res.headersSent) {
          // The caller already has a status line: the only honest signal left is a broken stream.
          outcome.aborted = outcome.abortError ? 'transform' : 'upstream';
          outcome.abortError ??= err;
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
