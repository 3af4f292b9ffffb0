// What the audit record keeps of a body: its SHA-256 and size always, its
// text only on routes that ask for it (storePrompts), and then at most 1 MiB.
import { createHash, hash, type Hash } from 'node:crypto';

const MAX_TEXT_BYTES = 1024 * 1024;
const EMPTY = Buffer.alloc(0);

export function sha256Hex(buf: Buffer): string {
  // One-shot: no Hash object per request.
  return hash('sha256', buf, 'hex');
}

/**
 * Follows a body chunk by chunk (the response, as it streams to the caller).
 * Most answers arrive in one chunk: that one is kept and hashed in one shot
 * at the end; a Hash object is made only when a second chunk comes.
 */
export class BodyCapture {
  private hash?: Hash;
  private first?: Buffer;
  private digest?: string;
  private chunks?: Buffer[];
  private kept = 0;
  bytes = 0;

  constructor(keepText: boolean) {
    if (keepText) this.chunks = [];
  }

  push(chunk: Buffer): void {
    if (this.hash) this.hash.update(chunk);
    else if (this.first === undefined) this.first = chunk;
    else {
      this.hash = createHash('sha256').update(this.first).update(chunk);
      this.first = undefined;
    }
    this.bytes += chunk.length;
    if (this.chunks && this.kept < MAX_TEXT_BYTES) {
      const part = chunk.subarray(0, MAX_TEXT_BYTES - this.kept);
      this.chunks.push(part);
      this.kept += part.length;
    }
  }

  sha256(): string {
    this.digest ??= this.hash ? this.hash.digest('hex') : hash('sha256', this.first ?? EMPTY, 'hex');
    this.first = undefined;
    return this.digest;
  }

  text(): string | undefined {
    return this.chunks && Buffer.concat(this.chunks).toString('utf8');
  }
}

/** The stored text of a request body, when the route keeps prompts. */
export function keptText(body: Buffer | undefined, keep: boolean): string | undefined {
  return keep && body ? body.subarray(0, MAX_TEXT_BYTES).toString('utf8') : undefined;
}
