// mTLS on the data listener with certificates made by the openssl CLI: SPIFFE
// IDs become source principals, unverified certificates are refused, a
// trusted sidecar's XFCC is believed (an untrusted one is not), and the trust
// bundle is reloaded when its file changes.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { gatewayYaml, makePki, startEcho, startTestGateway, type Echo, type Pki, type TestGateway } from './helpers.js';
import { until } from '../helpers/process.js';

const SIDECAR = 'spiffe://cluster.local/ns/istio-system/sa/ingress';

describe('mTLS and SPIFFE', () => {
  let pki: Pki;
  let echo: Echo;
  let t: TestGateway;
  let required: TestGateway;
  const agents: Agent[] = [];
  let trainer: { cert: string; key: string };
  let blocked: { cert: string; key: string };
  let sidecar: { cert: string; key: string };
  let rogue: { cert: string; key: string };

  const tlsYaml = (mode: string) => `  listen:
    tls: {certFile: server.crt, keyFile: server.key, clientCaFile: bundle.pem, clientCertificate: ${mode}}
  identity:
    trustedProxies: [{principal: ${SIDECAR}}]
`;
  const denyBlocked = `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-blocked-namespace}
spec:
  action: DENY
  rules: [{from: [{source: {namespaces: [blocked]}}]}]
`;

  before(async () => {
    pki = makePki();
    trainer = pki.client('trainer', 'spiffe://cluster.local/ns/ml/sa/trainer');
    blocked = pki.client('blocked', 'spiffe://cluster.local/ns/blocked/sa/anyone');
    sidecar = pki.client('sidecar', SIDECAR);
    rogue = pki.client('rogue', 'spiffe://cluster.local/ns/ml/sa/trainer', 'other-ca');
    echo = await startEcho();
    const files = { 'server.crt': pki.serverCert, 'server.key': pki.serverKey, 'bundle.pem': pki.caCert };
    t = await startTestGateway(() => gatewayYaml(echo.url, tlsYaml('optional')) + denyBlocked, files);
    required = await startTestGateway(() => gatewayYaml(echo.url, tlsYaml('required')), files);
  });
  after(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await t.close();
    await required.close();
    await echo.close();
    pki.close();
  });

  let n = 0;
  async function call(gw: TestGateway, client?: { cert: string; key: string }, headers: Record<string, string> = {}) {
    const agent = new Agent({ connect: { ca: pki.caCert, ...client } });
    agents.push(agent);
    const id = `mtls-${++n}`;
    const res = await request(`${gw.gw.url}/v1/things`, { dispatcher: agent, headers: { 'x-request-id': id, ...headers } });
    await res.body.text();
    await until(() => gw.logOf(id) !== undefined, `the access log line of ${id}`);
    return { status: res.statusCode, log: gw.logOf(id)! };
  }

  it('serves https and takes the source principal from the SPIFFE URI SAN', async () => {
    assert.match(t.gw.url, /^https:/);
    const r = await call(t, trainer);
    assert.equal(r.status, 200);
    assert.equal(r.log.principal, 'cluster.local/ns/ml/sa/trainer');
  });

  it('derives the namespace as Istio does (policy on source.namespace)', async () => {
    assert.equal((await call(t, blocked)).status, 403);
  });

  it('optional: a caller without a certificate is anonymous', async () => {
    const r = await call(t);
    assert.equal(r.status, 200);
    assert.equal(r.log.principal, undefined);
  });

  it('optional: a certificate that does not verify is refused, never ignored', async () => {
    await assert.rejects(call(t, rogue));
  });

  it('required: no certificate, no connection', async () => {
    await assert.rejects(call(required));
    assert.equal((await call(required, trainer)).status, 200);
  });

  it("believes a trusted sidecar's XFCC and does not forward it", async () => {
    const xfcc = `By=${SIDECAR};Hash=abc;Subject="CN=notebook, O=ml";URI=spiffe://cluster.local/ns/ml/sa/notebook`;
    const r = await call(t, sidecar, { 'x-forwarded-client-cert': xfcc });
    assert.equal(r.status, 200);
    assert.equal(r.log.principal, 'cluster.local/ns/ml/sa/notebook');
    assert.equal(echo.last!.headers['x-forwarded-client-cert'], undefined);
  });

  it('a trusted sidecar vouching for a blocked namespace is denied by policy', async () => {
    const r = await call(t, sidecar, { 'x-forwarded-client-cert': 'By=x;URI=spiffe://cluster.local/ns/blocked/sa/z' });
    assert.equal(r.status, 403);
  });

  it('ignores and strips XFCC from a peer that is not a trusted proxy', async () => {
    const r = await call(t, trainer, { 'x-forwarded-client-cert': 'By=x;URI=spiffe://cluster.local/ns/istio-system/sa/admin' });
    assert.equal(r.status, 200);
    assert.equal(r.log.principal, 'cluster.local/ns/ml/sa/trainer');
    assert.equal(echo.last!.headers['x-forwarded-client-cert'], undefined);
  });

  it('refuses a malformed XFCC from a trusted proxy', async () => {
    const r = await call(t, sidecar, { 'x-forwarded-client-cert': 'By=x;URI="spiffe://unterminated' });
    assert.equal(r.status, 401);
    assert.equal(r.log.error, 'XFCC_MALFORMED');
  });

  it('reloads the trust bundle when its file changes', async () => {
    writeFileSync(join(t.dir, 'bundle.pem'), pki.caCert + readFileSync(pki.file('other-ca.crt'), 'utf8'));
    let accepted = false;
    for (let i = 0; i < 100 && !accepted; i++) {
      accepted = await call(t, rogue).then((r) => r.status === 200, () => false);
      if (!accepted) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(accepted, 'a certificate from the newly trusted CA is accepted without restart');
    assert.ok(t.logs.some((l) => String(l.msg).includes('reloaded')));
  });
});
