// OpenTelemetry traces: one span per request, a child per pipeline stage,
// the caller's `traceparent` continued and the forward stage's context passed
// upstream. Off unless `spec.telemetry.otlp` is set; then spans are batched
// and exported over OTLP/HTTP (JSON). Parents are passed explicitly — no
// async context manager — so the request path pays only for the spans.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, defaultTextMapSetter, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TelemetrySpec } from '../config/schema.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

const propagator = new W3CTraceContextPropagator();

export class Tracing {
  private readonly tracer: Tracer;

  private constructor(private readonly provider: BasicTracerProvider) {
    this.tracer = provider.getTracer('warden');
  }

  static create(spec: TelemetrySpec['otlp'], log: Logger, metrics: Metrics): Tracing | undefined {
    if (!spec) return undefined;
    const exporter = new ReportingExporter(new OTLPTraceExporter({ url: spec.endpoint, headers: spec.headers }), loggableUrl(spec.endpoint), log, metrics);
    return new Tracing(
      new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': spec.serviceName }),
        spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 })],
      }),
    );
  }

  /** The request's span, child of the caller's `traceparent` when it sent one. */
  start(method: string, headers: Record<string, string>, attributes?: Attributes): RequestTrace {
    const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const span = this.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, ...attributes } }, parent);
    return new RequestTrace(this.tracer, span);
  }

  /** Exports what is buffered; a collector that is down loses it (the exporter has said so) and does not fail the shutdown. */
  async shutdown(): Promise<void> {
    await this.provider.shutdown().catch(() => {});
  }
}

/** One request's spans. Stages run one after another, so starting a stage ends the previous one. */
export class RequestTrace {
  private current?: Span;

  constructor(private readonly tracer: Tracer, readonly root: Span) {}

  get traceId(): string {
    return this.root.spanContext().traceId;
  }

  stage(name: string): void {
    this.current?.end();
    this.current = this.tracer.startSpan(`warden.${name}`, { kind: name === 'forward' ? SpanKind.CLIENT : SpanKind.INTERNAL }, trace.setSpan(ROOT_CONTEXT, this.root));
  }

  /** `traceparent` (and `tracestate`) naming the current stage's span, for the upstream request. */
  inject(headers: Record<string, string>): void {
    // The caller's tracestate goes on only with its trace (it is in the span's context then):
    // beside a new trace, started because the caller's traceparent was invalid, it means nothing.
    delete headers.tracestate;
    propagator.inject(trace.setSpan(ROOT_CONTEXT, this.current ?? this.root), headers, defaultTextMapSetter);
  }

  /** Attributes of the current stage's span (the forward span's upstream answer). */
  annotate(attributes: Attributes): void {
    this.current?.setAttributes(attributes);
  }

  /** The current stage failed: its span says so, whatever the request's outcome. */
  fail(reason: string): void {
    this.current?.setStatus({ code: SpanStatusCode.ERROR, message: reason });
  }

  /** Ends the request's span; `error` marks it failed (a 5xx, an answer cut off). */
  end(name: string, attributes: Attributes, error?: string): void {
    this.current?.end();
    this.current = undefined;
    this.root.updateName(name);
    this.root.setAttributes(attributes);
    if (error) this.root.setStatus({ code: SpanStatusCode.ERROR, message: error });
    this.root.end();
  }
}

/** A URL as logs may show it: without the user, password and query, where a collector's credentials can sit. */
export function loggableUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  u.search = '';
  return u.href;
}

/**
 * The OTLP exporter, made to speak up: each batch is counted by result, and a
 * failing collector is logged when exports start failing and when they work
 * again (the SDK itself drops the spans silently).
 */
class ReportingExporter implements SpanExporter {
  private failing = false;

  constructor(private readonly inner: SpanExporter, private readonly endpoint: string, private readonly log: Logger, private readonly metrics: Metrics) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      const ok = result.code === ExportResultCode.SUCCESS;
      this.metrics.spanExports.inc({ result: ok ? 'ok' : 'error' }, spans.length);
      if (!ok && !this.failing) this.log.warn({ endpoint: this.endpoint, err: result.error?.message, spans: spans.length }, 'OTLP trace export failed: spans are dropped until it works again');
      else if (ok && this.failing) this.log.info({ endpoint: this.endpoint }, 'OTLP trace export works again');
      this.failing = !ok;
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
