// The admin listener: health, readiness, Prometheus metrics and credential
// status. Kept off the data port so that it can be firewalled separately.
import { createServer, type Server } from 'node:http';
import type { Credentials } from '../credentials/index.js';
import type { Metrics } from '../telemetry/metrics.js';

export function createAdminServer(deps: { metrics: Metrics; credentials: Credentials }): Server {
  return createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    switch (path) {
      case '/healthz':
        return send(res, 200, 'text/plain', 'ok\n');
      case '/readyz':
        return send(res, 200, 'text/plain', 'ready\n');
      case '/metrics':
        return send(res, 200, deps.metrics.registry.contentType, await deps.metrics.registry.metrics());
      case '/credentials':
        return send(res, 200, 'application/json', JSON.stringify({ credentials: deps.credentials.status() }, null, 2));
      default:
        return send(res, 404, 'text/plain', 'not found\n');
    }
  });
}

function send(res: import('node:http').ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

