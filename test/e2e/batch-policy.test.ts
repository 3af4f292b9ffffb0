// A batch prediction job's input and output URIs (`gs://`, `bq://`) as policy keys, end to end:
// jobs created through Warden against the emulator (with @google-cloud/aiplatform and plain HTTP)
// are allowed or refused on where they read and write, by Istio-style keys (a DENY on any input,
// on the output) and by CEL (a team's jobs read and write only its own bucket). A refused job never
// reaches Vertex; the record names the policy that decided.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import aiplatform from '@google-cloud/aiplatform';
import { OAuth2Client } from 'google-auth-library';
import { waitForAuditRow } from '../helpers/audit-db.js';
import { signedInCallers, startStack, type Stack } from '../helpers/stack.js';

const PARENT = 'projects/emulator-project/locations/us-central1';

const config = ({ emulatorUrl, issuer }: { emulatorUrl: string; issuer: string }) => `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: batch-policy}
spec:
  routes:
    - {name: vertex, provider: vertex, upstream: '${emulatorUrl}', credential: vertex-sa}
  credentials:
    - {name: vertex-sa, google: {file: ./credentials/service-account.json}}
  audit: {sqlite: ./audit.db}
---
${signedInCallers(issuer)}---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-pii-reads-no-prod-writes}
spec:
  action: DENY
  rules:
    - when: [{key: request.batch.input_uris, values: ['gs://pii-vault/*', 'bq://prod.pii.*']}]
    - when: [{key: request.batch.output_uri, values: ['bq://prod.*']}]
---
apiVersion: warden.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: team-a-in-its-bucket}
spec:
  action: DENY
  rules:
    - cel: >-
        "team-a" in request.auth.groups && request.operation == "batchPredictionJobs.create"
        && !(request.batch.input_uris.all(u, u.startsWith("gs://team-a/")) && request.batch.output_uri.startsWith("gs://team-a/"))
`;

type Row = Record<string, unknown>;
type GaxAuth = NonNullable<ConstructorParameters<typeof aiplatform.v1.JobServiceClient>[0]>['authClient'];

const job = (inputs: { gcs?: string[]; bq?: string }, output: { gcs?: string; bq?: string }) => ({
  displayName: 'nightly',
  model: 'publishers/google/models/gemini-2.5-flash',
  inputConfig: inputs.bq
    ? { instancesFormat: 'bigquery', bigquerySource: { inputUri: inputs.bq } }
    : { instancesFormat: 'jsonl', gcsSource: { uris: inputs.gcs } },
  outputConfig: output.bq
    ? { predictionsFormat: 'bigquery', bigqueryDestination: { outputUri: output.bq } }
    : { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: output.gcs } },
});

