// The ownership store shared by replicas: two Warden processes (`warden start`, as deployed) on one
// real Redis agree on who created an interaction and a context cache. Created through one replica
// with the official @google/genai client, each is refused to a second principal through the other
// (get, continue, use, list) and served to its owner there; with Redis gone, calls on tracked
// resources are refused (503), never let through, and calls that touch none go on.
import '../helpers/source.js';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import type { Emulator } from '../../src/emulator/index.js';
import { startEmulatorWithCredentials } from '../helpers/gateway.js';
import { freePort, spawnWarden, stopProcess, until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { startRedis, type RedisProcess } from '../limits/redis-server.js';

const PARENT = '/v1beta1/projects/emulator-project/locations/us-central1';

interface Replica {
  url: string;
  admin: string;
  child: ChildProcess;
}

describe('ownership across two Warden processes sharing Redis', { timeout: 120_000 }, () => {
  let redis: RedisProcess | undefined;
  let emu: Emulator;
  const replicas: Replica[] = [];
  const dir = makeTempDir('warden-own-');
  const tokens: Record<string, string> = {};
  before(async () => {
    [redis, emu] = await Promise.all([startRedis(), startEmulatorWithCredentials(dir)]);
    const prefix = `ownership-${process.pid}-${Date.now()}:`;
    for (const name of ['a', 'b']) {
      const [port, adminPort] = [await freePort(), await freePort()];
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: replica-${name}}
spec:
  listen: {host: 127.0.0.1, port: ${port}}
  admin: {host: 127.0.0.1, port: ${adminPort}}
  routes:
    - {name: vertex, provider: vertex, upstream: '${emu.url}', credential: vertex-sa}
  credentials:
    - {name: vertex-sa, google: {file: ./credentials/service-account.json}}
  ownership:
    store: {redis: {url: '${redis.url}', keyPrefix: '${prefix}', timeout: 200ms}}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: idp}
spec:
  jwtRules: [{issuer: '${emu.issuer}', audiences: [warden]}]
`);
      const child = spawnWarden(file, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, WARDEN_LOG_LEVEL: 'warn' } });
      replicas.push({ url: `http://127.0.0.1:${port}`, admin: `http://127.0.0.1:${adminPort}`, child });
    }
    const ready = async (r: Replica) => {
      const res = await fetch(`${r.admin}/readyz`).catch(() => undefined);
      await res?.body?.cancel();
      return res?.status === 200;
    };
    await Promise.all(replicas.map((r) => until(() => ready(r), 'a replica ready', 60_000, 50)));
    for (const who of ['alice', 'bob']) tokens[who] = await emu.mintIdToken({ sub: who, aud: 'warden' });
  });
  after(async () => {
    await Promise.all(replicas.map((r) => stopProcess(r.child)));
    await redis?.stop();
    await emu?.close();
    removeDir(dir);
  });

  const [A, B] = [0, 1];
  const client = (who: string, replica: number) => {
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: tokens[who] });
    return new GoogleGenAI({ vertexai: true, project: 'emulator-project', location: 'us-central1', apiVersion: 'v1beta1', httpOptions: { baseUrl: replicas[replica]!.url }, googleAuthOptions: { authClient: auth } });
  };
  const call = async (replica: number, who: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${replicas[replica]!.url}${path}`, { method, headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const reason = (b: Record<string, unknown>) => (b as { error: { details: { reason: string }[] } }).error.details[0]!.reason;
  const notOwner = (r: { status: number; body: Record<string, unknown> }) => {
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(reason(r.body), 'NOT_OWNER');
  };
  const forbidden = (e: unknown) => (e as { status?: number }).status === 403;

  it('an interaction created through one replica is its owner\'s through the other', async () => {
    const created = await client('alice', A).interactions.create({ model: 'gemini-2.5-flash', input: 'remember: tangerine' });
    const id = created.id!;
    assert.ok(id);
    await assert.rejects(client('bob', B).interactions.get(id), forbidden);
    notOwner(await call(B, 'bob', 'GET', `${PARENT}/interactions/${id}`));
    notOwner(await call(B, 'bob', 'POST', `${PARENT}/interactions`, { model: 'gemini-2.5-flash', input: 'the word?', previous_interaction_id: id }));
    notOwner(await call(B, 'bob', 'POST', `${PARENT}/interactionsHttp`, { model: 'gemini-2.5-flash', input: 'the word?', previous_interaction_id: id }));
    assert.equal((await client('alice', B).interactions.get(id)).id, id);
  });

  it('a context cache created through one replica is its owner\'s through the other: get, use and list', async () => {
    const cache = await client('alice', A).caches.create({ model: 'gemini-2.5-flash', config: { contents: [{ role: 'user', parts: [{ text: 'alice\'s long context' }] }] } });
    const name = cache.name!;
    const bob = client('bob', B);
    await assert.rejects(bob.caches.get({ name }), forbidden);
    await assert.rejects(bob.models.generateContent({ model: 'gemini-2.5-flash', contents: 'use it', config: { cachedContent: name } }), forbidden);
    const bobs: string[] = [];
    for await (const c of await bob.caches.list()) bobs.push(c.name!);
    assert.ok(!bobs.includes(name), 'bob\'s list through the other replica leaves alice\'s cache out');
    const alice = client('alice', B);
    assert.equal((await alice.caches.get({ name })).name, name);
    assert.ok((await alice.models.generateContent({ model: 'gemini-2.5-flash', contents: 'use it', config: { cachedContent: name } })).text);
  });

  it('with Redis gone, calls on tracked resources are refused (503), never let through; other calls go on', async () => {
    const created = await call(A, 'alice', 'POST', `${PARENT}/interactions`, { model: 'gemini-2.5-flash', input: 'hello' });
    assert.equal(created.status, 200);
    await redis!.stop();
    redis = undefined;
    const down = await call(B, 'alice', 'GET', `${PARENT}/interactions/${String(created.body.id)}`);
    assert.equal(down.status, 503);
    assert.equal(reason(down.body), 'OWNERSHIP_UNAVAILABLE');
    const plain = await call(A, 'alice', 'POST', `${PARENT}/publishers/google/models/gemini-2.5-flash:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    assert.equal(plain.status, 200);
  });
});
