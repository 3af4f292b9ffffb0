import type { BodyCapture } from '../audit/capture.js';
import type { WardenError } from '../errors.js';
import type { Finding } from '../guardrails/findings.js';
import type { QuotaRecord } from '../limits/limits.js';
import type { McpOutcome } from '../mcp/answer.js';
import type { RequestTrace } from '../telemetry/tracing.js';
import type { Decision, Principal, RequestInfo, Target, Usage } from '../types.js';
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
  /** MCP routes: how the JSON-RPC call was answered, and a session's lifetime when this request ended it. */
  mcp?: McpOutcome & { sessionSeconds?: number };
  error?: WardenError;
  /** HTTP status sent to the caller. */
  status: number;
  /** With failover: the location that answered, how many upstream calls it took, and each try's result (for metrics). */
  failover?: { location: string; attempts: number; tries: { location: string; result: 'answered' | 'moved_on' | 'unreachable' }[] };
  /** Set by `record`: a request is recorded once, before its response's last byte. */
  recorded?: boolean;
}

/** How the upstream call went, as the front door that forwarded it (the proxy, or Envoy for ext_proc) saw it. */
export interface ForwardOutcome {
  upstreamStatus?: number;
  /** Time to the first response body byte, in ms from the forward's start. */
  ttfbMs?: number;
  /** Time to the end of the upstream response (or its failure), in ms from the forward's start. */
  durationMs?: number;
  /** With `holdEnd`: completes the caller's response. */
  release?: () => void;
  bytesOut: number;
  /** The upstream answered a status the route fails over on (429, 503): nothing was sent to the caller. */
  movedOn?: number;
  /** Set when the upstream failed before the response started; the caller renders it. */
  error?: WardenError;
  /**
   * The exchange broke off before the caller had the whole answer: the caller
   * went away, or the upstream's response broke after it had started, or
   * Warden's response transform refused it, or (ext_proc) Envoy ended the
   * processing stream first, or Warden's shutdown cut it (drain.ts).
   */
  aborted?: 'caller' | 'upstream' | 'transform' | 'envoy' | 'shutdown';
  /** Why a response that had started broke off: the transform's error, or the upstream connection's (a body timeout too). */
  abortError?: Error;
}
