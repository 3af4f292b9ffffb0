import type { BodyCapture } from '../audit/capture.js';
import type { WardenError } from '../errors.js';
import type { Finding } from '../guardrails/findings.js';
import type { QuotaRecord } from '../limits/limits.js';
import type { RequestTrace } from '../telemetry/tracing.js';
import type { Decision, Principal, RequestInfo, Target, Usage } from '../types.js';
import type { ForwardOutcome } from './forward.js';
import type { Route } from './route.js';

/** One request's journey: each stage adds its result; `record` reads the whole. */
export interface Exchange {
  req: RequestInfo;
  /** performance.now() at arrival. */
  started: number;
  /** The request's spans, when tracing is on. */
  trace?: RequestTrace;
  route?: Route;
  principal: Principal;
  target?: Target;
  decision?: Decision;
  /** Name of the upstream credential used (never the token). */
  credential?: string;
  requestBytes?: number;
  /** SHA-256 (hex) of the request body, when it was read whole. */
  requestSha256?: string;
  /** The request text, only on routes with `storePrompts`. */
  prompt?: string;
  upstream?: ForwardOutcome;
  /** Digest, size and (with `storePrompts`) text of the response body as sent. */
  response?: BodyCapture;
  usage?: Usage;
  /** guard(request) and guard(response) findings: types, counts, locations — never the values. */
  findings?: Finding[];
  /** The quota check: rules that counted the request, the one that refused it, the token estimate. */
  quota?: QuotaRecord;
  error?: WardenError;
  /** HTTP status sent to the caller. */
  status: number;
  /** Set by `record`: a request is recorded once, before its response's last byte. */
  recorded?: boolean;
}
