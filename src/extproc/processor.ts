// One ext_proc stream: one HTTP request and its answer, as Envoy streams them
// through Warden while it forwards. The same stages as the proxy, with Envoy
// doing the forwarding:
//
//   request_headers   the route; the answer to them waits for the body (STREAMED with
//                     send_body_without_waiting_for_header_response), or goes at once
//                     (BUFFERED: the body's answer carries the changes; no body)
//   request_body      held up to bodyBufferBytes (counted against maxBufferedBytes with
//                     every other body Warden holds), then admission (identify → classify →
//                     authorize → guard(request) → quota → credential, src/admission): the
//                     header answer sets Warden's credential and removes every header the
//                     proxy would not forward; the held chunks carry the body that leaves
//                     (redacted, asking for stream usage). Past the limit the rest streams
//                     on, counted and hashed
//   response_headers  the answer starts (src/answer): x-request-id and quota headers added,
//                     content-length dropped when the body will be rewritten
//   response_body     chunk by chunk: usage, guard(response), what the caller is sent; at the
//                     end the quota is settled and the exchange recorded, and only once the
//                     record is in the audit spool does the last chunk's answer go
//
// A refusal is an immediate_response in the caller's protocol. Messages are
// handled one at a time, in order, and answered in order. What Envoy sends out
// of order, or a stream it ends early, is recorded with its reason; see
// docs/istio.md ("Bad input from Envoy").
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { BodyCapture, keptText, sha256Hex } from '../audit/capture.js';
import { HTTP_STATUS, toWardenError, WardenError } from '../errors.js';
import type { Provider } from '../providers/index.js';
import type { Principal, RequestInfo } from '../types.js';
import { admit, type Admission, type AdmissionParts } from '../admission/admit.js';
import { bodyTooLarge, bufferedBody, type RequestBody, type StreamedBody } from '../admission/body.js';
import { withDeadline } from '../admission/deadline.js';
import type { Exchange, ForwardOutcome } from '../admission/exchange.js';
import type { Recorder } from '../admission/record.js';
import { noRouteMessage, resolveRequestTarget } from '../admission/request-target.js';
import type { Route } from '../admission/route.js';
import { allowedHeader } from '../admission/headers.js';
import { AnswerStage, leavingBody } from '../answer/answer.js';
import { shutdownError } from '../drain.js';
import { METADATA_DECISION, METADATA_TARGET, metadataResponse, type MetadataAnswer } from '../mcp/resource-metadata.js';
import type { Tracing } from '../telemetry/tracing.js';
import { common, headerMutation, immediate, metadata, replaceChunk, setHeaders } from './mutations.js';
import type { BodySendMode, HeaderMutation, ProcessingRequest, ProcessingResponse, StructOut } from './proto.js';
import { headersOf, requestInfoOf } from './request.js';

export interface ProcessorParts extends AdmissionParts {
  matchRoute: (req: RequestInfo) => Route | undefined;
  recorder: Recorder;
  /** Present when OTLP export is configured: a span per stream, as for a proxied request. */
  tracing?: Tracing;
  /** Renders errors for requests that matched no route. */
  fallbackProvider: Provider;
  /** Documents Warden serves itself: MCP routes' OAuth Protected Resource Metadata. */
  metadata?: (req: RequestInfo) => MetadataAnswer | undefined;
  /** Admission that takes longer is refused (ADMISSION_TIMEOUT), before Envoy's message timeout. */
  timeoutMs: number;
  /** Request bodies up to this size are held whole before admission; larger ones stream on. */
  bodyBufferBytes: number;
}

/** How the processor answers on its gRPC stream. */
export interface StreamIo {
  send(r: ProcessingResponse): void;
  /** Ends the stream with a gRPC error status: Envoy fails the request (500) unless failure_mode_allow. */
  fail(code: number, message: string): void;
  /**
   * Ends Warden's side cleanly once the exchange needs nothing more, so that Envoy closes the
   * stream rather than resetting it (Node's HTTP/2 counts resets against a rapid-reset limit).
   */
  end(): void;
}

