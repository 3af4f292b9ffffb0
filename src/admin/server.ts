// The admin listener: health, readiness and metrics; the admin API and the
// web console; sign-in. Kept off the data port so that it can be firewalled
// separately. Every request goes the same way:
//
//   open paths (/healthz, /readyz, the console's files, sign-in, /metrics unless protected)
//   → who is calling (session cookie or admin token; 401 without either)
//   → CSRF (a signed-in person's state-changing call carries the session's token)
//   → the admin port's AuthorizationPolicy (403)
//   → the API.
//
// Without spec.admin.auth (allowed on loopback only, see exposure.ts) there is
// no one to ask: every caller may do everything, as before sign-in existed.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AuditRecord } from '../audit/record.js';
import type { AuditStatus } from '../audit/writer.js';
import type { LimitsSpec } from '../config/schema.js';
import type { Credentials } from '../credentials/index.js';
import { WARDEN_JWKS_PATH } from '../identity/upstream-token.js';
import { formatExplanation, type ExplainResult, type RequestDescription } from '../policy/explain.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { RequestInfo } from '../types.js';
import { AuditQueries, filterOf } from './audit-api.js';
import { AdminAuth, type Caller } from './auth.js';
import { BodyTooLarge, pathAndQuery, readText, send, sendError, sendJson } from './http.js';
import { LiveTraffic } from './live.js';
import type { AdminAccess } from './policy.js';
import { sameSecret } from './sessions.js';
import { CONSOLE_CSP, loadConsole, type ConsoleFile } from './static.js';
import { longestWindowMs, quotaUse, USAGE_DIMENSIONS, usageReport, type UsageDimension } from './usage.js';

/** What readiness depends on beyond the process being up (the quota store). */
export type ReadinessCheck = () => { ready: boolean; detail: string };

/** One trusted issuer of the data path and its key set's refreshes. */
export interface IssuerStatus {
  issuer: string;
  keys: string;
  lastRefresh?: string;
  lastRefreshOk?: boolean;
  refreshes: number;
  failures: number;
}

export interface AdminDeps {
  metrics: Metrics;
  credentials: Pick<Credentials, 'status'>;
  wardenJwks?: () => object;
  readiness?: ReadinessCheck;
  /** POST /explain and /api/explain: a request description → the policy explanation (docs/policy.md). */
  explain?: (description: RequestDescription) => Promise<ExplainResult>;
  /** The same for a recorded request (the console's refused records). */
  explainRecord?: (record: AuditRecord) => ExplainResult;
  /** spec.admin.auth, built; absent: no sign-in (loopback only). */
  auth?: AdminAuth;
  access?: AdminAccess;
  live?: LiveTraffic;
  /** Searches and verification of the audit store, when one is configured. */
  audit?: AuditQueries;
  auditStatus?: () => AuditStatus;
  limits?: LimitsSpec;
  issuers?: () => IssuerStatus[];
  /** The console's files; default: the built dist/console. */
  consoleFiles?: Map<string, ConsoleFile>;
  /** GET /version: version, commit, Node.js version, config hash, start time. */
  version?: () => object;
}

const EXPLAIN_MAX_BYTES = 64 * 1024;
/** Usage reads at most this many records per report: a long range over a busy log is cut short (and says so). */
const USAGE_MAX_RECORDS = 200_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AdminServer extends Server {
  /** Ends live streams and the audit reader. */
  closeConsole(): Promise<void>;
}

export function createAdminServer(deps: AdminDeps): AdminServer {
  const files = deps.consoleFiles ?? loadConsole();
  const server = createServer((req, res) => {
    handle(deps, files, req, res).catch((e) => {
      if (e instanceof BodyTooLarge) return sendError(res, 413, 'BODY_TOO_LARGE', e.message);
      if (res.headersSent) return res.destroy();
      const status = (e as { status?: number }).status ?? 500;
      sendError(res, status, status === 503 ? 'UNAVAILABLE' : 'INTERNAL', (e as Error).message);
    });
  }) as AdminServer;
  server.closeConsole = async () => {
    deps.live?.close();
    await deps.audit?.close();
  };
  return server;
}

