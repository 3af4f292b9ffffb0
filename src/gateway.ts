// Assembles a running Warden from a loaded config: every part is compiled
// once here, and a problem anywhere is reported against the config file.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfigFile, type LoadedConfig } from './config/load.js';
import { durationMs } from './config/schema.js';
import { Credentials } from './credentials/index.js';
import { buildIdentifier } from './identity/build.js';
import type { Identifier } from './identity/identify.js';
import { readTlsFiles, refuseUnverifiedPeers, tlsServerOptions, watchTlsFiles } from './identity/tls.js';
import type { Authorizer } from './policy/evaluate.js';
import { explainRequest, type ExplainDeps } from './policy/explain.js';
import { buildAuthorizer } from './policy/index.js';
import { normalizePath } from './policy/path.js';
import { getProvider } from './providers/index.js';
import { createHandler } from './proxy/pipeline.js';
import { answerParserRefusals } from './proxy/refusals.js';
import { BufferBudget, defaultMaxBufferedBytes } from './admission/buffer-budget.js';
import { Recorder } from './admission/record.js';
import { buildRoute, type Route } from './admission/route.js';
import { routeMatcher } from './admission/routes.js';
import { routeNeeds } from './admission/facts.js';
import { locate } from './admission/admit.js';
import { openAuditWriter, planAudit, type AuditPlan } from './audit/config.js';
import type { AuditWriter } from './audit/writer.js';
import { createAdminServer, type ReadinessCheck } from './admin/server.js';
import { AuditQueries } from './admin/audit-api.js';
import { AdminAuth, checkAdminAuthFiles } from './admin/auth.js';
import { explainRecord } from './admin/explain-record.js';
import { checkAdminExposure, isLoopback, UNPROTECTED_HINT, unprotectedMessage } from './admin/exposure.js';
import { IssuerWatch } from './admin/issuers.js';
import { LiveTraffic } from './admin/live.js';
import { AdminAccess } from './admin/policy.js';
import { Guardrails } from './guardrails/guard.js';
import { checkLimits } from './limits/check.js';
import { Limits } from './limits/limits.js';
import { openOwnership } from './ownership/open.js';
import { checkAudience, McpGate } from './mcp/gate.js';
import type { Principal, RequestInfo } from './types.js';
import { metadataAnswerer } from './mcp/resource-metadata.js';
import { McpSessions, MemorySessionStore, RedisSessionStore } from './mcp/sessions.js';
import { startExtAuthz, type RunningExtAuthz } from './extauthz/index.js';
import { startExtProc, type RunningExtProc } from './extproc/index.js';
import { hostPort, listenOn } from './listen.js';
import { onTokenMint } from './telemetry/events.js';
import { Metrics } from './telemetry/metrics.js';
import { Tracing } from './telemetry/tracing.js';
import { createLogger, type Logger } from './telemetry/log.js';

export interface Parts {
  config: LoadedConfig;
  identifier: Identifier;
  authorizer: Authorizer;
  credentials: Credentials;
  routes: Route[];
  /** spec.guardrails, compiled; absent when not configured. */
  guardrails?: Guardrails;
  /** spec.audit, resolved; absent when no audit store is configured. */
  audit?: AuditPlan;
}

/** Compile everything that can fail on bad config; collect problems instead of stopping at the first. */
export function compileConfig(config: LoadedConfig): Parts {
  const gw = config.gateway;
  const identifier = buildIdentifier(config);
  const tls = gw?.value.listen.tls;
  if (tls) {
    try {
      tlsServerOptions(tls, readTlsFiles(tls, config.path));
    } catch (e) {
      const field = (e as { field?: string }).field;
      gw.report(['listen', 'tls', ...(field ? [field] : [])], `TLS: ${(e as Error).message}`, 'PEM files: certificate (chain), its private key, and the client CA bundle');
    }
  }
  const authorizer = buildAuthorizer(config);
  const credentials = gw ? new Credentials(gw.value.credentials, gw.value.routes, config.path, gw.report) : new Credentials([], [], config.path, () => {});
  const routes = gw ? gw.value.routes.map(buildRoute) : [];
  for (const r of routes) r.needs = routeNeeds(r.spec.name, authorizer, gw.value);
  if (gw?.value.extAuthz?.http) {
    // An HTTP check's peer is Envoy, not the client: there is no client address to judge.
    for (const name of authorizer.addressPolicies()) {
      gw.report(['extAuthz', 'http'], `policy ${name} reads the client address (source.ip, remote.ip, ipBlocks, remoteIpBlocks), which an HTTP ext_authz check does not carry (its peer is Envoy)`,
        'use gRPC ext_authz (it carries the client address), or remove the address from the policy');
    }
  }
  const guardrails = gw?.value.guardrails
    ? new Guardrails(gw.value.guardrails, gw.value.routes, gw.report, {
        credentials: new Set(gw.value.credentials.map((c) => c.name)),
        // Model Armor is called with Warden's own credential, never a caller's.
        token: async (name) => (await credentials.header(name, { groups: [], methods: [] })).value.replace(/^Bearer /, ''),
      })
    : undefined;
  if (gw) checkLimits(gw.value, gw.report);
  const audit = gw ? planAudit(gw.value.audit, config.path, gw.report) : undefined;
  if (gw) {
    checkAdminExposure(gw.value.admin, gw.report);
    checkAdminAuthFiles(gw.value.admin.auth, config.path, gw.report);
  }
  return { config, identifier, authorizer, credentials, routes, guardrails, audit };
}

