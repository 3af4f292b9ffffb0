// The answer side, shared by the front doors that see the upstream's answer
// (the proxy, which forwards it, and ext_proc, where Envoy forwards it and
// streams it through Warden):
//
//   the body that leaves   guard(request)'s redaction, and the stream usage Warden asks for
//   guard(response)        redaction chunk by chunk, in the answer's framing
//   usage                  read from what the upstream sent, before any rewriting
//   MCP                    the call's outcome, list answers filtered, the session an initialize
//                          opens bound (or a DELETE's forgotten) before the answer completes
//   settlement             the quota charge, from the usage; findings and errors for the record
//
// What the caller is sent is captured for the record (size, digest, text with
// storePrompts). Each front door feeds the answer's bytes in order and calls
// `finish` once the answer has ended, broken off or never come; `record`
// (admission/record.ts) then reads the exchange whole.
import { BodyCapture } from '../audit/capture.js';
import { WardenError } from '../errors.js';
import { shutdownError } from '../drain.js';
import { responseRewriter, type ResponseRewriter } from '../guardrails/response.js';
import { usageFraming, type UsageObserver } from '../providers/index.js';
import { askForStreamUsage, UsageChunkFilter } from '../providers/stream-usage.js';
import type { McpAnswer, McpGate } from '../mcp/gate.js';
import { wardenCode } from '../mcp/jsonrpc.js';
import type { Target } from '../types.js';
import type { Admission } from '../admission/admit.js';
import type { OwnershipTicket } from '../ownership/ownership.js';
import type { RequestBody } from '../admission/body.js';
import type { Exchange, ForwardOutcome } from '../admission/exchange.js';
import type { Route } from '../admission/route.js';

export interface LeavingBody {
  /** The bytes to send upstream instead of the caller's body; undefined: the caller's body, unchanged. */
  body?: Buffer;
  /** Warden asked an OpenAI-style stream for its usage (route option streamUsage): the answer hides it again. */
  askedForUsage: boolean;
}

/** The request body that leaves: the caller's, or guard(request)'s redaction of it, asking for stream usage when the caller did not. */
export function leavingBody(route: Route, target: Target, body: RequestBody, admission: Admission): LeavingBody {
  const sent = admission.body ?? body.buffer;
  const withUsage = (route.spec.streamUsage ?? target.provider === 'openai') ? askForStreamUsage(target, body.json, sent) : undefined;
  return { body: withUsage ?? admission.body, askedForUsage: withUsage !== undefined };
}

/**
 * One request's answer, fed in order: `start` with the upstream's status and content type (true:
 * the body will be rewritten, so its length changes), `chunk` with each body chunk as it arrives
 * (returns what to send the caller now, possibly nothing), `end` when the body ended (returns
 * anything still held). A throw from `chunk` or `end` means the rest must not be sent.
 */
export class AnswerStage {
  private observer?: UsageObserver;
  private rewriter?: ResponseRewriter;
  private usageFilter?: UsageChunkFilter;
  private mcp?: McpAnswer;
  private readonly capture: BodyCapture;
  /** Ownership's part, on successful answers only. */
  private owned?: OwnershipTicket;

  /** `gate`: MCP routes' answer step (absent where no route is MCP; admission refuses MCP calls then). */
  constructor(
    private readonly ex: Exchange,
    private readonly route: Route,
    private readonly admission: Admission,
    private readonly askedForUsage: boolean,
    private readonly gate?: McpGate,
  ) {
    this.capture = ex.response = new BodyCapture(route.spec.storePrompts);
  }

  start(status: number, contentType: string | undefined, headers: Record<string, string | string[] | undefined>): boolean {
    const target = this.ex.target!;
    const framing = usageFraming(target, contentType);
    // MCP: the call's outcome, list filtering, the session an initialize opens or a DELETE ends.
    if (target.mcp) this.mcp = this.gate?.answer(this.ex, this.route.spec, status, framing, headers);
    // guard(response): usage and text are read only from successful answers.
    if (status >= 400) return false;
    this.owned = this.admission.ownership;
    this.observer = this.route.provider.usageObserver(target, contentType);
    this.rewriter = this.admission.guard && responseRewriter(this.admission.guard, framing);
    // Warden asked for the usage: the caller gets the stream it asked for, without it.
    if (this.askedForUsage && framing === 'sse') this.usageFilter = new UsageChunkFilter();
    return this.rewriter !== undefined || this.usageFilter !== undefined || this.owned?.rewrites === true || this.mcp?.step?.rewrites === true;
  }

  chunk(c: Buffer): Buffer | undefined {
    // The usage observer reads what the upstream sent, before any filtering or redaction.
    this.observer?.push(c);
    let out: Buffer | undefined = this.usageFilter ? this.usageFilter.chunk(c) : c;
    // A created resource's name is read; a list is held to be cut to the caller's own.
    if (out && this.owned) out = this.owned.chunk(out);
    // The MCP step reads (and filters) the server's message before guard(response) redacts what is left.
    if (out && this.mcp?.step) out = this.mcp.step.chunk(out);
    if (out && this.rewriter) out = this.rewriter.chunk(out);
    if (out) this.capture.push(out);
    return out;
  }

