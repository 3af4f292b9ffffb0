// A deadline on admission for the front doors whose caller waits on a clock
// of its own (Envoy's ext_authz timeout, ext_proc's message timeout): Warden
// refuses at its deadline, so that the caller learns why rather than getting
// Envoy's bare error.
import { WardenError } from '../errors.js';

/** `work`, or `late()`'s error once `ms` have passed (an infinite `ms`: no deadline). */
export function withDeadline<T>(work: Promise<T>, ms: number, late: (ms: number) => WardenError): Promise<T> {
  if (!Number.isFinite(ms)) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late(ms)), Math.max(0, ms));
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
