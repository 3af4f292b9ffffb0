// Credentials and health: readiness, the audit store and spool, the trusted
// issuers' key-set refreshes, and each upstream credential's state and expiry
// (never a token; details for those the policy lets see them).
import { useEffect, useState } from 'preact/hooks';
import { api, type SessionInfo } from '../api';
import { dateTime, num } from '../format';
import type { CredentialDetail, Health } from '../types';

export function HealthPage({ session }: { session: SessionInfo }) {
  const [health, setHealth] = useState<Health>();
  const [creds, setCreds] = useState<CredentialDetail[]>();
  const [error, setError] = useState<string>();

  const load = async () => {
    try {
      setHealth(await api<Health>('/api/health'));
      if (session.can.credentials) setCreds((await api<{ credentials: CredentialDetail[] }>('/api/credentials')).credentials);
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 5000);
    return () => clearInterval(t);
  }, []);

  if (error) return <p class="notice" role="alert">{error}</p>;
  if (!health) return <p>Loading…</p>;
  const a = health.audit;
  return (
    <section aria-labelledby="health-title">
      <div class="titlebar">
        <h1 id="health-title">Credentials and health</h1>
        <span class={`pill ${health.ready ? 'ok' : 'bad'}`} role="status" data-testid="readiness">{health.ready ? 'ready' : 'not ready'}</span>
      </div>
      <div class="cards">
        <div class="panel">
          <h2>Readiness</h2>
          <ul>{health.readiness.map((l) => <li key={l}>{l}</li>)}</ul>
        </div>
        <div class="panel">
          <h2>Audit store</h2>
          {a ? (
            <dl class="fields">
              <dt>store</dt><dd>{a.sink} — <span class={`pill ${a.sinkUp ? 'ok' : 'bad'}`}>{a.sinkUp ? 'up' : a.chainConflict ? 'chain conflict' : 'down'}</span></dd>
              <dt>chain</dt><dd>{a.chain}</dd>
              <dt>pending</dt><dd>{num(a.pending)} records ({num(a.spoolPendingBytes)} bytes)</dd>
              <dt>spool</dt><dd>{num(a.spoolBytes)} bytes, {a.spoolWritable ? 'writable' : 'NOT writable'}</dd>
              <dt>accepting</dt><dd>{a.accepting ? 'yes' : 'no: requests are refused'}</dd>
              <dt>dropped</dt><dd>{num(a.dropped)}</dd>
            </dl>
          ) : <p>No audit store is configured.</p>}
        </div>
      </div>
      <h2>Identity issuers</h2>
      <table class="data" aria-label="Trusted issuers">
        <thead><tr><th>Issuer</th><th>Keys from</th><th>Last key-set refresh</th><th>Refreshes</th><th>Failures</th></tr></thead>
        <tbody>
          {health.issuers.map((i) => (
            <tr key={i.issuer}>
              <td>{i.issuer}</td><td>{i.keys}</td>
              <td>{i.lastRefresh ? <><span class={`pill ${i.lastRefreshOk ? 'ok' : 'bad'}`}>{i.lastRefreshOk ? 'ok' : 'failed'}</span> {dateTime(i.lastRefresh)}</> : '—'}</td>
              <td class="num">{i.refreshes}</td><td class="num">{i.failures}</td>
            </tr>
          ))}
          {!health.issuers.length ? <tr><td colSpan={5}>No RequestAuthentication issuer is configured.</td></tr> : null}
        </tbody>
      </table>
      <h2>Upstream credentials</h2>
      {creds ? (
        <table class="data" aria-label="Upstream credentials">
          <thead><tr><th>Name</th><th>Source</th><th>State</th><th>Expires</th><th>Last mint</th><th>Mints</th><th>Failures</th><th>Last error</th></tr></thead>
          <tbody>
            {creds.map((c) => (
              <tr key={c.name}>
                <td>{c.name}</td>
                <td>{c.source}{c.perCaller ? ` (per caller: ${c.cachedCallers ?? 0} cached)` : ''}</td>
                <td><State c={c} /></td>
                <td>{dateTime(c.expiresAt)}</td>
                <td>{dateTime(c.lastMint)}</td>
                <td class="num">{c.mints}</td>
                <td class="num">{c.failures}</td>
                <td>{c.lastError ?? c.lastReloadError ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <table class="data" aria-label="Upstream credentials">
          <thead><tr><th>Name</th><th>State</th></tr></thead>
          <tbody>{health.credentials.map((c) => <tr key={c.name}><td>{c.name}</td><td>{c.state}</td></tr>)}</tbody>
        </table>
      )}
    </section>
  );
}

function State({ c }: { c: CredentialDetail }) {
  if (c.consecutiveFailures) return <span class="pill bad">failing ({c.consecutiveFailures} in a row)</span>;
  if (c.expiresAt) return <span class="pill ok">valid</span>;
  return <span class="pill">{c.lastMint ? 'expired' : 'not minted yet'}</span>;
}