describe('batch prediction jobs: input and output URIs as policy keys, through Warden', () => {
  let s: Stack;
  const tokens: Record<string, string> = {};
  before(async () => {
    s = await startStack(config);
    tokens.ana = await s.token('ana', ['team-a']);
    tokens.ben = await s.token('ben', ['team-b']);
  });
  after(() => s?.close());

  const jobsCreated = () => s.emu.vertexRequests.filter((r) => r.method === 'POST' && r.path.endsWith('/batchPredictionJobs')).length;
  const create = async (who: string, body: unknown) => {
    const before = jobsCreated();
    const res = await fetch(`${s.gw.url}/v1/${PARENT}/batchPredictionJobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as { name?: string; error?: { details: { reason: string }[] } };
    const row = await waitForAuditRow<Row>(join(s.dir, 'audit.db'), res.headers.get('x-request-id')!);
    assert.ok(row);
    return { status: res.status, answer, row, reached: jobsCreated() - before };
  };
  const allowed = (r: Awaited<ReturnType<typeof create>>) => {
    assert.equal(r.status, 200, JSON.stringify(r.answer));
    assert.match(r.answer.name!, /batchPredictionJobs\//);
    assert.deepEqual([r.row.decision, r.row.operation, r.row.model, r.reached], ['allow', 'batchPredictionJobs.create', 'gemini-2.5-flash', 1]);
  };
  const denied = (r: Awaited<ReturnType<typeof create>>, policy: string) => {
    assert.equal(r.status, 403, JSON.stringify(r.answer));
    assert.equal(r.answer.error!.details[0]!.reason, 'POLICY_DENIED');
    assert.deepEqual([r.row.decision, r.row.policy, r.reached], ['deny', policy, 0], 'refused before Vertex, by this policy');
  };

  it('a team\'s job reads and writes only its own bucket (CEL over every input and the output)', async () => {
    allowed(await create('ana', job({ gcs: ['gs://team-a/in-1.jsonl', 'gs://team-a/in-2.jsonl'] }, { gcs: 'gs://team-a/out/' })));
    // One input elsewhere among its own is enough to refuse the job.
    denied(await create('ana', job({ gcs: ['gs://team-a/in-1.jsonl', 'gs://team-b/in.jsonl'] }, { gcs: 'gs://team-a/out/' })), 'team-a-in-its-bucket');
    denied(await create('ana', job({ gcs: ['gs://team-a/in.jsonl'] }, { bq: 'bq://team-a.results.out' })), 'team-a-in-its-bucket');
    denied(await create('ana', job({ bq: 'bq://team-a.ds.in' }, { gcs: 'gs://team-a/out/' })), 'team-a-in-its-bucket');
  });

  it('Istio-style keys: a DENY on any input (gs:// or bq://) and on the output', async () => {
    allowed(await create('ben', job({ bq: 'bq://prod.sales.in' }, { gcs: 'gs://team-b/out/' })));
    allowed(await create('ben', job({ gcs: ['gs://team-b/in.jsonl'] }, { bq: 'bq://staging.reports.out' })));
    denied(await create('ben', job({ gcs: ['gs://team-b/in.jsonl', 'gs://pii-vault/people.jsonl'] }, { gcs: 'gs://team-b/out/' })), 'no-pii-reads-no-prod-writes');
    denied(await create('ben', job({ bq: 'bq://prod.pii.people' }, { gcs: 'gs://team-b/out/' })), 'no-pii-reads-no-prod-writes');
    denied(await create('ben', job({ gcs: ['gs://team-b/in.jsonl'] }, { bq: 'bq://prod.reports.out' })), 'no-pii-reads-no-prod-writes');
  });

  it('URIs that are not strings are refused, never read as absent', async () => {
    const r = await create('ben', { ...job({ gcs: ['gs://team-b/in.jsonl'] }, { gcs: 'gs://team-b/out/' }), outputConfig: { gcsDestination: { outputUriPrefix: ['bq://prod.x'] } } });
    assert.equal(r.status, 400);
    assert.equal(r.answer.error!.details[0]!.reason, 'MODEL_INVALID');
    assert.equal(r.reached, 0);
  });

  it('the official client (@google-cloud/aiplatform): allowed and refused on the same keys', async () => {
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: tokens.ana, expiry_date: Date.now() + 3_600_000 });
    const client = new aiplatform.v1.JobServiceClient({ apiEndpoint: '127.0.0.1', port: Number(new URL(s.gw.url).port), fallback: true, protocol: 'http', authClient: auth as unknown as GaxAuth });
    try {
      const [created] = await client.createBatchPredictionJob({ parent: PARENT, batchPredictionJob: job({ gcs: ['gs://team-a/in.jsonl'] }, { gcs: 'gs://team-a/out/' }) });
      assert.match(created.name!, /batchPredictionJobs\//);
      await assert.rejects(
        client.createBatchPredictionJob({ parent: PARENT, batchPredictionJob: job({ gcs: ['gs://team-a/in.jsonl'] }, { bq: 'bq://prod.reports.out' }) }),
        (e: Error) => /"reason": "POLICY_DENIED"/.test(e.message) && /"code": 403/.test(e.message),
      );
    } finally {
      await client.close();
    }
  });
});
