// Caches one token per source: served from memory while valid, refreshed
// ahead of expiry, one mint in flight at a time (concurrent callers share it).
import { WardenError } from '../errors.js';
import type { AccessToken, TokenSource } from './token-source.js';

/** Refresh when less than this much lifetime is left. */
const REFRESH_AHEAD_MS = 5 * 60_000;
/** Never hand out a token closer than this to its expiry. */
const MIN_VALIDITY_MS = 30_000;

export interface CredentialStatus {
  name: string;
  kind: string;
  lastMint?: string;
  expiresAt?: string;
  mints: number;
  failures: number;
  lastError?: string;
}

export class CachedToken {
  private current?: AccessToken;
  private inflight?: Promise<AccessToken>;
  private mints = 0;
  private failures = 0;
  private lastMint?: number;
  private lastError?: string;

  constructor(readonly name: string, private readonly source: TokenSource) {}

  /** A valid token; waits for a mint only when none is cached. */
  async get(): Promise<string> {
    const now = Date.now();
    const cur = this.current;
    if (cur && cur.expiresAt - now > MIN_VALIDITY_MS) {
      if (cur.expiresAt - now < REFRESH_AHEAD_MS) this.refresh().catch(() => {});
      return cur.token;
    }
    try {
      return (await this.refresh()).token;
    } catch (e) {
      throw new WardenError('UNAVAILABLE', 'CREDENTIAL_UNAVAILABLE',
        `upstream credential "${this.name}" is unavailable: ${(e as Error).message}`, { cause: e });
    }
  }

  status(): CredentialStatus {
    return {
      name: this.name,
      kind: this.source.kind,
      lastMint: this.lastMint ? new Date(this.lastMint).toISOString() : undefined,
      expiresAt: this.current ? new Date(this.current.expiresAt).toISOString() : undefined,
      mints: this.mints,
      failures: this.failures,
      lastError: this.lastError,
    };
  }

  private refresh(): Promise<AccessToken> {
    this.inflight ??= this.source
      .mint()
      .then(
        (t) => {
          this.current = t;
          this.mints++;
          this.lastMint = Date.now();
          this.lastError = undefined;
          return t;
        },
        (e: unknown) => {
          this.failures++;
          this.lastError = (e as Error).message;
          throw e;
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}
