// A fast fixed-response stand-in for Vertex AI's generateContent, so that the
// benchmark measures the proxies and not the model: every request is drained
// and answered with the same small JSON (with usageMetadata). Any bearer token
// is accepted; a request without one gets 401, so a proxy that dropped the
// credential shows up as errors, not as speed.
//
//   node --import tsx bench/upstream.ts [port]    prints "listening http://127.0.0.1:PORT"
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const ANSWER = Buffer.from(
  JSON.stringify({
    candidates: [{ content: { role: 'model', parts: [{ text: 'Echo from gemini-2.0-flash: Hello, Warden' }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 7, totalTokenCount: 10 },
    modelVersion: 'gemini-2.0-flash',
  }),
);
const UNAUTHENTICATED = Buffer.from(JSON.stringify({ error: { code: 401, message: 'no bearer token', status: 'UNAUTHENTICATED' } }));

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    const ok = /^Bearer \S/.test(req.headers.authorization ?? '');
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
