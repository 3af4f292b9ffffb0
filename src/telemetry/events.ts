// Events that stages outside the request path publish for telemetry: token
// mints (credentials) and key-set refreshes (identity). They go through
// node:diagnostics_channel, so a module publishes without knowing who listens,
// and publishing costs nothing while nobody subscribes.
import diagnostics from 'node:diagnostics_channel';

export interface TokenMintEvent {
  /** The credential's configured name. */
  credential: string;
  /** Source kind: service-account, external-account, metadata, bearer-file, … */
  kind: string;
  seconds: number;
  ok: boolean;
  /** Failures in a row, this one included (0 when ok). */
  streak: number;
  /** A failure's message; after a success, how many failures came before it. */
  error?: string;
  failuresBefore?: number;
}

export interface JwksRefreshEvent {
  /** The key set's URL (configured, so a bounded label). */
  uri: string;
  ok: boolean;
}

export const tokenMintChannel = diagnostics.channel('warden:credential.mint');
export const jwksRefreshChannel = diagnostics.channel('warden:identity.jwks-refresh');

/** Call after every upstream token mint attempt. */
export function publishTokenMint(e: TokenMintEvent): void {
  if (tokenMintChannel.hasSubscribers) tokenMintChannel.publish(e);
}

/** Runs `fn` on every mint attempt from now on; returns the unsubscribe. */
export function onTokenMint(fn: (e: TokenMintEvent) => void): () => void {
  const listener = (m: unknown) => fn(m as TokenMintEvent);
  tokenMintChannel.subscribe(listener);
  return () => tokenMintChannel.unsubscribe(listener);
}

/** Call after every fetch of a remote JSON Web Key Set. */
export function publishJwksRefresh(e: JwksRefreshEvent): void {
  if (jwksRefreshChannel.hasSubscribers) jwksRefreshChannel.publish(e);
}
