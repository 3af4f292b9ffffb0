// `warden emulator --help` (and its start lines) list every endpoint with the
// URL a config should use: each URL listed is one the emulator serves.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';
import { endpointLines } from '../../src/emulator/endpoints.js';
import { startEmulator } from '../../src/emulator/index.js';
import '../helpers/source.js';
import { exited } from '../helpers/process.js';

it('every endpoint the help lists is served at the URL it gives', async () => {
  const child = spawn(process.execPath, ['bin/warden.js', 'emulator', '--help', '--port', '9999'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let help = '';
  child.stdout.on('data', (d: Buffer) => (help += d));
  assert.equal((await exited(child)).code, 0);
  for (const what of ['Vertex AI REST', 'OpenAI-compatible', 'OAuth2 token', 'STS token exchange', 'IAM Credentials', 'GCE metadata server', 'dev OIDC issuer']) {
    assert.match(help, new RegExp(`\\n  ${what} +http://127\\.0\\.0\\.1:9999/`), what);
  }
  assert.match(help, /GCE_METADATA_HOST=127\.0\.0\.1:9999/);

  const emu = await startEmulator({ port: 0 });
  try {
    const text = endpointLines(emu.url).join('\n');
    // Every concrete URL (no {placeholder}, no …) the lines give. Two are names, not pages: iamEndpoint is
    // a base (called below with its path) and the issuer an identifier (its discovery document is listed).
    const urls = [...new Set([...text.matchAll(/http:\/\/[^\s,;()`]+/g)].map((m) => m[0]).filter((u) => !/[{}…]/.test(u) && !/\/(iam|oidc)$/.test(u)))];
    assert.ok(urls.length >= 10, urls.join('\n'));
    const email = emu.serviceAccountEmail;
    urls.push(`${emu.url}/iam/v1/projects/-/serviceAccounts/${email}:generateAccessToken`);
    for (const url of urls) {
      const post = /token|completions|generateAccessToken/.test(url) && !/tokeninfo/.test(url);
      const res = await fetch(url, post ? { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } } : {});
      const body = await res.text();
      // Served: an answer of its own (a 400 for an empty request, a 401 or 403 without a token), never the emulator's 404.
      assert.doesNotMatch(body, /no emulated endpoint/, `${url}: ${res.status} ${body.slice(0, 120)}`);
    }
  } finally {
    await emu.close();
  }
});
