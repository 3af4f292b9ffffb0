// The ownership store shared by replicas: two Wardens on one real Redis agree on who created an
// interaction (created through one, refused to another caller and served to its owner through the
// other); with Redis gone, calls on tracked resources are refused (503), never let through.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Emulator } from '../../src/emulator/index.js';
import type { RunningGateway } from '../../src/gateway.js';
import { startEmulatorWithCredentials, startGatewayFromYaml } from '../helpers/gateway.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { startRedis, type RedisProcess } from '../limits/redis-server.js';

const PARENT = '/v1beta1/projects/emulator-project/locations/us-central1';

describe('ownership across replicas (Redis)', () => {
  let redis: RedisProcess | undefined;
  let emu: Emulator;
  const gws: RunningGateway[] = [];
  const dir = makeTempDir('warden-own-');
  before(async () => {
    [redis, emu] = await Promise.all([startRedis(), startEmulatorWithCredentials(dir)]);
    const yaml = `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: replicas}
spec:
  routes:
    - {name: vertex, provider: vertex, upstream: '${emu.url}', credential: vertex-sa}
  credentials:
    - {name: vertex-sa, google: {file: ./credentials/service-account.json}}
  ownership:
    store: {redis: {url: '${redis.url}', timeout: 200ms}}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: idp}
spec:
  jwtRules: [{issuer: '${emu.issuer}', audiences: [warden]}]
`;
    for (const file of ['a.yaml', 'b.yaml']) gws.push((await startGatewayFromYaml(yaml, { dir, file, quiet: true })).gw);
  });
  after(async () => {
    await Promise.all(gws.map((g) => g.close()));
    await redis?.stop();
    await emu.close();
    removeDir(dir);
  });

  const call = async (gw: RunningGateway, token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const reason = (b: Record<string, unknown>) => (b as { error: { details: { reason: string }[] } }).error.details[0]!.reason;

  it('created through one replica, the interaction is its owner\'s through the other', async () => {
    const alice = await emu.mintIdToken({ sub: 'alice', aud: 'warden' });
    const bob = await emu.mintIdToken({ sub: 'bob', aud: 'warden' });
    const created = await call(gws[0]!, alice, 'POST', `${PARENT}/interactions`, { model: 'gemini-2.5-flash', input: 'hello' });
    assert.equal(created.status, 200);
    const id = created.body.id as string;
    assert.equal((await call(gws[1]!, alice, 'GET', `${PARENT}/interactions/${id}`)).status, 200);
    const refused = await call(gws[1]!, bob, 'GET', `${PARENT}/interactions/${id}`);
    assert.equal(refused.status, 403);
    assert.equal(reason(refused.body), 'NOT_OWNER');

    await redis!.stop();
    redis = undefined;
    const down = await call(gws[1]!, alice, 'GET', `${PARENT}/interactions/${id}`);
    assert.equal(down.status, 503);
    assert.equal(reason(down.body), 'OWNERSHIP_UNAVAILABLE');
    // A call that touches no tracked resource is not held up by the store.
    const plain = await call(gws[0]!, alice, 'POST', `${PARENT}/publishers/google/models/gemini-2.5-flash:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    assert.equal(plain.status, 200);
  });
});