async function handle(deps: AdminDeps, files: Map<string, ConsoleFile> | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { path, query } = pathAndQuery(req);
  const method = req.method ?? 'GET';
  // Open: probes, Warden's public keys, the console's own files and sign-in.
  switch (path) {
    case '/healthz':
      return send(res, 200, 'text/plain', 'ok\n');
    case '/readyz': {
      const r = deps.readiness?.();
      if (!r) return send(res, 200, 'text/plain', 'ready\n');
      return send(res, r.ready ? 200 : 503, 'text/plain', `${r.ready ? 'ready' : 'not ready'}\n${r.detail}\n`);
    }
    case WARDEN_JWKS_PATH:
      // The public keys of Warden's identity tokens (routes' identityToken), for upstreams to verify them.
      if (deps.wardenJwks) return send(res, 200, 'application/jwk-set+json', JSON.stringify(deps.wardenJwks()));
      return send(res, 404, 'text/plain', 'not found\n');
    case '/auth/login':
      if (deps.auth && method === 'GET') return deps.auth.login(req, res, query);
      break;
    case '/auth/callback':
      if (deps.auth && method === 'GET') return deps.auth.callback(req, res, query);
      break;
  }
  if (path === '/metrics' && (!deps.auth || deps.auth.metricsOpen) && (method === 'GET' || method === 'HEAD')) return metrics(deps, res);
  if ((method === 'GET' || method === 'HEAD') && (path === '/' || (files?.has(path) && path !== '/'))) return consoleFile(files, path, res);

  const caller: Caller & { badToken?: boolean } = deps.auth ? deps.auth.identify(req) : { via: 'none' };
  if (caller.badToken) return sendError(res, 401, 'UNAUTHENTICATED', 'the bearer token is not the admin token', { 'www-authenticate': 'Bearer realm="warden-admin"' });
  if (path === '/api/session' && method === 'GET') return session(deps, caller, req, res);

  // A state-changing call from a browser: its Origin must be this console (any mode), and a
  // signed-in person's must carry the session's CSRF token (SameSite=Strict is the second lock).
  if (!SAFE_METHODS.has(method)) {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== ownOrigin(deps, req)) return sendError(res, 403, 'CSRF_FAILED', `a state-changing call from another origin (${origin})`);
    if (caller.session && !sameSecret(req.headers['x-csrf-token'] as string | undefined, caller.session.csrf)) {
      return sendError(res, 403, 'CSRF_FAILED', 'a state-changing call without the session\'s CSRF token (x-csrf-token; GET /api/session gives it)');
    }
  }
  if (path === '/auth/logout' && deps.auth) {
    if (method !== 'POST') return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'sign out with POST');
    return deps.auth.logout(caller, res);
  }
  if (deps.auth) {
    if (!caller.principal) return sendError(res, 401, 'UNAUTHENTICATED', 'sign in first (GET /auth/login), or send the admin token as a bearer token', { 'www-authenticate': 'Bearer realm="warden-admin"' });
    const decision = deps.access!.authorize(requestInfo(req, path, query), caller.principal);
    if (decision.action === 'deny') return sendError(res, 403, 'PERMISSION_DENIED', `${method} ${path}: ${decision.reason}`);
  }
  return api(deps, req, res, path, query, method);
}

