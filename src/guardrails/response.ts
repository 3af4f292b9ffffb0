// guard(response): rewrites the answer's text fields as it passes, in the
// framing it arrived in:
//
//   JSON body      held whole (up to MAX_BODY), then redacted and re-serialized
//   SSE            event by event, each event re-serialized with its other
//                  fields (`event:`, `id:`, comments) unchanged
//   JSON array     element by element (the JSON-array splitter), re-framed as `[e,\n e]`
//
// Streamed text continues across events; each channel (a candidate, a
// choice) goes through a HeldText window, so a value split across two events
// is redacted whole and text is released as soon as it is safe. Held text is
// released into the event that finishes its channel, or in an event of its
// own before the stream ends. An event too large to hold breaks the stream
// rather than pass unread (fail closed).
//
// When external guardrails read the answer and their findings are to be
// redacted (GuardSession.holdsAnswer), the answer is held whole — a stream's
// events too, up to MAX_BODY — until they have answered; their edits are then
// applied to each event's part of its channel's text, and the answer leaves.
import { JsonArraySplitter } from '../providers/json-array-stream.js';
import type { UsageFraming } from '../providers/usage-observer.js';
import type { GuardSession } from './guard.js';
import type { HeldText } from './held-text.js';
import { serializeEvent, SseEventSplitter, type SseEvent } from './sse-events.js';
import { editSlice } from './redactor.js';
import { finishedChannels, responseTextFields, type TextField } from './text-fields.js';

export interface ResponseRewriter {
  /** One upstream chunk → what may be sent now (possibly nothing). */
  chunk(chunk: Buffer): Buffer | undefined;
  /** The upstream ended → the rest (once the external guardrails have read a held answer). */
  end(): Buffer | undefined | Promise<Buffer | undefined>;
}

/** Largest JSON body, SSE event or array element rewritten (larger ones break the response). */
export const MAX_BODY = 8 * 1024 * 1024;

export function responseRewriter(session: GuardSession, framing: UsageFraming): ResponseRewriter | undefined {
  if (!session.readsAnswers) return undefined;
  switch (framing) {
    case 'json':
      return new JsonBodyRewriter(session);
    case 'sse':
      return new SseRewriter(session);
    case 'json-array':
      return new JsonArrayRewriter(session);
    default:
      return undefined;
  }
}

class JsonBodyRewriter implements ResponseRewriter {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly session: GuardSession) {}

  chunk(chunk: Buffer): undefined {
    this.size += chunk.length;
    if (this.size > MAX_BODY) throw new Error(`response body larger than ${MAX_BODY} bytes cannot be guarded`);
    this.parts.push(Buffer.from(chunk));
  }

  end(): Buffer | Promise<Buffer> {
    const body = Buffer.concat(this.parts, this.size);
    this.parts = [];
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return body; // not JSON after all: nothing Warden can read as text
    }
    let changed = false;
    this.session.answerEvent(json);
    const fields = responseTextFields(json);
    const blocked = mcpBlock(this.session, json, fields);
    const texts: string[] = [];
    for (const f of fields) {
      const out = this.session.text(f.value, f.path, 0, 'response', this.session.guardrails.scanner.scan(f.value));
      this.session.answerText(out);
      texts.push(out);
      if (out !== f.value) {
        f.set(out);
        changed = true;
      }
    }
    if (blocked) {
      this.session.answerEnded();
      return Buffer.from(JSON.stringify(blocked));
    }
    if (!this.session.holdsAnswer || texts.length === 0) {
      this.session.answerEnded();
      return changed ? Buffer.from(JSON.stringify(json)) : body;
    }
    return this.session.checkAnswer(texts).then((edits) => {
      fields.forEach((f, i) => {
        if (!edits[i]!.length) return;
        f.set(editSlice(texts[i]!, 0, texts[i]!.length, edits[i]!));
        changed = true;
      });
      return changed ? Buffer.from(JSON.stringify(json)) : body;
    });
  }
}

