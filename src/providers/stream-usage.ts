// OpenAI-style streams (chat/completions, completions) report token usage only
// when the request asks for it: `stream_options: {include_usage: true}` makes
// the upstream (OpenAI, vLLM, Vertex AI's OpenAI-compatible endpoint) send one
// more chunk before `[DONE]`, with `"choices": []` and the `usage`. OpenAI also
// puts `"usage": null` in every other chunk then. Most callers do not ask, and
// a stream without usage is neither audited nor charged to token quotas.
//
//   askForStreamUsage   the body to send upstream, asking for usage (or nothing to change)
//   UsageChunkFilter    the response as the caller asked for it: without the usage-only
//                       chunk, and without the `"usage": null` members
//
// The filter cuts the raw SSE stream at event boundaries (SseSplitter's) and
// passes every other byte as it came; only an event it drops or edits is
// touched. Usage itself is read by the usage observer from the upstream's bytes.

import type { Target } from '../types.js';
import { SseSplitter } from './sse.js';

const OPERATIONS: ReadonlySet<string> = new Set(['chat.completions', 'completions']);
const MEMBER = Buffer.from('"stream_options":{"include_usage":true},');
const USAGE = Buffer.from('"usage"');
/** An event larger than this is not a usage-only chunk (those are a few hundred bytes): it passes unheld. */
const MAX_HELD = 64 * 1024;

type Obj = Record<string, unknown>;

/**
 * The request body to send upstream when Warden asks for stream usage on the caller's behalf, or
 * undefined when the body goes as it is: not an OpenAI-style streaming completion, or the caller
 * asked for usage itself (`stream_options.include_usage: true`). `json` is the parsed body (after
 * any redaction), `body` the bytes that would be sent. Without `stream_options`, the member is
 * inserted after the opening brace and every other byte is kept; with `stream_options` (an object
 * or null) the body is re-serialized with `include_usage: true` and its other options kept. A
 * caller's `include_usage: false` is overridden too: the usage chunk is hidden from it all the
 * same, and a stream must not escape token quotas by declining usage.
 */
export function askForStreamUsage(target: Target, json: unknown, body: Buffer | undefined): Buffer | undefined {
  if (!target.stream || !OPERATIONS.has(target.operation) || (target.provider !== 'openai' && target.provider !== 'vertex')) return undefined;
  if (body === undefined || typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const options = (json as Obj)['stream_options'];
  if (options === undefined) {
    const open = firstNonSpace(body);
    if (body[open] !== 0x7b /* { */) return undefined;
    return Buffer.concat([body.subarray(0, open + 1), MEMBER, body.subarray(open + 1)]);
  }
  // Anything but an object or null is the upstream's to refuse, as sent.
  if (options !== null && (typeof options !== 'object' || Array.isArray(options))) return undefined;
  if (options !== null && (options as Obj)['include_usage'] === true) return undefined;
  return Buffer.from(JSON.stringify({ ...(json as Obj), stream_options: { ...(options as Obj | null), include_usage: true } }));
}

function firstNonSpace(b: Buffer): number {
  let i = 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  return i;
}

/** What becomes of one event. */
const KEEP = 0;
const DROP = 1;
const STRIP = 2;
type Verdict = typeof KEEP | typeof DROP | typeof STRIP;

/**
 * Removes, from an SSE response to a request Warden asked usage for, what the caller did not ask
 * for: the usage-only chunk (`choices` empty, `usage` an object) and the `"usage": null` member
 * of the other chunks. An event is held until its blank line (a client acts on nothing sooner);
 * other fields (`event:`, `id:`, comments) and framing pass unchanged. Feed it bytes cut anywhere.
 */
export class UsageChunkFilter {
  private readonly sse: SseSplitter;
  /** Bytes of the current event from earlier chunks (copies). */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** The current event outgrew MAX_HELD: the rest of it passes as it comes. */
  private passing = false;
  private verdict: Verdict = KEEP;
  private data: Buffer | undefined;
  private chunkNow: Buffer | undefined;
  private from = 0;
  private out: Buffer[] = [];

  constructor() {
    this.sse = new SseSplitter(this.onEvent.bind(this), MAX_HELD, 0, this.onBoundary.bind(this));
  }

  chunk(chunk: Buffer): Buffer | undefined {
    this.chunkNow = chunk;
    this.from = 0;
    this.sse.push(chunk);
    this.chunkNow = undefined;
    if (this.from < chunk.length) {
      const rest = chunk.subarray(this.from);
      if (this.passing || this.heldBytes + rest.length > MAX_HELD) {
        this.passing = true;
        this.out.push(...this.held, rest);
        this.held = [];
        this.heldBytes = 0;
      } else {
        this.held.push(Buffer.from(rest));
        this.heldBytes += rest.length;
      }
    }
    return this.take();
  }

  end(): Buffer | undefined {
    this.sse.end();
    this.emit(this.held);
    this.held = [];
    this.heldBytes = 0;
    return this.take();
  }

  private onEvent(bytes: Buffer, truncated: boolean): void {
    this.verdict = truncated || this.passing ? KEEP : verdictOf(bytes);
    if (this.verdict === STRIP) this.data = Buffer.from(bytes);
  }

  private onBoundary(end: number): void {
    const parts = this.held;
    if (end > this.from) parts.push(this.chunkNow!.subarray(this.from, end));
    this.emit(parts);
    this.held = [];
    this.heldBytes = 0;
    this.from = end;
    this.passing = false;
  }

  /** One whole event's raw bytes, as its verdict says. */
  private emit(parts: Buffer[]): void {
    const verdict = this.verdict;
    this.verdict = KEEP;
    if (verdict === DROP) return;
    if (verdict === STRIP) {
      const stripped = withoutNullUsage(Buffer.concat(parts), this.data!);
      this.data = undefined;
      if (stripped !== undefined) return void this.out.push(stripped);
    }
    this.out.push(...parts);
  }

  private take(): Buffer | undefined {
    const out = this.out;
    if (out.length === 0) return undefined;
    this.out = [];
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }
}

function verdictOf(data: Buffer): Verdict {
  if (data.indexOf(USAGE) === -1) return KEEP;
  let v: unknown;
  try {
    v = JSON.parse(data.toString('utf8'));
  } catch {
    return KEEP;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, 'usage')) return KEEP;
  const o = v as Obj;
  const usage = o['usage'];
  if (usage === null) return STRIP;
  const choices = o['choices'];
  return Array.isArray(choices) && choices.length === 0 && typeof usage === 'object' ? DROP : KEEP;
}

/**
 * The raw event with its data re-serialized without the top-level `usage` member: its first
 * `data:` line carries the new JSON, further data lines go, other lines stay as they came.
 */
function withoutNullUsage(raw: Buffer, data: Buffer): Buffer | undefined {
  let o: Obj;
  try {
    o = JSON.parse(data.toString('utf8')) as Obj;
  } catch {
    return undefined;
  }
  delete o['usage'];
  const json = JSON.stringify(o);
  const lines = raw.toString('utf8').split('\n');
  const out: string[] = [];
  let written = false;
  for (const line of lines) {
    if (line.startsWith('data') && (line.length === 4 || line[4] === ':' || line[4] === '\r')) {
      if (written) continue;
      written = true;
      out.push(`data: ${json}${line.endsWith('\r') ? '\r' : ''}`);
    } else {
      out.push(line);
    }
  }
  return Buffer.from(out.join('\n'));
}
