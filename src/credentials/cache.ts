// One cached upstream token: served from memory while valid, refreshed ahead
// of expiry in the background, one mint in flight at a time (concurrent
// callers share it). A failed refresh keeps the old token while it is still
// usable and retries with exponential backoff; when no usable token is left,
// the request is refused (503), never forwarded without a credential.
import { WardenError } from '../errors.js';
import { publishTokenMint } from '../telemetry/events.js';
import type { AccessToken, CallerToken, TokenSource } from './token-source.js';

/** Refresh this long before expiry (at most; a quarter of the lifetime for short-lived tokens). */
const REFRESH_AHEAD_MS = 5 * 60_000;
/** Never hand out a token closer than this to its expiry (at most; a tenth of the lifetime). */
const MIN_VALIDITY_MS = 30_000;
const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;

/** What every token of one credential has done; shared by its per-caller entries. */
export interface CredentialStats {
  mints: number;
  failures: number;
  lastMint?: number;
  lastExpiry?: number;
  lastError?: string;
  /** Failures since the last success. */
  consecutiveFailures: number;
}

interface Held {
  token: string;
  refreshAt: number;
  usableUntil: number;
}

export class CachedToken {
  private current?: Held;
  private inflight?: Promise<void>;
  private streak = 0;
  private nextAttemptAt = 0;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly credential: string,
    private source: TokenSource,
    private readonly stats: CredentialStats,
    private readonly opts: { caller?: CallerToken; keepWarm?: boolean } = {},
  ) {}

  /** A usable token; waits for a mint only when none is cached. */
  async get(): Promise<string> {
    const now = Date.now();
    const cur = this.current;
    if (cur && now < cur.usableUntil) {
      if (now >= cur.refreshAt && !this.inflight && now >= this.nextAttemptAt) void this.refresh();
      return cur.token;
    }
    if (!this.inflight && now < this.nextAttemptAt) throw this.unavailable(now);
    await this.refresh();
    const after = this.current;
    if (after && Date.now() < after.usableUntil) return after.token;
    throw this.unavailable(Date.now());
  }

  /** Mint now (in the background) without waiting for a request: warm-up and key rotation. Settles when that mint has, well or not. */
  warm(): Promise<void> {
    return this.inflight ?? this.refresh();
  }

  /** The key material changed: mint from the new source, keep serving the old token meanwhile. */
  replaceSource(source: TokenSource): void {
    this.source = source;
    this.streak = 0;
    this.nextAttemptAt = 0;
    // A mint already running uses the old source: mint again once it is done.
    if (this.inflight) void this.inflight.then(() => this.warm());
    else this.warm();
  }

  /** Whether a token is held that may still be handed out. */
  usable(now = Date.now()): boolean {
    return !!this.current && now < this.current.usableUntil;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private refresh(): Promise<void> {
    this.inflight ??= this.mintOnce().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Never throws: the outcome is in `current`, the stats and the backoff. */
  private async mintOnce(): Promise<void> {
    const started = performance.now();
    let t: AccessToken;
    try {
      t = await this.source.mint(this.opts.caller);
    } catch (e) {
      this.streak++;
      this.stats.failures++;
      this.stats.consecutiveFailures = this.streak;
      this.stats.lastError = (e as Error).message;
      this.nextAttemptAt = Date.now() + Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (this.streak - 1));
      publishTokenMint({ credential: this.credential, kind: this.source.kind, seconds: (performance.now() - started) / 1000, ok: false, streak: this.streak, error: this.stats.lastError });
      this.schedule(this.nextAttemptAt);
      return;
    }
    const now = Date.now();
    const lifetime = t.expiresAt - now;
    this.current = {
      token: t.token,
      refreshAt: t.expiresAt - Math.min(REFRESH_AHEAD_MS, lifetime / 4),
      usableUntil: t.expiresAt - Math.min(MIN_VALIDITY_MS, lifetime / 10),
    };
    const failuresBefore = this.streak;
    this.streak = 0;
    this.nextAttemptAt = 0;
    this.stats.mints++;
    this.stats.consecutiveFailures = 0;
    this.stats.lastMint = now;
    this.stats.lastExpiry = t.expiresAt;
    this.stats.lastError = undefined;
    publishTokenMint({ credential: this.credential, kind: this.source.kind, seconds: (performance.now() - started) / 1000, ok: true, streak: 0, failuresBefore });
    this.schedule(this.current.refreshAt);
  }

  /** Shared credentials stay warm on their own; per-caller tokens are refreshed only when used. */
  private schedule(at: number): void {
    if (!this.opts.keepWarm || this.closed || !Number.isFinite(at)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.warm(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private unavailable(now: number): WardenError {
    const retry = Math.max(1, Math.ceil((this.nextAttemptAt - now) / 1000));
    return new WardenError('UNAVAILABLE', 'CREDENTIAL_UNAVAILABLE', `upstream credential "${this.credential}" is unavailable; retrying in ${retry}s`, {
      headers: { 'retry-after': String(retry) },
    });
  }
}
