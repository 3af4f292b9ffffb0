// A bound on request-body bytes held in memory across every request in
// flight. Each request may hold up to its route's maxBodyBytes (32 MiB by
// default) while it is read whole, so a few large requests at once would
// exhaust the heap; with this bound the next one is refused with 503 and
// Retry-After instead, and the process never runs out of memory for bodies.
import { getHeapStatistics } from 'node:v8';
import { WardenError } from '../errors.js';

/**
 * The default bound: a quarter of V8's heap limit. The bytes themselves are Buffers outside the
 * heap, but a JSON body is also decoded to a string and parsed into the heap (about twice its size
 * again), so a quarter leaves the heap room for that and for everything else. A pod's memory limit
 * must cover the heap limit, this bound and Node's own ~100 MiB (docs/configuration.md; the rendered
 * Deployment sets --max-old-space-size to fit its limit).
 */
export function defaultMaxBufferedBytes(heapSizeLimit = getHeapStatistics().heap_size_limit): number {
  return Math.floor(heapSizeLimit / 4);
}

export class BufferBudget {
  /** Bytes held now, by every request reading or holding a body. */
  used = 0;

  /** `limit`: a reload may change it; what requests hold already stays counted. */
  constructor(public limit: number) {}

  /** Takes `n` bytes; false (nothing taken) when that would pass the limit. */
  take(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }

  give(n: number): void {
    this.used -= n;
  }

  refusal(): WardenError {
    return new WardenError('UNAVAILABLE', 'OVERLOADED',
      `Warden holds its limit of request bodies in memory (maxBufferedBytes: ${this.limit} bytes) for requests in flight; retry shortly`,
      { headers: { 'retry-after': '1' } });
  }
}
