// Assembles a running Warden from a loaded config: every part is compiled
// once here, and a problem anywhere is reported against the config file.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ConfigError, formatProblem, loadConfigFile, type LoadedConfig } from './config/load.js';
import { reportRestartOnly, watchConfig } from './config/reload.js';
import { durationMs } from './config/schema.js';
import { drain, InFlight, type Drainable, type Flight } from './drain.js';
import { KeptState, stateKey } from './state.js';
import { buildInfo } from './version.js';
import { Credentials } from './credentials/index.js';
import { buildIdentifier } from './identity/build.js';
import type { Identifier } from './identity/identify.js';
import { readTlsFiles, refuseUnverifiedPeers, tlsServerOptions, watchTlsFiles } from './identity/tls.js';
import type { Authorizer } from './policy/evaluate.js';
import { explainRequest, type ExplainDeps, type GuardPreview } from './policy/explain.js';
import { isWardenError } from './errors.js';
import { estimatePromptTokens } from './limits/estimate.js';
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
import type { Guardrails } from './guardrails/guard.js';
import { checkLimits } from './limits/check.js';
import type { Limits } from './limits/limits.js';
import { openOwnership } from './ownership/open.js';
import { Checker } from './extauthz/check.js';
import { checkAudience, McpGate } from './mcp/gate.js';
import type { Principal, RequestInfo } from './types.js';
import { metadataAnswerer } from './mcp/resource-metadata.js';
import { McpSessions, MemorySessionStore, RedisSessionStore } from './mcp/sessions.js';
import type { RunningExtAuthz } from './extauthz/index.js';
import type { RunningGrpcServer } from './envoy-api/serve.js';
import type { ExtProcStreams } from './extproc/index.js';
import type { ProcessorParts } from './extproc/processor.js';
import { hostPort, listenOn } from './listen.js';
import { onTokenMint } from './telemetry/events.js';
import { Metrics } from './telemetry/metrics.js';
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
  /** What this config holds that outlives it when a reload leaves its part of the config alone (state.ts). */
  state: KeptState;
}

/**
 * Compile everything that can fail on bad config; collect problems instead of stopping at the first.
 * `previous`: the running config's state, which a reload's compile takes over where its part is unchanged.
 * Async only to load what the config uses: the guardrails' detector libraries are not loaded without them.
 */