/** Load and compile; throws ConfigError listing every problem. */
export function loadGateway(file: string): Parts {
  const config = loadConfigFile(file);
  if (config.problems.length) throw new ConfigError(config.problems);
  // The config is structurally valid: later stages may still report problems.
  const parts = compileConfig(config);
  if (config.problems.length) throw new ConfigError(config.problems);
  return parts;
}

export interface RunningGateway {
  url: string;
  adminUrl: string;
  metrics: Metrics;
  /** The audit writer, when an audit store is configured. */
  audit?: AuditWriter;
  /** The ext_authz listeners, when `spec.extAuthz` configures them. */
  extAuthz?: RunningExtAuthz;
  /** The ext_proc listener, when `spec.extProc` configures it. */
  extProc?: RunningExtProc;
  close(): Promise<void>;
}

/** How long /readyz waits for the warm-up at most: a fetch or mint that hangs must not keep a pod out of service for good. */
const WARM_UP_LIMIT_MS = 30_000;

export async function startGateway(
  parts: Parts,
  opts: { log?: Logger; listen?: { host?: string; port?: number }; admin?: { host?: string; port?: number }; warmUpLimitMs?: number } = {},
): Promise<RunningGateway> {
  const spec = parts.config.gateway.value;
  const log = opts.log ?? createLogger();
  const metrics = new Metrics(spec.telemetry.metrics);
  const audit = parts.audit ? await openAuditWriter(parts.audit, log, metrics) : undefined;
  const tracing = Tracing.create(spec.telemetry.otlp, log, metrics);
  const recorder = new Recorder(audit, metrics, log);
  parts.guardrails?.registerMetrics(metrics.registry);
  const limits = spec.limits?.rules.length ? new Limits(spec.limits, metrics.registry) : undefined;
  const ownership = openOwnership(spec.ownership);
  const mcp = mcpGate(spec, parts.authorizer);
  const metadata = metadataAnswerer(spec.routes);
  const buffers = new BufferBudget(spec.limits?.maxBufferedBytes ?? defaultMaxBufferedBytes());
  // One matcher and one reading of the request target for every way in: the proxy listener, ext_authz and ext_proc.
  const matchRoute = routeMatcher(parts.routes);
  const requestTarget = { absoluteForm: spec.listen.absoluteForm, pathNormalization: spec.policy.pathNormalization };
  const fallbackProvider = parts.routes[0]?.provider ?? getProvider('vertex');
  const handler = createHandler({
    guardrails: parts.guardrails,
    limits,
    ownership,
    buffers,
    matchRoute,
    identifier: parts.identifier,
    authorizer: parts.authorizer,
    credentials: parts.credentials,
    recorder,
    tracing,
    fallbackProvider,
    requestTarget,
    mcp,
    metadata,
  });
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handler(req, res).catch((e) => log.error({ err: e }, 'unhandled error in request pipeline'));
  };
  const serverOptions = { keepAliveTimeout: 65_000, requestTimeout: 0 };
  const tls = spec.listen.tls;
  let stopTlsWatch: (() => void) | undefined;
  let server: Server;
  if (tls) {
    const https = createHttpsServer({ ...serverOptions, ...tlsServerOptions(tls, readTlsFiles(tls, parts.config.path)) }, onRequest);
    if (tls.clientCertificate === 'optional') refuseUnverifiedPeers(https);
    stopTlsWatch = watchTlsFiles(https, tls, parts.config.path, {
      reloaded: () => log.info('TLS certificate or client trust bundle reloaded'),
      failed: (err) => log.warn({ err: err.message }, 'TLS files could not be reloaded; the previous ones stay in use'),
    });
    server = https;
  } else {
    server = createServer(serverOptions, onRequest);
  }
  answerParserRefusals(server, recorder, fallbackProvider);
  parts.identifier.start(log);
  // The first failure of a streak and the recovery, not every retry: the metrics count those.
  const stopMintLog = onTokenMint((e) => {
    if (!e.ok && e.streak === 1) log.warn({ credential: e.credential, kind: e.kind, err: e.error }, 'upstream token mint failed; retrying with backoff');
    else if (e.ok && e.failuresBefore) log.info({ credential: e.credential, failures: e.failuresBefore }, 'upstream token minted again');
  });
  parts.credentials.start();
  const listen = { ...spec.listen, ...opts.listen };
  const adminListen = { ...spec.admin, ...opts.admin };
  // The same refusal as config check's, for a host given on the command line.
  if (!spec.admin.auth && !isLoopback(adminListen.host)) {
    throw new Error(`${unprotectedMessage(adminListen.host)}\n  hint: ${UNPROTECTED_HINT}`);
  }
  // The console: live traffic from the recorder, searches and verification of the audit store.
  const live = new LiveTraffic();
  const unsubscribeLive = recorder.subscribe(live.add);
  const issuers = new IssuerWatch(parts.config.requestAuthentications.flatMap((ra) => ra.value.spec.jwtRules));
  const groupsClaim = spec.identity.jwt.groupsClaim;
  const admin = createAdminServer({
    metrics,
    credentials: parts.credentials,
    wardenJwks: () => parts.identifier.tokens.jwks(),
    readiness: readiness([
      warmUp(parts, opts.warmUpLimitMs ?? WARM_UP_LIMIT_MS, log),
      limits && (() => ({ ready: limits.ready, detail: limits.status() })),
      audit && (() => ({ ready: audit.accepting, detail: auditDetail(audit) })),
      mcp && (() => ({ ready: mcp.sessions.store.ready, detail: mcp.sessions.store.status() })),
    ]),
    explain: (d) => explainRequest(explainDeps(parts), d),
    explainRecord: (r) => explainRecord(parts.authorizer, groupsClaim, r),
    auth: spec.admin.auth && new AdminAuth(spec.admin.auth, parts.config.path),
    access: AdminAccess.fromConfig(parts.config),
    live,
    audit: parts.audit && new AuditQueries(parts.audit),
    auditStatus: audit && (() => audit.status()),
    limits: spec.limits,
    issuers: () => issuers.status(),
  });
  let extAuthz: RunningExtAuthz | undefined;
  let extProc: RunningExtProc | undefined;
  // Once: a second close (a second SIGTERM, a test's cleanup) waits for the first instead of closing closed parts.
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= shutdown());
  const shutdown = async () => {
    await Promise.all([extAuthz?.close(), extProc?.close()]);
    stopTlsWatch?.();
    parts.identifier.stop();
    parts.credentials.close();
    stopMintLog();
    unsubscribeLive();
    issuers.stop();
    await admin.closeConsole();
    server.closeAllConnections();
    admin.closeAllConnections();
    await Promise.all([closeServer(server), closeServer(admin)]);
    await Promise.all(parts.routes.map((r) => Promise.all([r.pool.close(), r.failover?.close()])));
    await audit?.close();
    await tracing?.shutdown();
    metrics.close();
    await limits?.close();
    await ownership?.settings.store.close();
    await mcp?.close();
  };
  // A port that is taken fails the start with what was already opened closed again.
  try {
    await Promise.all([listenOn(server, listen.host, listen.port, 'spec.listen.port'), listenOn(admin, adminListen.host, adminListen.port, 'spec.admin.port')]);
    extAuthz = spec.extAuthz
      ? await startExtAuthz(spec.extAuthz, {
          guardrails: parts.guardrails,
          limits,
          ownership,
          buffers,
          routes: parts.routes,
          matchRoute,
          identifier: parts.identifier,
          authorizer: parts.authorizer,
          credentials: parts.credentials,
          recorder,
          tracing,
          fallbackProvider,
          requestTarget,
          forwardsByHost: true,
          mcp,
        }, listen.host)
      : undefined;
    extProc = spec.extProc
      ? await startExtProc(spec.extProc, {
          guardrails: parts.guardrails,
          limits,
          ownership,
          buffers,
          routes: parts.routes,
          matchRoute,
          identifier: parts.identifier,
          authorizer: parts.authorizer,
          credentials: parts.credentials,
          recorder,
          tracing,
          fallbackProvider,
          requestTarget,
          forwardsByHost: true,
          mcp,
          metadata,
        }, listen.host)
      : undefined;
  } catch (e) {
    await close();
    throw e;
  }
  const url = urlOf(server, tls ? 'https' : 'http');
  const adminUrl = urlOf(admin, 'http');
  return {
    url,
    adminUrl,
    metrics,
    audit,
    extAuthz,
    extProc,
    close,
  };
}

