// Ownership of Vertex's server-side state through Warden, with the official @google/genai client:
// interactions and context caches are their creator's; a second principal is refused on them (403
// google.rpc.Status), a list shows each caller its own, a stream resumed by its owner works, and
// the creator's record is in the audit.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import aiplatform from '@google-cloud/aiplatform';
import { GoogleGenAI } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { signedInCallers, startStack, type Stack } from '../helpers/stack.js';

const PARENT = '/v1beta1/projects/emulator-project/locations/us-central1';

const config = ({ emulatorUrl, issuer }: { emulatorUrl: string; issuer: string }) => `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: ownership}
spec:
  routes:
    - {name: vertex, provider: vertex, upstream: '${emulatorUrl}', credential: vertex-sa}
  credentials:
    - {name: vertex-sa, google: {file: ./credentials/service-account.json}}
  audit: {sqlite: ./audit.db}
---
${signedInCallers(issuer)}`;

interface RpcError { error: { code: number; status: string; details: { reason: string }[] } }

describe('ownership of interactions and context caches', () => {
  let s: Stack;
  let alice: GoogleGenAI;
  let bob: GoogleGenAI;
  let tokens: Record<string, string>;
  before(async () => {
    s = await startStack(config);
    tokens = { alice: await s.token('alice', ['team']), bob: await s.token('bob', ['team']) };
    const client = (who: string) => {
      const auth = new OAuth2Client();
      auth.setCredentials({ access_token: tokens[who] });
      return new GoogleGenAI({ vertexai: true, project: 'emulator-project', location: 'us-central1', apiVersion: 'v1beta1', httpOptions: { baseUrl: s.gw.url }, googleAuthOptions: { authClient: auth } });
    };
    alice = client('alice');
    bob = client('bob');
  });
  after(() => s.close());

  const call = async (who: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, id: res.headers.get('x-request-id')!, body: (await res.json().catch(() => undefined)) as unknown };
  };
  const reason = (b: unknown) => (b as RpcError).error.details[0]!.reason;
  const refusedAsNotOwner = (r: { status: number; body: unknown }) => {
    assert.equal(r.status, 403);
    assert.equal((r.body as RpcError).error.status, 'PERMISSION_DENIED');
    assert.equal(reason(r.body), 'NOT_OWNER');
  };

  it('an interaction is its creator\'s: bob cannot get, continue, cancel or delete it; alice can', async () => {
    const created = await alice.interactions.create({ model: 'gemini-2.5-flash', input: 'remember the code word: tangerine' });
    const id = created.id!;
    assert.ok(id);
    // Bob, with the official client and plain HTTP.
    await assert.rejects(bob.interactions.get(id), (e: unknown) => (e as { status?: number }).status === 403);
    refusedAsNotOwner(await call('bob', 'GET', `${PARENT}/interactions/${id}`));
    refusedAsNotOwner(await call('bob', 'POST', `${PARENT}/interactions`, { model: 'gemini-2.5-flash', input: 'what was the word?', previous_interaction_id: id }));
    refusedAsNotOwner(await call('bob', 'POST', `${PARENT}/interactions/${id}/cancel`));
    refusedAsNotOwner(await call('bob', 'DELETE', `${PARENT}/interactions/${id}`));
    // Nor by the custom methods on its bare name (getPoll, getStream, cancel).
    refusedAsNotOwner(await call('bob', 'GET', `/v1beta1/interactions/${id}:poll`));
    refusedAsNotOwner(await call('bob', 'GET', `/v1beta1/interactions/${id}:stream`));
    refusedAsNotOwner(await call('bob', 'POST', `/v1beta1/interactions/${id}:cancel`));
    const polled = await call('alice', 'GET', `/v1beta1/interactions/${id}:poll`);
    assert.equal(polled.status, 200);
    assert.equal((polled.body as { id: string }).id, id);
    // Alice continues and reads it.
    const next = await alice.interactions.create({ model: 'gemini-2.5-flash', input: 'what was the word?', previous_interaction_id: id });
    assert.ok(next.id && next.id !== id);
    assert.equal((await alice.interactions.get(id)).id, id);
    // The audit says who created what.
    const row = await waitForAuditRow<Record<string, unknown>>(join(s.dir, 'audit.db'), (await call('alice', 'GET', `${PARENT}/interactions/${id}`)).id);
    assert.equal(row?.resource, `interactions/${id}`);
    assert.equal(row?.operation, 'interactions.get');
    // Deleted by its owner, it is forgotten: no one can reach it, the owner included.
    assert.equal((await call('alice', 'DELETE', `${PARENT}/interactions/${id}`)).status, 200);
    const gone = await call('alice', 'GET', `${PARENT}/interactions/${id}`);
    assert.equal(gone.status, 403);
    assert.equal(reason(gone.body), 'OWNER_UNKNOWN');
  });

  it('a streamed interaction is recorded from its first event, and its owner (only) resumes the stream', async () => {
    const stream = await alice.interactions.create({ model: 'gemini-2.5-flash', input: 'stream me something', stream: true });
    let id: string | undefined;
    const events: { event_type?: string; event_id?: string }[] = [];
    for await (const ev of stream as AsyncIterable<Record<string, unknown>>) {
      events.push(ev as never);
      id ??= (ev['interaction'] as { id?: string } | undefined)?.id;
    }
    assert.ok(id, 'the stream named its interaction');
    assert.equal(events.at(-1)?.event_type, 'interaction.completed');
    const resumeFrom = events[1]!.event_id!;
    const resumed = await alice.interactions.get(id, { stream: true, last_event_id: resumeFrom });
    const replay: { event_id?: string }[] = [];
    for await (const ev of resumed as AsyncIterable<{ event_id?: string }>) replay.push(ev);
    assert.deepEqual(replay.map((e) => e.event_id), events.slice(2).map((e) => e.event_id));
    refusedAsNotOwner(await call('bob', 'GET', `${PARENT}/interactions/${id}?stream=true&last_event_id=${resumeFrom}`));
  });

  it('a context cache is its creator\'s: bob cannot get, use, update or delete it, and lists only his own', async () => {
    const cache = await alice.caches.create({ model: 'gemini-2.5-flash', config: { contents: [{ role: 'user', parts: [{ text: 'a long shared context' }] }], ttl: '600s' } });
    const name = cache.name!;
    assert.match(name, /cachedContents\/[0-9a-f]+$/);
    const bobs = await bob.caches.create({ model: 'gemini-2.5-flash', config: { contents: [{ role: 'user', parts: [{ text: 'bob\'s context' }] }] } });

    await assert.rejects(bob.caches.get({ name }), (e: unknown) => (e as { status?: number }).status === 403);
    await assert.rejects(bob.models.generateContent({ model: 'gemini-2.5-flash', contents: 'use it', config: { cachedContent: name } }), (e: unknown) => (e as { status?: number }).status === 403);
    refusedAsNotOwner(await call('bob', 'PATCH', `/v1beta1/${name}`, { ttl: '60s' }));
    refusedAsNotOwner(await call('bob', 'DELETE', `/v1beta1/${name}`));

    // The owner uses and reads it; each caller's list holds only their own.
    assert.ok((await alice.models.generateContent({ model: 'gemini-2.5-flash', contents: 'use it', config: { cachedContent: name } })).text);
    assert.equal((await alice.caches.get({ name })).name, name);
    const listed = async (ai: GoogleGenAI) => {
      const names: string[] = [];
      for await (const c of await ai.caches.list()) names.push(c.name!);
      return names;
    };
    assert.deepEqual(await listed(alice), [name]);
    assert.deepEqual(await listed(bob), [bobs.name]);
    await alice.caches.delete({ name });
  });

  it('a batch prediction job is its creator\'s (@google-cloud/aiplatform): another cannot get, cancel or delete it, lists show each their own', async () => {
    type GaxAuth = NonNullable<ConstructorParameters<typeof aiplatform.v1.JobServiceClient>[0]>['authClient'];
    const jobs = (who: string) => {
      const auth = new OAuth2Client();
      auth.setCredentials({ access_token: tokens[who], expiry_date: Date.now() + 3_600_000 });
      return new aiplatform.v1.JobServiceClient({ apiEndpoint: '127.0.0.1', port: Number(new URL(s.gw.url).port), fallback: true, protocol: 'http', authClient: auth as unknown as GaxAuth });
    };
    const [a, b] = [jobs('alice'), jobs('bob')];
    try {
      const parent = 'projects/emulator-project/locations/us-central1';
      const batchPredictionJob = {
        displayName: 'nightly', model: 'publishers/google/models/gemini-2.5-flash',
        inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: ['gs://team-a/in.jsonl'] } },
        outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: 'gs://team-a/out/' } },
      };
      const [job] = await a.createBatchPredictionJob({ parent, batchPredictionJob });
      const [bobs] = await b.createBatchPredictionJob({ parent, batchPredictionJob: { ...batchPredictionJob, displayName: 'bob' } });
      const denied = (e: unknown) => /"reason": "NOT_OWNER"/.test((e as Error).message) && /"code": 403/.test((e as Error).message);
      await assert.rejects(b.getBatchPredictionJob({ name: job.name! }), denied);
      await assert.rejects(b.cancelBatchPredictionJob({ name: job.name! }), denied);
      await assert.rejects(b.deleteBatchPredictionJob({ name: job.name! }), denied);
      assert.equal((await a.getBatchPredictionJob({ name: job.name! }))[0].name, job.name);
      const [listed] = await b.listBatchPredictionJobs({ parent }, { autoPaginate: false });
      assert.deepEqual(listed.map((j) => j.name), [bobs.name]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('hostile names fail closed, as google.rpc.Status', async () => {
    // A cache named outside the cachedContents shape, and one Warden never saw created.
    const odd = await call('alice', 'POST', `${PARENT}/publishers/google/models/gemini-2.5-flash:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'x' }] }], cachedContent: 'projects/p/locations/l/cachedContents/../../x' });
    assert.equal(odd.status, 400);
    assert.equal((odd.body as RpcError).error.status, 'INVALID_ARGUMENT');
    const unknown = await call('alice', 'POST', `${PARENT}/publishers/google/models/gemini-2.5-flash:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'x' }] }], cachedContent: `${PARENT.slice(9)}/cachedContents/123456` });
    assert.equal(unknown.status, 403);
    assert.equal(reason(unknown.body), 'OWNER_UNKNOWN');
    const badPrevious = await call('alice', 'POST', `${PARENT}/interactions`, { model: 'gemini-2.5-flash', input: 'x', previous_interaction_id: { $ne: '' } });
    assert.equal(badPrevious.status, 400);
    const traversal = await call('alice', 'GET', `${PARENT}/interactions/..%2F..%2Fx`);
    assert.ok(traversal.status === 400 || traversal.status === 404, `got ${traversal.status}`);
  });
  it('an interaction\'s owner survives a config reload: the store is kept, the reloaded policies apply', async () => {
    const created = await alice.interactions.create({ model: 'gemini-2.5-flash', input: 'before the reload' });
    const id = created.id!;
    assert.ok(id);
    // The new config denies cancelling interactions: its policies are in service after the reload.
    appendFileSync(s.configFile, `
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-cancel}
spec:
  action: DENY
  rules: [{when: [{key: request.operation, values: [interactions.cancel]}]}]
`);
    const outcome = await s.gw.reload('test');
    assert.ok(outcome.applied, JSON.stringify(outcome));
    // The owner recorded before the reload is still known: bob refused, alice served.
    refusedAsNotOwner(await call('bob', 'GET', `${PARENT}/interactions/${id}`));
    assert.equal((await alice.interactions.get(id)).id, id);
    const cancel = await call('alice', 'POST', `${PARENT}/interactions/${id}/cancel`);
    assert.equal(cancel.status, 403);
    assert.equal(reason(cancel.body), 'POLICY_DENIED');
  });
});

