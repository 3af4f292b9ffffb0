// Failover between Vertex locations that respects residency: a call to a failing location moves
// on to the next one its caller's policy allows (host and path location rewritten), never to a
// disallowed one; a call that is not safe to repeat is not retried; a location that keeps failing
// has its circuit opened; the audit record says which location answered and after how many tries.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { freePort } from '../helpers/process.js';
import { startStack, type Stack } from '../helpers/stack.js';

const config = (closedPort: number) => ({ emulatorUrl, issuer }: { emulatorUrl: string; issuer: string }) => `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: failover}
spec:
  routes:
    - name: vertex
      provider: vertex
      upstream: '${emulatorUrl}'
      credential: vertex-sa
      failover:
        locations:
          - {location: europe-west4, upstream: '${emulatorUrl}'}
          - {location: europe-west1, upstream: '${emulatorUrl}'}
          - {location: eu, upstream: 'http://127.0.0.1:${closedPort}'}
          - {location: us-central1, upstream: '${emulatorUrl}'}
        breakerFailures: 3
        breakerOpenFor: 1h
  credentials:
    - {name: vertex-sa, google: {file: ./credentials/service-account.json}}
  audit: {sqlite: ./audit.db}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: idp}
spec:
  jwtRules: [{issuer: '${issuer}', audiences: [warden]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: eu-team-in-the-eu}
spec:
  action: DENY
  rules:
    - when:
        - {key: 'request.auth.claims[groups]', values: [eu-team]}
        - {key: request.jurisdiction, notValues: [eu]}
`;

describe('failover between locations', () => {
  let s: Stack;
  before(async () => {
    s = await startStack(config(await freePort()));
  });
  after(() => s.close());
  beforeEach(() => s.emu.control.failingLocations.clear());

  const client = async (sub: string, groups: string[], location: string) => {
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: await s.token(sub, groups) });
    return new GoogleGenAI({ vertexai: true, project: 'emulator-project', location, httpOptions: { baseUrl: s.gw.url }, googleAuthOptions: { authClient: auth } });
  };
  const audit = (id: string) => waitForAuditRow<Record<string, unknown>>(join(s.dir, 'audit.db'), id);
  /** Locations the emulator was called in since `from` (an index into its request log). */
  const calledIn = (from: number) => s.emu.vertexRequests.slice(from).map((r) => /\/locations\/([^/]+)\//.exec(r.path)?.[1]);
  const generate = async (sub: string, groups: string[], location: string) => {
    const from = s.emu.vertexRequests.length;
    const res = await fetch(`${s.gw.url}/v1/projects/emulator-project/locations/${location}/publishers/google/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await s.token(sub, groups)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hello' }] }] }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, row: await audit(res.headers.get('x-request-id')!), called: calledIn(from) };
  };

  it('moves from a failing location to the next, rewriting the path; the record names the location that answered', async () => {
    s.emu.control.failingLocations.set('europe-west4', 503);
    const ai = await client('ana', ['eu-team'], 'europe-west4');
    const from = s.emu.vertexRequests.length;
    const r = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hello' });
    assert.ok(r.text);
    assert.deepEqual(calledIn(from), ['europe-west4', 'europe-west1']);
    const g = await generate('ana', ['eu-team'], 'europe-west4');
    assert.equal(g.status, 200);
    assert.equal(g.row?.upstream_location, 'europe-west1');
    assert.equal(g.row?.attempts, 2);
    assert.equal(g.row?.location, 'europe-west4', 'the location asked for stays in the record');
  });

  it('never moves to a location the caller\'s policy disallows: the EU team stops at the last EU location', async () => {
    s.emu.control.failingLocations.set('europe-west1', 429);
    // europe-west4's circuit may be open from the last test: either way, no US location is tried.
    s.emu.control.failingLocations.set('europe-west4', 429);
    const eu = await generate('ana', ['eu-team'], 'europe-west1');
    assert.equal(eu.status, 503, 'the last allowed location (eu) is unreachable');
    assert.equal((eu.body as { error: { status: string } }).error.status, 'UNAVAILABLE');
    assert.ok(!eu.called.includes('us-central1'), `called: ${eu.called.join(', ')}`);
    assert.equal(eu.row?.upstream_location, 'eu');
    // Another caller may use the US: moved past the unreachable eu to us-central1.
    const other = await generate('bob', ['others'], 'europe-west1');
    assert.equal(other.status, 200);
    assert.equal(other.row?.upstream_location, 'us-central1');
    assert.ok(other.called.includes('us-central1'));
  });

  it('does not repeat a call that is not safe to repeat (an interaction\'s creation, in either form)', async () => {
    s.emu.control.failingLocations.set('europe-west1', 503);
    const from = s.emu.vertexRequests.length;
    const res = await fetch(`${s.gw.url}/v1beta1/projects/emulator-project/locations/europe-west1/interactions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await s.token('bob', ['others'])}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-2.5-flash', input: 'hi' }),
    });
    assert.equal(res.status, 503);
    assert.deepEqual(calledIn(from), ['europe-west1']);
    assert.equal((await audit(res.headers.get('x-request-id')!))?.attempts, 1);
    // Nor its raw-body form (interactionsHttp), wrapped or not (in us-central1: europe-west1's circuit may be open by now).
    s.emu.control.failingLocations.set('us-central1', 503);
    for (const body of [{ model: 'gemini-2.5-flash', input: 'hi' }, { httpBody: { contentType: 'application/json', data: Buffer.from('{"model":"gemini-2.5-flash","input":"hi"}').toString('base64') } }]) {
      const at = s.emu.vertexRequests.length;
      const raw = await fetch(`${s.gw.url}/v1beta1/projects/emulator-project/locations/us-central1/interactionsHttp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await s.token('bob', ['others'])}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(raw.status, 503);
      assert.deepEqual(calledIn(at), ['us-central1']);
      const row = await audit(raw.headers.get('x-request-id')!);
      assert.deepEqual([row?.operation, row?.attempts], ['interactions.create', 1]);
    }
  });

  it('opens the circuit of a location that keeps failing: calls skip it, and metrics count each location', async () => {
    s.emu.control.failingLocations.set('europe-west4', 503);
    for (let i = 0; i < 3; i++) await generate('bob', ['others'], 'europe-west4');
    const g = await generate('bob', ['others'], 'europe-west4');
    assert.equal(g.status, 200);
    // (europe-west1 and eu failed three times in the tests before: their circuits are open too.)
    assert.deepEqual(g.called, ['us-central1'], 'europe-west4 is skipped while its circuit is open, and the other open ones');
    assert.equal(g.row?.attempts, 1);
    // The EU team, whose every allowed location has its circuit open, is refused at once.
    const eu = await generate('ana', ['eu-team'], 'europe-west4');
    assert.equal(eu.status, 503);
    assert.equal((eu.body as { error: { details: { reason: string }[] } }).error.details[0]!.reason, 'LOCATIONS_UNAVAILABLE');
    assert.deepEqual(eu.called, []);
    const metrics = await (await fetch(`${s.gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /warden_upstream_attempts_total\{route="vertex",location="europe-west4",result="moved_on"\} [1-9]/);
    assert.match(metrics, /warden_upstream_attempts_total\{route="vertex",location="eu",result="unreachable"\} [1-9]/);
  });
});