export async function compileConfig(config: LoadedConfig, previous?: KeptState): Promise<Parts> {
  const state = new KeptState(previous);
  const gw = config.gateway;
  const identifier = buildIdentifier(config, state);
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
  const credentials = gw ? new Credentials(gw.value.credentials, gw.value.routes, config.path, gw.report, { state }) : new Credentials([], [], config.path, () => {});
  const routes = gw ? gw.value.routes.map((r) => buildRoute(r, state)) : [];
  for (const r of routes) r.needs = routeNeeds(r.spec.name, authorizer, gw.value);
  if (gw?.value.extAuthz?.http) {
    // An HTTP check's peer is Envoy, not the client: there is no client address to judge.
    for (const name of authorizer.addressPolicies()) {
      gw.report(['extAuthz', 'http'], `policy ${name} reads the client address (source.ip, remote.ip, ipBlocks, remoteIpBlocks), which an HTTP ext_authz check does not carry (its peer is Envoy)`,
        'use gRPC ext_authz (it carries the client address), or remove the address from the policy');
    }
  }
  const guardrails = gw?.value.guardrails
    ? new (await import('./guardrails/guard.js')).Guardrails(gw.value.guardrails, gw.value.routes, gw.report, {
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
  return { config, identifier, authorizer, credentials, routes, guardrails, audit, state };
}

/** Load and compile; throws ConfigError listing every problem. */
export async function loadGateway(file: string): Promise<Parts> {
  const config = loadConfigFile(file);
  if (config.problems.length) throw new ConfigError(config.problems);
  // The config is structurally valid: later stages may still report problems.
  const parts = await compileConfig(config);
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
  extProc?: RunningGrpcServer;
  /** The config in service now. */
  readonly config: LoadedConfig;
  /** Load, check and compile the config file again, and put it in service if it is good (see reload()). */
  reload(trigger: string): Promise<ReloadOutcome>;
  /**
   * Graceful shutdown (drain.ts): readiness fails at once, new connections are served for
   * shutdown.drainDelay, requests in flight get shutdown.timeout to finish, the rest are cut.
   * Once: a second call waits for the first.
   */
  shutdown(signal?: string): Promise<void>;
  /** Shutdown without the waits: what is in flight is cut now (a test's cleanup; a second signal). */
  close(): Promise<void>;
}

export type ReloadOutcome = { applied: true; hash: string } | { applied: false; problems: string[] };

/** How long /readyz waits for the warm-up at most: a fetch or mint that hangs must not keep a pod out of service for good. */
const WARM_UP_LIMIT_MS = 30_000;

/** One config in service: its compiled parts, and the handlers built on them. */
interface Serving {
  parts: Parts;
  limits?: Limits;
  /** MCP routes' sessions and audience checks, on this config's policies; present when a route has provider mcp. */
  mcp?: McpGate;
  /** The AuthorizationPolicies that select the admin port (the console's API). */
  adminAccess: AdminAccess;
  handle: ReturnType<typeof createHandler>;
  checker?: Checker;
  /** What ext_proc streams run on, when spec.extProc configures the listener. */
  extProc?: ProcessorParts;
  /** Requests, checks and streams running on this config. */
  active: number;
  /** Set once a newer config took over: run when the last request on this one ends. */
  retire?: () => void;
}

export async function startGateway(
  first: Parts,
  opts: {
    log?: Logger;
    listen?: { host?: string; port?: number };
    admin?: { host?: string; port?: number };
    warmUpLimitMs?: number;
    watchConfig?: boolean;
    /**
     * Seconds the pod's preStop hook waited before Kubernetes sent SIGTERM (WARDEN_PRESTOP_SECONDS):
     * the endpoints have had that long already, so after SIGTERM drainDelay is shortened by it.
     */
    preStopSeconds?: number;
  } = {},
): Promise<RunningGateway> {
  const spec = first.config.gateway.value;
  const log = opts.log ?? createLogger();
  const metrics = new Metrics(spec.telemetry.metrics);
  const build = buildInfo();
  metrics.buildInfo.set({ version: build.version, commit: build.commit ?? '', node: build.node }, 1);
  const audit = first.audit ? await openAuditWriter(first.audit, log, metrics) : undefined;
  // What the config does not use is not loaded (OpenTelemetry's SDK, ioredis, gRPC): each costs the
  // process 10-30 MB of memory from its start.
  const tracing = spec.telemetry.otlp ? (await import('./telemetry/tracing.js')).Tracing.create(spec.telemetry.otlp, log, metrics) : undefined;
  const recorder = new Recorder(audit, metrics, log, spec.telemetry.accessLog ?? !audit);
  const startedAt = new Date();
  // One bound on request bodies held in memory, across configs: a reload's requests and those still
  // running on the config before it hold from the same memory. A reload may change the bound.
  const buffers = new BufferBudget(spec.limits?.maxBufferedBytes ?? defaultMaxBufferedBytes());

  /** A compiled config → the handlers that serve on it; its new parts start (kept ones are running already). */
  const serve = async (parts: Parts): Promise<Serving> => {
    const s = parts.config.gateway.value;
    // Loaded when a config first uses them (quotas bring ioredis, ext_proc gRPC), before anything starts.
    const limitsModule = s.limits?.rules.length ? await import('./limits/limits.js') : undefined;
    const extProcModule = s.extProc ? await import('./extproc/index.js') : undefined;
    parts.guardrails?.registerMetrics(metrics.registry);
    buffers.limit = s.limits?.maxBufferedBytes ?? defaultMaxBufferedBytes();
    const limits = limitsModule && s.limits ? new limitsModule.Limits(s.limits, metrics.registry, parts.state) : undefined;
    // Built on this config's policies; its sessions are kept across reloads (mcpGate).
    const mcp = mcpGate(s, parts.authorizer, parts.state);
    // Owners of interactions, caches and batch jobs: the store is kept across reloads (openOwnership).
    const ownership = openOwnership(s.ownership, parts.state);
    // One matcher and one reading of the request target for every way in: the proxy listener, ext_authz and ext_proc.
    const matchRoute = routeMatcher(parts.routes);
    const requestTarget = { absoluteForm: s.listen.absoluteForm, pathNormalization: s.policy.pathNormalization };
    const fallbackProvider = parts.routes[0]?.provider ?? getProvider('vertex');
    const admission = { guardrails: parts.guardrails, limits, ownership, mcp, buffers, identifier: parts.identifier, authorizer: parts.authorizer, credentials: parts.credentials, requestTarget };
    const frontDoor = { ...admission, matchRoute, recorder, tracing, fallbackProvider, metadata: metadataAnswerer(s.routes) };
    const handle = createHandler(frontDoor);
    const checker = s.extAuthz && new Checker({ ...frontDoor, routes: parts.routes, fixedBody: true, forwardsByHost: true, timeoutMs: durationMs(s.extAuthz.timeout) });
    const extProc = s.extProc && extProcModule?.processorParts(s.extProc, { ...frontDoor, forwardsByHost: true });
    parts.identifier.start(log);
    parts.credentials.start();
    metrics.configInfo.reset();
    metrics.configInfo.set({ hash: parts.config.hash }, 1);
    return { parts, limits, mcp, adminAccess: AdminAccess.fromConfig(parts.config), handle, checker, extProc, active: 0 };
  };
  let current = await serve(first);
  const leave = (s: Serving) => {
    if (--s.active === 0 && s.retire) s.retire();
  };

  // Front doors: each counts its requests for the drain (drain.ts).
  let draining = false;
  const proxyFlight = new InFlight();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    // A request runs to its end on the config it started with.
    const on = current;
    on.active++;
    // While draining, each answer tells the caller's client to reconnect (to another replica).
    if (draining) res.setHeader('connection', 'close');
    const flight: Flight = { shutdown: false };
    const done = proxyFlight.add(() => {
      flight.shutdown = true;
      res.destroy();
    });
    // Over once its record is written and its response closed, in either order.
    let pending = 2;
    const end = () => {
      if (--pending > 0) return;
      done();
      leave(on);
    };
    res.once('close', end);
    on.handle(req, res, flight)
      .catch((e) => log.error({ err: e }, 'unhandled error in request pipeline'))
      .finally(end);
  };
  const serverOptions = { keepAliveTimeout: 65_000, requestTimeout: 0 };
  const tls = spec.listen.tls;
  let stopTlsWatch: (() => void) | undefined;
  let server: Server;
  if (tls) {
    const https = createHttpsServer({ ...serverOptions, ...tlsServerOptions(tls, readTlsFiles(tls, first.config.path)) }, onRequest);
    if (tls.clientCertificate === 'optional') refuseUnverifiedPeers(https);
    stopTlsWatch = watchTlsFiles(https, tls, first.config.path, {
      reloaded: () => log.info('TLS certificate or client trust bundle reloaded'),
      failed: (err) => log.warn({ err: err.message }, 'TLS files could not be reloaded; the previous ones stay in use'),
    });
    server = https;
  } else {
    server = createServer(serverOptions, onRequest);
  }
  answerParserRefusals(server, recorder, () => current.parts.routes[0]?.provider ?? getProvider('vertex'));
  // The first failure of a streak and the recovery, not every retry: the metrics count those.
  const stopMintLog = onTokenMint((e) => {
    if (!e.ok && e.streak === 1) log.warn({ credential: e.credential, kind: e.kind, err: e.error }, 'upstream token mint failed; retrying with backoff');
    else if (e.ok && e.failuresBefore) log.info({ credential: e.credential, failures: e.failuresBefore }, 'upstream token minted again');
  });
  const listen = { ...spec.listen, ...opts.listen };
  const adminListen = { ...spec.admin, ...opts.admin };
  // The same refusal as config check's, for a host given on the command line.
  if (!spec.admin.auth && !isLoopback(adminListen.host)) {
    throw new Error(`${unprotectedMessage(adminListen.host)}\n  hint: ${UNPROTECTED_HINT}`);
  }
  // The console: live traffic from the recorder, searches and verification of the audit store.
  const queries = first.audit && new AuditQueries(first.audit);
  // The backlog of a store that reads its newest rows by index; a JSON lines file would be read whole for it.
  const indexed = queries && first.audit!.store.kind !== 'jsonl' ? queries : undefined;
  const live = new LiveTraffic(indexed && ((n) => indexed.search({ limit: n })));
  const unsubscribeLive = recorder.subscribe(live.add);
  const issuers = new IssuerWatch(first.config.requestAuthentications.flatMap((ra) => ra.value.spec.jwtRules));
  const admin = createAdminServer({
    metrics,
    credentials: { status: () => current.parts.credentials.status() },
    wardenJwks: () => current.parts.identifier.tokens.jwks(),
    readiness: readiness([
      () => (draining ? { ready: false, detail: `shutting down: ${inFlight()} request(s) in flight` } : undefined),
      warmUp(() => current.parts, opts.warmUpLimitMs ?? WARM_UP_LIMIT_MS, log),
      () => (current.limits ? { ready: current.limits.ready, detail: current.limits.status() } : undefined),
      () => (current.mcp ? { ready: current.mcp.sessions.store.ready, detail: current.mcp.sessions.store.status() } : undefined),
      audit && (() => ({ ready: audit.accepting, detail: auditDetail(audit) })),
    ]),
    explain: (d) => explainRequest(explainDeps(current.parts, { limits: current.limits, counted: true }), d),
    version: () => ({ ...build, configHash: current.parts.config.hash, startTime: startedAt.toISOString() }),
    explainRecord: (r) => explainRecord(current.parts.authorizer, current.parts.config.gateway.value.identity.jwt.groupsClaim, r),
    // spec.admin (its sign-in) takes a restart; the policies over the admin API follow reloads.
    auth: spec.admin.auth && new AdminAuth(spec.admin.auth, first.config.path),
    get access() {
      return current.adminAccess;
    },
    live,
    audit: queries,
    auditStatus: audit && (() => audit.status()),
    get limits() {
      return current.parts.config.gateway.value.limits;
    },
    issuers: () => issuers.status(),
  });

  // ext_authz checks run on the config in service when they arrive, as proxied requests do.
  const checkFlight = new InFlight();
  const inFlight = () => proxyFlight.size + checkFlight.size + streamFlight.size;
  const checks = {
    check(input: Parameters<Checker['check']>[0], o: Parameters<Checker['check']>[1]) {
      const on = current;
      on.active++;
      // A check lasts at most its timeout: it is never cut, only waited for.
      const done = checkFlight.add(() => {});
      return on.checker!.check(input, o).finally(() => {
        done();
        leave(on);
      });
    },
  };
  let extAuthz: RunningExtAuthz | undefined;

  // ext_proc streams likewise: each runs to its end on the config it began on; shutdown waits for it
  // up to shutdown.timeout, then cuts it (recorded as SHUTDOWN).
  const streamFlight = new InFlight();
  const streams: ExtProcStreams = {
    begin(cut) {
      const on = current;
      on.active++;
      const done = streamFlight.add(cut);
      return {
        parts: on.extProc!,
        end() {
          done();
          leave(on);
        },
      };
    },
  };
  let extProc: RunningGrpcServer | undefined;
  let serverClosed: Promise<void> | undefined;
  const stopServer = () => {
    serverClosed ??= new Promise((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
  };
  // Every front door that listens drains through its Drainable (drain.ts): counted requests (or
  // checks, or streams), and how it stops accepting.
  const listeners = (): Drainable[] => [
    {
      inFlight: proxyFlight,
      stopAccepting: stopServer,
      async close() {
        stopServer();
        server.closeAllConnections();
        await serverClosed;
      },
    },
    ...(extAuthz ? [{ inFlight: checkFlight, stopAccepting: () => extAuthz!.stopAccepting(), close: () => extAuthz!.close() }] : []),
    ...(extProc ? [{ inFlight: streamFlight, stopAccepting: () => extProc!.stopAccepting(), close: () => extProc!.close() }] : []),
  ];

  // Reloads, one at a time, in the order asked.
  let reloading: Promise<unknown> = Promise.resolve();
  const reloads = (result: 'applied' | 'rejected') => metrics.configReloads.inc({ result });
  const reload = (trigger: string): Promise<ReloadOutcome> => {
    const next = reloading.then(() =>
      reloadNow(trigger).catch((e: unknown) => {
        // A bug, not a bad config: the running config stays, and the process too.
        log.error({ err: e, trigger }, 'config reload failed; the running config stays in service');
        reloads('rejected');
        return { applied: false as const, problems: [`internal error: ${(e as Error).message}`] };
      }),
    );
    reloading = next.catch(() => {});
    return next;
  };
  const reloadNow = async (trigger: string): Promise<ReloadOutcome> => {
    if (draining) return { applied: false, problems: ['shutting down'] };
    const running = current;
    const file = running.parts.config.file;
    let config: LoadedConfig;
    try {
      config = loadConfigFile(file);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return rejected(trigger, file, e.problems.map(formatProblem));
    }
    // As `warden config check` does: compile even after structural problems, to report them all.
    const parts = await compileConfig(config, running.parts.state);
    if (!config.problems.length) reportRestartOnly(running.parts.config, config);
    if (config.problems.length) {
      await parts.state.discard();
      return rejected(trigger, file, config.problems.map(formatProblem));
    }
    const next = await serve(parts);
    current = next;
    const kept = parts.state.keys().filter((k) => parts.state.kept(k)).length;
    const retire = () => {
      running.parts.identifier.release();
      parts.state.releasePrevious().catch((e) => log.warn({ err: (e as Error).message }, 'a part the previous config held did not stop cleanly'));
    };
    if (running.active === 0) retire();
    else running.retire = retire;
    reloads('applied');
    log.info({ trigger, file, hash: config.hash, previousHash: running.parts.config.hash, kept, made: parts.state.keys().length - kept }, 'config reloaded');
    return { applied: true, hash: config.hash };
  };
  const rejected = (trigger: string, file: string, problems: string[]): ReloadOutcome => {
    reloads('rejected');
    log.error({ trigger, file, problems, hash: current.parts.config.hash }, 'config rejected; the running config stays in service');
    return { applied: false, problems };
  };
  const configWatch = opts.watchConfig === false ? undefined : watchConfig(first.config.file, () => void reload('file changed'));

  // Once: a second shutdown (a second SIGTERM, a test's cleanup) waits for the first, and hurries it.
  let hurry!: () => void;
  const hurried = new Promise<void>((resolve) => (hurry = resolve));
  let closing: Promise<void> | undefined;
  const shutdown = (signal?: string, o: { quiet?: boolean } = {}) => (closing ??= stop(signal, o.quiet ?? false));
  const stop = async (signal: string | undefined, quiet: boolean) => {
    draining = true;
    configWatch?.close();
    await reloading;
    const s = current.parts.config.gateway.value.shutdown;
    // Kubernetes sends SIGTERM once the preStop hook has waited: that wait was the drain delay's.
    const preStopMs = signal === 'SIGTERM' ? (opts.preStopSeconds ?? 0) * 1000 : 0;
    const times = { drainDelayMs: Math.max(0, durationMs(s.drainDelay) - preStopMs), timeoutMs: durationMs(s.timeout) };
    if (!quiet) {
      log.info({ signal, inFlight: inFlight(), drainDelay: s.drainDelay, ...(preStopMs ? { preStopWaited: `${preStopMs / 1000}s`, drainDelayLeft: `${times.drainDelayMs / 1000}s` } : {}), timeout: s.timeout },
        'shutdown started: not ready, draining');
    }
    const result = await drain(listeners(), times, hurried);
    if (!quiet) log.info({ ...result }, 'shutdown complete');
    stopTlsWatch?.();
    stopMintLog();
    unsubscribeLive();
    issuers.stop();
    await admin.closeConsole();
    current.parts.identifier.release();
    admin.closeAllConnections();
    await closeServer(admin);
    await current.parts.state.stop();
    await audit?.close();
    await tracing?.shutdown();
    metrics.close();
  };
  // A port that is taken fails the start with what was already opened closed again.
  try {
    await Promise.all([listenOn(server, listen.host, listen.port, 'spec.listen.port'), listenOn(admin, adminListen.host, adminListen.port, 'spec.admin.port')]);
    extAuthz = spec.extAuthz ? await (await import('./extauthz/index.js')).startExtAuthz(spec.extAuthz, checks, listen.host, buffers) : undefined;
    extProc = spec.extProc
      ? await (await import('./extproc/index.js')).startExtProc(spec.extProc, streams, Math.max(...first.routes.map((r) => r.spec.maxBodyBytes)), listen.host)
      : undefined;
  } catch (e) {
    hurry();
    await shutdown(undefined, { quiet: true });
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
    get config() {
      return current.parts.config;
    },
    reload,
    shutdown: (signal) => shutdown(signal),
    close: () => {
      hurry();
      return shutdown();
    },
  };
}

/**
 * identify → classify → authorize for a described request (`warden explain`, admin POST /explain),
 * then guard(request) and the quotas as a dry run. `quota.counted`: whether `quota.limits` holds the
 * live counters (the gateway's own, or a shared Redis), so that their values mean something.
 */
export function explainDeps(parts: Parts, quota?: { limits?: Limits; counted: boolean }): ExplainDeps {
  const match = routeMatcher(parts.routes);
  const mode = parts.config.gateway.value.policy.pathNormalization;
  const guardrails = parts.guardrails;
  const limits = quota?.limits;
  return {
    identify: (req) => parts.identifier.identify(req),
    route: (req) => {
      const r = match(req);
      if (!r) return undefined;
      const checkCaller = r.spec.provider === 'mcp' ? (req: RequestInfo, p: Principal) => checkAudience(r.spec, req, p) : undefined;
      // Classified as the gateway does: on the normalized path, after the route's rewrite, located as admission locates it.
      return {
        name: r.spec.name,
        classify: (m, p, q, b, h) => {
          const target = r.provider.classify(m, r.upstreamPath(normalizePath(p, mode) ?? p), q, b, h);
          locate(target, r);
          return target;
        },
        checkCaller,
      };
    },
    authorizer: parts.authorizer,
    guard: guardrails && (async (scope, target, body) => {
      // As admission does: only inference bodies are scanned.
      if (target.operationClass !== 'inference') return undefined;
      const session = guardrails.session(scope, { dryRun: true });
      let blocked: GuardPreview['blocked'];
      let redacted = false;
      try {
        redacted = (await session.request(body)) !== undefined;
      } catch (e) {
        if (!isWardenError(e)) throw e;
        blocked = { reason: e.reason, message: e.message };
      }
      const findings = session.findings.list.map((f) => ({ type: f.type, direction: f.direction, action: f.action, count: f.count }));
      return { findings, redacted, ...(blocked ? { blocked } : {}) };
    }),
    quota: limits && ((scope, body) => limits.preview(scope, estimatePromptTokens(body, body === undefined ? 0 : JSON.stringify(body).length), { counted: quota!.counted })),
  };
}

/**
 * MCP routes' gate, when there are any: sessions live where the quotas do (Redis when spec.limits
 * uses it, so that every replica sees every session), else in this process. The gate reads this
 * config's policies; its sessions outlive the config (state.ts), so a reload that keeps the store
 * keeps every session open and pinned to its caller.
 */
function mcpGate(spec: Parts['config']['gateway']['value'], authorizer: Authorizer, state: KeptState): McpGate | undefined {
  if (!spec.routes.some((r) => r.provider === 'mcp')) return undefined;
  const redis = spec.limits?.store.redis;
  const store = redis && { url: redis.url, keyPrefix: redis.keyPrefix, timeoutMs: durationMs(redis.timeout) };
  const open = () => new McpSessions(store ? new RedisSessionStore(store) : new MemorySessionStore());
  const sessions = state.take(stateKey('mcp-sessions', store ?? 'memory'), open, (s) => s.close());
  return new McpGate(sessions, authorizer);
}

/** Ready when every configured dependency is. A check answers undefined when it has nothing to say (no quotas). */
function readiness(checks: (ReadinessCheck | (() => ReturnType<ReadinessCheck> | undefined) | undefined)[]): ReadinessCheck {
  const present = checks.filter((c) => c !== undefined);
  return () => {
    const results = present.map((c) => c()).filter((r) => r !== undefined);
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
function warmUp(parts: () => Parts, limitMs: number, log: Logger): ReadinessCheck {
  const started = performance.now();
  let warned = false;
  // Once warm, warm for good: a reload's new issuer or credential warms up while the pod keeps serving.
  let done = false;
  return () => {
    const p = parts();
    const waiting = done ? [] : [...p.identifier.warming(), ...p.credentials.warming()];
    if (!waiting.length) {
      done = true;
      return { ready: true, detail: 'warm-up: done' };
    }
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
