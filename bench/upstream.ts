// A fast fixed-response stand-in for Vertex AI's generateContent, so that the
// benchmark measures the proxies and not the model: every request is drained
// and answered with the same small JSON (with usageMetadata). Any bearer token
// is accepted; a request without one gets 401, so a proxy that dropped the
// credential shows up as errors, not as speed. A streamGenerateContent call is
// answered with 200 server-sent events instead.
//
//   node --import tsx bench/upstream.ts [port]    prints "listening http://127.0.0.1:PORT"
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const ANSWER = Buffer.from(
  JSON.stringify({
    candidates: [{ content: { role: 'model', parts: [{ text: 'Echo from gemini-2.0-flash: Hello, Warden' }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 7, totalTokenCount: 10 },
    modelVersion: 'gemini-2.0-flash',
  }),
);
const UNAUTHENTICATED = Buffer.from(JSON.stringify({ error: { code: 401, message: 'no bearer token', status: 'UNAUTHENTICATED' } }));

// streamGenerateContent?alt=sse: STREAM_CHUNKS events, each its own write one event-loop turn after
// the last (as a model streams tokens), the last one with usageMetadata.
const STREAM_CHUNKS = 200;
const EVENTS = Array.from({ length: STREAM_CHUNKS }, (_, i) =>
  Buffer.from(
    `data: ${JSON.stringify({
      candidates: [{ content: { role: 'model', parts: [{ text: `token ${i} ` }] }, index: 0, ...(i === STREAM_CHUNKS - 1 ? { finishReason: 'STOP' } : {}) }],
      ...(i === STREAM_CHUNKS - 1 ? { usageMetadata: { promptTokenCount: 3, candidatesTokenCount: STREAM_CHUNKS, totalTokenCount: STREAM_CHUNKS + 3 } } : {}),
      modelVersion: 'gemini-2.0-flash',
    })}\r\n\r\n`,
  ),
);

function stream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let i = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (i === EVENTS.length - 1) return void res.end(EVENTS[i]);
    res.write(EVENTS[i++]);
    setImmediate(next);
  };
  next();
}

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    const ok = /^Bearer \S/.test(req.headers.authorization ?? '');
    if (ok && req.url?.includes(':streamGenerateContent')) return stream(res);
    const body = ok ? ANSWER : UNAUTHENTICATED;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json; charset=UTF-8', 'content-length': body.length });
    res.end(body);
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
