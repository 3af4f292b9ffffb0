// Redacting text that arrives in pieces (a streamed answer) without waiting
// for all of it. Each piece is appended to what was held back; everything up
// to a safe cut is scanned, redacted and released; the rest is held:
//
//   - the last `window` characters, so a value split across pieces (a card
//     number, an e-mail address) is seen whole;
//   - a trailing run without whitespace, however long (up to `cap`), so a
//     long token (a JWT, an API key) is never released half-seen;
//   - any match that reaches past the cut (an unterminated PEM key block).
//
// Behind the cut, the last `scanner.lookBehind` characters already released
// stay as context and are scanned again with what follows: a detector that
// decides by what precedes a value (`aws_secret_access_key = …`,
// `"private_key_id": "…"`, `x-api-key: …`) sees its key name even when it
// went out in an earlier piece. Matches that end inside that context were
// handled when it was released; a match reaching into it from the held text
// is redacted from the cut on (what was released cannot be called back, the
// rest is not let go).
//
// Matches that end before the cut are handled now; the others are found
// again, whole, with the next piece.
import type { Match } from './detectors/types.js';
import type { Scanner } from './scanner.js';

/** Records the matches in a released piece and returns it redacted; `offset` is the piece's start in the whole text. */
export type ReleaseHandler = (text: string, matches: Match[], offset: number) => string;

const WS = /\s/;

export class HeldText {
  /** Released text kept as look-behind context (never released again). */
  private context = '';
  private pending = '';
  private offset = 0;

  constructor(
    private readonly scanner: Scanner,
    private readonly window: number,
    private readonly cap: number,
    private readonly release: ReleaseHandler,
  ) {}

  get held(): number {
    return this.pending.length;
  }

  push(piece: string): string {
    const ctx = this.context.length;
    const text = this.context + this.pending + piece;
    const matches = this.matches(text, ctx);
    let cut = Math.max(safeCut(text, this.window, this.cap), ctx);
    for (const m of matches) {
      if (m.start < cut && m.end > cut) {
        cut = Math.max(m.start, ctx);
        break; // spans do not overlap: only one can straddle the cut
      }
    }
    // Never split a surrogate pair between two releases.
    if (cut > ctx && cut < text.length && isHighSurrogate(text.charCodeAt(cut - 1))) cut--;
    if (cut <= ctx) {
      this.pending = text.slice(ctx);
      return '';
    }
    return this.releaseTo(text, ctx, cut, matches);
  }

  /** The end of the text: release everything held. */
  flush(): string {
    if (this.pending.length === 0) return '';
    const ctx = this.context.length;
    const text = this.context + this.pending;
    const out = this.releaseTo(text, ctx, text.length, this.matches(text, ctx));
    this.context = '';
    return out;
  }

  /** Matches that reach past the context, clipped to start where the context ends. */
  private matches(text: string, ctx: number): Match[] {
    const out: Match[] = [];
    for (const m of this.scanner.scan(text)) {
      if (m.end <= ctx) continue;
      out.push(m.start < ctx ? { ...m, start: ctx } : m);
    }
    return out;
  }

  private releaseTo(text: string, ctx: number, cut: number, matches: readonly Match[]): string {
    const shifted: Match[] = [];
    for (const m of matches) if (m.end <= cut) shifted.push({ type: m.type, start: m.start - ctx, end: m.end - ctx });
    const released = this.release(text.slice(ctx, cut), shifted, this.offset);
    this.offset += cut - ctx;
    this.context = text.slice(Math.max(0, cut - this.scanner.lookBehind), cut);
    this.pending = text.slice(cut);
    return released;
  }
}

function safeCut(text: string, window: number, cap: number): number {
  let cut = text.length - window;
  let run = text.length;
  while (run > 0 && run > text.length - cap && !WS.test(text[run - 1]!)) run--;
  if (run < cut) cut = run;
  return Math.max(cut, text.length - cap, 0);
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
