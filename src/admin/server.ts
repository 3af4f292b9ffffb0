// The admin listener: health, readiness, Prometheus metrics, credential
// status and the running version. Kept off the data port so that it can be firewalled separately.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Credentials } from '../credentials/index.js';
import { WARDEN_JWKS_PATH } from '../identity/upstream-token.js';
import type { RequestDescription } from '../policy/explain.js';
import type { Metrics } from '../telemetry/metrics.js';

/** What readiness depends on beyond the process being up (the quota store). */
export type ReadinessCheck = () => { ready: boolean; detail: string };

export function createAdminServer(deps: {
  metrics: Metrics;
  credentials: Pick<Credentials, 'status'>;
  wardenJwks?: () => object;
  readiness?: ReadinessCheck;
  /** POST /explain: a request description (JSON) → the policy explanation (docs/policy.md). */
  explain?: (description: RequestDescription) => Promise<unknown>;
  /** GET /version: version, commit, Node.js version, config hash, start time. */
  version?: () => object;
}): Server {
  return createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/explain' && req.method === 'POST' && deps.explain) return explainEndpoint(req, res, deps.explain);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    switch (path) {
      case '/healthz':
        return send(res, 200, 'text/plain', 'ok\n');
      case '/readyz': {
        const r = deps.readiness?.();
        if (!r) return send(res, 200, 'text/plain', 'ready\n');
        return send(res, r.ready ? 200 : 503, 'text/plain', `${r.ready ? 'ready' : 'not ready'}\n${r.detail}\n`);
      }
      case '/metrics':
        return send(res, 200, deps.metrics.registry.contentType, await deps.metrics.registry.metrics());
      case '/version':
        if (deps.version) return send(res, 200, 'application/json', JSON.stringify(deps.version(), null, 2));
        return send(res, 404, 'text/plain', 'not found\n');
      case '/credentials':
        return send(res, 200, 'application/json', JSON.stringify({ credentials: deps.credentials.status() }, null, 2));
      case WARDEN_JWKS_PATH:
        // The public keys of Warden's identity tokens (routes' identityToken), for upstreams to verify them.
        if (deps.wardenJwks) return send(res, 200, 'application/jwk-set+json', JSON.stringify(deps.wardenJwks()));
        return send(res, 404, 'text/plain', 'not found\n');
      default:
        return send(res, 404, 'text/plain', 'not found\n');
    }
  });
}

const EXPLAIN_MAX_BYTES = 64 * 1024;

async function explainEndpoint(req: IncomingMessage, res: ServerResponse, explain: (d: RequestDescription) => Promise<unknown>): Promise<void> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > EXPLAIN_MAX_BYTES) return send(res, 413, 'text/plain', 'request description too large\n');
  }
  let description: RequestDescription;
  try {
    description = JSON.parse(text) as RequestDescription;
    if (description === null || typeof description !== 'object' || Array.isArray(description)) throw new Error('not an object');
  } catch {
    return send(res, 400, 'application/json', JSON.stringify({ error: 'the body is a JSON object: {method, path, host, headers, token, sourcePrincipal, sourceIp, body}' }));
  }
  try {
    return send(res, 200, 'application/json', JSON.stringify(await explain(description), null, 2));
  } catch (e) {
    return send(res, 500, 'application/json', JSON.stringify({ error: (e as Error).message }));
  }
}

function send(res: import('node:http').ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

