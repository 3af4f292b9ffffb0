// Prometheus metrics, named after the OpenTelemetry GenAI conventions where
// they apply (gen_ai.server.request.duration, gen_ai.client.token.usage,
// gen_ai.server.time_to_first_token). Label sets are bounded: route, model,
// operation, status, decision, and a principal `group` only from a configured
// list — never a per-user label. A model name is the caller's to choose, so it
// becomes a label value only once the upstream has answered an allowed
// request for it, and for at most `maxModels` names; any other is "other".
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { AuditStatus } from '../audit/writer.js';
import { jwksRefreshChannel, onTokenMint, type JwksRefreshEvent, type TokenMintEvent } from './events.js';

// Up to the default route timeout (300 s): long generations and streams land in a bucket, not +Inf.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** mcp.server.operation.duration's bucket boundaries, as OpenTelemetry's MCP conventions advise them. */
const MCP_OPERATION_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];
/** gen_ai.client.token.usage's bucket boundaries, as the convention gives them (powers of 4). */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
/** The label value of models past the bound, or never answered. */
export const OTHER_MODEL = 'other';

/**
 * The registry's metric of that name, made once: a reloaded config's parts (quotas, guardrails)
 * count on in the series the previous config's parts began.
 */
export function registered<T extends Metric>(registry: Registry, name: string, make: (name: string) => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make(name);
}

type RequestLabel = 'route' | 'model' | 'operation' | 'status' | 'decision';

