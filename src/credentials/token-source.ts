/** An upstream access token and when it stops being valid. */
export interface AccessToken {
  token: string;
  /** Epoch milliseconds; Infinity for secrets that do not expire. */
  expiresAt: number;
}

/** The caller's verified token, for sources that federate each caller on its own. */
export interface CallerToken {
  token: string;
  /** Epoch milliseconds (the token's `exp`); no token minted from it outlives it. */
  expiresAt: number;
}

/** Mints a fresh upstream token; implementations do no caching of their own. */
export interface TokenSource {
  /** A short description for status pages and logs; never contains a secret. */
  readonly kind: string;
  /** True when every caller gets a token of its own, minted from the caller's token. */
  readonly perCaller: boolean;
  mint(caller?: CallerToken): Promise<AccessToken>;
}

/**
 * A failed mint. The message is built by Warden from status codes, error
 * codes and URLs only, so that it is safe for status pages, logs and the
 * caller's 503; the library error (which may hold request headers) never is.
 */
export class MintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MintError';
  }
}

/** Describe a google-auth-library (gaxios) or fetch failure without its request data. */
export function describeFailure(what: string, e: unknown): MintError {
  if (e instanceof MintError) return e;
  const err = e as { status?: number; response?: { status?: number; data?: unknown }; code?: string; cause?: { code?: string } };
  const status = err.response?.status ?? err.status;
  const data = err.response?.data as { error?: unknown } | undefined;
  const oauthError = typeof data?.error === 'string' ? ` ${data.error}` : '';
  const rpcStatus = typeof (data?.error as { status?: unknown })?.status === 'string' ? ` ${(data!.error as { status: string }).status}` : '';
  if (status) return new MintError(`${what} answered ${status}${oauthError}${rpcStatus}`);
  const code = err.code ?? err.cause?.code;
  return new MintError(`${what} failed${code ? ` (${code})` : ''}`);
}