/** identify → classify → authorize for a described request (`warden explain`, admin POST /explain). */
export function explainDeps(parts: Parts): ExplainDeps {
  const match = routeMatcher(parts.routes);
  const mode = parts.config.gateway.value.policy.pathNormalization;
  return {
    identify: (req) => parts.identifier.identify(req),
    route: (req) => {
      const r = match(req);
      if (!r) return undefined;
      const checkCaller = r.spec.provider === 'mcp' ? (req: RequestInfo, p: Principal) => checkAudience(r.spec, req, p) : undefined;
      // Classified as the gateway does: on the normalized path, located as admission locates it.
      return {
        name: r.spec.name,
        classify: (m, p, q, b, h) => {
          const target = r.provider.classify(m, normalizePath(p, mode) ?? p, q, b, h);
          locate(target, r);
          return target;
        },
        checkCaller,
      };
    },
    authorizer: parts.authorizer,
  };
}

/**
 * MCP routes' gate, when there are any: sessions live where the quotas do (Redis when spec.limits
 * uses it, so that every replica sees every session), else in this process.
 */
function mcpGate(spec: Parts['config']['gateway']['value'], authorizer: Authorizer): McpGate | undefined {
  if (!spec.routes.some((r) => r.provider === 'mcp')) return undefined;
  const redis = spec.limits?.store.redis;
  const store = redis ? new RedisSessionStore({ url: redis.url, keyPrefix: redis.keyPrefix, timeoutMs: durationMs(redis.timeout) }) : new MemorySessionStore();
  return new McpGate(new McpSessions(store), authorizer);
}

