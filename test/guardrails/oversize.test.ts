// Request bodies past the 1 MiB read buffer: with guardrails they are read
// whole and scanned up to guardrails.maxScanBytes; a larger one is refused
// with 413 in the caller's protocol when the request's guardrails redact or
// block (fail closed), or forwarded with an UNSCANNED finding when they only
// flag or when `oversize: flag` says so.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../helpers/stack.js';

const MODEL = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';
const LENIENT = '/v1/projects/lenient-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';
const MiB = 1024 * 1024;
const SECRET = 'AKIAIOSFODNN7EXAMPLE';

const config = (oversize: 'block' | 'flag') => ({ emulatorUrl }: { emulatorUrl: string }) => `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: oversize}
spec:
  routes:
    - name: lenient
      provider: vertex
      match: {pathPrefix: /v1/projects/lenient-project/}
      upstream: ${emulatorUrl}
      credential: vertex-sa
      guardrails: {request: {secret: flag}}
    - name: openai
      provider: openai
      match: {pathPrefix: /openai/}
      upstream: http://127.0.0.1:1
    - name: vertex
      provider: vertex
      match: {pathPrefix: /v1/}
      upstream: ${emulatorUrl}
      credential: vertex-sa
  credentials:
    - name: vertex-sa
      google: {file: ./credentials/service-account.json}
  guardrails:
    request: {secret: block}
    maxScanBytes: ${2 * MiB}
    oversize: ${oversize}
`;

/** A Vertex request whose prompt is `size` bytes of filler with a secret at the very end. */
const vertexBody = (size: number) => JSON.stringify({ contents: [{ role: 'user', parts: [{ text: `${'lorem ipsum '.repeat(size / 12)} ${SECRET}` }] }] });

interface RpcError {
  error: { code: number; status: string; message: string; details: { reason: string }[] };
}

async function metric(s: Stack, labels: string): Promise<number> {
  const text = await (await fetch(`${s.gw.adminUrl}/metrics`)).text();
  const m = new RegExp(`warden_guardrail_findings_total\\{${labels}\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

describe('request bodies over the read buffer (oversize: block)', () => {
  let s: Stack;
  before(async () => {
    s = await startStack(config('block'));
  });
  after(() => s.close());

  const post = (path: string, body: string) => fetch(`${s.gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('a 1.5 MiB body is read whole and scanned: the secret at its end is blocked', async () => {
    const before = s.emu.stats.vertexCalls;
    const res = await post(MODEL, vertexBody(1.5 * MiB));
    assert.equal(res.status, 403);
    const body = (await res.json()) as RpcError;
    assert.equal(body.error.details[0]!.reason, 'GUARDRAIL_BLOCKED');
    assert.match(body.error.message, /AWS_ACCESS_KEY/);
    assert.equal(s.emu.stats.vertexCalls, before);
  });

  it('a body over maxScanBytes is refused with 413 in google.rpc.Status form and never forwarded', async () => {
    const before = s.emu.stats.vertexCalls;
    const res = await post(MODEL, vertexBody(3 * MiB));
    assert.equal(res.status, 413);
    const body = (await res.json()) as RpcError;
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    assert.equal(body.error.details[0]!.reason, 'BODY_TOO_LARGE_TO_SCAN');
    assert.ok(!JSON.stringify(body).includes(SECRET));
    assert.equal(s.emu.stats.vertexCalls, before);
    assert.equal(await metric(s, 'type="UNSCANNED",direction="request",action="block"'), 1);
    const line = s.logs.find((l) => l.requestId === res.headers.get('x-request-id'));
    assert.equal(line?.status, 413, 'recorded');
    assert.equal(line?.error, 'BODY_TOO_LARGE_TO_SCAN');
  });

  it("…and in OpenAI's error form on OpenAI routes", async () => {
    const body = JSON.stringify({ model: 'gpt-x', messages: [{ role: 'user', content: `${'x'.repeat(3 * MiB)} ${SECRET}` }] });
    const res = await fetch(`${s.gw.url}/openai/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(res.status, 413);
    const err = (await res.json()) as { error: { message: string; type: string; code: string } };
    assert.match(err.error.message, /maxScanBytes/);
    assert.ok(err.error.type);
  });

  it('a route whose request guardrails only flag forwards it, with an UNSCANNED finding', async () => {
    const before = s.emu.stats.vertexCalls;
    const res = await post(LENIENT, vertexBody(3 * MiB));
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    assert.equal(s.emu.stats.vertexCalls, before + 1);
    assert.equal(await metric(s, 'type="UNSCANNED",direction="request",action="flag"'), 1);
  });
});

describe('request bodies over the read buffer (oversize: flag)', () => {
  let s: Stack;
  before(async () => {
    s = await startStack(config('flag'));
  });
  after(() => s.close());

  it('a body over maxScanBytes passes unscanned, recorded as an UNSCANNED finding', async () => {
    const before = s.emu.stats.vertexCalls;
    const res = await fetch(`${s.gw.url}${MODEL}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: vertexBody(3 * MiB) });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    assert.equal(s.emu.stats.vertexCalls, before + 1, 'forwarded');
    assert.equal(await metric(s, 'type="UNSCANNED",direction="request",action="flag"'), 1);
  });

  it('a body within maxScanBytes is still scanned and blocked', async () => {
    const res = await fetch(`${s.gw.url}${MODEL}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: vertexBody(1.5 * MiB) });
    assert.equal(res.status, 403);
    await res.arrayBuffer();
  });
});