async function api(deps: AdminDeps, req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, method: string): Promise<void> {
  const route = `${method === 'HEAD' ? 'GET' : method} ${path}`;
  switch (route) {
    case 'GET /metrics':
      return metrics(deps, res);
    case 'GET /version':
      if (deps.version) return sendJson(res, 200, deps.version());
      break;
    case 'GET /credentials':
    case 'GET /api/credentials':
      return sendJson(res, 200, { credentials: deps.credentials.status() });
    case 'POST /explain':
      return explainEndpoint(req, res, deps, 'plain');
    case 'POST /api/explain':
      return explainEndpoint(req, res, deps, 'console');
    case 'GET /api/traffic':
      return sendJson(res, 200, { records: await readStore(() => deps.live?.latest() ?? Promise.resolve([])) });
    case 'GET /api/traffic/stream':
      if (!deps.live) return sendError(res, 404, 'NOT_FOUND', 'no live traffic');
      return deps.live.watch(res);
    case 'GET /api/audit': {
      if (!deps.audit) return noAudit(res);
      const f = filterOf(query);
      if (typeof f === 'string') return sendError(res, 400, 'INVALID_ARGUMENT', f);
      return sendJson(res, 200, { store: deps.audit.store, records: await readStore(() => deps.audit!.search(f)) });
    }
    case 'GET /api/audit/record': {
      if (!deps.audit) return noAudit(res);
      const id = query.get('requestId');
      if (!id) return sendError(res, 400, 'INVALID_ARGUMENT', 'requestId is required');
      const record = await readStore(() => deps.audit!.byRequestId(id));
      return record ? sendJson(res, 200, { record }) : sendError(res, 404, 'NOT_FOUND', `no record of request ${id}`);
    }
    case 'GET /api/audit/verify':
      if (!deps.audit) return noAudit(res);
      return sendJson(res, 200, deps.audit.verification());
    case 'POST /api/audit/verify':
      if (!deps.audit) return noAudit(res);
      deps.audit.startVerify();
      return sendJson(res, 202, deps.audit.verification());
    case 'GET /api/usage':
      return usage(deps, res, query);
    case 'GET /api/health':
      return health(deps, res);
  }
  return sendError(res, 404, 'NOT_FOUND', `no admin endpoint ${method} ${path}`);
}

async function session(deps: AdminDeps, caller: Caller, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const can = (method: string, path: string) => !deps.auth || (!!caller.principal && deps.access!.authorize(requestInfo(req, path, new URLSearchParams(), method), caller.principal).action === 'allow');
  sendJson(res, 200, {
    signInConfigured: !!deps.auth,
    oidc: !!deps.auth?.oidc,
    signedIn: !!caller.principal,
    via: caller.via,
    name: caller.session?.displayName ?? (caller.via === 'token' ? 'admin token' : undefined),
    principal: caller.principal?.requestPrincipal,
    groups: caller.principal?.groups ?? [],
    csrf: caller.session?.csrf,
    policy: deps.access ? { policies: deps.access.policies, isDefault: deps.access.isDefault } : undefined,
    auditStore: deps.audit?.store,
    // What the console offers; the API decides again on every call.
    can: {
      traffic: can('GET', '/api/traffic'),
      audit: can('GET', '/api/audit'),
      verify: can('POST', '/api/audit/verify'),
      usage: can('GET', '/api/usage'),
      health: can('GET', '/api/health'),
      explain: can('POST', '/api/explain'),
      credentials: can('GET', '/api/credentials'),
    },
  });
}

/** `plain`: POST /explain, a description → the explanation, as before the console. `console`: a record or a description → the explanation and its text. */
async function explainEndpoint(req: IncomingMessage, res: ServerResponse, deps: AdminDeps, form: 'plain' | 'console'): Promise<void> {
  if (!deps.explain) return sendError(res, 404, 'NOT_FOUND', 'explain is not available');
  const text = await readText(req, EXPLAIN_MAX_BYTES);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
  } catch {
    return sendJson(res, 400, { error: 'the body is a JSON object: {method, path, host, headers, token, sourcePrincipal, sourceIp, body}' });
  }
  if (form === 'plain') return sendJson(res, 200, await deps.explain(body as RequestDescription));
  // The console: {requestId} explains a recorded request, {request} a described one; both come back with the text `warden explain` prints.
  let result: ExplainResult;
  if (typeof body.requestId === 'string') {
    if (!deps.audit && !deps.live) return noAudit(res);
    const record = (await readStore(() => deps.audit?.byRequestId(body.requestId as string) ?? Promise.resolve(undefined))) ?? deps.live?.find(body.requestId);
    if (!record) return sendError(res, 404, 'NOT_FOUND', `no record of request ${body.requestId}`);
    result = deps.explainRecord!(record);
  } else if (body.request && typeof body.request === 'object') {
    result = await deps.explain(body.request as RequestDescription);
  } else {
    return sendError(res, 400, 'INVALID_ARGUMENT', 'send {requestId} or {request: {method, path, host, headers, token, …}}');
  }
  return sendJson(res, 200, { explanation: result, text: formatExplanation(result) });
}

