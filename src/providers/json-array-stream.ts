// Incremental splitter for a JSON array streamed element by element
// (`[{…}\n,\r\n{…}]`, how Vertex streams without `alt=sse`), and for
// concatenated or newline-delimited JSON values (`{…}\n{…}`). Feed it bytes
// cut anywhere; it calls `onElement` with each complete top-level object or
// array element. It tracks nesting depth and string/escape state, so brackets,
// braces and escaped quotes inside strings are not mistaken for structure.
// After the closing `]`, or on input that is not JSON, it ignores the rest.

import { BoundedBytes } from './bounded-bytes.js';
import type { FragmentHandler } from './sse.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

const BOM: readonly number[] = [0xef, 0xbb, 0xbf];

const AWAIT_START = 0;
const IN_ARRAY = 1; // elements are the values at depth 1
const CONCATENATED = 2; // elements are the values at depth 0
const DONE = 3;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export class JsonArraySplitter {
  private mode = AWAIT_START;
  /** Depth at which elements start: 1 inside an array, 0 for concatenated values. */
  private level = 0;
  private depth = 0;
  private inString = false;
  private escape = false;
  /** An element began in an earlier chunk; its bytes so far are in `partial`. */
  private capturing = false;
  /** Bytes of a UTF-8 BOM to skip at the start. */
  private bomSeen = 0;
  private readonly partial: BoundedBytes;

  constructor(
    private readonly onElement: FragmentHandler,
    cap: number,
    tail: number,
  ) {
    this.partial = new BoundedBytes(cap, tail);
  }

  push(chunk: Buffer): void {
    if (this.mode === DONE) return;
    const n = chunk.length;
    let i = 0;
    let capStart = this.capturing ? 0 : -1;
    // Next `"` and `\` at or after i inside strings; -2 = not looked up yet, -1 = none in this chunk.
    let q = -2;
    let bs = -2;

    if (this.mode === AWAIT_START) {
      while (i < n) {
        const c = chunk[i]!;
        if (this.bomSeen < 3 && c === BOM[this.bomSeen]) {
          this.bomSeen++;
          i++;
          continue;
        }
        if (isSpace(c)) {
          i++;
          continue;
        }
        if (c === LBRACKET) {
          this.mode = IN_ARRAY;
          this.level = 1;
          this.depth = 1;
          i++;
        } else if (c === LBRACE) {
          this.mode = CONCATENATED;
          this.level = 0;
          this.depth = 0;
        } else {
          this.mode = DONE;
          return;
        }
        break;
      }
    }

    while (i < n) {
      if (this.inString) {
        if (this.escape) {
          this.escape = false;
          i++;
          continue;
        }
        if (q !== -1 && q < i) q = chunk.indexOf(QUOTE, i);
        if (bs !== -1 && bs < i) bs = chunk.indexOf(BACKSLASH, i);
        if (bs !== -1 && (q === -1 || bs < q)) {
          if (bs + 1 < n) {
            i = bs + 2;
          } else {
            this.escape = true;
            i = n;
          }
          continue;
        }
        if (q === -1) {
          i = n;
          continue;
        }
        this.inString = false;
        i = q + 1;
        continue;
      }

      const c = chunk[i]!;
      if (c === QUOTE) {
        this.inString = true;
      } else if (c === LBRACE || c === LBRACKET) {
        if (this.depth === this.level) {
          capStart = i;
          this.capturing = true;
        }
        this.depth++;
      } else if (c === RBRACE || c === RBRACKET) {
        this.depth--;
        if (this.depth < this.level) {
          // The array closed (or a stray closer in concatenated values): nothing more to read.
          this.mode = DONE;
          this.capturing = false;
          this.partial.take();
          return;
        }
        if (this.depth === this.level && this.capturing) {
          this.capturing = false;
          const piece = chunk.subarray(capStart, i + 1);
          capStart = -1;
          if (this.partial.length === 0) {
            this.onElement(piece, false);
          } else {
            this.partial.push(piece);
            const { bytes, truncated } = this.partial.take();
            this.onElement(bytes, truncated);
          }
        }
      }
      i++;
    }

    if (this.capturing && capStart !== -1) this.partial.push(chunk.subarray(capStart));
  }
}
