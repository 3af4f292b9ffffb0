// Writes a response in pieces with a short pause between them, so clients
// and the gateway see a real stream (several reads), not one buffered body.

import type { ServerResponse } from 'node:http';
import { sleep } from './http.js';

export const CHUNK_DELAY_MS = 5;

export async function writePieces(
  res: ServerResponse,
  contentType: string,
  pieces: string[],
  delayMs = CHUNK_DELAY_MS,
): Promise<void> {
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  res.writeHead(200, {
    'content-type': contentType,
    'cache-control': 'no-cache',
  });
  res.flushHeaders();
  for (let i = 0; i < pieces.length; i++) {
    if (closed) return;
    res.write(pieces[i]);
    if (i < pieces.length - 1) await sleep(delayMs);
  }
  if (!closed) res.end();
}

/** Vertex's default stream framing: one JSON array written element by element. */
export function jsonArrayPieces(objects: unknown[]): string[] {
  return objects.map((o, i) => {
    const json = JSON.stringify(o, null, 2);
    const head = i === 0 ? `[${json}` : `\n,\r\n${json}`;
    return i === objects.length - 1 ? `${head}\n]` : head;
  });
}

/** Vertex's `alt=sse` framing. */
export function vertexSsePieces(objects: unknown[]): string[] {
  return objects.map((o) => `data: ${JSON.stringify(o)}\r\n\r\n`);
}

/** Split text into at least `min` non-empty pieces (fewer only if text is shorter). */
export function splitText(text: string, min = 3, target = 16): string[] {
  const chars = Array.from(text);
  const n = Math.min(chars.length, Math.max(min, Math.ceil(chars.length / target)));
  if (n <= 1) return [text];
  const size = Math.ceil(chars.length / n);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  // ceil() can leave fewer pieces than asked for; split the longest until we have enough.
  while (out.length < n) {
    let longest = 0;
    for (let i = 1; i < out.length; i++) if (out[i]!.length > out[longest]!.length) longest = i;
    const s = Array.from(out[longest]!);
    const half = Math.ceil(s.length / 2);
    out.splice(longest, 1, s.slice(0, half).join(''), s.slice(half).join(''));
  }
  return out;
}
