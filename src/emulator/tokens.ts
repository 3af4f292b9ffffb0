// Opaque Google-style access tokens. Real ones are opaque to callers too, so
// the only way to check one is to ask the issuer: that is this store.

import { randomBytes } from 'node:crypto';

/** How a token came to be; the keys of `stats.byGrant`. */
export type Grant = 'jwt-bearer' | 'token-exchange' | 'generateAccessToken' | 'metadata';

export interface AccessTokenInfo {
  token: string;
  /** Service-account email, or `principal://…/subject/<sub>` for a federated token. */
  identity: string;
  scopes: string[];
  grant: Grant;
  issuedAt: number;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface TokenStats {
  tokensMinted: number;
  byGrant: Record<string, number>;
}

export class AccessTokenStore {
  private readonly tokens = new Map<string, AccessTokenInfo>();

  constructor(private readonly stats: TokenStats) {}

  mint(identity: string, scopes: string[], grant: Grant, ttlSeconds: number): AccessTokenInfo {
    const now = Date.now();
    const info: AccessTokenInfo = {
      token: `ya29.emu.${randomBytes(32).toString('base64url')}`,
      identity,
      scopes,
      grant,
      issuedAt: now,
      expiresAt: now + ttlSeconds * 1000,
    };
    this.tokens.set(info.token, info);
    this.stats.tokensMinted++;
    this.stats.byGrant[grant] = (this.stats.byGrant[grant] ?? 0) + 1;
    this.sweep(now);
    return info;
  }

  /** The token's record if it is ours and unexpired. */
  lookup(token: string): AccessTokenInfo | undefined {
    const info = this.tokens.get(token);
    if (!info) return undefined;
    if (info.expiresAt <= Date.now()) {
      this.tokens.delete(token);
      return undefined;
    }
    return info;
  }

  // Long demo runs mint many tokens; drop dead ones now and then so memory stays flat.
  private sweep(now: number): void {
    if (this.tokens.size % 256 !== 0) return;
    for (const [k, v] of this.tokens) if (v.expiresAt <= now) this.tokens.delete(k);
  }
}
