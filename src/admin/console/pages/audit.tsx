// Audit: search the store (time, caller, group, model, class, decision,
// request id), one record's full detail, and the hash chain's verification.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, qs, type SessionInfo } from '../api';
import { dateTime, ms, num, routeParams, who } from '../format';
import type { AuditRecord, VerifyStatus } from '../types';

interface Form {
  since: string;
  until: string;
  principal: string;
  group: string;
  model: string;
  class: string;
  decision: string;
  requestId: string;
}

const EMPTY: Form = { since: '', until: '', principal: '', group: '', model: '', class: '', decision: '', requestId: '' };

/** A datetime-local value (local time) as ISO. */
const iso = (v: string) => (v ? new Date(v).toISOString() : undefined);

export function AuditPage({ session }: { session: SessionInfo }) {
  const initial = routeParams().get('requestId') ?? '';
  const [form, setForm] = useState<Form>({ ...EMPTY, requestId: initial });
  const [records, setRecords] = useState<AuditRecord[]>();
  const [selected, setSelected] = useState<AuditRecord>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const search = async (f: Form) => {
    setBusy(true);
    setError(undefined);
    try {
      const q = qs({ since: iso(f.since), until: iso(f.until), principal: f.principal, group: f.group, model: f.model, class: f.class, decision: f.decision, requestId: f.requestId, limit: '200' });
      const r = await api<{ records: AuditRecord[] }>(`/api/audit${q}`);
      setRecords(r.records);
      setSelected(f.requestId && r.records.length === 1 ? r.records[0] : undefined);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    void search(form);
  }, []);

  const set = (k: keyof Form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });

  return (
    <section aria-labelledby="audit-title">
      <div class="titlebar">
        <h1 id="audit-title">Audit</h1>
        <span class="muted">store: {session.auditStore ?? 'none configured'}</span>
      </div>
      <Verification canRun={session.can.verify} />
      <form class="filters" aria-label="Search the audit" onSubmit={(e) => (e.preventDefault(), void search(form))}>
        <label>From<input type="datetime-local" step="1" value={form.since} onInput={set('since')} /></label>
        <label>Until<input type="datetime-local" step="1" value={form.until} onInput={set('until')} /></label>
        <label>Principal<input type="text" value={form.principal} onInput={set('principal')} placeholder="iss/sub, subject or SPIFFE ID" /></label>
        <label>Group<input type="text" value={form.group} onInput={set('group')} /></label>
        <label>Model<input type="text" value={form.model} onInput={set('model')} /></label>
        <label>Operation class
          <select value={form.class} onChange={set('class')}>
            <option value="">any</option><option>inference</option><option>training</option><option>admin</option><option>other</option>
          </select>
        </label>
        <label>Decision
          <select value={form.decision} onChange={set('decision')}>
            <option value="">any</option><option value="allow">allow</option><option value="deny">deny</option>
          </select>
        </label>
        <label>Request id<input type="text" name="requestId" value={form.requestId} onInput={set('requestId')} /></label>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>Search</button>
          <button type="button" onClick={() => (setForm(EMPTY), void search(EMPTY))}>Clear</button>
        </div>
      </form>
      {error ? <p class="notice" role="alert">{error}</p> : null}
      {records ? <p class="muted" role="status">{records.length} record{records.length === 1 ? '' : 's'}, newest first{records.length >= 200 ? ' (the newest 200: narrow the search)' : ''}.</p> : null}
      <div class="split">
        <div class="table-wrap">
          <table class="data" aria-label="Audit records">
            <thead><tr><th>Time</th><th>Caller</th><th>Model</th><th>Operation</th><th>Decision</th><th>Status</th><th>Tokens</th></tr></thead>
            <tbody>
              {(records ?? []).map((r) => (
                <tr key={`${r.chain}/${r.seq}`} class={`${r.decision === 'deny' ? 'denied' : ''} ${selected === r ? 'selected' : ''}`} data-request-id={r.requestId}>
                  <td><button type="button" class="link" onClick={() => setSelected(r)} aria-label={`Show record ${r.requestId}`}>{dateTime(r.time)}</button></td>
                  <td title={r.principal}>{who(r.principal)}</td>
                  <td>{r.model ?? '—'}</td>
                  <td>{r.operation ?? '—'}</td>
                  <td><span class={`pill ${r.decision === 'allow' ? 'ok' : 'bad'}`}>{r.decision}</span></td>
                  <td>{r.status}</td>
                  <td class="num">{num(r.totalTokens)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {selected ? <Detail record={selected} canExplain={session.can.explain} /> : null}
      </div>
    </section>
  );
}

function Detail({ record, canExplain }: { record: AuditRecord; canExplain: boolean }) {
  const { prompt, response, ...rest } = record;
  return (
    <aside class="detail" aria-labelledby="detail-title">
      <h2 id="detail-title">Request {record.requestId}</h2>
      <p>
        <span class={`pill ${record.decision === 'allow' ? 'ok' : 'bad'}`}>{record.decision}</span> {record.method} {record.path} → {record.status} in {ms(record.latencyMs)}
      </p>
      <p class="reason">{record.reason}</p>
      {canExplain ? <a class="button" href={`#/explain?requestId=${encodeURIComponent(record.requestId)}`}>Explain this decision</a> : null}
      <dl class="fields">
        {Object.entries(rest).filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && !v.length)).map(([k, v]) => (
          <Fragment key={k}>
            <dt>{k}</dt>
            <dd>{typeof v === 'object' ? <pre>{JSON.stringify(v, null, 2)}</pre> : String(v)}</dd>
          </Fragment>
        ))}
      </dl>
      {prompt !== undefined ? <><h3>Prompt</h3><pre class="text">{String(prompt)}</pre></> : null}
      {response !== undefined ? <><h3>Response</h3><pre class="text">{String(response)}</pre></> : null}
    </aside>
  );
}

function Verification({ canRun }: { canRun: boolean }) {
  const [status, setStatus] = useState<VerifyStatus>();
  const [error, setError] = useState<string>();
  const load = () => api<VerifyStatus>('/api/audit/verify').then(setStatus, (e: Error) => setError(e.message));
  useEffect(() => {
    void load();
  }, []);
  // While a run goes on, its end is polled for.
  useEffect(() => {
    if (!status?.running) return;
    const t = setInterval(() => void load(), 500);
    return () => clearInterval(t);
  }, [status?.running]);
  const run = async () => {
    try {
      setStatus(await api<VerifyStatus>('/api/audit/verify', { method: 'POST' }));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const last = status?.last;
  const r = last?.result;
  return (
    <div class="verify" role="region" aria-label="Hash chain verification">
      <h2>Chain verification</h2>
      <p data-testid="verify-status" role="status">
        {error ? error
          : status?.running ? 'Verifying the whole log…'
          : !last ? 'Not verified since Warden started.'
          : last.error ? `Could not verify (${dateTime(last.finishedAt)}): ${last.error}`
          : r?.ok ? <><span class="pill ok">OK</span> {num(r.records)} records in {r.chains} chain{r.chains === 1 ? '' : 's'}, {r.checkpoints} checkpoint{r.checkpoints === 1 ? '' : 's'}; verified {dateTime(last.finishedAt)}</>
          : <><span class="pill bad">TAMPERED ({r?.problem?.kind})</span> {r?.problem?.message} {r?.hint ? `(${r.hint})` : ''}</>}
      </p>
      {canRun ? <button type="button" onClick={run} disabled={status?.running}>Verify now</button> : null}
    </div>
  );
}
