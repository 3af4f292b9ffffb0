// Quota refunds: a request that never left Warden — refused by the credential
// stage, or an upstream no connection could be made to — gives back its whole
// charge (the request and its token estimate); the caller's budget is spent
// only on calls that reached the model.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../helpers/stack.js';

const MODEL = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';
const REQUESTS = 3;
const TOKENS = 1000;

const config = ({ emulatorUrl }: { emulatorUrl: string }) => `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: refunds}
spec:
  routes:
    - name: dead
      provider: vertex
      match: {pathPrefix: /dead/}
      upstream: http://127.0.0.1:1/
      credential: vertex-sa
    - name: nocred
      provider: vertex
      match: {pathPrefix: /nocred/}
      upstream: ${emulatorUrl}/
      credential: impersonated
    - name: vertex
      provider: vertex
      match: {pathPrefix: /v1/}
      upstream: ${emulatorUrl}
      credential: vertex-sa
  credentials:
    - name: vertex-sa
      google: {file: ./credentials/service-account.json}
    # IAM refuses to impersonate an account it does not know: this credential can never be minted.
    - name: impersonated
      google: {file: ./credentials/service-account.json, impersonate: nobody@example.invalid, iamEndpoint: "${emulatorUrl}"}
  limits:
    rules:
      - name: budget
        requests: {limit: ${REQUESTS}, per: 1h}
        tokens: {limit: ${TOKENS}, per: 1h, count: total}
`;

describe('quota refunds for requests that never left Warden', () => {
  let s: Stack;
  before(async () => {
    s = await startStack(config);
  });
  after(() => s.close());

  const post = (prefix: string, text: string) =>
    fetch(`${s.gw.url}${prefix}${MODEL}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] }),
    });
  const reason = async (res: Response) => ((await res.json()) as { error: { details: { reason: string }[] } }).error.details[0]!.reason;
  const prompt = 'A prompt long enough that its token estimate is clearly visible in the counters.';
  const estimate = Math.ceil(prompt.length / 4);

  it('upstream unreachable (connection refused): more calls than the request limit, none refused, nothing charged', async () => {
    for (let i = 0; i < REQUESTS + 2; i++) {
      const res = await post('/dead', prompt);
      assert.equal(res.status, 503, `call ${i + 1}`);
      assert.equal(await reason(res), 'UPSTREAM_UNAVAILABLE');
    }
    const ok = await post('', prompt);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('x-ratelimit-remaining-requests'), String(REQUESTS - 1), 'only this call counts');
    assert.equal(ok.headers.get('x-ratelimit-remaining-tokens'), String(TOKENS - estimate), 'only this call’s estimate is charged');
    await ok.body?.cancel();
  });

  it('credential stage 503: the charge is given back', async () => {
    // The first call settled to its real usage; read what is left now.
    const probe = await post('', 'x');
    assert.equal(probe.status, 200);
    const requestsLeft = Number(probe.headers.get('x-ratelimit-remaining-requests'));
    const tokensLeft = Number(probe.headers.get('x-ratelimit-remaining-tokens'));
    const used = ((await probe.json()) as { usageMetadata: { totalTokenCount: number } }).usageMetadata.totalTokenCount;
    assert.equal(requestsLeft, REQUESTS - 2);

    s.emu.control.tokenEndpointsDown = true;
    try {
      for (let i = 0; i < REQUESTS + 1; i++) {
        const res = await post('/nocred', prompt);
        assert.equal(res.status, 503, `call ${i + 1}`);
        assert.equal(await reason(res), 'CREDENTIAL_UNAVAILABLE');
      }
    } finally {
      s.emu.control.tokenEndpointsDown = false;
    }
    // vertex-sa's token is cached: this call goes through and sees the counters untouched by the refused ones.
    const last = await post('', prompt);
    assert.equal(last.status, 200);
    assert.equal(last.headers.get('x-ratelimit-remaining-requests'), String(requestsLeft - 1));
    assert.equal(last.headers.get('x-ratelimit-remaining-tokens'), String(tokensLeft + 1 - used - estimate));
    await last.body?.cancel();
  });
});
