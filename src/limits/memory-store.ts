// Counters in this process: the embedded default, and the local fallback
// while Redis is unreachable. Expired counters are swept as they are met and
// once a minute.
import { exceeds, type Charge, type ChargeResult, type CounterStore } from './store.js';

interface Counter {
  value: number;
  expires: number;
}

export class MemoryStore implements CounterStore {
  readonly kind = 'memory';
  private readonly counters = new Map<string, Counter>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  charge(charges: readonly Charge[]): Promise<ChargeResult> {
    return Promise.resolve(this.chargeSync(charges));
  }

  chargeSync(charges: readonly Charge[]): ChargeResult {
    const now = Date.now();
    const current = charges.map((c) => this.live(c.key, now)?.value ?? 0);
    if (charges.some((c, i) => exceeds(current[i]!, c.fits ?? c.increment, c.limit))) return { allowed: false, values: current };
    const values = charges.map((c) => {
      let counter = this.live(c.key, now);
      if (!counter) {
        counter = { value: 0, expires: now + c.ttlMs };
        this.counters.set(c.key, counter);
      }
      counter.value += c.increment;
      return counter.value;
    });
    return { allowed: true, values };
  }

  adjust(adjustments: readonly { key: string; delta: number }[]): Promise<void> {
    const now = Date.now();
    for (const a of adjustments) {
      const counter = this.live(a.key, now);
      if (counter) counter.value += a.delta;
    }
    return Promise.resolve();
  }

  peek(keys: readonly string[]): Promise<number[]> {
    const now = Date.now();
    return Promise.resolve(keys.map((k) => this.live(k, now)?.value ?? 0));
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    return Promise.resolve();
  }

  private live(key: string, now: number): Counter | undefined {
    const c = this.counters.get(key);
    if (c && c.expires <= now) {
      this.counters.delete(key);
      return undefined;
    }
    return c;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, c] of this.counters) if (c.expires <= now) this.counters.delete(k);
  }
}
