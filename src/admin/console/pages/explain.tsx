// Explain: why a recorded request was allowed or refused, or what a typed-in
// request would get — the same explanation as `warden explain`, readable.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { routeParams } from '../format';
import type { Explanation } from '../types';

interface Answer {
  explanation: Explanation;
  text: string;
}

export function ExplainPage() {
  const fromRoute = routeParams().get('requestId') ?? '';
  const [requestId, setRequestId] = useState(fromRoute);
  const [req, setReq] = useState({ method: 'POST', path: '', host: '', token: '', headers: '', sourcePrincipal: '' });
  const [answer, setAnswer] = useState<Answer>();
  const [error, setError] = useState<string>();

  const ask = async (body: unknown) => {
    setError(undefined);
    setAnswer(undefined);
    try {
      setAnswer(await api<Answer>('/api/explain', { method: 'POST', body }));
    } catch (e) {
      setError((e as Error).message);
    }
  };

  useEffect(() => {
    if (fromRoute) void ask({ requestId: fromRoute });
  }, []);

  const headers = () => Object.fromEntries(req.headers.split('\n').map((l) => l.split(/:(.*)/s)).filter((p) => p.length > 1 && p[0].trim()).map(([k, v]) => [k.trim(), v.trim()]));
  const set = (k: keyof typeof req) => (e: Event) => setReq({ ...req, [k]: (e.target as HTMLInputElement).value });

  return (
    <section aria-labelledby="explain-title">
      <h1 id="explain-title">Explain a decision</h1>
      <div class="two">
        <form class="panel" aria-label="Explain a recorded request" onSubmit={(e) => (e.preventDefault(), void ask({ requestId: requestId.trim() }))}>
          <h2>A recorded request</h2>
          <label>Request id<input type="text" value={requestId} onInput={(e) => setRequestId((e.target as HTMLInputElement).value)} required /></label>
          <button type="submit" class="primary">Explain the record</button>
          <p class="muted">Today's policies, applied to what the record keeps of the request and its caller.</p>
        </form>
        <form class="panel" aria-label="Explain a described request" onSubmit={(e) => (e.preventDefault(), void ask({ request: { method: req.method, path: req.path, host: req.host || undefined, token: req.token.trim() || undefined, headers: headers(), sourcePrincipal: req.sourcePrincipal || undefined } }))}>
          <h2>A request typed in</h2>
          <div class="row">
            <label>Method
              <select value={req.method} onChange={set('method')}><option>POST</option><option>GET</option><option>PUT</option><option>PATCH</option><option>DELETE</option></select>
            </label>
            <label class="grow">Path<input type="text" value={req.path} onInput={set('path')} required placeholder="/v1/projects/P/locations/L/publishers/google/models/M:generateContent" /></label>
          </div>
          <label>Host<input type="text" value={req.host} onInput={set('host')} placeholder="as the caller sends it (optional)" /></label>
          <label>Bearer token (verified like a real request's)<textarea rows={2} value={req.token} onInput={set('token')} /></label>
          <label>Headers, one per line (name: value)<textarea rows={2} value={req.headers} onInput={set('headers')} /></label>
          <label>Peer SPIFFE ID<input type="text" value={req.sourcePrincipal} onInput={set('sourcePrincipal')} placeholder="cluster.local/ns/NS/sa/SA" /></label>
          <button type="submit" class="primary">Explain the request</button>
        </form>
      </div>
      {error ? <p class="notice" role="alert">{error}</p> : null}
      {answer ? <Result a={answer} /> : null}
    </section>
  );
}

function Result({ a }: { a: Answer }) {
  const e = a.explanation;
  if (e.outcome !== 'decided') return <div class="result" role="region" aria-label="Explanation"><p class="verdict bad">{e.outcome === 'no-route' ? 'No route' : `Unauthenticated (${e.reason})`}</p><p>{e.message}</p></div>;
  const allow = e.decision!.action === 'allow';
  return (
    <div class="result" role="region" aria-label="Explanation" data-testid="explanation">
      <p class={`verdict ${allow ? 'ok' : 'bad'}`}>{allow ? 'ALLOW' : 'DENY'}: {e.decision!.reason}</p>
      {e.recorded ? <p>Recorded: <strong>{e.recorded.decision}</strong>, status {e.recorded.status} — {e.recorded.reason}</p> : null}
      <p>
        Caller <strong>{e.principal?.requestPrincipal ?? e.principal?.sourcePrincipal ?? 'anonymous'}</strong>
        {e.principal?.groups.length ? ` (groups ${e.principal.groups.join(', ')})` : ''}; {e.target?.provider} {e.target?.operation} ({e.target?.operationClass})
        {e.target?.model ? ` on ${e.target.model}` : ''}; route {e.route ?? '—'}; path {e.path ?? '—'}
      </p>
      <table class="data" aria-label="Every policy's verdict">
        <thead><tr><th>Matched</th><th>Policy</th><th>Action</th><th>Applies to</th><th>Why</th></tr></thead>
        <tbody>
          {e.policies!.map((p) => (
            <tr key={p.policy} class={p.policy === e.decision!.policy ? 'selected' : ''}>
              <td>{p.matched ? '✓ yes' : '✗ no'}</td>
              <td>{p.policy}{p.policy === e.decision!.policy ? ' (decided)' : ''}</td>
              <td>{p.action}{p.dryRun ? ' (dry run)' : ''}</td>
              <td>{p.scope}</td>
              <td>{p.why}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {e.caveats?.length ? <ul class="muted">{e.caveats.map((c) => <li key={c}>{c}</li>)}</ul> : null}
      <details>
        <summary>As <code>warden explain</code> prints it</summary>
        <pre class="text">{a.text}</pre>
      </details>
    </div>
  );
}
