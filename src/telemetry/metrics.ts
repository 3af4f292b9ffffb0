// Prometheus metrics, named after the OpenTelemetry GenAI conventions where
// they apply. Label sets are bounded: route, model, operation, status,
// decision — never a per-user label.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'model' | 'operation' | 'status' | 'decision'>;
  readonly duration: Histogram<'route' | 'model' | 'operation' | 'status' | 'decision'>;
  readonly tokens: Counter<'route' | 'model' | 'type'>;
  readonly upstreamDuration: Histogram<'route' | 'status'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const labelNames = ['route', 'model', 'operation', 'status', 'decision'] as const;
    this.requests = new Counter({ name: 'warden_requests_total', help: 'Requests handled', labelNames, registers: [this.registry] });
    this.duration = new Histogram({
      name: 'gen_ai_server_request_duration_seconds',
      help: 'Request duration as the caller saw it',
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    this.tokens = new Counter({
      name: 'gen_ai_client_token_usage_total',
      help: 'Tokens reported by the upstream, by type (input, output)',
      labelNames: ['route', 'model', 'type'],
      registers: [this.registry],
    });
    this.upstreamDuration = new Histogram({
      name: 'warden_upstream_duration_seconds',
      help: 'Time to the first byte of the upstream response body',
      labelNames: ['route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
  }
}
