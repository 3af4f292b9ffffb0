// "Why was my call refused?" as an operator asks it: from the x-request-id the
// caller got to the record (`warden audit query --request-id`), to the reason
// then and the decision now (`warden explain --request-id`); and, before
// sending, `warden explain --body` and the admin POST /explain say when the
// guardrails or a quota would refuse what policy allows.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { devIssuerAuthentication } from '../../src/cli/demo.js';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { exited } from '../helpers/process.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { join } from 'node:path';

const VERTEX = '/v1/projects/emulator-project/locations/us-central1';
const MODEL = `${VERTEX}/publishers/google/models/gemini-2.0-flash:generateContent`;
const body = (text: string) => ({ contents: [{ role: 'user', parts: [{ text }] }] });

/** `warden …` as its own process: exit code and what it printed. */
function warden(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['bin/warden.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  return exited(child).then(({ code }) => ({ code, out, err }));
}

describe('why was it refused?', () => {
  let s: Stack;
  let alice: string;
  let bob: string;
  before(async () => {
    s = await startStack(({ emulatorUrl, issuer }) => `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: why}
spec:
  listen: {port: 0}
  admin: {port: 0}
  routes:
    - {name: vertex, provider: vertex, upstream: "${emulatorUrl}", credential: vertex-sa}
  credentials:
    - {name: vertex-sa, google: {file: ./credentials/service-account.json}}
  audit: {sqlite: ./audit.db}
  guardrails:
    request: {pii: block}
  limits:
    rules:
      - {name: per-user, by: [principal], requests: {limit: 2, per: 1h}}
---
${devIssuerAuthentication(issuer, 'warden')}---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ml-engineers}
spec:
  action: ALLOW
  rules:
    - when:
        - key: request.auth.claims[groups]
          values: [ml-engineers]
`);
    alice = await s.token('alice', ['ml-engineers']);
    bob = await s.token('bob', ['analysts']);
  });
  after(() => s?.close());

  const call = async (token: string, path: string, payload: unknown) => {
    const res = await fetch(`${s.gw.url}${path}`, {
      method: 'POST', body: JSON.stringify(payload), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
    await res.arrayBuffer();
    return { status: res.status, id: res.headers.get('x-request-id')! };
  };

  it('audit query --request-id finds the one record, with its reason; explain --request-id tells why then, and what the config says now', async () => {
    const refused = await call(bob, `${VERTEX}/customJobs`, { displayName: 'train' });
    assert.equal(refused.status, 403);
    const db = join(s.dir, 'audit.db');
    assert.ok(await waitForAuditRow(db, refused.id), 'recorded');

    const query = await warden('audit', 'query', '-c', s.configFile, '--request-id', refused.id);
    assert.equal(query.code, 0, query.err);
    const lines = query.out.trim().split('\n');
    assert.equal(lines.length, 1);
    const fields = lines[0]!.split('\t');
    assert.equal(fields[1], refused.id);
    assert.match(fields[12]!, /^POLICY_DENIED: .*no ALLOW policy/);

    const explained = await warden('explain', '-c', s.configFile, '--request-id', refused.id);
    assert.equal(explained.code, 3, explained.err);
    assert.match(explained.out, new RegExp(`recorded .*request ${refused.id}: REFUSED, status 403 — POLICY_DENIED`));
    assert.match(explained.out, /POST \/v1\/projects\/emulator-project\/locations\/us-central1\/customJobs on route vertex; caller \S+\/bob \(groups analysts\) by jwt/);
    // The same caller and request through the config now: the recorded path classifies as a training job.
    assert.match(explained.out, /now[^\n]*\nDENY: /);
    assert.match(explained.out, /target: +vertex \S+ \(training\)/);
    assert.match(explained.out, /✗ ml-engineers \[ALLOW\]/);

    const missing = await warden('explain', '-c', s.configFile, '--request-id', 'no-such-request');
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no audit record has request id "no-such-request"/);
  });

  it('explain --body runs the guardrails as a dry run: policy allows, the guardrails would block', async () => {
    const blocked = { ...body('Write to dana@example.com') };
    const sent = await call(alice, MODEL, blocked);
    assert.equal(sent.status, 403, 'the gateway refuses it');

    const r = await warden('explain', '-c', s.configFile, '-X', 'POST', '--path', MODEL, '--token', alice, '--body', JSON.stringify(blocked));
    assert.equal(r.code, 3, r.err);
    assert.match(r.out, /^REFUSED by guardrails \(403 GUARDRAIL_BLOCKED\): request blocked by guardrails: EMAIL\n {2}policy: +ALLOW: /);
    assert.match(r.out, /EMAIL ×1 in the request: block/);
    // The quotas' counters are in the gateway's memory, not in this process: listed, not counted.
    assert.match(r.out, /quotas \(dry run\): counts not known here\n {2}per-user: 2 requests per 3600 s/);

    const clean = await warden('explain', '-c', s.configFile, '-X', 'POST', '--path', MODEL, '--token', alice, '--body', JSON.stringify(body('Hello')));
    assert.equal(clean.code, 0, clean.out);
    assert.match(clean.out, /^ALLOW: /);
    assert.match(clean.out, /guardrails \(dry run\): nothing found/);
  });

  it('the admin POST /explain counts the gateway\'s own quota counters: a used-up quota would refuse', async () => {
    const carol = await s.token('carol', ['ml-engineers']);
    const ask = async () => {
      const res = await fetch(`${s.gw.adminUrl}/explain`, { method: 'POST', body: JSON.stringify({ method: 'POST', path: MODEL, token: carol, body: body('Hello') }) });
      return (await res.json()) as { decision: { action: string }; refused?: { by: string; status: number; reason: string }; quota: { counters: { used?: number; wouldRefuse: boolean }[] } };
    };
    const fresh = await ask();
    assert.equal(fresh.refused, undefined);
    assert.deepEqual(fresh.quota.counters.map((c) => [c.used, c.wouldRefuse]), [[0, false]]);
    for (let i = 0; i < 2; i++) assert.equal((await call(carol, MODEL, body('Hello'))).status, 200);
    const spent = await ask();
    assert.equal(spent.decision.action, 'allow');
    assert.deepEqual(spent.refused && [spent.refused.by, spent.refused.status, spent.refused.reason], ['quota', 429, 'RATE_LIMITED']);
    assert.deepEqual(spent.quota.counters.map((c) => [c.used, c.wouldRefuse]), [[2, true]]);
    // Asking charged nothing: the gateway still refuses only because of the two real requests.
    assert.equal((await call(carol, MODEL, body('Hello'))).status, 429);
  });
});
