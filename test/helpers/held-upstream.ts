// An upstream whose streams the test finishes: each streamGenerateContent
// request gets its headers and a first SSE event at once, and the rest only
// when the test releases it. Every other request is answered at once.
import { createServer, type ServerResponse } from 'node:http';
import { closeServer, listen } from './http-server.js';

const event = (text: string, last = false) =>
  `data: ${JSON.stringify({
    candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
    ...(last ? { usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 } } : {}),
  })}\r\n\r\n`;

/** What a released stream sends, whole: the first event, then the last. */
export const HELD_STREAM_BODY = event('The first part, ') + event('and the end.', true);

export interface HeldUpstream {
  url: string;
  /** Streams begun and not yet released. */
  readonly held: number;
  /** Sends the rest of every held stream, and ends it. */
  releaseAll(): void;
  close(): Promise<void>;
}

export async function heldUpstream(): Promise<HeldUpstream> {
  const waiting = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    req.resume();
    if (!(req.url ?? '').includes(':streamGenerateContent')) {
      const body = JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 'Hi.' }] }, finishReason: 'STOP', index: 0 }] });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(event('The first part, '));
    waiting.add(res);
    res.once('close', () => waiting.delete(res));
  });
  const url = await listen(server);
  return {
    url,
    get held() {
      return waiting.size;
    },
    releaseAll() {
      for (const res of waiting) res.end(event('and the end.', true));
      waiting.clear();
    },
    close: () => closeServer(server),
  };
}
