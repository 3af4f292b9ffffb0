// Explanations: the admin API's POST /explain and `warden explain` answer for
// any request — the decision, the deciding policy and rule, and why each
// other policy did not match; a token is verified like a real request's.
import '../helpers/source.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningGateway } from '../../src/gateway.js';
import { PolicyBench } from './e2e-helpers.js';

const POLICIES = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-training, namespace: ml}
spec:
  action: DENY
  rules: [{when: [{key: request.operation_class, values: [training]}, {key: "request.auth.claims[groups]", notValues: [ml-engineers]}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: analysts}
spec:
  rules:
    - when: [{key: "request.auth.claims[groups]", values: [analysts]}, {key: request.model, values: ["gemini*"]}]
    - from: [{source: {principals: ["cluster.local/ns/batch/sa/*"]}}]
`;
const GEN = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';

interface Explained {
  outcome: string;
  decision: { action: string; policy?: string; rule?: number; reason: string };
  policies: { policy: string; matched: boolean; why: string; rules: { rule: number; matched: boolean; wanted?: string }[] }[];
  principal: Record<string, unknown>;
  target: { model?: string; operation: string };
  reason?: string;
}

describe('explain', () => {
  const bench = new PolicyBench();
  let gw: RunningGateway;
  let analyst: string;
  before(async () => {
    await bench.start();
    gw = await bench.warden(POLICIES);
    analyst = await bench.emu.mintIdToken({ sub: 'bob', groups: ['analysts'], aud: 'warden' });
  });
  after(async () => {
    await gw.close();
    await bench.close();
  });

  const ask = async (body: unknown): Promise<Explained> => {
    const res = await fetch(`${gw.adminUrl}/explain`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 200);
    return (await res.json()) as Explained;
  };

  it('POST /explain: the deciding policy and rule, and why the others did not match', async () => {
    const e = await ask({ method: 'POST', path: GEN, token: analyst });
    assert.equal(e.outcome, 'decided');
    assert.deepEqual([e.decision.action, e.decision.policy, e.decision.rule], ['allow', 'analysts', 0]);
    assert.equal(e.target.model, 'gemini-2.0-flash');
    assert.equal(e.principal.token, undefined, 'the token is never echoed');
    const deny = e.policies.find((p) => p.policy === 'ml/no-training')!;
    assert.equal(deny.matched, false);
    assert.match(deny.why, /rule 0 wants request.operation_class in \[training\]/);
  });

  it('POST /explain: a source principal given for explanation, and a denial with every rule\'s reason', async () => {
    const allowed = await ask({ method: 'POST', path: GEN, sourcePrincipal: 'spiffe://cluster.local/ns/batch/sa/nightly' });
    assert.deepEqual([allowed.decision.action, allowed.decision.rule], ['allow', 1]);
    const denied = await ask({ method: 'POST', path: '/v1/projects/p/locations/us-central1/customJobs', token: analyst });
    assert.deepEqual([denied.decision.action, denied.decision.policy], ['deny', 'ml/no-training']);
    const anon = await ask({ method: 'POST', path: GEN });
    assert.equal(anon.decision.action, 'deny');
    assert.equal(anon.decision.reason, 'no ALLOW policy matched');
    const analysts = anon.policies.find((p) => p.policy === 'analysts')!;
    assert.deepEqual(analysts.rules.map((r) => r.wanted), ['request.auth.claims[groups] in [analysts]', 'source.principal in [cluster.local/ns/batch/sa/*]']);
  });

  it('POST /explain: an invalid token is verified like a real request → unauthenticated', async () => {
    const e = await ask({ method: 'POST', path: GEN, token: 'not-a-jwt' });
    assert.equal(e.outcome, 'unauthenticated');
    assert.ok(e.reason);
  });

  it('POST /explain refuses a body that is not a JSON object', async () => {
    const res = await fetch(`${gw.adminUrl}/explain`, { method: 'POST', body: '[1]' });
    assert.equal(res.status, 400);
  });

  it('warden explain prints the decision (text and --json) with exit codes', async () => {
    const file = join(bench.dir, 'explain.yaml');
    writeFileSync(file, `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: w}
spec:
  routes: [{name: vertex, provider: vertex, upstream: "${bench.emu.url}"}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: dev}
spec:
  jwtRules: [{issuer: "${bench.emu.issuer}", jwksUri: "${bench.emu.issuer}/jwks", audiences: [warden]}]
---
${POLICIES}`);
    const run = (args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['bin/warden.js', 'explain', '-c', file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('close', (code) => resolve({ code: code ?? -1, out }));
      });
    const [text, json] = await Promise.all([
      run(['--method', 'POST', '--path', GEN, '--token', analyst]),
      run(['--method', 'POST', '--path', '/v1/projects/p/locations/us-central1/customJobs', '--header', 'x-team: ml', '--json']),
    ]);
    assert.equal(text.code, 0, text.out);
    assert.match(text.out, /^ALLOW: allowed by ALLOW policy analysts rule 0/);
    assert.match(text.out, /✗ ml\/no-training \[DENY\]: rule 0 wants request.operation_class in \[training\]/);
    assert.equal(json.code, 3, json.out);
    const parsed = JSON.parse(json.out) as Explained;
    assert.equal(parsed.decision.action, 'deny');
    assert.equal(parsed.target.operation, 'training.create');
  });
});
