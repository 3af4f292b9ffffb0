// MCP sessions across replicas: two Wardens sharing a real Redis (as
// spec.limits configures it). A session opened through one is the caller's on
// the other too; another caller presenting it is refused on both; ended, it is
// gone everywhere.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { RunningGateway } from '../../src/gateway.js';
import { startGatewayFromYaml } from '../helpers/gateway.js';
import { until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { startRedis, type RedisProcess } from '../limits/redis-server.js';
import { startMcpServer, type TestMcpServer } from './server.js';
import { READERS_POLICY } from './stack.js';

const RESOURCE = 'https://tools.example.com/mcp';

describe('MCP sessions across replicas (Redis)', () => {
  let redis: RedisProcess;
  let emu: Emulator;
  let server: TestMcpServer;
  const replicas: RunningGateway[] = [];
  const dirs: string[] = [];

  before(async () => {
    redis = await startRedis();
    emu = await startEmulator({ port: 0 });
    server = await startMcpServer();
    for (let i = 0; i < 2; i++) {
      const dir = makeTempDir('warden-mcp-replica-');
      dirs.push(dir);
      const { gw } = await startGatewayFromYaml(
        `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: mcp}
spec:
  routes:
    - name: tools
      provider: mcp
      match: {pathPrefix: /mcp}
      upstream: ${server.url}
      mcp:
        resource: ${RESOURCE}
        authorizationServers: [${emu.issuer}]
  limits:
    store:
      redis: {url: '${redis.url}', keyPrefix: 'warden-test:'}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: dev-issuer}
spec:
  jwtRules: [{issuer: ${emu.issuer}, jwksUri: ${emu.issuer}/jwks}]
---
${READERS_POLICY}`,
        { dir, quiet: true },
      );
      replicas.push(gw);
    }
    // Ready once each has reached Redis (/readyz says so).
    for (const gw of replicas) await until(async () => (await fetch(`${gw.adminUrl}/readyz`)).ok, 'the replica to be ready');
  });
  after(async () => {
    for (const gw of replicas) await gw.close();
    await server?.close();
    await emu?.close();
    await redis?.stop();
    dirs.forEach(removeDir);
  });

  const token = (sub: string, groups: string[]) => emu.mintIdToken({ sub, groups, aud: RESOURCE });
  const send = (gw: RunningGateway, t: string, o: { method?: string; session?: string; body?: unknown }) =>
    fetch(`${gw.url}/mcp`, {
      method: o.method ?? 'POST',
      headers: {
        authorization: `Bearer ${t}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
        ...(o.session ? { 'mcp-session-id': o.session } : {}),
      },
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
    });

  it('a session opened on one replica is its caller’s on the other, and no one else’s', async () => {
    const [a, b] = replicas as [RunningGateway, RunningGateway];
    assert.match(await (await fetch(`${a.adminUrl}/readyz`)).text(), /mcp sessions: redis up/);
    const alice = await token('alice', ['readers']);
    const init = await send(a, alice, { body: { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } } });
    assert.equal(init.status, 200);
    const session = init.headers.get('mcp-session-id')!;
    assert.ok(session);
    assert.match(await init.text(), /"protocolVersion"/);

    // At once, on the other replica: the binding was stored before the answer ended.
    const initialized = await send(b, alice, { session, body: { jsonrpc: '2.0', method: 'notifications/initialized' } });
    assert.equal(initialized.status, 202);
    const listed = await send(b, await token('alice', ['readers']), { session, body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
    assert.equal(listed.status, 200);
    assert.match(await listed.text(), /read_file/);

    const mallory = await token('mallory', ['readers']);
    for (const gw of [a, b]) {
      const stolen = await send(gw, mallory, { session, body: { jsonrpc: '2.0', id: 2, method: 'tools/list' } });
      assert.equal(stolen.status, 404);
      assert.equal(((await stolen.json()) as { error: { data: { reason: string } } }).error.data.reason, 'MCP_SESSION_FOREIGN');
    }

    const ended = await send(b, alice, { method: 'DELETE', session });
    assert.equal(ended.status, 200);
    const gone = await send(a, alice, { session, body: { jsonrpc: '2.0', id: 3, method: 'tools/list' } });
    // Ended through b: the server forgot it (a may still hold the binding in its cache; the server answers 404).
    assert.equal(gone.status, 404);
  });
});
