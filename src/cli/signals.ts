// Signals, caught from the first moment a command runs. Node's default for
// SIGTERM, SIGINT and SIGHUP is to die at once; a handler installed only once
// the gateway listens leaves a window in which a pod's SIGTERM (or a test's)
// kills it unrecorded. A stop signal that comes while Warden starts is kept,
// and acted on once it listens.

export interface Signals {
  /** The first SIGTERM or SIGINT (at once if one came already). */
  readonly stopped: Promise<NodeJS.Signals>;
  /** `fn` runs on each SIGTERM or SIGINT after the first: hurry the shutdown. */
  onAgain(fn: () => void): void;
  /** `fn` runs on each SIGHUP (reload the config); ignored until set. */
  onHangup(fn: () => void): void;
  /** Removes the handlers: the defaults apply again. */
  release(): void;
}

export function catchSignals(): Signals {
  let first: NodeJS.Signals | undefined;
  let resolveStopped!: (s: NodeJS.Signals) => void;
  const stopped = new Promise<NodeJS.Signals>((resolve) => (resolveStopped = resolve));
  let again: (() => void) | undefined;
  let hangup: (() => void) | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (first) return again?.();
    first = signal;
    resolveStopped(signal);
  };
  const hup = () => hangup?.();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', hup);
  return {
    stopped,
    onAgain: (fn) => void (again = fn),
    onHangup: (fn) => void (hangup = fn),
    release() {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.off('SIGHUP', hup);
    },
  };
}
