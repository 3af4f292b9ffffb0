// Reading token usage out of parsed response objects, whatever the upstream:
//
//   Gemini (Vertex):      usageMetadata.{promptTokenCount, candidatesTokenCount, thoughtsTokenCount, totalTokenCount}
//   OpenAI chat/completions/embeddings:  usage.{prompt_tokens, completion_tokens, total_tokens}
//   OpenAI Responses, Anthropic (Vertex rawPredict):  usage.{input_tokens, output_tokens, total_tokens?}
//                         (Responses stream: response.usage; Anthropic stream: message.usage, then usage)
//   Vertex text embeddings (predict):  predictions[].embeddings.statistics.token_count, summed
//   Interactions:         usage.{total_input_tokens, total_output_tokens, total_thought_tokens, total_tokens}
//                         (camelCase in proto JSON; stream: interaction.usage of lifecycle events,
//                         metadata.total_usage of step deltas)
//
// Only top-level keys (and those nested spots) are read, so model output
// that mentions "usage" is never mistaken for it.

import type { Usage } from '../types.js';

type Obj = Record<string, unknown>;

function asObj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

const DIGITS = /^\d{1,15}$/;

/** A token count: a non-negative integer (or a string of digits, as int64 fields are encoded in proto JSON). */
function count(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && DIGITS.test(v)) return Number(v);
  return undefined;
}

function sum(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : a + b;
}

function fromGemini(um: Obj): Usage | undefined {
  const u: Usage = {};
  const prompt = count(um['promptTokenCount']);
  // Thinking tokens are billed as output; Gemini reports them apart from candidates.
  const output = sum(count(um['candidatesTokenCount']), count(um['thoughtsTokenCount']));
  const total = count(um['totalTokenCount']);
  if (prompt !== undefined) u.promptTokens = prompt;
  if (output !== undefined) u.outputTokens = output;
  if (total !== undefined) u.totalTokens = total;
  return prompt === undefined && output === undefined && total === undefined ? undefined : u;
}

function fromUsage(us: Obj): Usage | undefined {
  const u: Usage = {};
  if (us['total_input_tokens'] !== undefined || us['totalInputTokens'] !== undefined) return fromInteraction(us);
  let prompt = count(us['prompt_tokens']);
  let output = count(us['completion_tokens']);
  if (prompt === undefined) {
    // Responses API and Anthropic; Anthropic counts cached input apart.
    prompt = count(us['input_tokens']);
    if (prompt !== undefined) {
      prompt = sum(sum(prompt, count(us['cache_creation_input_tokens'])), count(us['cache_read_input_tokens']));
    }
  }
  if (output === undefined) output = count(us['output_tokens']);
  const total = count(us['total_tokens']);
  if (prompt !== undefined) u.promptTokens = prompt;
  if (output !== undefined) u.outputTokens = output;
  if (total !== undefined) u.totalTokens = total;
  return prompt === undefined && output === undefined && total === undefined ? undefined : u;
}

/** Interactions' usage: input (cached input included), output and thinking tokens, in either JSON spelling. */
function fromInteraction(us: Obj): Usage | undefined {
  const u: Usage = {};
  const prompt = count(us['total_input_tokens'] ?? us['totalInputTokens']);
  const output = sum(count(us['total_output_tokens'] ?? us['totalOutputTokens']), count(us['total_thought_tokens'] ?? us['totalThoughtTokens']));
  const total = count(us['total_tokens'] ?? us['totalTokens']);
  if (prompt !== undefined) u.promptTokens = prompt;
  if (output !== undefined) u.outputTokens = output;
  if (total !== undefined) u.totalTokens = total;
  return prompt === undefined && output === undefined && total === undefined ? undefined : u;
}

/** The usage one response object (or stream event) reports, if any. */
export function readUsage(v: unknown): Usage | undefined {
  const o = asObj(v);
  if (o === undefined) return undefined;
  const um = asObj(o['usageMetadata']);
  if (um !== undefined) return fromGemini(um);
  const us = asObj(o['usage']);
  if (us !== undefined) return fromUsage(us);
  const response = asObj(o['response']);
  if (response !== undefined) {
    const rus = asObj(response['usage']);
    if (rus !== undefined) return fromUsage(rus);
  }
  const message = asObj(o['message']);
  if (message !== undefined) {
    const mus = asObj(message['usage']);
    if (mus !== undefined) return fromUsage(mus);
  }
  // Interactions' stream: lifecycle events carry the interaction, step deltas a running total.
  const interaction = asObj(o['interaction']);
  if (interaction !== undefined) {
    const ius = asObj(interaction['usage']);
    if (ius !== undefined) return fromUsage(ius);
  }
  const meta = asObj(o['metadata']);
  if (meta !== undefined) {
    const tus = asObj(meta['total_usage'] ?? meta['totalUsage']);
    if (tus !== undefined) return fromUsage(tus);
  }
  if (Array.isArray(o['predictions'])) return fromEmbeddings(o['predictions']);
  return undefined;
}

