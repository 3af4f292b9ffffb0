// `warden explain --source-principal` and the admin API's POST /explain read a
// SPIFFE ID as a verified mTLS peer's URI SAN is read: the same parser derives
// trust domain, namespace and service account, so a `namespaces:` policy
// decides in explain what it decides for real traffic — checked side by side
// against a gateway serving mTLS with certificates carrying those IDs.
import '../helpers/source.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { gatewayYaml, makePki, startEcho, startTestGateway, type Echo, type Pki, type TestGateway } from './helpers.js';

const ML = 'spiffe://cluster.local/ns/ml/sa/trainer';
const WEB = 'spiffe://cluster.local/ns/web/sa/frontend';
/** Not a SPIFFE ID (a trust domain is lower case): a peer presenting it has no source principal. */
const NOT_SPIFFE = 'spiffe://Cluster.Local/ns/ml/sa/trainer';

interface Explained {
  outcome: string;
  decision: { action: string; policy?: string };
  principal: { sourcePrincipal?: string; sourceTrustDomain?: string; sourceNamespace?: string; sourceServiceAccount?: string; methods: string[] };
}

describe('explain derives the source identity as mTLS does', () => {
  let pki: Pki;
  let echo: Echo;
  let t: TestGateway;
  const agents: Agent[] = [];

  before(async () => {
    pki = makePki();
    echo = await startEcho();
    t = await startTestGateway(
      () =>
        gatewayYaml(echo.url, `  listen:
    tls: {certFile: server.crt, keyFile: server.key, clientCaFile: ca.pem, clientCertificate: optional}
`) + `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ml-namespace}
spec:
  action: ALLOW
  rules: [{from: [{source: {namespaces: [ml]}}]}]
`,
      { 'server.crt': pki.serverCert, 'server.key': pki.serverKey, 'ca.pem': pki.caCert },
    );
  });
  after(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await t?.close();
    await echo?.close();
    pki?.close();
  });

  /** A real request over mTLS with a client certificate whose URI SAN is `uri`. */
  let n = 0;
  const traffic = async (uri: string) => {
    const agent = new Agent({ connect: { ca: pki.caCert, ...pki.client(`peer-${++n}`, uri) } });
    agents.push(agent);
    const res = await request(`${t.gw.url}/v1/things`, { dispatcher: agent });
    await res.body.text();
    return res.statusCode;
  };
  const adminExplain = async (sourcePrincipal: string) => {
    const res = await fetch(`${t.gw.adminUrl}/explain`, { method: 'POST', body: JSON.stringify({ path: '/v1/things', sourcePrincipal }) });
    assert.equal(res.status, 200);
    return (await res.json()) as Explained;
  };
  const cli = (...args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/warden.js', 'explain', '-c', join(t.dir, 'warden.yaml'), '--path', '/v1/things', ...args]);
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    });

  it('a workload in the allowed namespace: allowed in traffic, and in explain with the same derived identity', async () => {
    assert.equal(await traffic(ML), 200);
    const run = await cli('--source-principal', ML, '--json');
    assert.equal(run.code, 0, run.err);
    const e = JSON.parse(run.out) as Explained;
    assert.deepEqual([e.decision.action, e.decision.policy], ['allow', 'ml-namespace']);
    assert.deepEqual(
      [e.principal.sourcePrincipal, e.principal.sourceTrustDomain, e.principal.sourceNamespace, e.principal.sourceServiceAccount, e.principal.methods],
      ['cluster.local/ns/ml/sa/trainer', 'cluster.local', 'ml', 'trainer', ['mtls']],
    );
    // Without `spiffe://`, the same ID.
    const bare = await cli('--source-principal', 'cluster.local/ns/ml/sa/trainer');
    assert.equal(bare.code, 0, bare.err);
    assert.match(bare.out, /source: +cluster\.local\/ns\/ml\/sa\/trainer \(trust domain cluster\.local, namespace ml, service account trainer, by mtls\)/);
  });

  it('a workload in another namespace: denied in both', async () => {
    assert.equal(await traffic(WEB), 403);
    const run = await cli('--source-principal', WEB);
    assert.equal(run.code, 3, run.out);
    assert.match(run.out, /✗ ml-namespace \[ALLOW\]: rule 0 wants source.namespace in \[ml\]/);
    assert.equal((await adminExplain(WEB)).decision.action, 'deny');
  });

  it('a URI that is not a SPIFFE ID gives no source principal: denied in traffic and in POST /explain; the CLI says why', async () => {
    assert.equal(await traffic(NOT_SPIFFE), 403, 'the peer is anonymous, so the namespaces rule cannot match');
    const e = await adminExplain(NOT_SPIFFE);
    assert.equal(e.decision.action, 'deny');
    assert.equal(e.principal.sourcePrincipal, undefined);
    assert.deepEqual(e.principal.methods, []);
    const run = await cli('--source-principal', NOT_SPIFFE);
    assert.equal(run.code, 2);
    assert.match(run.err, /is not a SPIFFE ID .*no source principal/);
  });
});