describe('ownership left to policy (enforce: policy)', () => {
  let s: Stack;
  before(async () => {
    s = await startStack(({ emulatorUrl, issuer }) => `${config({ emulatorUrl, issuer }).replace('  audit: {sqlite: ./audit.db}\n', '  ownership: {enforce: policy}\n')}
---
apiVersion: warden.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: own-state-only}
spec:
  action: DENY
  rules:
    - cel: >-
        request.resource.owner != "" && request.resource.owner != request.auth.principal
        && !("auditors" in request.auth.groups)
`);
  });
  after(() => s.close());

  it('lets an auditor read another\'s interaction, and refuses anyone else by the policy', async () => {
    const call = async (sub: string, groups: string[], method: string, path: string, body?: unknown) => {
      const res = await fetch(`${s.gw.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${await s.token(sub, groups)}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const created = await call('alice', ['team'], 'POST', `${PARENT}/interactions`, { model: 'gemini-2.5-flash', input: 'hi' });
    const path = `${PARENT}/interactions/${String(created.body.id)}`;
    assert.equal((await call('alice', ['team'], 'GET', path)).status, 200);
    assert.equal((await call('carol', ['auditors'], 'GET', path)).status, 200);
    const bob = await call('bob', ['team'], 'GET', path);
    assert.equal(bob.status, 403);
    assert.equal(reasonOf(bob.body), 'POLICY_DENIED');
  });
});

function reasonOf(b: unknown): string {
  return (b as RpcError).error.details[0]!.reason;
}