type Phase =
  | 'headers' // waiting for request_headers
  | 'body' // holding the request body before admission
  | 'upstream' // the request went on; waiting for the answer
  | 'answer' // the answer's body passes
  | 'done'; // recorded: anything more is passed on unchanged

const SPAN = { 'warden.ext_proc': true };
const ANONYMOUS: Principal = Object.freeze({ groups: [], methods: [] }) as Principal;
const EMPTY = Buffer.alloc(0);
/** gRPC status INVALID_ARGUMENT: Envoy broke the protocol. INTERNAL: Warden did. UNAVAILABLE: Warden is shutting down. */
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_INTERNAL = 13;
const GRPC_UNAVAILABLE = 14;

/**
 * Request headers Envoy keeps whatever Warden says: pseudo-headers and framing (Envoy's own), the
 * request id (Warden sets it), and Envoy's own `x-envoy-*` (which ext_proc may not change).
 */
function envoyOwned(name: string): boolean {
  return name.startsWith(':') || name === 'host' || name === 'content-length' || name === 'transfer-encoding' || name === 'x-request-id' || name.startsWith('x-envoy-');
}

export class ExchangeProcessor {
  private phase: Phase = 'headers';
  private ex?: Exchange;
  private route?: Route;
  private mode: BodySendMode | 'UNKNOWN' = 'UNKNOWN';
  private waitsForHeaderAnswer = true;
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Bytes of the held body taken from the BufferBudget (spec.limits.maxBufferedBytes); given back once the held chunks are answered or the exchange ends. */
  private taken = 0;
  private streamed?: StreamedBody;
  /** Admitted, and the rest of the request body still passes (counted and hashed). */
  private bodyStreaming = false;
  private hash?: Hash;
  private admission?: Admission;
  private answer?: AnswerStage;
  private rewrites = false;
  private readonly outcome: ForwardOutcome = { bytesOut: 0 };
  private forwardStarted = 0;
  /** Warden answered with an immediate response or a stream error: Envoy expects nothing more on this stream. */
  private answered = false;
  /** The exchange's record has been handed to the recorder: once only, whichever ending comes first. */
  private recorded = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly parts: ProcessorParts,
    private readonly io: StreamIo,
  ) {}

  /** Envoy's next message: handled after the ones before it. */
  message(m: ProcessingRequest): void {
    this.queue = this.queue.then(() => this.handle(m)).catch((e: unknown) => this.broken(toWardenError(e), GRPC_INTERNAL));
  }

  /**
   * Shutdown's time is up (drain.ts): now, not after the queued messages, the exchange is recorded as
   * SHUTDOWN (Warden's doing, not the caller's) and the stream ends UNAVAILABLE, so that Envoy fails the
   * request (or resets its answer, if it had begun). An exchange already recorded only has its stream ended.
   */
  shutdown(): void {
    const end = () => this.io.fail(GRPC_UNAVAILABLE, 'SHUTDOWN: Warden is shutting down');
    if (this.phase === 'done' || !this.ex) {
      this.phase = 'done';
      this.answered = true;
      return end();
    }
    void this.cutByShutdown(this.ex).then(end, end);
  }

  private async cutByShutdown(ex: Exchange): Promise<void> {
    const answering = this.phase === 'answer';
    this.phase = 'done';
    this.answered = true;
    if (this.answer) {
      this.outcome.aborted = 'shutdown';
      this.outcome.durationMs = performance.now() - this.forwardStarted;
      try {
        await this.answer.finish(this.outcome);
      } catch {
        // An outcome error is rethrown; the record below says what happened.
      }
    } else {
      ex.error = shutdownError();
      ex.trace?.fail(ex.error.reason);
    }
    // An answer that had begun keeps its status; one that had not is Warden's 503.
    if (!answering || !ex.status) ex.status = shutdownError().httpStatus;
    return this.record();
  }

  /** The stream ended (Envoy half-closed, cancelled, or the transport failed): after the messages before it. */
  closed(why: string): Promise<void> {
    this.queue = this.queue.then(() => this.endedEarly(why)).catch(() => {});
    return this.queue;
  }

  private async handle(m: ProcessingRequest): Promise<void> {
    if (this.phase === 'done') return this.passOn(m);
    switch (m.request) {
      case 'requestHeaders':
        if (this.phase !== 'headers') return this.protocolError('request headers sent twice');
        return this.requestHeaders(m);
      case 'requestBody':
        if (this.phase === 'body') return this.heldBody(m.requestBody?.body ?? EMPTY, m.requestBody?.endOfStream === true);
        // After admission the rest of a large body passes, also once the answer has begun (an upstream may answer early).
        if (this.bodyStreaming) return this.streamingBody(m.requestBody?.body ?? EMPTY, m.requestBody?.endOfStream === true);
        return this.protocolError(`a request body chunk in phase ${this.phase}`);
      case 'requestTrailers':
        if (this.phase === 'headers') return this.protocolError('request trailers before the request headers');
        // Trailers end the request body (it had no end-of-stream chunk); nothing in them is read.
        if (this.phase === 'body') await this.heldBody(EMPTY, true, false);
        else if (this.bodyStreaming) this.streamEnded();
        // A refusal (already answered) ends it here; TypeScript does not see that the await may change the phase.
        if ((this.phase as Phase) === 'done') return;
        return this.io.send({ requestTrailers: {} });
      case 'responseHeaders':
        if (this.phase === 'upstream') return this.responseHeaders(m);
        if (this.phase === 'body') return this.localReply(m);
        return this.protocolError(`response headers in phase ${this.phase}`);
      case 'responseBody':
        if (this.phase === 'answer') return this.responseBody(m.responseBody?.body ?? EMPTY, m.responseBody?.endOfStream === true);
        return this.protocolError(`a response body chunk in phase ${this.phase}`);
      case 'responseTrailers':
        if (this.phase !== 'answer') return this.protocolError(`response trailers in phase ${this.phase}`);
        return this.responseBody(EMPTY, true, { responseTrailers: {} });
      default:
        return this.protocolError('a message of no known kind');
    }
  }

  // ------------------------------------------------------------- request

  private async requestHeaders(m: ProcessingRequest): Promise<void> {
    const info = requestInfoOf(m);
    const ex: Exchange = (this.ex = { req: info, started: performance.now(), principal: ANONYMOUS, status: 0 });
    ex.trace = this.parts.tracing?.start(info.method, info.headers, SPAN);
    // NONE is the enum's zero value, which proto3 leaves off the wire: a protocol_config without a
    // request_body_mode says NONE. Without protocol_config at all (an older Envoy) the mode is unknown.
    this.mode = m.protocolConfig ? (m.protocolConfig.requestBodyMode ?? 'NONE') : 'UNKNOWN';
    this.waitsForHeaderAnswer = m.protocolConfig?.sendBodyWithoutWaitingForHeaderResponse !== true;
    try {
      // Route, classify, policy and the upstream all see one authority and one path, as in the proxy.
      const authority = info.host;
      resolveRequestTarget(info, this.parts.requestTarget);
      if (info.host !== authority) {
        // Envoy has already routed by :authority: policy would judge one host while Envoy forwards to another.
        throw new WardenError('INVALID_ARGUMENT', 'REQUEST_TARGET_INVALID',
          `the absolute-form request target names host "${info.host.slice(0, 256)}", and Envoy routes by :authority "${authority.slice(0, 256)}"`);
      }
      // An MCP route's Protected Resource Metadata: Warden's own document, answered here.
      const doc = this.parts.metadata?.(info);
      if (doc) return this.serveMetadata(doc);
      const route = this.parts.matchRoute(info);
      if (!route) throw new WardenError('NOT_FOUND', 'NO_ROUTE', noRouteMessage(info.host, info.path));
      this.route = ex.route = route;
      if (!this.parts.recorder.accepting) {
        throw new WardenError('UNAVAILABLE', 'AUDIT_UNAVAILABLE', 'the audit trail cannot take records (sink down and spool full, or the spool cannot be written)');
      }
    } catch (e) {
      return this.refuse(toWardenError(e));
    }
    // Every answer is read (usage, guard(response), the record's size and digest): an answer Envoy
    // would pass without Warden, whole or past a buffer, would leave all of that unknown.
    const answerMode = m.protocolConfig ? (m.protocolConfig.responseBodyMode ?? 'NONE') : 'UNKNOWN';
    if (this.mode !== 'UNKNOWN' && answerMode !== 'STREAMED' && answerMode !== 'BUFFERED') {
      return this.refuse(new WardenError('INTERNAL', 'EXT_PROC_MODE',
        `response_body_mode ${answerMode} is not supported: Warden reads every answer (usage, guardrails, the audit record); use STREAMED or BUFFERED`));
    }
    if (m.requestHeaders?.endOfStream) {
      const changes = await this.admitWith({});
      if (!changes) return;
      this.forwarded(false);
      return this.io.send({ requestHeaders: common(changes.headers), dynamicMetadata: this.decisionMetadata() });
    }
    switch (this.mode) {
      case 'STREAMED':
        if (!this.waitsForHeaderAnswer) {
          // Envoy sends the body on while the header answer waits: Warden sees the body before deciding.
          if (this.overBudget(this.parts.bodyBufferBytes)) return this.refuse(this.parts.buffers!.refusal());
          this.phase = 'body';
          return;
        }
        // Envoy holds the body until the headers are answered: decide without it; it then streams on, unread.
        return this.admitUnread({ streamed: { bytes: 0 } });
      case 'BUFFERED':
      case 'BUFFERED_PARTIAL':
        // Envoy sends the body once the headers are answered; the body's answer carries the changes.
        if (this.overBudget(this.route.spec.maxBodyBytes)) return this.refuse(this.parts.buffers!.refusal());
        this.phase = 'body';
        return this.io.send({ requestHeaders: {} });
      case 'NONE':
        // The body never passes Warden: admitted as a body not read, as ext_authz does without one.
        return this.admitUnread({ partial: true });
      default:
        return this.refuse(new WardenError('INTERNAL', 'EXT_PROC_MODE', this.mode === 'UNKNOWN'
          ? 'Envoy sent no protocol_config, so Warden cannot tell how the request body will come: use a newer Envoy (1.40 sends it)'
          : `request_body_mode ${this.mode} is not supported: use STREAMED with send_body_without_waiting_for_header_response, BUFFERED, or NONE`));
    }
  }

  /**
   * Whether the body the request declares (content-length), as much of it as Warden would hold,
   * would pass maxBufferedBytes: refused at once, as the proxy does, before any of it is held.
   */
  private overBudget(holdAtMost: number): boolean {
    const buffers = this.parts.buffers;
    const declared = Number(this.ex!.req.headers['content-length'] ?? NaN);
    return buffers !== undefined && declared > 0 && buffers.used + Math.min(declared, holdAtMost) > buffers.limit;
  }

  /** Gives back what the held body took of the BufferBudget, and lets go of its chunks. */
  private giveBack(): void {
    this.parts.buffers?.give(this.taken);
    this.taken = 0;
    this.held = [];
  }

  /** Admission before the body is seen; the header answer goes now. */
  private async admitUnread(body: RequestBody): Promise<void> {
    if (body.streamed) {
      this.streamed = body.streamed;
      this.hash = createHash('sha256');
    }
    const changes = await this.admitWith(body);
    if (!changes) return;
    this.forwarded(body.streamed !== undefined);
    this.io.send({ requestHeaders: common(changes.headers), dynamicMetadata: this.decisionMetadata() });
  }

  /** A body chunk before admission: held, until the end of the body or the buffer limit. */
  private async heldBody(chunk: Buffer, end: boolean, answerChunk = true): Promise<void> {
    if (answerChunk) {
      // Held bodies count against maxBufferedBytes with the proxy's and HTTP ext_authz's: past it, 503.
      const buffers = this.parts.buffers;
      if (buffers && chunk.length) {
        if (!buffers.take(chunk.length)) return this.refuse(buffers.refusal());
        this.taken += chunk.length;
      }
      this.held.push(chunk);
      this.heldBytes += chunk.length;
    }
    const route = this.route!;
    if (this.heldBytes > route.spec.maxBodyBytes) return this.refuse(bodyTooLarge(route.spec.maxBodyBytes));
    const buffered = this.mode !== 'STREAMED';
    if (!end && !buffered && this.heldBytes <= this.parts.bodyBufferBytes) return;
    const ex = this.ex!;
    const whole = Buffer.concat(this.held, this.heldBytes);
    let body: RequestBody;
    if (end) {
      body = bufferedBody(whole, ex.req.headers['content-type']);
      ex.requestBytes = whole.length;
      ex.requestSha256 = sha256Hex(whole);
    } else if (buffered) {
      // BUFFERED_PARTIAL cut the body at Envoy's buffer: the start of it only, not read.
      body = { buffer: whole, partial: true };
    } else {
      // Past the buffer limit: admitted as a body that streams on (the proxy's rule), the rest counted and hashed.
      this.streamed = { bytes: this.heldBytes };
      this.hash = createHash('sha256').update(whole);
      body = { streamed: this.streamed };
    }
    const changes = await this.admitWith(body);
    const chunks = this.held;
    // Decided: the held chunks are answered now (or dropped with the refusal), and no longer count.
    this.giveBack();
    if (!changes) return;
    const meta = this.decisionMetadata();
    if (buffered) {
      // One body message: its answer carries the header changes too (Envoy applies them in BUFFERED mode).
      this.forwarded(false);
      return this.io.send({ requestBody: common(changes.headers, changes.body && { body: changes.body }), dynamicMetadata: meta });
    }
    this.forwarded(!end);
    this.io.send({ requestHeaders: common(changes.headers), dynamicMetadata: meta });
    for (let i = 0; i < chunks.length; i++) {
      // A changed body replaces the held chunks: all of it in the last one's answer, the others cleared.
      const replace = changes.body && (i === chunks.length - 1 ? { body: changes.body } : { clearBody: true as const });
      this.io.send({ requestBody: common(undefined, replace) });
    }
  }

  /** A body chunk after admission (the body outgrew the buffer, or was never held): counted, hashed, passed on. */
  private streamingBody(chunk: Buffer, end: boolean): Promise<void> | void {
    const streamed = this.streamed!;
    streamed.bytes += chunk.length;
    this.hash?.update(chunk);
    const max = this.route!.spec.maxBodyBytes;
    if (streamed.bytes > max) return this.refuse(bodyTooLarge(max));
    this.io.send({ requestBody: {} });
    if (end) this.streamEnded();
  }

  /** The whole body has passed: its size and digest for the record. */
  private streamEnded(): void {
    this.bodyStreaming = false;
    if (!this.streamed || !this.hash) return;
    this.streamed.sha256 = this.hash.digest('hex');
    this.hash = undefined;
    this.ex!.requestBytes = this.streamed.bytes;
    this.ex!.requestSha256 = this.streamed.sha256;
  }

  /**
   * Admission, and what it asks of the request that leaves: Warden's credential and identity
   * headers set, every header the proxy would not forward removed, the path normalized (and a
   * consumed token parameter dropped), the body replaced when guard(request) or stream usage
   * changed it. Undefined when the request was refused (already answered).
   */
  private async admitWith(body: RequestBody): Promise<{ headers?: HeaderMutation; body?: Buffer } | undefined> {
    const ex = this.ex!;
    const route = this.route!;
    let admission: Admission;
    try {
      admission = await withDeadline(admit(this.parts, ex, route, body), this.parts.timeoutMs, admissionTimeout);
    } catch (e) {
      this.refuse(toWardenError(e));
      return undefined;
    }
    this.admission = admission;
    const info = ex.req;
    const leaving = leavingBody(route, ex.target!, body, admission);
    ex.prompt = keptText(admission.body ?? body.buffer, route.spec.storePrompts);
    this.answer = new AnswerStage(ex, route, admission, leaving.askedForUsage, this.parts.mcp);

    const set: Record<string, string> = Object.assign({}, admission.addHeaders, { 'x-request-id': info.id });
    if (admission.credentialHeader) set[admission.credentialHeader.name.toLowerCase()] = admission.credentialHeader.value;
    // The route's rewrite, as the proxy applies it: the upstream gets the rewritten prefix (Envoy keeps its route).
    const path = route.upstreamPath(info.path) + (admission.query ?? info.query ? `?${admission.query ?? info.query}` : '');
    if (path !== info.headers[':path']) set[':path'] = path;
    // BUFFERED: Envoy checks the new body against content-length. STREAMED: Envoy sends the body chunked.
    if (leaving.body && this.mode !== 'STREAMED') set['content-length'] = String(leaving.body.length);
    ex.trace?.stage('forward');
    ex.trace?.inject(set);
    // The proxy's allow-list, as removals: what the proxy would not forward, Envoy must not either.
    const connection = info.headers.connection?.toLowerCase().split(/\s*,\s*/);
    const remove: string[] = [];
    for (const name in info.headers) {
      if (envoyOwned(name) || name in set) continue;
      if (!allowedHeader(name, route.headerAllowList, route.headerAllowPrefixes) || connection?.includes(name) || admission.removeHeaders.includes(name)) remove.push(name);
    }
    return { headers: headerMutation(set, remove), body: leaving.body };
  }

  /**
   * The request leaves (as far as Warden knows: Envoy forwards once it has the answer just sent);
   * `bodyStreaming`: the rest of its body is still to pass.
   */
  private forwarded(bodyStreaming: boolean): void {
    this.phase = 'upstream';
    this.bodyStreaming = bodyStreaming;
    this.forwardStarted = performance.now();
  }

  // -------------------------------------------------------------- answer

  private responseHeaders(m: ProcessingRequest): Promise<void> | void {
    const headers = headersOf(m.responseHeaders?.headers?.headers);
    const status = Number(headers[':status']) || 0;
    const ex = this.ex!;
    this.outcome.upstreamStatus = status;
    ex.status = status;
    this.rewrites = this.answer!.start(status, headers['content-type'], headers);
    const set: Record<string, string> = Object.assign({ 'x-request-id': ex.req.id }, this.admission!.quota?.headers);
    const response = common(headerMutation(set, this.rewrites && headers['content-length'] !== undefined ? ['content-length'] : []));
    if (m.responseHeaders?.endOfStream) return this.finish({ responseHeaders: response });
    this.phase = 'answer';
    this.io.send({ responseHeaders: response });
  }

  private responseBody(chunk: Buffer, end: boolean, trailers?: { responseTrailers: object }): Promise<void> | void {
    const outcome = this.outcome;
    if (chunk.length) {
      outcome.ttfbMs ??= performance.now() - this.forwardStarted;
      outcome.bytesOut += chunk.length;
    }
    const answer = this.answer!;
    let out: Buffer | undefined;
    let rest: Buffer | undefined | Promise<Buffer | undefined>;
    try {
      out = chunk.length ? answer.chunk(chunk) : undefined;
      if (end) rest = answer.end();
    } catch (e) {
      return this.transformFailed(e);
    }
    // Held for the guardrails that read the answer: the last chunk's answer waits for them.
    if (rest instanceof Promise) return rest.then((r) => this.answerChunk(chunk, out, r, end, trailers), (e: unknown) => this.transformFailed(e));
    return this.answerChunk(chunk, out, rest, end, trailers);
  }

  /** guard(response) refused the rest (too large to read, or unreadable): the answer is cut off. */
  private transformFailed(e: unknown): Promise<void> | void {
    this.outcome.aborted = 'transform';
    this.outcome.abortError = e as Error;
    return this.cutOff();
  }

  private answerChunk(chunk: Buffer, out: Buffer | undefined, rest: Buffer | undefined, end: boolean, trailers?: { responseTrailers: object }): Promise<void> | void {
    out = out && rest ? Buffer.concat([out, rest]) : (out ?? rest);
    // The answer to a trailers message cannot carry body: what is left of a rewritten body then is dropped,
    // as an answer that ends with trailers has none (trailers are not asked for, see processing mode).
    const response: ProcessingResponse = trailers ?? { responseBody: common(undefined, this.rewrites && (chunk.length || out?.length) ? replaceChunk(out) : undefined) };
    if (end) return this.finish(response);
    this.io.send(response);
  }

  /** The answer has ended: settled and recorded; the response that completes it goes once the record is spooled. */
  private async finish(last: ProcessingResponse): Promise<void> {
    const ex = this.ex!;
    this.outcome.durationMs = performance.now() - this.forwardStarted;
    this.phase = 'done';
    await this.answer!.finish(this.outcome);
    const meta = this.usageMetadata();
    return this.record(() => {
      this.io.send({ ...last, dynamicMetadata: meta });
      this.io.end();
    });
  }

  /** A document Warden serves itself (an MCP route's resource metadata), as an immediate response; recorded against its route. */
  private serveMetadata(m: MetadataAnswer): Promise<void> {
    const ex = this.ex!;
    ex.route = this.parts.matchRoute({ ...ex.req, path: m.route.match.pathPrefix ?? '/' });
    ex.target = METADATA_TARGET;
    ex.decision = METADATA_DECISION;
    ex.status = m.status;
    const { body, headers } = metadataResponse(m, ex.req.method, ex.req.id);
    ex.response = new BodyCapture(false);
    ex.response.push(body);
    this.phase = 'done';
    this.answered = true;
    return this.record(() => {
      this.io.send({ immediateResponse: { status: { code: m.status }, headers: { setHeaders: setHeaders(headers) }, body, details: 'warden_resource_metadata' } });
      this.io.end();
    });
  }

  // ---------------------------------------------------- refusals, failures

  /** Warden's refusal, in the caller's protocol, once the record is spooled. */
  private async refuse(err: WardenError): Promise<void> {
    const ex = this.ex!;
    if (this.answer && !ex.upstream) {
      // Refused after the request began to leave (its body outgrew the route's limit): settled as sent.
      this.outcome.durationMs = performance.now() - this.forwardStarted;
      this.outcome.error = err;
      try {
        await this.answer.finish(this.outcome);
      } catch {
        // finish rethrows the outcome's error; it is this refusal.
      }
    }
    ex.error = err;
    ex.trace?.fail(err.reason);
    const rendered = (this.route?.provider ?? this.parts.fallbackProvider).renderError(err, ex.req.id, { req: ex.req, principal: ex.principal, target: ex.target, route: ex.route?.spec });
    ex.status = rendered.status;
    ex.response = new BodyCapture(false);
    ex.response.push(Buffer.from(rendered.body));
    this.phase = 'done';
    const meta = this.decisionMetadata();
    this.answered = true;
    return this.record(() => {
      this.io.send({ immediateResponse: immediate(rendered, ex.req.id, err.reason), dynamicMetadata: meta });
      this.io.end();
    });
  }

  /** The answer had started when guard(response) refused the rest: Envoy is told to end it (it resets the stream). */
  private async cutOff(): Promise<void> {
    const ex = this.ex!;
    this.outcome.durationMs = performance.now() - this.forwardStarted;
    this.phase = 'done';
    await this.answer!.finish(this.outcome);
    const rendered = this.route!.provider.renderError(ex.error!, ex.req.id, { req: ex.req, principal: ex.principal, target: ex.target, route: ex.route?.spec });
    this.answered = true;
    return this.record(() => {
      this.io.send({ immediateResponse: immediate(rendered, ex.req.id, ex.error!.reason) });
      this.io.end();
    });
  }

  /** Envoy ended the stream before the exchange was complete: recorded with why. */
  private async endedEarly(why: string): Promise<void> {
    if (this.phase === 'done') return;
    const ex = this.ex;
    this.phase = 'done';
    if (!ex) return; // Not one request began: nothing to record.
    if (this.answer) {
      this.outcome.aborted = 'envoy';
      this.outcome.abortError = new Error(why);
      this.outcome.durationMs = performance.now() - this.forwardStarted;
      await this.answer.finish(this.outcome);
      if (!ex.status) ex.status = HTTP_STATUS.CANCELLED;
    } else {
      ex.error = new WardenError('CANCELLED', 'EXT_PROC_CLOSED', `Envoy ended the processing stream before Warden had decided (${why})`);
      ex.trace?.fail(ex.error.reason);
      ex.status = HTTP_STATUS.CANCELLED;
    }
    return this.record();
  }

  /** Envoy answered the request itself before Warden decided (its buffer overflowed, a route timeout): recorded as such, passed on. */
  private localReply(m: ProcessingRequest): Promise<void> {
    const ex = this.ex!;
    const status = Number(headersOf(m.responseHeaders?.headers?.headers)[':status']) || 0;
    ex.error = new WardenError('CANCELLED', 'EXT_PROC_LOCAL_REPLY', `Envoy answered ${status} itself before Warden had decided`);
    ex.status = status;
    this.phase = 'done';
    return this.record(() => this.io.send({ responseHeaders: {} }));
  }

  /** Envoy broke the protocol: recorded, and the stream ends with INVALID_ARGUMENT (Envoy fails the request). */
  private protocolError(what: string): Promise<void> | void {
    return this.broken(new WardenError('INTERNAL', 'EXT_PROC_PROTOCOL', `ext_proc protocol: ${what}`), GRPC_INVALID_ARGUMENT);
  }

  private async broken(err: WardenError, grpcCode: number): Promise<void> {
    if (this.phase === 'done') return;
    this.phase = 'done';
    // A stream that broke before its request headers still had a request behind it: recorded as what is known.
    const ex = (this.ex ??= { req: { id: randomUUID(), method: '', path: '', query: '', host: '', headers: {}, sourceIp: '' }, started: performance.now(), principal: ANONYMOUS, status: 0 });
    if (this.answer) {
      this.outcome.aborted = 'transform';
      this.outcome.abortError = err;
      this.outcome.durationMs = performance.now() - this.forwardStarted;
      try {
        await this.answer.finish(this.outcome);
      } catch {
        // An outcome error is rethrown; the record below says what happened.
      }
    }
    ex.error = err;
    ex.status = err.httpStatus;
    ex.trace?.fail(err.reason);
    this.answered = true;
    return this.record(() => this.io.fail(grpcCode, `${err.reason}: ${err.message}`));
  }

  /**
   * The record, and `then` (what completes the caller's answer) once it is in the audit spool. The
   * messages after this one wait: Envoy must get its answers in order.
   */
  private record(then?: () => void): Promise<void> {
    // Whatever ended the exchange, a body still held no longer counts.
    this.giveBack();
    // A shutdown that cut the exchange while another ending was under way recorded it already.
    if (this.recorded) return Promise.resolve();
    this.recorded = true;
    return new Promise((resolve) =>
      this.parts.recorder.record(this.ex!, () => {
        then?.();
        resolve();
      }),
    );
  }

  /**
   * After the record: what Envoy still sends passes unchanged (the rest of its own local reply),
   * unless Warden has ended the exchange itself (an answer then would be a protocol error).
   */
  private passOn(m: ProcessingRequest): void {
    if (this.answered) return;
    switch (m.request) {
      case 'requestHeaders':
        return this.io.send({ requestHeaders: {} });
      case 'requestBody':
        return this.io.send({ requestBody: {} });
      case 'responseHeaders':
        return this.io.send({ responseHeaders: {} });
      case 'responseBody':
        return this.io.send({ responseBody: {} });
      case 'requestTrailers':
        return this.io.send({ requestTrailers: {} });
      case 'responseTrailers':
        return this.io.send({ responseTrailers: {} });
    }
  }

  // ------------------------------------------------------------ metadata

  /** Who, which policy, why: for Envoy's access log and later filters. Never a secret. */
  private decisionMetadata(): StructOut {
    const ex = this.ex!;
    return metadata({
      requestId: ex.req.id,
      decision: ex.error ? 'deny' : (ex.decision?.action ?? 'allow'),
      reason: ex.error ? ex.error.reason : (ex.decision?.reason ?? ''),
      principal: ex.principal.requestPrincipal,
      sourcePrincipal: ex.principal.sourcePrincipal,
      policy: ex.decision?.policy,
      route: ex.route?.spec.name,
      model: ex.target?.model ?? ex.target?.endpoint,
      operation: ex.target?.operation,
    });
  }

  /** The answer's usage, added at its end. */
  private usageMetadata(): StructOut {
    const u = this.ex!.usage;
    return metadata({ promptTokens: u?.promptTokens, outputTokens: u?.outputTokens, totalTokens: u?.totalTokens });
  }
}

function admissionTimeout(ms: number): WardenError {
  return new WardenError('UNAVAILABLE', 'ADMISSION_TIMEOUT', `admission did not finish within ${Math.round(ms)} ms`);
}
