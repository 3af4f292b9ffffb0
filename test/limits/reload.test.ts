// Quotas turned on by a hot reload: the limits module is loaded when a config
// first uses it (not at start without quotas), so the reload that adds a rule
// loads it, and the next request is counted and refused past the limit.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { it } from 'node:test';
import { startStack } from '../helpers/stack.js';

const MODEL = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';

const config = ({ emulatorUrl }: { emulatorUrl: string }) => `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: quota-reload}
spec:
  routes:
    - name: vertex
      provider: vertex
      match: {pathPrefix: /v1/}
      upstream: ${emulatorUrl}
      credential: vertex-sa
  credentials:
    - name: vertex-sa
      google: {file: ./credentials/service-account.json}
`;

it('a reload that adds a quota rule enforces it on the next requests', async () => {
  const s = await startStack(config);
  try {
    const post = () =>
      fetch(`${s.gw.url}${MODEL}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hello' }] }] }),
      });
    const before = await post();
    assert.equal(before.status, 200);
    assert.equal(before.headers.get('x-ratelimit-remaining-requests'), null, 'no quota before the reload');
    await before.body?.cancel();

    writeFileSync(s.configFile, `${readFileSync(s.configFile, 'utf8')}  limits:\n    rules:\n      - {name: one, requests: {limit: 1, per: 1h}}\n`);
    const outcome = await s.gw.reload('test');
    assert.deepEqual(outcome, { applied: true, hash: s.gw.config.hash });

    const first = await post();
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-ratelimit-remaining-requests'), '0');
    await first.body?.cancel();
    const second = await post();
    assert.equal(second.status, 429);
    await second.body?.cancel();
  } finally {
    await s.close();
  }
});
