// The API key file is watched: a key rotated while the gateway runs is
// accepted (and the old one refused) without a restart; a broken file is
// refused, the last good key set stays in use and the log says why.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gatewayYaml, startEcho, startTestGateway, type Echo, type TestGateway } from './helpers.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const INLINE_KEY = 'wk_inline_5a4b3c2d1e0f';
const OLD_KEY = 'wk_nightly_old_0c1d2e3f4a5b';
const NEW_KEY = 'wk_nightly_new_9f8e7d6c5b4a';
const LATER_KEY = 'wk_nightly_later_1a2b3c4d';
const keyFile = (name: string, key: string) => `keys:\n  - {name: ${name}, sha256: ${sha256(key)}, principal: svc/${name}, groups: [reports]}\n`;

// The timeout only stops a hang when no reload ever comes; no assertion depends on timing.
describe('API key file reload', { timeout: 30_000 }, () => {
  let echo: Echo;
  let t: TestGateway;

  before(async () => {
    echo = await startEcho();
    t = await startTestGateway(
      () => gatewayYaml(echo.url, `  identity:
    apiKeys:
      file: api-keys.yaml
      keys: [{name: inline, sha256: ${sha256(INLINE_KEY)}}]
`),
      { 'api-keys.yaml': keyFile('nightly', OLD_KEY) },
    );
  });
  after(async () => {
    await t?.close();
    await echo?.close();
  });

  const status = async (key: string) => {
    const res = await fetch(`${t.gw.url}/v1/things`, { headers: { 'x-api-key': key } });
    await res.arrayBuffer();
    return res.status;
  };
  /** Resolves when the log has its `n`th line with message `msg` (event-driven: no time limit asserted). */
  const logged = async (msg: string, n: number) => {
    for (;;) {
      const lines = t.logs.filter((l) => l.msg === msg);
      if (lines.length >= n) return lines[n - 1];
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  /** Replace the file in one step, as a secret volume's symlink swap or `mv` does (never half-written). */
  const swap = (text: string) => {
    const tmp = join(t.dir, '.api-keys.yaml.tmp');
    writeFileSync(tmp, text);
    renameSync(tmp, join(t.dir, 'api-keys.yaml'));
  };

  it('accepts the key the file holds at start', async () => {
    assert.equal(await status(OLD_KEY), 200);
    assert.equal(await status(NEW_KEY), 401);
  });

  it('rotates: the new key is accepted and the old one refused, without a restart', async () => {
    swap(keyFile('nightly', NEW_KEY));
    const line = await logged('API keys reloaded', 1);
    assert.equal(line.keys, 2, 'the inline key and the file key');
    assert.equal(await status(NEW_KEY), 200);
    assert.equal(await status(OLD_KEY), 401);
    assert.equal(await status(INLINE_KEY), 200, 'inline keys survive a reload');
  });

  it('keeps the last good key set when the new file is invalid, and logs why', async () => {
    swap('keys:\n  - {name: broken, sha256: not-a-hash}\n');
    const bad = await logged('API key file rejected; the last good key set stays in use', 1);
    assert.match(String(bad.problems), /sha256.*64 hex digits/);
    assert.equal(await status(NEW_KEY), 200);

    // A file that repeats an inline key's hash is refused as well.
    swap(keyFile('copy', INLINE_KEY));
    const dup = await logged('API key file rejected; the last good key set stays in use', 2);
    assert.match(String(dup.problems), /"copy" is defined twice/);
    assert.equal(await status(NEW_KEY), 200);
    assert.equal(t.logs.filter((l) => l.msg === 'API keys reloaded').length, 1);
  });

  it('keeps watching after a refused file: the next good one is taken', async () => {
    swap(keyFile('nightly', LATER_KEY));
    await logged('API keys reloaded', 2);
    assert.equal(await status(LATER_KEY), 200);
    assert.equal(await status(NEW_KEY), 401);
  });
});
