// Incremental server-sent-events splitter. Feed it bytes cut anywhere (even
// mid-line, mid-`\r\n`, mid-UTF-8 character); it calls `onEvent` with each
// event's data (the `data:` lines' values joined with `\n`), bounded in size.
// Lines end with `\n` or `\r\n`; other fields (`event:`, `id:`, comments) are
// ignored. An optional `onBoundary` hears where each event ends in the chunk
// being pushed (just past its blank line), after `onEvent` for that event, so
// that a caller can cut the raw stream at event boundaries.

import { BoundedBytes } from './bounded-bytes.js';

export type FragmentHandler = (bytes: Buffer, truncated: boolean) => void;
/** `end`: the offset, in the chunk being pushed, just past the blank line that ended an event. */
export type BoundaryHandler = (end: number) => void;

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const DATA_PREFIX = Buffer.from('data:');
const NEWLINE = Buffer.from('\n');
const CR_BYTE = Buffer.from('\r');

/** Line states. */
const START = 0; // collecting the first bytes to learn the field
const DATA_VALUE_START = 1; // after `data:`, an optional space may follow
const DATA = 2;
const IGNORE = 3;

export class SseSplitter {
  private state = START;
  private readonly prefix = Buffer.alloc(5);
  private prefixLen = 0;
  /** A `\r` ended the last data segment; kept back until we know whether `\n` follows. */
  private pendingCR = false;
  private dataLines = 0;
  private readonly data: BoundedBytes;

  constructor(
    private readonly onEvent: FragmentHandler,
    cap: number,
    tail: number,
    private readonly onBoundary?: BoundaryHandler,
  ) {
    this.data = new BoundedBytes(cap, tail);
  }

  /** Between events: nothing of a next one read yet. */
  get atEventStart(): boolean {
    return this.state === START && this.prefixLen === 0 && this.dataLines === 0;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    let pos = 0;
    while (pos < n) {
      const nl = chunk.indexOf(LF, pos);
      const end = nl === -1 ? n : nl;
      if (end > pos) this.lineBytes(chunk, pos, end);
      if (nl === -1) return;
      pos = nl + 1;
      this.endLine(pos);
    }
  }

  /** End of input: an event without its closing blank line is still delivered. */
  end(): void {
    if (this.state !== START || this.prefixLen > 0) this.endLine(-1);
    this.dispatch();
  }

  private lineBytes(chunk: Buffer, s: number, e: number): void {
    if (this.state === START) {
      while (this.prefixLen < 5 && s < e) this.prefix[this.prefixLen++] = chunk[s++]!;
      if (this.prefixLen < 5) return;
      if (this.prefix.equals(DATA_PREFIX)) {
        this.state = DATA_VALUE_START;
        if (this.dataLines > 0) this.data.push(NEWLINE);
        this.dataLines++;
      } else {
        this.state = IGNORE;
      }
    }
    if (this.state === IGNORE || s === e) return;
    if (this.state === DATA_VALUE_START) {
      if (chunk[s] === SPACE) s++;
      this.state = DATA;
      if (s === e) return;
    }
    if (this.pendingCR) {
      this.data.push(CR_BYTE);
      this.pendingCR = false;
    }
    if (chunk[e - 1] === CR) {
      e--;
      this.pendingCR = true;
    }
    if (e > s) this.data.push(chunk.subarray(s, e));
  }

  /** `at`: where the line ended in the current chunk (-1 at the end of input). */
  private endLine(at: number): void {
    if (this.state === START) {
      // A blank line (`\n` or `\r\n`) ends the event.
      if (this.prefixLen === 0 || (this.prefixLen === 1 && this.prefix[0] === CR)) {
        this.dispatch();
        if (at >= 0) this.onBoundary?.(at);
      }
    }
    this.state = START;
    this.prefixLen = 0;
    this.pendingCR = false;
  }

  private dispatch(): void {
    if (this.dataLines === 0) return;
    this.dataLines = 0;
    const { bytes, truncated } = this.data.take();
    this.onEvent(bytes, truncated);
  }
}