  /** The rest; a promise when guard(response) holds the answer for the external guardrails that read it. */
  end(): Buffer | undefined | Promise<Buffer | undefined> {
    // Ownership's step returns the whole cut list at its end (nothing more when it only reads a created name).
    const rest = endStep(this.mcp?.step, endStep(this.owned, this.usageFilter?.end()));
    if (!this.rewriter) return this.captured(rest);
    const a = rest && this.rewriter.chunk(rest);
    const b = this.rewriter.end();
    const join = (b: Buffer | undefined) => this.captured(a && b ? Buffer.concat([a, b]) : (a ?? b));
    return b instanceof Promise ? b.then(join) : join(b);
  }

  private captured(rest: Buffer | undefined): Buffer | undefined {
    if (rest) this.capture.push(rest);
    return rest;
  }

  /**
   * The answer ended, broke off, or never came (`outcome.error`, thrown for the front door to render):
   * the exchange gets the outcome, the findings (once the external guardrails reading the answer
   * have finished) and the usage, and the quota charge is settled.
   */
  async finish(outcome: ForwardOutcome): Promise<void> {
    const { ex, admission } = this;
    ex.upstream = outcome;
    // The answer is complete but for its end: it goes out once the session it opened is bound (or the one it ended forgotten).
    if (this.mcp?.ready) await this.mcp.ready;
    if (admission.guard) {
      // External guardrails that read the answer finish before the record is written.
      await admission.guard.settled();
      ex.findings = admission.guard.findings.list;
      // An answer guard(response) replaced with a refusal (an MCP result carrying injection): refused, in the record.
      const blocked = admission.guard.findings.blocked('response');
      if (blocked.length && !outcome.error) {
        ex.error = new WardenError('PERMISSION_DENIED', 'GUARDRAIL_BLOCKED', `answer blocked by guardrails: ${blocked.join(', ')}`);
        ex.trace?.fail(ex.error.reason);
        if (ex.mcp) Object.assign(ex.mcp, { result: 'error', errorCode: wardenCode(403) });
      }
    }
    // Not thrown: the response has started (or nobody is left to answer); the record says why it is incomplete.
    if (outcome.aborted) {
      ex.error = abortError(outcome.aborted, outcome.abortError, this.route.timeoutMs);
      ex.trace?.fail(ex.error.reason);
    }
    if (outcome.error) {
      // No connection: the request never left Warden and costs nothing. Sent but unanswered: it counts, its tokens do not.
      if (neverSent(outcome.error)) admission.quota?.refund();
      else admission.quota?.settle(undefined, false);
      throw outcome.error;
    }
    ex.usage = this.observer?.result();
    admission.quota?.settle(ex.usage, (outcome.upstreamStatus ?? 500) < 400);
    // The creator is on record before the caller has the whole answer (the front door sends its end after finish).
    const created = await admission.ownership?.settle(this.owned !== undefined && !outcome.aborted);
    if (created !== undefined) ex.target!.resource = created;
  }
}

/** A step's output for the last bytes before it, then its own end. */
function endStep(step: { chunk(c: Buffer): Buffer | undefined; end(): Buffer | undefined } | undefined, before: Buffer | undefined): Buffer | undefined {
  if (!step) return before;
  const a = before && step.chunk(before);
  const b = step.end();
  return a && b ? Buffer.concat([a, b]) : (a ?? b);
}

function abortError(by: NonNullable<ForwardOutcome['aborted']>, cause: Error | undefined, timeoutMs: number): WardenError {
  if (by === 'caller') return new WardenError('CANCELLED', 'CLIENT_CLOSED', 'the caller closed the connection before the whole answer was sent');
  if (by === 'shutdown') return shutdownError();
  if (by === 'envoy') {
    return new WardenError('CANCELLED', 'EXT_PROC_CLOSED', 'Envoy ended the processing stream before the whole answer was sent (the caller or the upstream went away)');
  }
  if (by === 'upstream' && isBodyTimeout(cause)) {
    // Not the upstream breaking off: Warden cut the answer after the upstream went silent for the route's timeout.
    return new WardenError('DEADLINE_EXCEEDED', 'UPSTREAM_TIMEOUT', `the upstream's answer had started, then sent nothing for ${timeoutMs} ms`, { cause });
  }
  if (by === 'upstream') return new WardenError('UNAVAILABLE', 'UPSTREAM_ABORTED', 'the upstream\'s answer broke off after it had started');
  return new WardenError('INTERNAL', 'RESPONSE_ABORTED', `the answer was cut off: ${cause?.message ?? 'the response transform failed'}`, { cause });
}

/** undici's body timeout: the upstream sent nothing for `timeoutMs` (mid-answer, when the response had started). */
export function isBodyTimeout(err: Error | undefined): boolean {
  return (err as { code?: string } | undefined)?.code === 'UND_ERR_BODY_TIMEOUT';
}

/** Connection errors: no connection to the upstream was made, so the request never left Warden. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Whether a forward error means the upstream never received the request (quotas give the charge back then). */
export function neverSent(err: WardenError): boolean {
  const cause = err.cause as { code?: string; errors?: { code?: string }[] } | undefined;
  if (!cause) return false;
  // Happy eyeballs: one AggregateError with an error per address tried.
  if (cause.errors?.length) return cause.errors.every((e) => CONNECT_ERRORS.has(e.code ?? ''));
  return CONNECT_ERRORS.has(cause.code ?? '');
}
