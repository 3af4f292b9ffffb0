/** An upstream access token and when it stops being valid. */
export interface AccessToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** Mints a fresh upstream token; implementations do no caching of their own. */
export interface TokenSource {
  /** A short description for status pages and logs; never contains a secret. */
  readonly kind: string;
  mint(): Promise<AccessToken>;
}
