// What the audit record keeps of a body: its SHA-256 and size always, its
// text only on routes that ask for it (storePrompts), and then at most 1 MiB.
import { createHash, hash, type Hash } from 'node:crypto';

const MAX_TEXT_BYTES = 1024 * 1024;

export function sha256Hex(buf: Buffer): string {
  // One-shot: no Hash object per request.
  return hash('sha256', buf, 'hex');
}

/** Chunks held for the digest, at most: hashed together, one native call instead of one a chunk. */
const HASH_BATCH_BYTES = 64 * 1024;

/**
 * Follows a body chunk by chunk (the response, as it streams to the caller).
 * Chunks are held (they are the ones being sent, not copies) and hashed in
 * batches of up to 64 KiB: most answers arrive in one chunk, hashed in one
 * shot at the end, and a stream's small events (~100 bytes each) cost one
 * hash update per batch, not per event.
 */
export class BodyCapture {
  private hash?: Hash;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private digest?: string;
  private chunks?: Buffer[];
  private kept = 0;
  bytes = 0;

  constructor(keepText: boolean) {
    if (keepText) this.chunks = [];
  }

  push(chunk: Buffer): void {
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes >= HASH_BATCH_BYTES) this.hashHeld();
    this.bytes += chunk.length;
    if (this.chunks && this.kept < MAX_TEXT_BYTES) {
      const part = chunk.subarray(0, MAX_TEXT_BYTES - this.kept);
      this.chunks.push(part);
      this.kept += part.length;
    }
  }

  sha256(): string {
    if (this.digest === undefined) {
      if (this.hash) {
        this.hashHeld();
        this.digest = this.hash.digest('hex');
      } else {
        this.digest = hash('sha256', this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes), 'hex');
      }
      this.held = [];
    }
    return this.digest;
  }

  private hashHeld(): void {
    this.hash ??= createHash('sha256');
    this.hash.update(this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes));
    this.held = [];
    this.heldBytes = 0;
  }

  text(): string | undefined {
    return this.chunks && Buffer.concat(this.chunks).toString('utf8');
  }
}

/** The stored text of a request body, when the route keeps prompts. */
export function keptText(body: Buffer | undefined, keep: boolean): string | undefined {
  return keep && body ? body.subarray(0, MAX_TEXT_BYTES).toString('utf8') : undefined;
}
