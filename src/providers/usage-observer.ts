// Incremental, bounded-memory usage extraction from an upstream response
// body, chosen by the Target and the response content-type:
//
//   text/event-stream                       → SSE events; the last usage report wins
//   stream, json-array (or */x-ndjson)      → array elements / concatenated values
//   other JSON (or no content-type)         → the body, kept up to 256 KiB, else its last 32 KiB
//   anything else, or not an inference call → nothing (no work at all)
//
// Observers never throw; malformed data yields `undefined`.

import type { Target, Usage } from '../types.js';
import { BoundedBytes } from './bounded-bytes.js';
import { JsonArraySplitter } from './json-array-stream.js';
import { SseSplitter } from './sse.js';
import { addUsageFromJson, UsageAccumulator, usageFromTail } from './usage.js';

export interface UsageObserver {
  /** One chunk of the (decoded, not gzip'd) response body, in order. The observer copies what it keeps. */
  push(chunk: Buffer): void;
  /** After the last chunk. Idempotent. */
  result(): Usage | undefined;
}

/** Largest body, SSE event or array element kept whole. */
export const MAX_WHOLE_BYTES = 256 * 1024;
/** What is kept of anything larger: its end, where usage is reported. */
export const TAIL_BYTES = 32 * 1024;

const NOOP: UsageObserver = Object.freeze({
  push(): void {},
  result(): undefined {
    return undefined;
  },
});

/** Base: collects usage from complete JSON fragments (whole or truncated to their tail). */
abstract class FragmentObserver implements UsageObserver {
  protected readonly acc = new UsageAccumulator();
  private done = false;
  private final: Usage | undefined;

  // A method, not an arrow field: the loader keeps function names with one defineProperty per closure.
  protected onFragment(bytes: Buffer, truncated: boolean): void {
    if (truncated) this.acc.add(usageFromTail(bytes.toString('utf8')));
    else addUsageFromJson(this.acc, bytes);
  }

  push(chunk: Buffer): void {
    if (this.done) return;
    try {
      this.feed(chunk);
    } catch {
      // Never let a parser fault reach the response path.
    }
  }

  result(): Usage | undefined {
    if (!this.done) {
      this.done = true;
      try {
        this.finish();
        this.final = this.acc.result();
      } catch {
        this.final = undefined;
      }
    }
    return this.final;
  }

  protected abstract feed(chunk: Buffer): void;
  protected abstract finish(): void;
}

class SseObserver extends FragmentObserver {
  private readonly sse = new SseSplitter(this.onFragment.bind(this), MAX_WHOLE_BYTES, TAIL_BYTES);
  protected feed(chunk: Buffer): void {
    this.sse.push(chunk);
  }
  protected finish(): void {
    this.sse.end();
  }
}

class JsonArrayObserver extends FragmentObserver {
  private readonly splitter = new JsonArraySplitter(this.onFragment.bind(this), MAX_WHOLE_BYTES, TAIL_BYTES);
  protected feed(chunk: Buffer): void {
    this.splitter.push(chunk);
  }
  protected finish(): void {}
}

class JsonBodyObserver extends FragmentObserver {
  private readonly body = new BoundedBytes(MAX_WHOLE_BYTES, TAIL_BYTES);
  protected feed(chunk: Buffer): void {
    this.body.push(chunk);
  }
  protected finish(): void {
    const { bytes, truncated } = this.body.take();
    if (bytes.length > 0) this.onFragment(bytes, truncated);
  }
}

export type UsageFraming = 'sse' | 'json-array' | 'json' | 'none';

/** Which framing to parse the response body with. */
export function usageFraming(target: Target, contentType: string | undefined): UsageFraming {
  // MCP answers are framed like any other (JSON or SSE), whatever the call: guard(response) and the answer step read them.
  if (target.operationClass !== 'inference' && target.provider !== 'http' && target.provider !== 'mcp') return 'none';
  const ct = contentType === undefined ? '' : contentType.toLowerCase();
  if (ct.includes('text/event-stream')) return 'sse';
  if (ct.includes('ndjson')) return 'json-array';
  const json = ct.length === 0 || ct.includes('json');
  if (!json) return 'none';
  if (target.stream) {
    if (target.streamFormat === 'json-array') return 'json-array';
    // An SSE stream answered without a content-type: trust the request.
    if (ct.length === 0) return 'sse';
  }
  return 'json';
}

export function createUsageObserver(target: Target, contentType: string | undefined): UsageObserver {
  switch (usageFraming(target, contentType)) {
    case 'sse':
      return new SseObserver();
    case 'json-array':
      return new JsonArrayObserver();
    case 'json':
      return new JsonBodyObserver();
    default:
      return NOOP;
  }
}
