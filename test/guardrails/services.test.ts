// A guardrail service over HTTP (spec.guardrails.services): a small server
// speaking Warden's protocol stands in for Presidio or LLM Guard behind an
// adapter. Its rewritten texts leave instead of the caller's, its block
// refuses, a service that does not answer in time fails closed (503) or, on
// a route that says so, open; answers are sent to it after they leave.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sample } from '../helpers/metrics.js';
import { startStack, type Stack } from '../helpers/stack.js';

const PROJECT = 'emulator-project';

interface Call {
  direction: string;
  route: string;
  texts: string[];
}

function service(calls: Call[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const call = JSON.parse(body) as Call;
      calls.push(call);
      const answer = (o: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(o));
      };
      const all = call.texts.join(' ');
      if (all.includes('slow')) {
        setTimeout(() => answer({ verdict: 'allow' }), 1500).unref();
        return;
      }
      if (all.includes('forbidden')) return answer({ verdict: 'block', findings: [{ type: 'TOPIC', category: 'harm', text: 0 }] });
      if (all.includes('EMP-')) {
        return answer({
          verdict: 'flag',
          findings: [{ type: 'EMPLOYEE_ID', category: 'pii', text: 0, start: all.indexOf('EMP-'), end: all.indexOf('EMP-') + 10 }],
          texts: call.texts.map((t) => t.replace(/EMP-\d{6}/g, '<EMPLOYEE>')),
        });
      }
      answer({ verdict: 'allow' });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/check` })));
}

describe('guardrail services over HTTP', () => {
  let s: Stack;
  let svc: { server: Server; url: string };
  let staff: string;
  const calls: Call[] = [];

  before(async () => {
    svc = await service(calls);
    s = await startStack(
      ({ emulatorUrl, issuer }) => `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: services}
spec:
  routes:
    - name: vertex
      provider: vertex
      upstream: ${emulatorUrl}
      credential: vertex-sa
    - name: lenient
      provider: vertex
      upstream: ${emulatorUrl}
      match: {pathPrefix: /v1beta1/}
      credential: vertex-sa
      guardrails: {failure: open}
  credentials:
    - name: vertex-sa
      google: {file: ./credentials/service-account.json}
  guardrails:
    services:
      - name: policy-check
        url: ${svc.url}
        directions: [request, response]
        timeout: 500ms
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: dev}
spec:
  jwtRules: [{issuer: ${issuer}, audiences: [warden], jwksUri: ${issuer}/jwks}]
`,
    );
    staff = await s.token('alice', ['staff']);
  });
  after(async () => {
    await s.close();
    await new Promise((r) => svc.server.close(r));
  });

  const generate = (text: string, version = 'v1') =>
    fetch(`${s.gw.url}/${version}/projects/${PROJECT}/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${staff}` },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] }),
    });
  const metric = async (type: string, direction: string, action: string) =>
    sample(await (await fetch(`${s.gw.adminUrl}/metrics`)).text(), 'warden_guardrail_findings_total', { type, direction, action }) ?? 0;

  it('the texts the service rewrites are what leaves; its findings are recorded; the answer is checked too', async () => {
    const res = await generate('Look up EMP-123456 today');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { candidates: { content: { parts: { text: string }[] } }[] };
    assert.equal(body.candidates[0]!.content.parts[0]!.text, 'Echo from gemini-2.0-flash: Look up <EMPLOYEE> today');
    assert.deepEqual(calls.find((c) => c.direction === 'request' && c.texts[0]!.includes('EMP-'))?.route, 'vertex');
    assert.ok(calls.some((c) => c.direction === 'response' && c.texts[0] === 'Echo from gemini-2.0-flash: Look up <EMPLOYEE> today'));
    assert.ok((await metric('EMPLOYEE_ID', 'request', 'flag')) >= 1);
  });

  it('block: refused 403 GUARDRAIL_BLOCKED, naming the finding type', async () => {
    const res = await generate('a forbidden topic');
    assert.equal(res.status, 403);
    const body = (await res.json()) as { error: { message: string; details: { reason: string }[] } };
    assert.equal(body.error.details[0]!.reason, 'GUARDRAIL_BLOCKED');
    assert.match(body.error.message, /TOPIC/);
  });

  it('no answer in time: fails closed (503), or open on a route that says so', async () => {
    const closed = await generate('a slow one');
    assert.equal(closed.status, 503);
    assert.equal(((await closed.json()) as { error: { details: { reason: string }[] } }).error.details[0]!.reason, 'GUARDRAIL_UNAVAILABLE');
    const open = await generate('a slow one', 'v1beta1');
    assert.equal(open.status, 200);
    assert.ok((await metric('POLICY_CHECK_UNAVAILABLE', 'request', 'flag')) >= 1);
  });
});
