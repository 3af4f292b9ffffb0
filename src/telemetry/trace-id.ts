// The trace id of a caller's `traceparent`, for the audit record when tracing
// is off: a module apart from tracing.ts, so that a gateway without OTLP export
// never loads the OpenTelemetry SDK.
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** The trace id of a W3C `traceparent` header, when it is well-formed. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const m = traceparent ? TRACEPARENT.exec(traceparent.trim()) : null;
  return m && m[1] !== '0'.repeat(32) ? m[1] : undefined;
}
