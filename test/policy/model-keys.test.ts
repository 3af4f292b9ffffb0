// Warden's model-aware keys and CEL conditions, end to end with the emulator:
// "analysts may stream Gemini in us-central1 but never start a training job".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningGateway } from '../../src/gateway.js';
import { PolicyBench, type CallSpec, type Outcome } from './e2e-helpers.js';

const P = '/v1/projects/emulator-project/locations';
const gemini = (loc: string, op: string) => `${P}/${loc}/publishers/google/models/gemini-2.0-flash:${op}`;
const TRAIN = { path: `${P}/us-central1/customJobs`, body: JSON.stringify({ displayName: 'train', jobSpec: {} }) };

const POLICIES = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: analysts}
spec:
  rules:
    - when:
        - {key: "request.auth.claims[groups]", values: [analysts]}
        - {key: request.model, values: ["gemini*"]}
        - {key: request.publisher, values: [google]}
        - {key: request.operation, values: [generateContent, streamGenerateContent]}
        - {key: request.location, values: [us-central1]}
        - {key: request.project, values: [emulator-project]}
        - {key: request.operation_class, values: [inference]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-training-for-analysts}
spec:
  action: DENY
  rules:
    - when:
        - {key: "request.auth.claims[groups]", values: [analysts]}
        - {key: request.operation_class, values: [training]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: batch-only-no-stream}
spec:
  rules:
    - when:
        - {key: "request.auth.claims[groups]", values: [batch]}
        - {key: request.stream, values: ["false"]}
---
apiVersion: warden.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: ml-teams}
spec:
  rules:
    - cel: "request.auth.claims.groups.exists(g, g.startsWith('ml-'))"
---
apiVersion: warden.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: eu-gemini}
spec:
  rules:
    - when: [{key: "request.auth.claims[groups]", values: [eu]}]
      cel: "request.model.startsWith('gemini') && request.location == 'europe-west4'"
---
apiVersion: warden.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: no-big-outputs}
spec:
  action: DENY
  rules:
    - cel: "'x-max-output' in request.headers && request.headers['x-max-output'] == 'huge'"
---
apiVersion: warden.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: probe}
spec:
  action: DENY
  rules:
    - when: [{key: "request.headers[x-probe]", values: ["*"]}]
      cel: "request.auth.claims.clearance == 'top'"
`;

describe('model-aware keys and CEL (end to end)', () => {
  const bench = new PolicyBench();
  let gw: RunningGateway;
  before(async () => {
    await bench.start();
    gw = await bench.warden(POLICIES);
  });
  after(async () => {
    await gw.close();
    await bench.close();
  });

  const cases: [string, CallSpec, Outcome, number?][] = [
    ['analyst: Gemini generateContent in us-central1', { path: gemini('us-central1', 'generateContent'), token: { sub: 'a', groups: ['analysts'] } }, 'allow', 200],
    ['analyst: streams Gemini (SSE)', { path: `${gemini('us-central1', 'streamGenerateContent')}?alt=sse`, token: { sub: 'a', groups: ['analysts'] } }, 'allow', 200],
    ['analyst: countTokens is not listed', { path: gemini('us-central1', 'countTokens'), token: { sub: 'a', groups: ['analysts'] } }, 'deny'],
    ['analyst: another location', { path: gemini('europe-west4', 'generateContent'), token: { sub: 'a', groups: ['analysts'] } }, 'deny'],
    ['analyst: never a training job', { ...TRAIN, token: { sub: 'a', groups: ['analysts', 'ml-research'] } }, 'deny'],
    ['batch: non-streaming only', { path: gemini('us-central1', 'generateContent'), token: { sub: 'b', groups: ['batch'] } }, 'allow', 200],
    ['batch: streaming refused', { path: `${gemini('us-central1', 'streamGenerateContent')}?alt=sse`, token: { sub: 'b', groups: ['batch'] } }, 'deny'],
    ['CEL: an ml-* group may train', { ...TRAIN, token: { sub: 'm', groups: ['ml-platform'] } }, 'allow'],
    ['CEL: no ml-* group', { ...TRAIN, token: { sub: 'm', groups: ['platform'] } }, 'deny'],
    ['CEL: a token without groups makes the expression fail → no match for ALLOW', { ...TRAIN, token: { sub: 'm' } }, 'deny'],
    ['CEL: eu group, Gemini in europe-west4', { path: gemini('europe-west4', 'generateContent'), token: { sub: 'e', groups: ['eu'] } }, 'allow', 200],
    ['CEL: eu group, Gemini in us-central1', { path: gemini('us-central1', 'generateContent'), token: { sub: 'e', groups: ['eu'] } }, 'deny'],
    ['CEL DENY on a header', { path: gemini('us-central1', 'generateContent'), token: { sub: 'm', groups: ['ml-x'] }, headers: { 'x-max-output': 'huge' } }, 'deny'],
    // A DENY expression that fails (no such claim) counts as a match: errors never open a door.
    ['CEL DENY that fails to evaluate denies', { path: gemini('us-central1', 'generateContent'), token: { sub: 'm', groups: ['ml-x'] }, headers: { 'x-probe': '1' } }, 'deny'],
    ['… and is not reached when the rule\'s when fails', { path: gemini('us-central1', 'generateContent'), token: { sub: 'm', groups: ['ml-x'] } }, 'allow', 200],
  ];
  for (const [name, call, want, status] of cases) {
    it(name, async () => {
      const got = await bench.call(gw, call);
      assert.equal(got.outcome, want, `${got.status} ${got.body.slice(0, 200)}`);
      if (status) assert.equal(got.status, status);
    });
  }
});
