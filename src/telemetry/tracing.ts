// OpenTelemetry traces: one span per request, a child per pipeline stage,
// the caller's `traceparent` continued and the forward stage's context passed
// upstream. Off unless `spec.telemetry.otlp` is set; then spans are batched
// and exported over OTLP/HTTP (JSON). Parents are passed explicitly — no
// async context manager — so the request path pays only for the spans.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, defaultTextMapSetter, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TelemetrySpec } from '../config/schema.js';

const propagator = new W3CTraceContextPropagator();
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** The trace id of a W3C `traceparent` header, when it is well-formed (for the audit record when tracing is off). */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const m = traceparent ? TRACEPARENT.exec(traceparent.trim()) : null;
  return m && m[1] !== '0'.repeat(32) ? m[1] : undefined;
}

export class Tracing {
  private readonly tracer: Tracer;

  private constructor(private readonly provider: BasicTracerProvider) {
    this.tracer = provider.getTracer('warden');
  }

  static create(spec: TelemetrySpec['otlp']): Tracing | undefined {
    if (!spec) return undefined;
    const exporter = new OTLPTraceExporter({ url: spec.endpoint, headers: spec.headers });
    return new Tracing(
      new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': spec.serviceName }),
        spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 })],
      }),
    );
  }

  /** The request's span, child of the caller's `traceparent` when it sent one. */
  start(method: string, headers: Record<string, string>): RequestTrace {
    const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const span = this.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent);
    return new RequestTrace(this.tracer, span);
  }

  /** Exports what is buffered. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
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
    propagator.inject(trace.setSpan(ROOT_CONTEXT, this.current ?? this.root), headers, defaultTextMapSetter);
  }

  end(name: string, attributes: Attributes, error?: string): void {
    this.current?.end();
    this.current = undefined;
    this.root.updateName(name);
    this.root.setAttributes(attributes);
    if (error) this.root.setStatus({ code: SpanStatusCode.ERROR, message: error });
    this.root.end();
  }
}
