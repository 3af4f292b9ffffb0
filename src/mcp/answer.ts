// The MCP step on an answer, before guard(response): it reads the JSON-RPC
// response to the caller's request (JSON, or one event of an SSE stream) for
// the record — a result, a tool's error result, or a JSON-RPC error — and:
//
//   list answers      rewrites the list to what the caller may use (list-filter.ts)
//   initialize        holds the whole answer until the session it opens is
//                     bound to the caller, so that the client cannot present
//                     the id before every replica can check it
//   anything else     passes every byte as it came
import { serializeEvent, SseEventSplitter, type SseEvent } from '../guardrails/sse-events.js';
import type { UsageFraming } from '../providers/usage-observer.js';
import type { McpCall } from '../types.js';
import { filterList, isFilteredList, type ListCount, type UseCheck } from './list-filter.js';

/** What the answer said, for the audit record and metrics. */
export interface McpOutcome {
  /** `ok` a result; `tool_error` a tools/call result with isError; `error` a JSON-RPC error. */
  result?: 'ok' | 'tool_error' | 'error';
  /** The JSON-RPC error's code. */
  errorCode?: number;
  /** A filtered list answer: items the upstream listed, and those this caller was shown. */
  listed?: ListCount;
}

export interface AnswerStep {
  /** Whether bytes may change or be held (the answer loses its content-length). */
  readonly rewrites: boolean;
  chunk(c: Buffer): Buffer | undefined;
  end(): Buffer | undefined;
  readonly outcome: McpOutcome;
}

/** Largest answer held whole or event rewritten; a larger one breaks the answer rather than pass unfiltered. */
const MAX_HELD = 8 * 1024 * 1024;
/** Largest answer read for its outcome only (past it, the outcome is not known). */
const MAX_OBSERVED = 1024 * 1024;

export interface AnswerOptions {
  call: McpCall;
  framing: UsageFraming;
  /** Filter list answers with this check (absent: lists pass as they are). */
  filter?: UseCheck;
  /** Hold the whole answer (an initialize that opens a session). */
  hold: boolean;
}

export function answerStep(o: AnswerOptions): AnswerStep | undefined {
  const { call, framing } = o;
  if (call.kind !== 'request' || call.id === undefined || (framing !== 'json' && framing !== 'sse')) return undefined;
  const filter = o.filter && isFilteredList(call.method) ? o.filter : undefined;
  if (framing === 'sse') return new SseAnswer(call, filter, o.hold);
  return new JsonAnswer(call, filter, o.hold);
}

/** Reads (and for lists, rewrites) the message that answers the call; true when it was that message. */
function onMessage(msg: unknown, call: McpCall, filter: UseCheck | undefined, outcome: McpOutcome): boolean {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return false;
  const m = msg as Record<string, unknown>;
  if (m['id'] !== call.id || ('method' in m)) return false;
  const error = m['error'];
  const result = m['result'];
  if (typeof error === 'object' && error !== null) {
    outcome.result = 'error';
    const code = (error as Record<string, unknown>)['code'];
    if (typeof code === 'number') outcome.errorCode = code;
    return true;
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return false;
  const r = result as Record<string, unknown>;
  outcome.result = r['isError'] === true ? 'tool_error' : 'ok';
  if (filter) {
    const listed = filterList(call.method!, r, call, filter);
    if (listed) outcome.listed = listed;
  }
  return true;
}

class JsonAnswer implements AnswerStep {
  readonly rewrites: boolean;
  readonly outcome: McpOutcome = {};
  private parts: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly call: McpCall,
    private readonly filter: UseCheck | undefined,
    hold: boolean,
  ) {
    this.rewrites = hold || filter !== undefined;
  }

  chunk(c: Buffer): Buffer | undefined {
    this.size += c.length;
    if (this.rewrites) {
      if (this.size > MAX_HELD) throw new Error(`an MCP answer larger than ${MAX_HELD} bytes cannot be filtered`);
      this.parts.push(Buffer.from(c));
      return undefined;
    }
    if (this.size <= MAX_OBSERVED) this.parts.push(Buffer.from(c));
    return c;
  }

  end(): Buffer | undefined {
    const body = Buffer.concat(this.parts);
    this.parts = [];
    let msg: unknown;
    if (this.size <= (this.rewrites ? MAX_HELD : MAX_OBSERVED)) {
      try {
        msg = JSON.parse(body.toString('utf8'));
      } catch {
        msg = undefined;
      }
    }
    const matched = onMessage(msg, this.call, this.filter, this.outcome);
    if (!this.rewrites) return undefined;
    return matched && this.outcome.listed ? Buffer.from(JSON.stringify(msg)) : body;
  }
}

class SseAnswer implements AnswerStep {
  readonly rewrites: boolean;
  readonly outcome: McpOutcome = {};
  private out: string[] = [];
  private readonly sse: SseEventSplitter;
  private answered = false;

  constructor(
    private readonly call: McpCall,
    private readonly filter: UseCheck | undefined,
    private readonly hold: boolean,
  ) {
    this.rewrites = hold || filter !== undefined;
    this.sse = new SseEventSplitter((e) => this.onEvent(e), this.rewrites ? MAX_HELD : MAX_OBSERVED);
  }

  chunk(c: Buffer): Buffer | undefined {
    // Passing bytes through: the events are only read (and only until the answer is found).
    if (!this.rewrites) {
      if (!this.answered) this.observe(c);
      return c;
    }
    this.sse.push(c);
    return this.hold ? undefined : this.take();
  }

  end(): Buffer | undefined {
    if (!this.rewrites) {
      if (!this.answered) this.observe();
      return undefined;
    }
    this.sse.end();
    return this.take();
  }

  /** Reads what passes; an event too large to read ends the reading, never the answer. */
  private observe(c?: Buffer): void {
    try {
      if (c) this.sse.push(c);
      else this.sse.end();
    } catch {
      this.answered = true;
    }
  }

  private onEvent(e: SseEvent): void {
    if (e.data === undefined || this.answered) return this.pass(e);
    let msg: unknown;
    try {
      msg = JSON.parse(e.data);
    } catch {
      return this.pass(e);
    }
    if (!onMessage(msg, this.call, this.filter, this.outcome)) return this.pass(e);
    this.answered = true;
    if (this.rewrites) this.out.push(serializeEvent(this.outcome.listed ? JSON.stringify(msg) : e.data, e.fields, e.dataAt));
  }

  private pass(e: SseEvent): void {
    if (this.rewrites) this.out.push(serializeEvent(e.data, e.fields, e.dataAt));
  }

  private take(): Buffer | undefined {
    if (!this.out.length) return undefined;
    const s = this.out.join('');
    this.out = [];
    return Buffer.from(s);
  }
}