export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<RequestLabel>;
  readonly duration: Histogram<RequestLabel>;
  /** Tokens per request, by type (input, output): OTel's gen_ai.client.token.usage, a histogram (its _sum is the spend). */
  readonly tokens: Histogram<'route' | 'model' | 'type' | 'group'>;
  readonly timeToFirstToken: Histogram<'route' | 'model'>;
  readonly upstreamDuration: Histogram<'route' | 'status'>;
  /** Upstream calls of routes that fail over, per location, by result (answered, moved_on, unreachable). */
  readonly upstreamAttempts: Counter<'route' | 'location' | 'result'>;
  readonly tokenMints: Counter<'credential' | 'result'>;
  readonly tokenMintDuration: Histogram<'credential' | 'result'>;
  /** Responses that broke off after they started, by who broke them (caller, upstream, transform). */
  readonly aborted: Counter<'route' | 'by'>;
  readonly jwksRefreshes: Counter<'uri' | 'result'>;
  readonly auditWriteSeconds: Histogram<'sink'>;
  readonly auditDropped: Counter;
  /** Spans handed to the OTLP exporter, by result (ok, error: dropped). */
  readonly spanExports: Counter<'result'>;
  /** 1, labelled with what this Warden is (version.ts). */
  readonly buildInfo: Gauge<'version' | 'commit' | 'node'>;
  /** 1, labelled with the hash of the config in service (it changes on a reload). */
  readonly configInfo: Gauge<'hash'>;
  readonly configReloads: Counter<'result'>;
  /** MCP calls as the server side sees them (OTel's mcp.server.operation.duration). */
  readonly mcpOperationDuration: Histogram<
    'route' | 'mcp_method_name' | 'gen_ai_tool_name' | 'gen_ai_prompt_name' | 'gen_ai_operation_name' | 'error_type' | 'rpc_response_status_code' | 'mcp_protocol_version'
  >;
  /** MCP sessions that ended (DELETE), from initialize to their end (OTel's mcp.server.session.duration). */
  readonly mcpSessionDuration: Histogram<'route' | 'mcp_protocol_version'>;
  private readonly toolLabels = new Set<string>();
  private readonly groupLabels: ReadonlySet<string>;
  private readonly modelLabels = new Set<string>();
  private readonly maxModels: number;
  private readonly auditSources: (() => AuditStatus)[] = [];
  private readonly unsubscribe: () => void;

  constructor(opts: { groups?: readonly string[]; maxModels?: number } = {}) {
    const registers = [this.registry];
    this.groupLabels = new Set(opts.groups ?? []);
    this.maxModels = opts.maxModels ?? 100;
    collectDefaultMetrics({ register: this.registry });
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Counter<L>({ name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets = LATENCY_BUCKETS) =>
      new Histogram<L>({ name, help, labelNames, buckets, registers });
    const labelNames = ['route', 'model', 'operation', 'status', 'decision'] as const;
    this.requests = counter('warden_requests_total', 'Requests handled', labelNames);
    this.duration = histogram('gen_ai_server_request_duration_seconds', 'Request duration as the caller saw it', labelNames);
    this.tokens = histogram('gen_ai_client_token_usage', 'Tokens per request reported by the upstream, by type (input, output) and principal group', ['route', 'model', 'type', 'group'], TOKEN_BUCKETS);
    this.timeToFirstToken = histogram('gen_ai_server_time_to_first_token_seconds', 'Streaming responses: time from the upstream call to its first body byte', ['route', 'model']);
    this.upstreamAttempts = counter('warden_upstream_attempts_total', 'Upstream calls of routes that fail over between locations, by location and result', ['route', 'location', 'result']);
    this.upstreamDuration = histogram('warden_upstream_duration_seconds', 'Upstream call duration, from the call to the last response byte', ['route', 'status']);
    this.tokenMints = counter('warden_credential_mints_total', 'Upstream token mints, by credential and result (ok, error)', ['credential', 'result']);
    this.tokenMintDuration = histogram('warden_credential_mint_duration_seconds', 'Upstream token mint latency, failures included', ['credential', 'result']);
    this.aborted = counter('warden_responses_aborted_total', 'Answers cut off after they started, by who cut them: caller (went away), upstream (broke off), transform (Warden refused the rest), envoy (ext_proc: Envoy ended the stream first), shutdown (Warden cut it after shutdown.timeout)', ['route', 'by']);
    this.jwksRefreshes = counter('warden_jwks_refreshes_total', 'Fetches of remote JSON Web Key Sets, by key set URL and result (ok, error)', ['uri', 'result']);
    this.auditWriteSeconds = histogram('warden_audit_write_duration_seconds', 'Time to store one batch of audit records in the sink', ['sink'], [
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5,
    ]);
    this.spanExports = counter('warden_trace_spans_exported_total', 'Spans sent to the OTLP collector, by result (ok; error: the export failed and they were dropped)', ['result']);
    this.buildInfo = new Gauge({ name: 'warden_build_info', help: 'Always 1; the labels say which Warden runs: version, commit (when known) and Node.js version', labelNames: ['version', 'commit', 'node'], registers });
    this.configInfo = new Gauge({ name: 'warden_config_info', help: 'Always 1; the label is the hash of the config in service (the first 16 hex digits of its SHA-256)', labelNames: ['hash'], registers });
    this.configReloads = counter('warden_config_reloads_total', 'Config reloads (file change or SIGHUP), by result: applied, rejected (the running config stays)', ['result']);
    this.mcpOperationDuration = histogram('mcp_server_operation_duration_seconds', 'MCP requests and notifications, from their arrival to the last byte of the answer', [
      'route', 'mcp_method_name', 'gen_ai_tool_name', 'gen_ai_prompt_name', 'gen_ai_operation_name', 'error_type', 'rpc_response_status_code', 'mcp_protocol_version',
    ], MCP_OPERATION_BUCKETS);
    // Not the convention's boundaries (the operation's, up to 300 s): sessions last minutes to hours.
    this.mcpSessionDuration = histogram('mcp_server_session_duration_seconds', 'MCP sessions ended by their client, from initialize to DELETE', ['route', 'mcp_protocol_version'], [
      1, 10, 60, 300, 900, 3600, 4 * 3600, 24 * 3600,
    ]);
    this.auditDropped = counter('warden_audit_dropped_total', 'Audit records not kept: the spool was full (sink down) or could not be written');
    const sources = this.auditSources;
    const gauge = (name: string, help: string, value: (s: AuditStatus) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['sink'],
        registers,
        collect() {
          for (const get of sources) {
            const s = get();
            this.set({ sink: s.sink }, value(s));
          }
        },
      });
    gauge('warden_audit_queue_depth', 'Audit records not yet stored by the sink', (s) => s.pending);
    gauge('warden_audit_spool_bytes', 'Disk used by the audit spool', (s) => s.spoolBytes);
    gauge('warden_audit_spool_pending_bytes', 'Bytes of spooled audit records the sink does not hold yet; requests are refused (unless fail-open) when this reaches spool.maxBytes', (s) => s.spoolPendingBytes);
    gauge('warden_audit_sink_up', '1 while the audit sink accepts writes', (s) => Number(s.sinkUp));
    gauge('warden_audit_spool_writable', '1 while the disk takes the audit spool\'s writes', (s) => Number(s.spoolWritable));
    gauge('warden_audit_accepting', '1 while the audit trail takes new records; 0 while requests are refused (spool full or unwritable, not fail-open)', (s) => Number(s.accepting));

    const onMint = (e: TokenMintEvent) => {
      const labels = { credential: e.credential, result: e.ok ? 'ok' : 'error' };
      this.tokenMints.inc(labels);
      this.tokenMintDuration.observe(labels, e.seconds);
    };
    const onJwks = (m: unknown) => {
      const e = m as JwksRefreshEvent;
      this.jwksRefreshes.inc({ uri: e.uri, result: e.ok ? 'ok' : 'error' });
    };
    const stopMints = onTokenMint(onMint);
    jwksRefreshChannel.subscribe(onJwks);
    this.unsubscribe = () => {
      stopMints();
      jwksRefreshChannel.unsubscribe(onJwks);
    };
  }

  /** The bounded `group` label for a principal: the first of its groups that is configured, else "other" ("" when anonymous). */
  groupLabel(groups: readonly string[]): string {
    if (!groups.length) return '';
    for (const g of groups) if (this.groupLabels.has(g)) return g;
    return 'other';
  }

  /**
   * The bounded `model` label: the model's own name once the upstream has
   * answered an allowed request for it with success (`answered`), up to
   * maxModels names; "other" for any other name, so that callers cannot add
   * series by inventing model names ("" when the request named none).
   */
  modelLabel(model: string | undefined, answered: boolean): string {
    if (!model) return '';
    if (this.modelLabels.has(model)) return model;
    if (!answered || this.modelLabels.size >= this.maxModels) return OTHER_MODEL;
    this.modelLabels.add(model);
    return model;
  }

  /** The bounded `gen_ai_tool_name` label: as modelLabel, for MCP tool and prompt names (callers can invent those too). */
  toolLabel(name: string | undefined, answered: boolean): string {
    if (!name) return '';
    if (this.toolLabels.has(name)) return name;
    if (!answered || this.toolLabels.size >= this.maxModels) return OTHER_MODEL;
    this.toolLabels.add(name);
    return name;
  }

  watchAudit(status: () => AuditStatus): void {
    this.auditSources.push(status);
  }

  close(): void {
    this.unsubscribe();
  }
}
