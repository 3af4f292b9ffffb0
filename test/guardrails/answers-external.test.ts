// External guardrails enforce on answers: when a request's response actions
// redact, the answer waits for Model Armor (sanitizeModelResponse) and the
// guardrail services that read answers, and what they find leaves redacted —
// in whole JSON answers and in streams (Vertex SSE, Vertex's JSON-array
// stream, OpenAI chat streams), where a value the emulator splits across
// events is replaced once. A guard that does not answer withholds the text
// (failure closed) or lets it pass, flagged (open). Official clients:
// @google/genai and openai.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import OpenAI from 'openai';
import { sample } from '../helpers/metrics.js';
import { startStack, type Stack } from '../helpers/stack.js';

const PROJECT = 'emulator-project';

/** A guardrail service that reads answers: EMP-###### located, "forbidden" unlocated, "slow" never in time. */
function service(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const call = JSON.parse(body) as { direction: string; texts: string[] };
      const answer = (o: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(o));
      };
      if (call.direction !== 'response') return answer({ verdict: 'allow' });
      const all = call.texts.join(' ');
      if (all.includes('slow')) {
        setTimeout(() => answer({ verdict: 'allow' }), 1500).unref();
        return;
      }
      const findings: unknown[] = [];
      call.texts.forEach((t, i) => {
        for (const m of t.matchAll(/EMP-\d{6}/g)) findings.push({ type: 'EMPLOYEE_ID', category: 'custom', text: i, start: m.index, end: m.index + m[0].length });
        if (t.includes('forbidden')) findings.push({ type: 'TOPIC', category: 'harm', text: i });
      });
      answer({ verdict: findings.length ? 'flag' : 'allow', findings });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/check` })));
}

describe('external guardrails on answers', () => {
  let s: Stack;
  let svc: { server: Server; url: string };
  let staff: string;

  before(async () => {
    svc = await service();
    s = await startStack(
      ({ emulatorUrl, issuer }) => `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: answers}
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
    response: {MODEL_ARMOR_SDP: redact, harm: redact, custom: redact}
    modelArmor:
      project: ${PROJECT}
      location: us-central1
      endpoint: ${emulatorUrl}
      credential: vertex-sa
      responseTemplate: baseline
      mode: api
    services:
      - name: policy-check
        url: ${svc.url}
        directions: [response]
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
    try {
      await s?.close();
    } finally {
      await new Promise((r) => svc.server.close(r));
    }
  });

  const genai = (apiVersion = 'v1') => {
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: staff, expiry_date: Date.now() + 3_600_000 });
    return new GoogleGenAI({ vertexai: true, project: PROJECT, location: 'us-central1', apiVersion, httpOptions: { baseUrl: s.gw.url }, googleAuthOptions: { authClient: auth } });
  };
  const metric = async (type: string, direction: string, action: string) =>
    sample(await (await fetch(`${s.gw.adminUrl}/metrics`)).text(), 'warden_guardrail_findings_total', { type, direction, action }) ?? 0;
  const streamed = async (contents: string, apiVersion = 'v1') => {
    let text = '';
    let events = 0;
    for await (const c of await genai(apiVersion).models.generateContentStream({ model: 'gemini-2.0-flash', contents })) {
      text += c.text ?? '';
      events++;
    }
    return { text, events };
  };

  it('a whole answer: Model Armor\'s located finding and a service\'s are redacted before it leaves', async () => {
    const before = await metric('MODEL_ARMOR_SDP', 'response', 'redact');
    const r = await genai().models.generateContent({ model: 'gemini-2.0-flash', contents: 'Mail bob@example.com about EMP-123456 today.' });
    assert.equal(r.text, 'Echo from gemini-2.0-flash: Mail [MODEL_ARMOR_SDP_1] about [EMPLOYEE_ID_1] today.');
    assert.equal(await metric('MODEL_ARMOR_SDP', 'response', 'redact'), before + 1);
    assert.ok(s.emu.modelArmorCalls.some((c) => c.method === 'sanitizeModelResponse' && c.text.includes('bob@example.com')));
  });

  it('a Vertex SSE stream: values split across events leave redacted, once, in the stream\'s own framing', async () => {
    const { text, events } = await streamed('Mail bob@example.com about EMP-123456 today, and thanks for the notes.');
    assert.ok(events > 1, 'still a stream of several events');
    assert.equal(text, 'Echo from gemini-2.0-flash: Mail [MODEL_ARMOR_SDP_1] about [EMPLOYEE_ID_1] today, and thanks for the notes.');
  });

  it('a Vertex JSON-array stream (no alt=sse) likewise', async () => {
    const res = await fetch(`${s.gw.url}/v1/projects/${PROJECT}/locations/us-central1/publishers/google/models/gemini-2.0-flash:streamGenerateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${staff}` },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Mail bob@example.com about EMP-123456 today.' }] }] }),
    });
    assert.equal(res.status, 200);
    const raw = await res.text();
    const events = JSON.parse(raw) as { candidates: { content: { parts: { text: string }[] } }[] }[];
    assert.ok(events.length > 1);
    assert.equal(events.map((e) => e.candidates[0]!.content.parts.map((p) => p.text).join('')).join(''), 'Echo from gemini-2.0-flash: Mail [MODEL_ARMOR_SDP_1] about [EMPLOYEE_ID_1] today.');
    assert.ok(!raw.includes('bob@') && !raw.includes('123456'));
  });

  it('an OpenAI chat stream (openai client, Vertex\'s OpenAI-compatible endpoint) likewise', async () => {
    const client = new OpenAI({ baseURL: `${s.gw.url}/v1/projects/${PROJECT}/locations/us-central1/endpoints/openapi`, apiKey: staff });
    const stream = await client.chat.completions.create({ model: 'google/gemini-2.0-flash', stream: true, messages: [{ role: 'user', content: 'Mail bob@example.com about EMP-123456 today.' }] });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    assert.match(text, /Mail \[MODEL_ARMOR_SDP_1\] about \[EMPLOYEE_ID_1\] today\.$/);
  });

  it('an unlocated finding (Model Armor rai, a service\'s topic) withholds the whole text behind its placeholder', async () => {
    const r = await genai().models.generateContent({ model: 'gemini-2.0-flash', contents: 'Explain how to build a bomb.' });
    assert.equal(r.text, '[MODEL_ARMOR_RAI_1]');
    const { text } = await streamed('a forbidden subject, at some length so that it streams');
    assert.equal(text, '[TOPIC_1]');
  });

  it('a guard that does not answer in time: the answer is withheld (closed), or passes flagged on a route that fails open', async () => {
    const closed = await genai().models.generateContent({ model: 'gemini-2.0-flash', contents: 'a slow one' });
    assert.equal(closed.text, '[POLICY_CHECK_UNAVAILABLE_1]');
    assert.ok((await metric('POLICY_CHECK_UNAVAILABLE', 'response', 'redact')) >= 1);
    const open = await genai('v1beta1').models.generateContent({ model: 'gemini-2.0-flash', contents: 'a slow one' });
    assert.equal(open.text, 'Echo from gemini-2.0-flash: a slow one');
    assert.ok((await metric('POLICY_CHECK_UNAVAILABLE', 'response', 'flag')) >= 1);
  });
});
