// ext_authz drains as the proxy listener does: once shutdown begins the pod is
// not ready, checks on the open gRPC connection and new HTTP checks are still
// answered for shutdown.drainDelay, and after the drain the listeners are gone.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { it } from 'node:test';
import { credentials, loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { LOADER_OPTIONS } from '../../src/envoy-api/load.js';
import { EXTERNAL_AUTH_PROTO, type CheckRequest } from '../../src/extauthz/proto.js';
import { until } from '../helpers/process.js';
import { startStack } from '../helpers/stack.js';
import { MODEL_PATH, PROMPT, VERTEX_HOST, meshConfig, sidecarCheck } from './mesh.js';

type AuthorizationClient = Client & { Check(req: CheckRequest, cb: (err: ServiceError | null, res: { status: { code: number } }) => void): void };

it('ext_authz: not ready at once, gRPC and HTTP checks answered during drainDelay, listeners closed after the drain', async () => {
  const s = await startStack((o) => meshConfig(o).replace('  routes:', '  shutdown: {drainDelay: 4s, timeout: 5s}\n  routes:'));
  const pkg = loadPackageDefinition(loadSync(EXTERNAL_AUTH_PROTO, LOADER_OPTIONS)) as unknown as {
    envoy: { service: { auth: { v3: { Authorization: new (addr: string, creds: ReturnType<typeof credentials.createInsecure>) => AuthorizationClient } } } };
  };
  const client = new pkg.envoy.service.auth.v3.Authorization(`127.0.0.1:${s.gw.extAuthz!.grpc!.port}`, credentials.createInsecure());
  const httpPort = s.gw.extAuthz!.http!.port;
  const grpcCheck = (id: string) =>
    new Promise<number>((resolve, reject) =>
      client.Check(sidecarCheck({ path: `${MODEL_PATH}:generateContent`, token, body: PROMPT, requestId: id }), (err, res) => (err ? reject(err) : resolve(res.status.code))),
    );
  const httpCheck = (id: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: httpPort, method: 'POST', path: `/check${MODEL_PATH}:generateContent`, headers: { host: VERTEX_HOST, authorization: `Bearer ${analyst}`, 'content-type': 'application/json', 'x-request-id': id } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end(PROMPT);
    });
  const token = await s.token('alice', ['ml-engineers']);
  const analyst = await s.token('dana', ['analysts']);
  try {
    assert.equal(await grpcCheck('drain-before'), 0);
    const stopping = s.gw.shutdown('SIGTERM');
    await until(async () => (await fetch(`${s.gw.adminUrl}/readyz`)).status === 503, '/readyz to answer 503');
    assert.equal(await grpcCheck('drain-during'), 0, 'a check on the open connection is answered during drainDelay');
    assert.equal(await httpCheck('drain-during-http'), 200, 'a new HTTP check is answered during drainDelay');
    await stopping;
    await assert.rejects(grpcCheck('drain-after'), 'the gRPC listener is gone after the drain');
    await assert.rejects(httpCheck('drain-after-http'), 'the HTTP listener is gone after the drain');
  } finally {
    client.close();
    await s.close();
  }
});