async function usage(deps: AdminDeps, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const by = (query.get('by') ?? 'group') as UsageDimension;
  if (!USAGE_DIMENSIONS.includes(by)) return sendError(res, 400, 'INVALID_ARGUMENT', `by: one of ${USAGE_DIMENSIONS.join(', ')}`);
  const range = query.get('range') ?? '1h';
  const m = /^(\d{1,4})(m|h|d)$/.exec(range);
  if (!m) return sendError(res, 400, 'INVALID_ARGUMENT', 'range: such as 15m, 1h, 24h or 7d');
  const nowMs = Date.now();
  const sinceMs = nowMs - Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm'];
  const quotaSinceMs = nowMs - longestWindowMs(deps.limits);
  if (deps.audit) {
    const report = await readStore(() => deps.audit!.usage({ sinceMs, quotaSinceMs, nowMs, by, maxRecords: USAGE_MAX_RECORDS, limits: deps.limits }));
    return sendJson(res, 200, { ...report, source: `audit store (${deps.audit.store})` });
  }
  // Without an audit store: the records this process keeps for live traffic.
  const kept = deps.live?.records() ?? [];
  const report = await usageReport(kept, { sinceMs, nowMs, by, truncatedAt: Infinity });
  const quotas = quotaUse(deps.limits, kept.filter((r) => r.quota && Date.parse(r.time) >= quotaSinceMs), nowMs);
  sendJson(res, 200, { ...report, source: 'the last records of this process (no audit store)', quotas });
}

function health(deps: AdminDeps, res: ServerResponse): void {
  const r = deps.readiness?.() ?? { ready: true, detail: '' };
  const creds = deps.credentials.status().map((c) => ({ name: c.name, state: c.consecutiveFailures ? 'failing' : c.expiresAt ? 'valid' : c.lastMint ? 'expired' : 'not minted yet' }));
  sendJson(res, 200, {
    ready: r.ready,
    readiness: r.detail.split('\n').filter(Boolean),
    audit: deps.auditStatus?.(),
    issuers: deps.issuers?.() ?? [],
    credentials: creds,
  });
}

async function metrics(deps: AdminDeps, res: ServerResponse): Promise<void> {
  return send(res, 200, deps.metrics.registry.contentType, await deps.metrics.registry.metrics());
}

function consoleFile(files: Map<string, ConsoleFile> | undefined, path: string, res: ServerResponse): void {
  if (!files) return send(res, 503, 'text/plain', 'the console is not built: run `npm run build:console` (npm ci does it)\n');
  const f = files.get(path)!;
  send(res, 200, f.type, f.body, { 'content-security-policy': CONSOLE_CSP, 'x-frame-options': 'DENY', 'cache-control': 'no-cache' });
}

function noAudit(res: ServerResponse): void {
  sendError(res, 404, 'NO_AUDIT_STORE', 'no audit store is configured (spec.audit)');
}

/** A store that cannot be read is a 503 with its reason, not a 500. */
async function readStore<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    throw Object.assign(new Error(`the audit store cannot be read: ${(e as Error).message}`), { status: 503 });
  }
}

function ownOrigin(deps: AdminDeps, req: IncomingMessage): string {
  return deps.auth ? deps.auth.origin(req) : `http://${req.headers.host ?? 'localhost'}`;
}

/** An admin request as policy sees it: credentials and cookies left out. */
function requestInfo(req: IncomingMessage, path: string, query: URLSearchParams, method = req.method ?? 'GET'): RequestInfo {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || k === 'authorization' || k === 'cookie') continue;
    headers[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return {
    id: `admin-${randomUUID()}`,
    method,
    path,
    query: query.toString(),
    host: (req.headers.host ?? '').toLowerCase(),
    headers,
    sourceIp: req.socket.remoteAddress ?? '',
    sourcePort: req.socket.remotePort,
    destinationIp: req.socket.localAddress,
    destinationPort: req.socket.localPort,
  };
}