/** A held answer's event, framed once the external guardrails have read the answer. */
type HeldItem =
  | { framed: string }
  | { data: string; source?: SseEvent }
  | { event: unknown; source?: SseEvent; parts: { set: (v: string) => void; text: number; a: number; b: number }[] }
  | { channel: string; text: number; a: number; b: number; last: Record<string, unknown> | undefined };

/** Shared by both stream framings: one event (JSON text) in, the events to send out. */
abstract class EventRewriter implements ResponseRewriter {
  private readonly channels = new Map<string, HeldText>();
  private out: string[] = [];
  /** The last event's object, the template for events that release held text. */
  private last: Record<string, unknown> | undefined;
  /** Holding the answer (session.holdsAnswer): its events, and the texts they are parts of (a channel's, or one value's). */
  private held?: HeldItem[];
  private readonly texts: string[] = [];
  private readonly textOf = new Map<string, number>();
  private heldBytes = 0;

  constructor(protected readonly session: GuardSession) {
    if (session.holdsAnswer) this.held = [];
  }

  abstract chunk(chunk: Buffer): Buffer | undefined;
  abstract end(): Buffer | undefined | Promise<Buffer | undefined>;
  /** One event on the wire; `source` is the event it rewrites (absent for events that release held text). */
  protected abstract frame(json: string, source?: SseEvent): string;

  protected readonly onFragment = (bytes: Buffer, truncated: boolean): void => {
    if (truncated) throw new Error(`stream event larger than ${MAX_BODY} bytes cannot be guarded`);
    this.onData(bytes.toString('utf8'));
  };

