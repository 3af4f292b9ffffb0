// Graceful shutdown. On SIGTERM a pod is taken out of its Service's endpoints
// at the same time as it is told to stop, and the endpoints reach every
// client's proxy only seconds later; LLM answers stream for tens of seconds.
// So Warden drains in three steps, every listener (front door) alike:
//   1. readiness fails at once, and new connections are still served for
//      `shutdown.drainDelay` (answers then carry `connection: close`);
//   2. the listeners stop accepting, and what is in flight, streams
//      included, runs to its end, for up to `shutdown.timeout`;
//   3. what is still running then is cut, and recorded as SHUTDOWN.
//
// A front door takes part through `Drainable`: the proxy listener, the
// ext_authz servers and the ext_proc server each count their requests in an
// `InFlight` and say how they stop accepting.
import { WardenError } from './errors.js';

/** A request's own mark, which shutdown sets when it cuts the request. */
export interface Flight {
  shutdown: boolean;
}

/** The record's reason for a request that shutdown cut: Warden's doing, not the caller's (CLIENT_CLOSED) nor the upstream's. */
export function shutdownError(): WardenError {
  return new WardenError('UNAVAILABLE', 'SHUTDOWN', 'Warden shut down before the answer was complete (it had waited shutdown.timeout)');
}

/** A front door's requests in flight: counted, awaited, and cut when shutdown's time is up. */
export class InFlight {
  private readonly running = new Set<() => void>();
  private waiters: (() => void)[] = [];
  /** Requests that finished since the start (shutdown reports how many finished while it waited). */
  finished = 0;

  get size(): number {
    return this.running.size;
  }

  /**
   * One request begins. `cut` ends it at once when shutdown's timeout is up
   * (and makes it record SHUTDOWN as its reason); call the returned function
   * once the request is over, record written and response closed.
   */
  add(cut: () => void): () => void {
    let ended = false;
    // A closure per request, not a shared Set key: the same `cut` may be passed twice.
    const entry = () => cut();
    this.running.add(entry);
    return () => {
      if (ended) return;
      ended = true;
      this.running.delete(entry);
      this.finished++;
      if (this.running.size === 0) this.wake();
    };
  }

  /** Resolves once nothing is in flight (at once if nothing is). */
  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Cuts every request in flight; returns how many. */
  cutAll(): number {
    const n = this.running.size;
    for (const cut of [...this.running]) cut();
    return n;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}

/** A listener that drains: what a front door gives the gateway's shutdown. */
export interface Drainable {
  readonly inFlight: InFlight;
  /** Step 2: stop taking new connections (or streams, or calls); what is in flight goes on. */
  stopAccepting(): void;
  /** After step 2 or 3: close what is left (idle connections, the listening socket). */
  close(): Promise<void>;
}

export interface DrainTimes {
  drainDelayMs: number;
  timeoutMs: number;
}

export interface DrainResult {
  /** Requests in flight when shutdown began. */
  inFlightAtStart: number;
  /** Requests that finished during shutdown (those that arrived during drainDelay too). */
  completed: number;
  /** Requests cut when the timeout was up. */
  cut: number;
  seconds: number;
}

/** How long cut requests get to write their records before the listeners close anyway. */
const CUT_GRACE_MS = 2000;

/**
 * Steps 1-3 over every listener. `hurry` resolves when the waits must end
 * now (a second signal, or close() from a test): what is left is cut.
 */
export async function drain(listeners: readonly Drainable[], times: DrainTimes, hurry: Promise<void>): Promise<DrainResult> {
  const started = performance.now();
  const inFlight = () => listeners.reduce((n, l) => n + l.inFlight.size, 0);
  const finished = () => listeners.reduce((n, l) => n + l.inFlight.finished, 0);
  const inFlightAtStart = inFlight();
  const finishedBefore = finished();
  await waitFor(times.drainDelayMs, hurry);
  for (const l of listeners) l.stopAccepting();
  const idle = Promise.all(listeners.map((l) => l.inFlight.idle())).then(() => {});
  const done = await Promise.race([idle.then(() => true), waitFor(times.timeoutMs, Promise.race([hurry, idle])).then(() => false)]);
  let cut = 0;
  if (!done) {
    for (const l of listeners) cut += l.inFlight.cutAll();
    // A cut request records itself and closes its response within a turn or two; one stuck
    // elsewhere (a mint that hangs) is not waited for long.
    await waitFor(CUT_GRACE_MS, idle);
  }
  await Promise.all(listeners.map((l) => l.close()));
  return { inFlightAtStart, completed: finished() - finishedBefore - cut, cut, seconds: Math.round(performance.now() - started) / 1000 };
}

/** Resolves after `ms`, or sooner when `hurry` does; holds no timer after. */
function waitFor(ms: number, hurry: Promise<void>): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), hurry]).finally(() => clearTimeout(timer));
}
