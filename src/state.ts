// State that outlives a config. A config is compiled into an immutable
// snapshot; a reload compiles a new one beside it. What carries state —
// remote key sets and the verified-token cache, minted upstream tokens,
// quota counters, upstream connection pools — is made through a KeptState,
// under a key spelled from the part of the config that defines it: the new
// snapshot takes the old one's object when its key has not changed, and a
// new object is made only for what did change. Once the new snapshot is in
// service and the old one idle, the old one's objects that nobody took are
// stopped.

interface Held {
  value: unknown;
  stop: () => void | Promise<void>;
}

export class KeptState {
  private readonly held = new Map<string, Held>();

  /** `previous`: the state of the snapshot being replaced, whose objects may be taken over. */
  constructor(private previous?: KeptState) {}

  /**
   * The object for `key`: the one this state already holds, else the previous
   * snapshot's, else `make()`. `stop` releases it once no snapshot holds it.
   */
  take<T>(key: string, make: () => T, stop: (value: T) => void | Promise<void>): T {
    const mine = this.held.get(key);
    if (mine) return mine.value as T;
    const prev = this.previous?.held.get(key);
    let stopped = false;
    // Once: a snapshot retiring late may release what a shutdown stopped already.
    const held: Held = prev ?? { value: make(), stop: () => (stopped ? undefined : ((stopped = true), stop(held.value as T))) };
    this.held.set(key, held);
    return held.value as T;
  }

  /** Whether `key` was taken over from the previous snapshot (for tests and the reload log). */
  kept(key: string): boolean {
    const mine = this.held.get(key);
    return mine !== undefined && this.previous?.held.get(key) === mine;
  }

  /** The keys this state holds. */
  keys(): string[] {
    return [...this.held.keys()];
  }

  /** The new snapshot is in service and the previous one idle: stop what it held that this one did not take. */
  async releasePrevious(): Promise<void> {
    const prev = this.previous;
    if (!prev) return;
    await stopAll([...prev.held].filter(([k, h]) => this.held.get(k) !== h).map(([, h]) => h));
    prev.held.clear();
    // Not a chain back through every config since the start.
    this.previous = undefined;
  }

  /** A compile that is not taken into service (a rejected reload): stop what it made itself. */
  async discard(): Promise<void> {
    await stopAll([...this.held].filter(([k, h]) => this.previous?.held.get(k) !== h).map(([, h]) => h));
    this.held.clear();
  }

  /** Shutdown: stop everything. */
  async stop(): Promise<void> {
    await stopAll([...this.held.values()]);
    this.held.clear();
  }
}

/** Stops each; one that fails to stop does not keep the others running. */
async function stopAll(held: Held[]): Promise<void> {
  await Promise.allSettled(held.map(async (h) => h.stop()));
}

/** A key from config values: the same JSON for the same values. */
export function stateKey(kind: string, ...parts: unknown[]): string {
  return `${kind}:${JSON.stringify(parts)}`;
}
