// The baseline: the plainest sound Node reverse proxy — node:http in front,
// undici Pool.request behind, bodies piped both ways, hop-by-hop headers
// dropped, the upstream response destroyed if the client goes away. No
// identity, policy, credentials or audit: what any Node proxy pays.
//
//   node --import tsx bench/baseline-proxy.ts UPSTREAM_URL [port]    prints "listening http://127.0.0.1:PORT"
import { createServer, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { Pool } from 'undici';

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host']);
const [upstream, port = '0'] = process.argv.slice(2);
if (!upstream) throw new Error('usage: baseline-proxy.ts UPSTREAM_URL [port]');
const pool = new Pool(upstream, { connections: 128, keepAliveTimeout: 30_000 });

function strip(headers: Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
  return out;
}

const server = createServer({ keepAliveTimeout: 65_000 }, async (req, res) => {
  try {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const up = await pool.request({ method: req.method as 'POST', path: req.url ?? '/', headers: strip(req.headers) as Record<string, string>, body: hasBody ? req : null });
    res.writeHead(up.statusCode, strip(up.headers));
    pipeline(up.body, res, () => {});
  } catch {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  }
});
server.listen(Number(port), '127.0.0.1', () => console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void pool.close().then(() => process.exit(0)));
});