/** Ready when every configured dependency is. */
function readiness(checks: (ReadinessCheck | undefined)[]): ReadinessCheck | undefined {
  const present = checks.filter((c): c is ReadinessCheck => c !== undefined);
  if (!present.length) return undefined;
  return () => {
    const results = present.map((c) => c());
    return { ready: results.every((r) => r.ready), detail: results.map((r) => r.detail).join('\n') };
  };
}

/**
 * Not ready until the first JWKS fetches and shared-credential mints that
 * start() began have finished, so that the first requests a pod is sent do
 * not wait on them (an ext_authz check would outlast its timeout). Finished
 * means well or not, as Envoy's listeners wait for their remote JWKS: a
 * failure is logged and retried, and keeps only the requests that need it
 * failing, not the whole pod out of service. After `limitMs` the pod is
 * ready whatever is still pending (said in the detail, and logged once).
 */
function warmUp(parts: Parts, limitMs: number, log: Logger): ReadinessCheck {
  const started = performance.now();
  let warned = false;
  return () => {
    const waiting = [...parts.identifier.warming(), ...parts.credentials.warming()];
    if (!waiting.length) return { ready: true, detail: 'warm-up: done' };
    if (performance.now() - started < limitMs) return { ready: false, detail: `warm-up: waiting for ${waiting.join(', ')}` };
    if (!warned) log.warn({ waiting, limitSeconds: limitMs / 1000 }, 'warm-up unfinished: ready anyway; requests that need what is pending wait for it');
    warned = true;
    return { ready: true, detail: `warm-up: still waiting for ${waiting.join(', ')} (ready anyway after ${limitMs / 1000} s)` };
  };
}

function auditDetail(audit: AuditWriter): string {
  const s = audit.status();
  const trouble = !s.spoolWritable ? 'cannot be written' : s.accepting ? '' : 'full';
  return `audit: ${s.sink} ${s.sinkUp ? 'up' : s.chainConflict ? `REFUSES chain ${s.chain} (another writer numbers it)` : 'DOWN'}, ${s.pending} pending (${s.spoolPendingBytes} bytes), spool ${s.spoolBytes} bytes${trouble ? ` (${trouble}${s.accepting ? '' : ': refusing requests'})` : ''}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function urlOf(server: Server, scheme: 'http' | 'https'): string {
  const a = server.address() as AddressInfo;
  return `${scheme}://${hostPort(a.address, a.port)}`;
}
