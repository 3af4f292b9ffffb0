import type { WardenError } from '../errors.js';
import type { Decision, Principal, RequestInfo, Target, Usage } from '../types.js';
import type { ForwardOutcome } from './forward.js';
import type { Route } from './route.js';

/** One request's journey: each stage adds its result; `record` reads the whole. */
export interface Exchange {
  req: RequestInfo;
  /** performance.now() at arrival. */
  started: number;
  route?: Route;
  principal: Principal;
  target?: Target;
  decision?: Decision;
  /** Name of the upstream credential used (never the token). */
  credential?: string;
  requestBytes?: number;
  upstream?: ForwardOutcome;
  usage?: Usage;
  error?: WardenError;
  /** HTTP status sent to the caller. */
  status: number;
}
