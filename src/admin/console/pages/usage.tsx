// Usage: requests and tokens over time per group, principal, model or route
// (uPlot charts), and each quota rule's current window against its limit.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, qs } from '../api';
import { dateTime, num } from '../format';
import type { Usage } from '../types';

/** Told apart in light and dark mode, and by colour-blind readers as far as eight colours can be. */
export const PALETTE = ['#2563eb', '#d97706', '#059669', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#6b7280'];

export function UsagePage() {
  const [range, setRange] = useState('1h');
  const [by, setBy] = useState('group');
  const [usage, setUsage] = useState<Usage>();
  const [error, setError] = useState<string>();

  const load = () => api<Usage>(`/api/usage${qs({ range, by })}`).then((u) => (setUsage(u), setError(undefined)), (e: Error) => setError(e.message));
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 10_000);
    return () => clearInterval(t);
  }, [range, by]);

  return (
    <section aria-labelledby="usage-title">
      <div class="titlebar">
        <h1 id="usage-title">Usage</h1>
        <form class="filters inline" aria-label="Usage range and grouping" onSubmit={(e) => e.preventDefault()}>
          <label>Range
            <select value={range} onChange={(e) => setRange((e.target as HTMLSelectElement).value)}>
              <option value="15m">last 15 minutes</option><option value="1h">last hour</option><option value="24h">last 24 hours</option><option value="7d">last 7 days</option>
            </select>
          </label>
          <label>Per
            <select value={by} onChange={(e) => setBy((e.target as HTMLSelectElement).value)}>
              <option value="group">group</option><option value="principal">principal</option><option value="model">model</option><option value="route">route</option>
            </select>
          </label>
          <button type="button" onClick={() => void load()}>Refresh</button>
        </form>
      </div>
      {error ? <p class="notice" role="alert">{error}</p> : null}
      {usage ? (
        <>
          <p class="muted" role="status">
            {num(usage.totals.requests)} requests, {num(usage.totals.tokens)} tokens; from the {usage.source}{usage.truncated ? ` (the first ${num(usage.records)} records only)` : ''}.
          </p>
          <div class="charts">
            <Chart title="Requests" usage={usage} metric="requests" />
            <Chart title="Tokens" usage={usage} metric="tokens" />
          </div>
          <Quotas usage={usage} />
        </>
      ) : null}
    </section>
  );
}

function Chart({ title, usage, metric }: { title: string; usage: Usage; metric: 'requests' | 'tokens' }) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const points = usage.series.reduce((n, s) => n + s[metric].filter((v) => v > 0).length, 0);

  useEffect(() => {
    const data: uPlot.AlignedData = [usage.buckets, ...usage.series.map((s) => s[metric])];
    const width = Math.max(320, (el.current!.clientWidth || 600) - 8);
    plot.current?.destroy();
    plot.current = new uPlot(
      {
        width,
        height: 240,
        series: [{}, ...usage.series.map((s, i) => ({ label: s.key, stroke: PALETTE[i % PALETTE.length], width: 2, fill: `${PALETTE[i % PALETTE.length]}22`, points: { show: true, size: 4 } }))],
        axes: [{ stroke: 'currentColor', grid: { stroke: '#8884' } }, { stroke: 'currentColor', grid: { stroke: '#8884' }, size: 60 }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        legend: { live: false },
      },
      data,
      el.current!,
    );
    return () => plot.current?.destroy();
  }, [usage, metric]);

  return (
    <figure class="chart" aria-labelledby={`chart-${metric}`}>
      <figcaption id={`chart-${metric}`}>{title} per {usage.by}, per {usage.bucketSeconds >= 60 ? `${usage.bucketSeconds / 60} min` : `${usage.bucketSeconds} s`}</figcaption>
      <div ref={el} data-testid={`chart-${metric}`} data-points={points} data-series={usage.series.map((s) => s.key).join('|')} />
      <table class="sr-only">
        <caption>{title} per {usage.by} (totals)</caption>
        <tbody>{usage.series.map((s) => <tr key={s.key}><th>{s.key}</th><td>{s[metric].reduce((a, b) => a + b, 0)}</td></tr>)}</tbody>
      </table>
    </figure>
  );
}

function Quotas({ usage }: { usage: Usage }) {
  if (!usage.quotas.length) return <p class="muted">No quota rules are configured (spec.limits).</p>;
  return (
    <div>
      <h2>Quotas, this window</h2>
      <table class="data" aria-label="Quota use against limits">
        <thead><tr><th>Rule</th><th>Counts</th><th>Limit</th><th>Counter</th><th>Used</th><th>Resets</th></tr></thead>
        <tbody>
          {usage.quotas.flatMap((q) =>
            (q.counters.length ? q.counters : [{ subject: '—', used: 0 }]).map((c) => (
              <tr key={`${q.rule}/${q.kind}/${c.subject}`}>
                <td>{q.rule}</td>
                <td>{q.kind}</td>
                <td>{num(q.limit)} per {q.per}</td>
                <td>{c.subject}</td>
                <td><meter min={0} max={q.limit} high={q.limit * 0.8} value={c.used} aria-label={`${q.rule} ${c.subject}`} /> {num(c.used)} ({q.limit ? Math.round((c.used / q.limit) * 100) : 0}%)</td>
                <td>{dateTime(q.resetsAt)}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </div>
  );
}