/**
 * Vertex text embeddings (`predict`, what `embedContent` calls) report no
 * usage object: each prediction counts its own input tokens in
 * `embeddings.statistics.token_count`. Their sum is the prompt (and total).
 */
function fromEmbeddings(predictions: unknown[]): Usage | undefined {
  let tokens: number | undefined;
  for (const p of predictions) {
    const stats = asObj(asObj(asObj(p)?.['embeddings'])?.['statistics']);
    const n = stats && count(stats['token_count']);
    if (n === undefined) return undefined;
    tokens = (tokens ?? 0) + n;
  }
  return tokens === undefined ? undefined : { promptTokens: tokens, totalTokens: tokens };
}

/**
 * Usage across a stream: each report overrides the fields it carries, so the
 * last report wins (Gemini repeats the full counts; Anthropic sends input
 * counts first and output counts last). A missing total is prompt + output.
 */
export class UsageAccumulator {
  private prompt: number | undefined;
  private output: number | undefined;
  private total: number | undefined;
  private seen = false;

  add(u: Usage | undefined): void {
    if (u === undefined) return;
    this.seen = true;
    if (u.promptTokens !== undefined) this.prompt = u.promptTokens;
    if (u.outputTokens !== undefined) this.output = u.outputTokens;
    if (u.totalTokens !== undefined) this.total = u.totalTokens;
  }

  /** Add what a parsed value reports; arrays (a whole JSON-array stream) are read element by element. */
  addValue(v: unknown): void {
    if (Array.isArray(v)) {
      for (const e of v) this.add(readUsage(e));
    } else {
      this.add(readUsage(v));
    }
  }

  result(): Usage | undefined {
    if (!this.seen) return undefined;
    const u: Usage = {};
    if (this.prompt !== undefined) u.promptTokens = this.prompt;
    if (this.output !== undefined) u.outputTokens = this.output;
    const total = this.total ?? (this.prompt !== undefined && this.output !== undefined ? this.prompt + this.output : undefined);
    if (total !== undefined) u.totalTokens = total;
    return u;
  }
}

/** Whether the bytes hold a key usage is read from (`"usage…`, `"token_count"`): without one, nothing to parse. */
export function mayHoldUsage(bytes: Buffer): boolean {
  return bytes.indexOf(NEEDLE) !== -1 || bytes.indexOf(EMBEDDING_NEEDLE) !== -1 || bytes.indexOf(TOTAL_NEEDLE) !== -1 || bytes.indexOf(TOTAL_CAMEL_NEEDLE) !== -1;
}

const NEEDLE = Buffer.from('"usage');
/** Vertex embeddings' per-prediction count (see fromEmbeddings). */
const EMBEDDING_NEEDLE = Buffer.from('"token_count"');
/** Interactions' running total on step deltas (`metadata.total_usage`, `totalUsage`). */
const TOTAL_NEEDLE = Buffer.from('otal_usage"');
const TOTAL_CAMEL_NEEDLE = Buffer.from('otalUsage"');

/**
 * Add the usage in one complete JSON text (a body, an SSE event's data, an
 * array element). Texts without `"usage` are skipped without parsing;
 * malformed JSON is ignored.
 */
export function addUsageFromJson(acc: UsageAccumulator, bytes: Buffer): void {
  if (!mayHoldUsage(bytes)) return;
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    return;
  }
  acc.addValue(v);
}

const TAIL_KEYS: readonly ('usageMetadata' | 'usage')[] = ['usageMetadata', 'usage'];
const MAX_TAIL_TRIES = 4;

function skipSpace(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Index just past the object that opens at `start`, or -1 if it does not close. */
function objectEnd(s: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * The usage in the last bytes of a JSON text too large to keep whole (a
 * response with inline images): find the last `"usageMetadata": {…}` or
 * `"usage": {…}` and parse just that object. Inside JSON strings every `"` is
 * escaped, so `"usage"` followed by `:` only matches a real key.
 */
export function usageFromTail(text: string): Usage | undefined {
  for (const key of TAIL_KEYS) {
    const quoted = `"${key}"`;
    let from = text.length;
    for (let tries = 0; tries < MAX_TAIL_TRIES && from >= 0; tries++) {
      const at = text.lastIndexOf(quoted, from);
      if (at === -1) break;
      from = at - 1;
      let j = skipSpace(text, at + quoted.length);
      if (text.charCodeAt(j) !== 0x3a /* : */) continue;
      j = skipSpace(text, j + 1);
      if (text.charCodeAt(j) !== 0x7b /* { */) continue;
      const end = objectEnd(text, j);
      if (end === -1) continue;
      let inner: unknown;
      try {
        inner = JSON.parse(text.slice(j, end));
      } catch {
        continue;
      }
      const o = asObj(inner);
      const u = o === undefined ? undefined : key === 'usageMetadata' ? fromGemini(o) : fromUsage(o);
      if (u !== undefined) return u;
    }
  }
  return undefined;
}
