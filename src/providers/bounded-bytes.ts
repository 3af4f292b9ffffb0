// A byte accumulator with a ceiling: it keeps everything up to `cap` bytes;
// past that it keeps only the last `tail` bytes and remembers it overflowed.
// Pushed bytes are copied, so callers may reuse their buffers.

export interface Taken {
  bytes: Buffer;
  /** True when the head was dropped: `bytes` is only the tail. */
  truncated: boolean;
}

const EMPTY = Buffer.alloc(0);

export class BoundedBytes {
  private parts: Buffer[] = [];
  private size = 0;
  private overflowed = false;

  constructor(
    private readonly cap: number,
    private readonly tail: number,
  ) {}

  get length(): number {
    return this.size;
  }

  push(b: Buffer): void {
    const len = b.length;
    if (len === 0) return;
    if (this.overflowed || this.size + len > this.cap) {
      this.overflowed = true;
      if (len >= this.tail) {
        this.parts = [Buffer.from(b.subarray(len - this.tail))];
        this.size = this.tail;
        return;
      }
      this.parts.push(Buffer.from(b));
      this.size += len;
      // Drop whole parts from the front while the rest still covers the tail.
      let drop = 0;
      while (this.size - this.parts[drop]!.length >= this.tail) {
        this.size -= this.parts[drop]!.length;
        drop++;
      }
      if (drop > 0) this.parts.splice(0, drop);
      return;
    }
    this.parts.push(Buffer.from(b));
    this.size += len;
  }

  /** Everything kept, then reset. */
  take(): Taken {
    const parts = this.parts;
    const bytes = parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.size);
    const truncated = this.overflowed;
    this.parts = [];
    this.size = 0;
    this.overflowed = false;
    return { bytes, truncated };
  }
}
