// Where counters live. A charge is all-or-nothing across its counters: if any
// would pass its limit, none is incremented.

export interface Charge {
  key: string;
  increment: number;
  /**
   * The part of `increment` that must fit under the limit (default: all of it). The rest is a
   * reservation (output tokens the answer may use): counted, so that requests in flight see it, but
   * never the reason a request is refused while the budget has room for what it surely uses.
   */
  fits?: number;
  limit: number;
  /** How long the counter lives (its window, plus slack). */
  ttlMs: number;
}

export interface ChargeResult {
  allowed: boolean;
  /** Each counter's value after the charge (or as found, when refused). */
  values: number[];
  /** Where the counters are, for settlement (a failover store answers from one of two). */
  store?: CounterStore;
}

export interface CounterStore {
  readonly kind: string;
  charge(charges: readonly Charge[]): Promise<ChargeResult>;
  /** Settle earlier charges: add `delta` (may be negative) to counters that still exist. */
  adjust(adjustments: readonly { key: string; delta: number }[]): Promise<void>;
  /** The counters' values now, charging nothing (`warden explain`); 0 for a counter that does not exist. */
  peek(keys: readonly string[]): Promise<number[]>;
  close(): Promise<void>;
}

/** The rule every store applies: over the limit after what must fit, or already at it when nothing must. */
export function exceeds(current: number, fits: number, limit: number): boolean {
  return fits > 0 ? current + fits > limit : current >= limit;
}