  protected onData(text: string, source?: SseEvent): void {
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      // `[DONE]` and other non-JSON data: the text before it is complete.
      this.releaseAll();
      if (this.held) this.hold({ data: text, source }, text.length);
      else this.out.push(this.frame(text, source));
      return;
    }
    const { parts, blocked } = this.rewrite(event);
    // A blocked MCP answer goes as its JSON-RPC error, which no later edit touches.
    if (blocked) {
      const framed = this.frame(JSON.stringify(blocked), source);
      if (this.held) this.hold({ framed }, framed.length);
      else this.out.push(framed);
    } else if (this.held) this.hold({ event, source, parts }, text.length);
    else this.out.push(this.frame(JSON.stringify(event), source));
  }

  /** An event without data (a comment, a bare `event:`/`id:`): passes as it came. */
  protected passThrough(s: string): void {
    if (this.held) this.hold({ framed: s }, s.length);
    else this.out.push(s);
  }

  private hold(item: HeldItem, size: number): void {
    this.heldBytes += size;
    if (this.heldBytes > MAX_BODY) throw new Error(`streamed answer larger than ${MAX_BODY} bytes cannot be held for the guardrails that read it`);
    this.held!.push(item);
  }

  /** Where `out` lands in the held answer's texts: appended to its channel's text, or a text of its own. */
  private place(channel: string | undefined, out: string): { text: number; a: number; b: number } {
    let i = channel === undefined ? undefined : this.textOf.get(channel);
    if (i === undefined) {
      i = this.texts.push('') - 1;
      if (channel !== undefined) this.textOf.set(channel, i);
    }
    const a = this.texts[i]!.length;
    this.texts[i] += out;
    return { text: i, a, b: a + out.length };
  }

  /**
   * Rewrites the event in place: the held answer's parts it wrote, and what to send instead when
   * the event is blocked whole (an MCP answer).
   */
  private rewrite(event: unknown): { parts: Extract<HeldItem, { parts: unknown }>['parts']; blocked?: Record<string, unknown> } {
    const parts: Extract<HeldItem, { parts: unknown }>['parts'] = [];
    if (typeof event === 'object' && event !== null && !Array.isArray(event)) this.last = event as Record<string, unknown>;
    this.session.answerEvent(event);
    const finished = finishedChannels(event);
    const done = (ch: string) => finished.some((f) => ch === f || ch.startsWith(`${f}.`) || ch.startsWith(`${f}[`));
    const touched = new Set<string>();
    const fields = responseTextFields(event, true);
    const blocked = mcpBlock(this.session, event, fields);
    for (const f of fields) {
      if (f.channel === undefined) {
        // Self-contained values (a Responses API event repeating the whole text) are not answer text twice.
        const out = this.session.text(f.value, f.path, 0, 'response', this.session.guardrails.scanner.scan(f.value));
        f.set(out);
        if (this.held) parts.push({ set: f.set, ...this.place(undefined, out) });
        continue;
      }
      touched.add(f.channel);
      const held = this.channel(f.channel);
      let out = held.push(f.value);
      if (done(f.channel)) out += held.flush();
      this.session.answerText(out);
      f.set(out);
      if (this.held) parts.push({ set: f.set, ...this.place(f.channel, out) });
    }
    // Channels finishing in an event that carries none of their text: release it just before.
    for (const [ch, held] of this.channels) {
      if (!touched.has(ch) && done(ch) && held.held > 0) this.emitHeld(ch, held.flush());
    }
    return blocked ? { parts, blocked } : { parts };
  }

  private channel(key: string): HeldText {
    let h = this.channels.get(key);
    if (!h) {
      h = this.session.heldText(key);
      this.channels.set(key, h);
    }
    return h;
  }

  protected releaseAll(): void {
    for (const [ch, held] of this.channels) if (held.held > 0) this.emitHeld(ch, held.flush());
  }

  private emitHeld(channel: string, text: string): void {
    if (text.length === 0) return;
    this.session.answerText(text);
    if (this.held) this.hold({ channel, last: this.last, ...this.place(channel, text) }, text.length);
    else this.out.push(this.frame(JSON.stringify(synthesize(channel, text, this.last))));
  }

  protected take(): string {
    const s = this.out.join('');
    this.out = [];
    return s;
  }

  /**
   * The answer has ended (every channel released): what is left to send, `tail` (the framing's end)
   * included — for a held answer, once the external guardrails have read it and their edits are applied.
   */
  protected ending(tail: () => string): Buffer | undefined | Promise<Buffer | undefined> {
    const rest = () => {
      const s = this.take() + tail();
      return s.length ? Buffer.from(s) : undefined;
    };
    const held = this.held;
    if (!held) {
      this.session.answerEnded();
      return rest();
    }
    return this.session.checkAnswer(this.texts).then((edits) => {
      const part = (p: { text: number; a: number; b: number }) => editSlice(this.texts[p.text]!, p.a, p.b, edits[p.text]!);
      for (const item of held) {
        if ('framed' in item) this.out.push(item.framed);
        else if ('data' in item) this.out.push(this.frame(item.data, item.source));
        else if ('event' in item) {
          for (const p of item.parts) if (edits[p.text]!.length) p.set(part(p));
          this.out.push(this.frame(JSON.stringify(item.event), item.source));
        } else {
          const text = part(item);
          if (text.length) this.out.push(this.frame(JSON.stringify(synthesize(item.channel, text, item.last))));
        }
      }
      this.held = undefined;
      return rest();
    });
  }
}

class SseRewriter extends EventRewriter {
  private readonly sse = new SseEventSplitter((e) => {
    if (e.data === undefined) this.passThrough(serializeEvent(undefined, e.fields, e.dataAt));
    else this.onData(e.data, e);
  }, MAX_BODY);
  /** The last data event's `event:` line, for events that release held text. */
  private eventLine?: string;

  chunk(chunk: Buffer): Buffer | undefined {
    this.sse.push(chunk);
    const s = this.take();
    return s.length ? Buffer.from(s) : undefined;
  }

  end(): Buffer | undefined | Promise<Buffer | undefined> {
    this.sse.end();
    this.releaseAll();
    return this.ending(() => '');
  }

