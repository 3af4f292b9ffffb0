// An upstream that records every request that reaches it and answers a small
// Gemini-shaped (or OpenAI-shaped, by path) JSON body: what tests of refusals
// read to prove that nothing was forwarded.
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { closeServer, listen } from './http-server.js';

export interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RecordingUpstream {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const openai = req.url!.includes('/chat/completions') || req.url!.includes('/v1/batches');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          openai
            ? { id: 'c1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }
            : { candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] } }], usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 } },
        ),
      );
    });
  });
  const url = await listen(server);
  return { url, seen, close: () => closeServer(server) };
}

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `raw` bytes on a new connection and reads the answer until the server closes it (requests should say `Connection: close`). */
export function rawRequest(port: number, raw: string | Buffer): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(raw));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const c = l.indexOf(':');
        headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
      }
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(split + 4) });
    });
  });
}
