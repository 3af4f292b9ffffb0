import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { metadataToken, postJson } from './helpers.js';

let emu: Emulator;
let token: string;
let parent: string;

before(async () => {
  emu = await startEmulator({ port: 0 });
  token = await metadataToken(emu);
  parent = `${emu.url}/v1/projects/p1/locations/us-central1`;
});
after(() => emu.close());

const get = (url: string) => fetch(url, { headers: { authorization: `Bearer ${token}` } });

interface Job {
  name: string;
  state: string | number;
  createTime: string;
  updateTime: string;
  displayName?: string;
}

for (const [kind, stateName] of [
  ['customJobs', 'JOB_STATE'],
  ['hyperparameterTuningJobs', 'JOB_STATE'],
  ['pipelineJobs', 'PIPELINE_STATE'],
] as const) {
  describe(`${kind} lifecycle`, () => {
    it('create → get → list → cancel → cancelled', async () => {
      const created = await postJson(`${parent}/${kind}`, token, { displayName: `my-${kind}`, labels: { team: 'a' }, state: 'JOB_STATE_SUCCEEDED' });
      assert.equal(created.status, 200);
      const job = (await created.json()) as Job;
      assert.match(job.name, new RegExp(`^projects/p1/locations/us-central1/${kind}/[0-9]+$`));
      assert.equal(job.state, `${stateName}_PENDING`, 'caller cannot set output-only state');
      assert.equal(job.displayName, `my-${kind}`);
      assert.ok(!Number.isNaN(Date.parse(job.createTime)));

      const fetched = (await (await get(`${emu.url}/v1/${job.name}`)).json()) as Job;
      assert.deepEqual(fetched, job);

      const list = (await (await get(`${parent}/${kind}`)).json()) as Record<string, Job[]>;
      assert.ok(Array.isArray(list[kind]));
      assert.ok(list[kind]!.some((j) => j.name === job.name));

      const cancel = await postJson(`${emu.url}/v1/${job.name}:cancel`, token, {});
      assert.equal(cancel.status, 200);
      assert.deepEqual(await cancel.json(), {});

      const after = (await (await get(`${emu.url}/v1/${job.name}`)).json()) as Job;
      assert.equal(after.state, `${stateName}_CANCELLED`);

      const again = await postJson(`${emu.url}/v1/${job.name}:cancel`, token, {});
      assert.equal(again.status, 400);
      assert.equal(((await again.json()) as { error: { status: string } }).error.status, 'FAILED_PRECONDITION');
    });
  });
}

describe('jobs: edges', () => {
  it('lists only the parent it was asked about', async () => {
    await postJson(`${emu.url}/v1/projects/p2/locations/europe-west4/customJobs`, token, { displayName: 'elsewhere' });
    const list = (await (await get(`${emu.url}/v1/projects/p2/locations/europe-west4/customJobs`)).json()) as { customJobs: Job[] };
    assert.deepEqual(list.customJobs.map((j) => j.displayName), ['elsewhere']);
    const empty = (await (await get(`${emu.url}/v1/projects/p3/locations/us-central1/customJobs`)).json()) as { customJobs: Job[] };
    assert.deepEqual(empty.customJobs, []);
  });

  it('uses pipelineJobId when given', async () => {
    const r = await postJson(`${parent}/pipelineJobs?pipelineJobId=my-run-1`, token, { displayName: 'p' });
    assert.equal(((await r.json()) as Job).name, 'projects/p1/locations/us-central1/pipelineJobs/my-run-1');
  });

  it('requires displayName for custom jobs', async () => {
    const r = await postJson(`${parent}/customJobs`, token, { jobSpec: {} });
    assert.equal(r.status, 400);
  });

  it('answers numeric states with enum-encoding=int', async () => {
    const r = await postJson(`${parent}/customJobs?$alt=json;enum-encoding=int`, token, { displayName: 'n' });
    assert.equal(((await r.json()) as Job).state, 2);
  });

  it('get/cancel of an unknown job is 404; delete removes a job', async () => {
    assert.equal((await get(`${parent}/customJobs/999`)).status, 404);
    assert.equal((await postJson(`${parent}/customJobs/999:cancel`, token, {})).status, 404);
    const job = (await (await postJson(`${parent}/customJobs`, token, { displayName: 'd' })).json()) as Job;
    const del = await fetch(`${emu.url}/v1/${job.name}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    assert.equal(del.status, 200);
    assert.equal(((await del.json()) as { done: boolean }).done, true);
    assert.equal((await get(`${emu.url}/v1/${job.name}`)).status, 404);
  });

  it('requires a token like every Vertex route', async () => {
    const r = await fetch(`${parent}/customJobs`);
    assert.equal(r.status, 401);
  });
});