  protected frame(json: string, source?: SseEvent): string {
    if (source) {
      this.eventLine = source.fields.find((f) => f.startsWith('event:'));
      return serializeEvent(json, source.fields, source.dataAt);
    }
    // Released held text: named like the stream's own events (Responses API: by its type), never with an `id:`.
    if (this.eventLine === undefined) return serializeEvent(json, [], 0);
    const type = /^\{"(?:event_)?type":"([^"]+)"/.exec(json)?.[1];
    return serializeEvent(json, [type ? `event: ${type}` : this.eventLine], 1);
  }
}

class JsonArrayRewriter extends EventRewriter {
  private readonly splitter = new JsonArraySplitter(this.onFragment, MAX_BODY, 0);
  private elements = 0;

  chunk(chunk: Buffer): Buffer | undefined {
    this.splitter.push(chunk);
    const s = this.take();
    return s.length ? Buffer.from(s) : undefined;
  }

  end(): Buffer | undefined | Promise<Buffer | undefined> {
    this.releaseAll();
    return this.ending(() => (this.elements === 0 ? '[]' : '\n]'));
  }

  protected frame(json: string): string {
    return `${this.elements++ === 0 ? '[' : ',\r\n'}${json}`;
  }
}

/** An event that carries only `text` for `channel`, shaped like the stream's own events. */
function synthesize(channel: string, text: string, last: Record<string, unknown> | undefined): Record<string, unknown> {
  const idx = (re: RegExp) => Number(re.exec(channel)?.[1] ?? 0);
  if (channel.startsWith('candidates[')) {
    const env: Record<string, unknown> = {};
    for (const k of ['modelVersion', 'responseId', 'createTime']) if (last?.[k] !== undefined) env[k] = last[k];
    return { candidates: [{ content: { role: 'model', parts: [{ text }] }, index: idx(/^candidates\[(\d+)\]/) }], ...env };
  }
  if (channel.startsWith('choices[')) {
    const env: Record<string, unknown> = {};
    for (const k of ['id', 'object', 'created', 'model']) if (last?.[k] !== undefined) env[k] = last[k];
    const i = idx(/^choices\[(\d+)\]/);
    const tool = /\.tool_calls\[(\d+)\]$/.exec(channel);
    const delta = tool ? { tool_calls: [{ index: Number(tool[1]), function: { arguments: text } }] } : { content: text };
    const choice = last?.['object'] === 'text_completion' ? { index: i, text, finish_reason: null } : { index: i, delta, finish_reason: null };
    return { ...env, choices: [choice] };
  }
  // Anthropic: content block `index`, as a text delta.
  if (channel.startsWith('content[')) return { type: 'content_block_delta', index: idx(/^content\[(\d+)\]/), delta: { type: 'text_delta', text } };
  // Interactions: a step's (or, without steps, an output's) text.
  if (channel.startsWith('steps[')) return { event_type: 'step.delta', index: idx(/^steps\[(\d+)\]/), delta: { type: 'text', text } };
  if (channel.startsWith('outputs[')) return { event_type: 'content.delta', index: idx(/^outputs\[(\d+)\]/), delta: { type: 'text', text } };
  // Responses API: output[o].content[c]
  const m = /^output\[(\d+)\]\.content\[(\d+)\]/.exec(channel);
  return { type: 'response.output_text.delta', output_index: Number(m?.[1] ?? 0), content_index: Number(m?.[2] ?? 0), delta: text };
}

/**
 * An MCP answer (a JSON-RPC result: one message, held whole) checked for indirect injection before
 * its text is redacted; the JSON-RPC error to send in its place when that blocks it.
 */
function mcpBlock(session: GuardSession, message: unknown, fields: readonly TextField[]): Record<string, unknown> | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
  const m = message as Record<string, unknown>;
  if (m['jsonrpc'] !== '2.0' || typeof m['result'] !== 'object' || m['result'] === null) return undefined;
  return session.mcpAnswer(m['id'], fields);
}
