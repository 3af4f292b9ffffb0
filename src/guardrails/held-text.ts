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
// Matches that end before the cut are handled now; the others are found
// again, whole, with the next piece.
import type { Match } from './detectors/types.js';
import type { Scanner } from './scanner.js';

/** Records the matches in a released piece and returns it redacted; `offset` is the piece's start in the whole text. */
export type ReleaseHandler = (text: string, matches: Match[], offset: number) => string;

const WS = /\s/;

export class HeldText {
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
    const text = this.pending + piece;
    const matches = this.scanner.scan(text);
    let cut = safeCut(text, this.window, this.cap);
    for (const m of matches) {
      if (m.start < cut && m.end > cut) {
        cut = m.start;
        break; // spans do not overlap: only one can straddle the cut
      }
    }
    // Never split a surrogate pair between two releases.
    if (cut > 0 && cut < text.length && isHighSurrogate(text.charCodeAt(cut - 1))) cut--;
    if (cut <= 0) {
      this.pending = text;
      return '';
    }
    const released = this.release(text.slice(0, cut), matches.filter((m) => m.end <= cut), this.offset);
    this.offset += cut;
    this.pending = text.slice(cut);
    return released;
  }

  /** The end of the text: release everything held. */
  flush(): string {
    if (this.pending.length === 0) return '';
    const text = this.pending;
    this.pending = '';
    const out = this.release(text, this.scanner.scan(text), this.offset);
    this.offset += text.length;
    return out;
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
