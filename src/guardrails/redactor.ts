// Typed placeholders, consistent within one request: the same value gets the
// same placeholder in the prompt and in the answer (`[EMAIL_1]` stays Alice's
// address all the way through), a different value the next number.
import type { Match } from './detectors/types.js';

export class Placeholders {
  private readonly byValue = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  for(type: string, value: string): string {
    const key = `${type}\0${value}`;
    let p = this.byValue.get(key);
    if (p === undefined) {
      const n = (this.counters.get(type) ?? 0) + 1;
      this.counters.set(type, n);
      p = `[${type}_${n}]`;
      this.byValue.set(key, p);
    }
    return p;
  }
}

/** `text` with the spans in `redact` (sorted, non-overlapping) replaced by placeholders. */
export function applyRedactions(text: string, redact: readonly Match[], placeholders: Placeholders): string {
  if (redact.length === 0) return text;
  let out = '';
  let at = 0;
  for (const m of redact) {
    out += text.slice(at, m.start) + placeholders.for(m.type, text.slice(m.start, m.end));
    at = m.end;
  }
  return out + text.slice(at);
}

/** A replacement of `[start, end)` of a text by `text` (a placeholder, or a guard's rewrite). */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * The part `[a, b)` of `text` with `edits` (sorted, non-overlapping) applied: an edit's
 * replacement goes into the part where it starts, what it covers is left out of every part.
 * A streamed answer's events are such parts of their channel's text.
 */
export function editSlice(text: string, a: number, b: number, edits: readonly Edit[]): string {
  let out = '';
  let at = a;
  for (const e of edits) {
    if (e.end <= a || e.start >= b) continue;
    if (e.start >= at) out += text.slice(at, e.start);
    if (e.start >= a) out += e.text;
    at = Math.max(at, Math.min(e.end, b));
  }
  return out + text.slice(at, b);
}
