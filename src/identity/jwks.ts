// One issuer's signing keys. Inline sets never change; remote sets are
// fetched once, refreshed in the background, refetched (at most once per
// `minRefetchMs`, one fetch in flight) when a token names a key we do not
// have, and never thrown away because the issuer is down: the last good set
// keeps verifying the tokens it can, and an unknown key fails closed.
import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';
import { publishJwksRefresh } from '../telemetry/events.js';

const MAX_JWKS_BYTES = 512 * 1024;

export interface KeySetOptions {
  /** Where the key set is fetched from; resolved lazily (OIDC discovery) on first use. */
  locate: () => Promise<URL>;
  /** The metrics' name for the key set until `locate` has answered: the OIDC discovery document's URL (or the jwksUri). */
  origin: string;
  timeoutMs: number;
  refreshMs: number;
  minRefetchMs: number;
}

/** Thrown when no key set was ever obtained: the issuer is unreachable and nothing is cached. */
export class KeysUnavailable extends Error {}

export class KeySet {
  private getKey?: JWTVerifyGetKey;
  /** The installed keys as JSON, and a count of the times they changed. */
  private installed = '';
  private changes = 0;
  private lastFetch = -Infinity;
  private inFlight?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private onError?: (err: Error) => void;
  private firstFetch = false;

  private constructor(private readonly remote?: KeySetOptions) {}

  static inline(jwks: JSONWebKeySet): KeySet {
    const ks = new KeySet();
    ks.install(jwks);
    return ks;
  }

  static remote(opts: KeySetOptions): KeySet {
    return new KeySet(opts);
  }

  /**
   * Which key set this is: it changes whenever the keys do (a background
   * refresh that finds the same keys keeps it). A verification cached under
   * one version is not trusted under another: a key removed or replaced
   * under the same kid, or a token without a kid that an old key verified,
   * is verified again against the current keys.
   */
  get version(): number {
    return this.changes;
  }

  /** The key for a token header; refetches once (rate-limited) when the key is unknown. */
  readonly resolve: JWTVerifyGetKey = async (header, token) => {
    if (!this.getKey) await this.refetch(true);
    if (!this.getKey) throw new KeysUnavailable('signing keys unavailable');
    try {
      return await this.getKey(header, token);
    } catch (e) {
      if (!(e instanceof joseErrors.JWKSNoMatchingKey) || !this.remote) throw e;
      await this.refetch(false);
      return this.getKey(header, token);
    }
  };

  /** True from start() until the first fetch has finished, well or not: readiness waits for it. */
  get warming(): boolean {
    return this.firstFetch;
  }

  /** Fetch now and keep refreshing in the background; a failure here is not fatal. */
  start(onError?: (err: Error) => void): void {
    if (!this.remote || this.timer) return;
    this.onError = onError;
    this.firstFetch = true;
    this.refetch(true)
      .catch(() => {})
      .finally(() => (this.firstFetch = false));
    this.timer = setInterval(() => {
      this.fetchOnce().catch((e: Error) => this.onError?.(e));
    }, this.remote.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A refetch demanded by a request: shared with any in flight, and rate-limited. */
  private async refetch(initial: boolean): Promise<void> {
    if (this.inFlight) return this.inFlight.catch(() => {});
    if (performance.now() - this.lastFetch < this.remote!.minRefetchMs) return;
    try {
      await this.fetchOnce();
    } catch (e) {
      this.onError?.(e as Error);
      if (initial && !this.getKey) throw new KeysUnavailable(`signing keys unavailable: ${(e as Error).message}`, { cause: e });
    }
  }

  private fetchOnce(): Promise<void> {
    this.inFlight ??= (async () => {
      this.lastFetch = performance.now();
      let url: URL | undefined;
      try {
        // Inside the try: a failed OIDC discovery is a failed refresh too.
        url = await this.remote!.locate();
        const res = await fetch(url, { signal: AbortSignal.timeout(this.remote!.timeoutMs), headers: { accept: 'application/json' } });
        const text = await res.text();
        if (!res.ok) throw new Error(`${url} answered ${res.status}`);
        if (text.length > MAX_JWKS_BYTES) throw new Error(`${url} returned more than ${MAX_JWKS_BYTES} bytes`);
        this.install(parseJwks(text, String(url)));
        publishJwksRefresh({ uri: url.origin + url.pathname, ok: true });
      } catch (e) {
        publishJwksRefresh({ uri: url ? url.origin + url.pathname : this.remote!.origin, ok: false });
        throw e;
      }
    })().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private install(jwks: JSONWebKeySet): void {
    // Symmetric keys are dropped: a public key set must never verify HMAC tokens.
    const keys = jwks.keys.filter((k: JWK) => k.kty !== 'oct');
    const text = JSON.stringify(keys);
    if (text === this.installed) return;
    this.getKey = createLocalJWKSet({ keys });
    this.installed = text;
    this.changes++;
  }
}

export function parseJwks(text: string, where: string): JSONWebKeySet {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not JSON`);
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error(`${where} has no "keys" array`);
  return { keys: keys as JWK[] };
}
