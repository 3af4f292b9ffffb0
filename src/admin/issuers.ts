// The data path's trusted issuers, and how their key sets' refreshes went
// (the identity stage publishes each fetch; see telemetry/events.ts).
import type { JwtRule } from '../config/schema.js';
import { jwksRefreshChannel, type JwksRefreshEvent } from '../telemetry/events.js';
import type { IssuerStatus } from './server.js';

export class IssuerWatch {
  private readonly byUri = new Map<string, { at: string; ok: boolean; refreshes: number; failures: number }>();
  private readonly listener = (m: unknown) => {
    const e = m as JwksRefreshEvent;
    const s = this.byUri.get(e.uri) ?? { at: '', ok: false, refreshes: 0, failures: 0 };
    s.at = new Date().toISOString();
    s.ok = e.ok;
    s.refreshes++;
    if (!e.ok) s.failures++;
    this.byUri.set(e.uri, s);
  };

  constructor(private readonly rules: JwtRule[]) {
    jwksRefreshChannel.subscribe(this.listener);
  }

  status(): IssuerStatus[] {
    return this.rules.map((r) => {
      const base = r.issuer.replace(/\/$/, '');
      const keys = r.jwks !== undefined ? 'inline jwks' : (r.jwksUri ?? `${base}/.well-known/openid-configuration (discovery)`);
      // The key set's URL: the configured one, else whatever discovery found (under the issuer, as IdPs put it).
      const seen = [...this.byUri.entries()].filter(([uri]) => (r.jwksUri ? uri === r.jwksUri.split('?')[0] : uri.startsWith(base)));
      const last = seen.sort((a, b) => b[1].at.localeCompare(a[1].at))[0]?.[1];
      return {
        issuer: r.issuer,
        keys,
        lastRefresh: last?.at || undefined,
        lastRefreshOk: last?.ok,
        refreshes: seen.reduce((n, [, s]) => n + s.refreshes, 0),
        failures: seen.reduce((n, [, s]) => n + s.failures, 0),
      };
    });
  }

  stop(): void {
    jwksRefreshChannel.unsubscribe(this.listener);
  }
}
