// Live traffic: records as Warden writes them (server-sent events), newest
// first, with filters and a pause that holds new rows back until resumed.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ms, num, time, who } from '../format';
import type { Traffic } from '../types';

const KEEP = 500;

interface Filters {
  text: string;
  group: string;
  decision: string;
  operationClass: string;
}

function matches(r: Traffic, f: Filters): boolean {
  if (f.decision && r.decision !== f.decision) return false;
  if (f.operationClass && r.operationClass !== f.operationClass) return false;
  if (f.group && !r.groups.some((g) => g.toLowerCase().includes(f.group.toLowerCase()))) return false;
  if (f.text) {
    const t = f.text.toLowerCase();
    const hay = [r.principal, r.route, r.model, r.operation, r.requestId, r.path].join(' ').toLowerCase();
    if (!hay.includes(t)) return false;
  }
  return true;
}

export function LivePage() {
  const [rows, setRows] = useState<Traffic[]>([]);
  const [held, setHeld] = useState<Traffic[]>([]);
  const [paused, setPaused] = useState(false);
  const [connected, setConnected] = useState(false);
  const [filters, setFilters] = useState<Filters>({ text: '', group: '', decision: '', operationClass: '' });
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    const es = new EventSource('/api/traffic/stream');
    es.addEventListener('open', () => setConnected(true));
    es.addEventListener('error', () => setConnected(false));
    es.addEventListener('backlog', (e) => setRows((JSON.parse((e as MessageEvent).data) as Traffic[]).slice(0, KEEP)));
    es.addEventListener('record', (e) => {
      const r = JSON.parse((e as MessageEvent).data) as Traffic;
      if (pausedRef.current) setHeld((h) => [r, ...h].slice(0, KEEP));
      else setRows((rs) => [r, ...rs].slice(0, KEEP));
    });
    return () => es.close();
  }, []);

  const togglePause = () => {
    if (paused) {
      setRows((rs) => [...held, ...rs].slice(0, KEEP));
      setHeld([]);
    }
    setPaused(!paused);
  };

  const shown = useMemo(() => rows.filter((r) => matches(r, filters)), [rows, filters]);
  const set = (k: keyof Filters) => (e: Event) => setFilters({ ...filters, [k]: (e.target as HTMLInputElement).value });

  return (
    <section aria-labelledby="live-title">
      <div class="titlebar">
        <h1 id="live-title">Live traffic</h1>
        <span class={`pill ${connected ? 'ok' : 'bad'}`} role="status">{connected ? 'connected' : 'reconnecting…'}</span>
        <button type="button" aria-pressed={paused} onClick={togglePause}>
          {paused ? `Resume${held.length ? ` (${held.length} new)` : ''}` : 'Pause'}
        </button>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter live traffic">
        <label>Search<input type="search" value={filters.text} onInput={set('text')} placeholder="caller, route, model, request id" /></label>
        <label>Group<input type="text" value={filters.group} onInput={set('group')} /></label>
        <label>Decision
          <select value={filters.decision} onChange={set('decision')}>
            <option value="">any</option><option value="allow">allow</option><option value="deny">deny</option>
          </select>
        </label>
        <label>Operation class
          <select value={filters.operationClass} onChange={set('operationClass')}>
            <option value="">any</option><option>inference</option><option>training</option><option>admin</option><option>other</option>
          </select>
        </label>
      </form>
      <p class="muted">{shown.length} of {rows.length} recent requests{paused ? ' — paused' : ''}. Select a row for its audit record.</p>
      <div class="table-wrap">
        <table class="data" aria-label="Recent requests, newest first">
          <thead>
            <tr><th>Time</th><th>Caller</th><th>Groups</th><th>Route</th><th>Model</th><th>Operation</th><th>Decision</th><th>Status</th><th>Latency</th><th>Tokens</th><th>Findings</th></tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.requestId} data-request-id={r.requestId} class={r.decision === 'deny' ? 'denied' : ''}>
                <td><a href={`#/audit?requestId=${encodeURIComponent(r.requestId)}`} title={r.requestId}>{time(r.time)}</a></td>
                <td title={r.principal}>{who(r.principal)}</td>
                <td>{r.groups.join(', ')}</td>
                <td>{r.route ?? '—'}</td>
                <td>{r.model ?? '—'}</td>
                <td>{r.operation ?? '—'}</td>
                <td><span class={`pill ${r.decision === 'allow' ? 'ok' : 'bad'}`} title={r.reason}>{r.decision}</span></td>
                <td>{r.status}</td>
                <td class="num">{ms(r.latencyMs)}</td>
                <td class="num" title={r.promptTokens !== undefined ? `prompt ${r.promptTokens}, output ${r.outputTokens ?? 0}` : undefined}>{num(r.totalTokens)}</td>
                <td>{[...r.findings, ...(r.quotaExceeded ? [`quota ${r.quotaExceeded}`] : [])].join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
