// Every credential source against the emulator, which accepts only tokens it
// minted (or, for self-signed JWTs, signed by a key it issued).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { ExternalAccountClient } from 'google-auth-library';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { isWardenError } from '../../src/errors.js';
import type { Principal } from '../../src/types.js';
import { CALLERS, credentialsFrom, startIssuer, type Issuer } from './helpers.js';

const ANON: Principal = { groups: [], methods: [] };
const CLOUD = 'https://www.googleapis.com/auth/cloud-platform';
const GENERATE = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';

let emu: Emulator;
let dir: string;
let files: { serviceAccount: string; externalAccount: string; subjectToken: string };
let issuer: Issuer;

before(async () => {
  [emu, issuer] = await Promise.all([startEmulator({ port: 0 }), startIssuer()]);
  emu.trustIssuer(issuer.issuer, issuer.jwksUri);
  dir = await mkdtemp(join(tmpdir(), 'warden-cred-'));
  files = await emu.writeCredentials(dir);
});
after(async () => {
  await Promise.all([emu.close(), issuer.close()]);
  await rm(dir, { recursive: true, force: true });
});

/** Build one credential named `c` and return its upstream header for `principal`. */
async function headerOf(yaml: string, principal: Principal = ANON) {
  const { credentials, problems } = credentialsFrom(dir, `    - name: c\n${yaml}`);
  assert.deepEqual(problems, []);
  try {
    return { header: await credentials.header('c', principal), status: credentials.status()[0]! };
  } finally {
    credentials.close();
  }
}

const bearerOf = (h: { name: string; value: string }) => {
  assert.equal(h.name, 'authorization');
  assert.match(h.value, /^Bearer /);
  return h.value.slice('Bearer '.length);
};

function vertexCall(token: string): Promise<Response> {
  return fetch(emu.url + GENERATE, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
  });
}

async function writeJson(name: string, value: unknown): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, JSON.stringify(value));
  return p;
}

describe('service_account', () => {
  it('mints by the JWT-bearer grant at the key file’s token_uri, with the configured scopes', async () => {
    const before = emu.stats.byGrant['jwt-bearer'] ?? 0;
    const { header, status } = await headerOf(`      google: {file: ${files.serviceAccount}, scopes: [${CLOUD}, https://www.googleapis.com/auth/userinfo.email]}\n`);
    const info = emu.tokenInfo(bearerOf(header));
    assert.equal(info?.identity, emu.serviceAccountEmail);
    assert.equal(info?.grant, 'jwt-bearer');
    assert.deepEqual(info?.scopes, [CLOUD, 'https://www.googleapis.com/auth/userinfo.email']);
    assert.equal(emu.stats.byGrant['jwt-bearer'], before + 1);
    assert.equal(status.mints, 1);
    assert.match(status.source, /^service_account warden@/);
  });

  it('self-signed JWT (scope claim, or audience): no token endpoint, and Vertex accepts it', async () => {
    const minted = emu.stats.tokensMinted;
    for (const opt of ['{}', '{audience: "https://aiplatform.googleapis.com/"}']) {
      const { header } = await headerOf(`      google: {file: ${files.serviceAccount}, selfSignedJwt: ${opt}}\n`);
      const token = bearerOf(header);
      const claims = decodeJwt(token);
      assert.equal(claims.iss, emu.serviceAccountEmail);
      assert.equal(claims.sub, emu.serviceAccountEmail);
      assert.equal((await vertexCall(token)).status, 200);
    }
    assert.equal(emu.stats.tokensMinted, minted, 'nothing was minted by the emulator');
    assert.equal(emu.vertexRequests.at(-1)?.identity, emu.serviceAccountEmail);
  });
});

describe('external_account (Workload Identity Federation)', () => {
  it('file subject token written with a trailing newline is trimmed → STS → service account impersonation', async () => {
    const token = (await readFile(files.subjectToken, 'utf8')).trim();
    await writeFile(files.subjectToken, `${token}\n`); // as `echo "$TOKEN" > file` or a secret mount writes it
    // Control: the emulator's STS is strict, so the file as google-auth-library sends it (untrimmed) is refused.
    const lib = ExternalAccountClient.fromJSON(JSON.parse(await readFile(files.externalAccount, 'utf8')) as Parameters<typeof ExternalAccountClient.fromJSON>[0]);
    await assert.rejects(lib!.getAccessToken(), /invalid_grant/);

    const exchanges = emu.stats.byGrant['token-exchange'] ?? 0;
    const { header, status } = await headerOf(`      google: {file: ${files.externalAccount}}\n`);
    const info = emu.tokenInfo(bearerOf(header));
    assert.equal(info?.identity, emu.serviceAccountEmail);
    assert.equal(info?.grant, 'generateAccessToken');
    assert.equal(emu.stats.byGrant['token-exchange'], exchanges + 1);
    assert.match(status.source, /subject token: file\) → warden@/);

    // Whitespace on both sides, and in a JSON-format file's field.
    await writeFile(files.subjectToken, `\n  ${token}  \r\n`);
    assert.equal(emu.tokenInfo(bearerOf((await headerOf(`      google: {file: ${files.externalAccount}}\n`)).header))?.identity, emu.serviceAccountEmail);
    const config = JSON.parse(await readFile(files.externalAccount, 'utf8')) as Record<string, unknown>;
    const jsonSubject = await writeJson('subject.json', { id_token: `${token}\n` });
    config.credential_source = { file: jsonSubject, format: { type: 'json', subject_token_field_name: 'id_token' } };
    const file = await writeJson('wif-json-file.json', config);
    assert.equal(emu.tokenInfo(bearerOf((await headerOf(`      google: {file: ${file}}\n`)).header))?.identity, emu.serviceAccountEmail);
  });

  it('without service_account_impersonation_url the federated principal itself is the identity', async () => {
    const config = JSON.parse(await readFile(files.externalAccount, 'utf8')) as Record<string, unknown>;
    delete config.service_account_impersonation_url;
    const file = await writeJson('wif-direct.json', config);
    const { header } = await headerOf(`      google: {file: ${file}}\n`);
    const info = emu.tokenInfo(bearerOf(header));
    assert.equal(info?.grant, 'token-exchange');
    assert.match(info!.identity, /^principal:\/\/iam\.googleapis\.com\/.*\/subject\/warden-workload$/);
  });

  it('URL subject token (JSON format, with headers)', async () => {
    const subject = (await readFile(files.subjectToken, 'utf8')).trim();
    const seen: string[] = [];
    const server: Server = createServer((req, res) => {
      seen.push(String(req.headers['x-token-request']));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id_token: subject }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const config = JSON.parse(await readFile(files.externalAccount, 'utf8')) as Record<string, unknown>;
      config.credential_source = {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
        headers: { 'x-token-request': 'yes' },
        format: { type: 'json', subject_token_field_name: 'id_token' },
      };
      const file = await writeJson('wif-url.json', config);
      const { header, status } = await headerOf(`      google: {file: ${file}}\n`);
      assert.equal(emu.tokenInfo(bearerOf(header))?.identity, emu.serviceAccountEmail);
      assert.deepEqual(seen, ['yes']);
      assert.match(status.source, /subject token: url/);
    } finally {
      server.close();
    }
  });

  it('subjectToken: caller — each caller’s own token from a real OIDC provider gets its own federated identity, cached per caller', async () => {
    const config = JSON.parse(await readFile(files.externalAccount, 'utf8')) as Record<string, unknown>;
    delete config.service_account_impersonation_url;
    const file = await writeJson('wif-caller.json', config);
    const { credentials, problems } = credentialsFrom(dir, `    - name: c\n      google: {file: ${file}, subjectToken: caller}\n`);
    assert.deepEqual(problems, []);
    try {
      const principalOf = async (client: (typeof CALLERS)[number]): Promise<Principal> => {
        const token = await issuer.token(client);
        return { groups: [], methods: ['jwt'], token, claims: decodeJwt(token) as Record<string, unknown> };
      };
      const alice = await principalOf('alice-app');
      const bob = await principalOf('bob-app');
      const exchanges = emu.stats.byGrant['token-exchange'] ?? 0;
      const a1 = bearerOf(await credentials.header('c', alice));
      const b1 = bearerOf(await credentials.header('c', bob));
      const a2 = bearerOf(await credentials.header('c', alice));
      assert.match(emu.tokenInfo(a1)!.identity, /\/subject\/alice-app$/);
      assert.match(emu.tokenInfo(b1)!.identity, /\/subject\/bob-app$/);
      assert.equal(a2, a1, 'the same caller reuses its token');
      assert.equal(emu.stats.byGrant['token-exchange'], exchanges + 2);
      assert.equal(credentials.status()[0]!.cachedCallers, 2);
      await assert.rejects(credentials.header('c', ANON), (e) => isWardenError(e) && e.httpStatus === 401 && e.reason === 'CALLER_TOKEN_REQUIRED');
    } finally {
      credentials.close();
    }
  });
});

describe('impersonation', () => {
  it('impersonated_service_account file (service_account source)', async () => {
    const team = 'team-a@emulator-project.iam.gserviceaccount.com';
    const file = await writeJson('impersonated.json', {
      type: 'impersonated_service_account',
      service_account_impersonation_url: `${emu.url}/iam/v1/projects/-/serviceAccounts/${team}:generateAccessToken`,
      delegates: [],
      source_credentials: JSON.parse(await readFile(files.serviceAccount, 'utf8')),
    });
    const { header, status } = await headerOf(`      google: {file: ${file}}\n`);
    const info = emu.tokenInfo(bearerOf(header));
    assert.equal(info?.identity, team);
    assert.equal(info?.grant, 'generateAccessToken');
    assert.match(status.source, /→ impersonate team-a@/);
  });

  it('Warden’s impersonate/delegates option on top of a key file, with the configured scopes', async () => {
    const team = 'team-b@emulator-project.iam.gserviceaccount.com';
    const { header, status } = await headerOf(
      `      google: {file: ${files.serviceAccount}, impersonate: ${team}, delegates: [hop@emulator-project.iam.gserviceaccount.com], iamEndpoint: "${emu.url}", scopes: [${CLOUD}, x-scope]}\n`,
    );
    const info = emu.tokenInfo(bearerOf(header));
    assert.equal(info?.identity, team);
    assert.deepEqual(info?.scopes, [CLOUD, 'x-scope']);
    assert.match(status.source, /impersonate hop@.* → team-b@/);
  });
});

describe('metadata server', () => {
  it('reads the token from GCE_METADATA_HOST', async () => {
    const saved = process.env.GCE_METADATA_HOST;
    process.env.GCE_METADATA_HOST = new URL(emu.url).host;
    try {
      const { header, status } = await headerOf('      google: {metadata: true}\n');
      const info = emu.tokenInfo(bearerOf(header));
      assert.equal(info?.grant, 'metadata');
      assert.equal(info?.identity, emu.serviceAccountEmail);
      assert.equal(status.source, 'metadata server');
    } finally {
      if (saved === undefined) delete process.env.GCE_METADATA_HOST;
      else process.env.GCE_METADATA_HOST = saved;
    }
  });
});

describe('static secrets', () => {
  it('bearer file → Authorization; API key file → x-goog-api-key or a configured header', async () => {
    await writeFile(join(dir, 'token.txt'), 'static-token\n');
    await writeFile(join(dir, 'key.txt'), ' AIza-test-key\n');
    assert.deepEqual((await headerOf('      bearer: {file: token.txt}\n')).header, { name: 'authorization', value: 'Bearer static-token' });
    assert.deepEqual((await headerOf('      apiKey: {file: key.txt}\n')).header, { name: 'x-goog-api-key', value: 'AIza-test-key' });
    assert.deepEqual((await headerOf('      apiKey: {file: key.txt, header: X-Api-Key}\n')).header, { name: 'x-api-key', value: 'AIza-test-key' });
  });

  it('a changed file is picked up without a restart', async () => {
    const file = join(dir, 'rotating.txt');
    await writeFile(file, 'first');
    const { credentials } = credentialsFrom(dir, '    - {name: c, bearer: {file: rotating.txt}}\n');
    credentials.start();
    try {
      assert.equal((await credentials.header('c', ANON)).value, 'Bearer first');
      await writeFile(file, 'second');
      let value = '';
      for (let i = 0; i < 100 && value !== 'Bearer second'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        value = (await credentials.header('c', ANON)).value;
      }
      assert.equal(value, 'Bearer second');
      assert.equal(credentials.status()[0]!.reloads, 1);
    } finally {
      credentials.close();
    }
  });
});

describe('config problems', () => {
  it('are reported with the field, never with the file’s secrets', async () => {
    const sa = await readFile(files.serviceAccount, 'utf8');
    await writeFile(join(dir, 'broken.json'), sa.slice(0, sa.length / 2)); // half a key: the private key is in there
    await writeJson('user.json', { type: 'authorized_user', client_id: 'x', client_secret: 'y', refresh_token: 'z' });
    // A key whose PEM was damaged (a pasted key with its middle cut out): found now, not at the first mint.
    const saJson = JSON.parse(sa) as { private_key: string };
    const pem = saJson.private_key;
    await writeJson('damaged.json', { ...saJson, private_key: pem.slice(0, 200) + pem.slice(400) });
    const { problems } = credentialsFrom(
      dir,
      `    - {name: a, google: {file: missing.json}}
    - {name: b, google: {file: broken.json}}
    - {name: c, google: {file: user.json}}
    - {name: d, google: {file: ${files.externalAccount}, selfSignedJwt: {}}}
    - {name: e, google: {file: ${files.serviceAccount}, subjectToken: caller}}
    - {name: f, google: {metadata: true, file: x.json}}
`,
      '    - {name: r, provider: vertex, upstream: http://127.0.0.1:9, credentials: [{when: {groups: [x]}, credential: nope}]}\n',
    );
    const text = problems.join('\n');
    assert.equal(problems.length, 1, text); // schema problems stop before credentials are built
    assert.match(text, /google needs exactly one of file or metadata/);
    const second = credentialsFrom(
      dir,
      `    - {name: a, google: {file: missing.json}}
    - {name: b, google: {file: broken.json}}
    - {name: c, google: {file: user.json}}
    - {name: d, google: {file: ${files.externalAccount}, selfSignedJwt: {}}}
    - {name: e, google: {file: ${files.serviceAccount}, subjectToken: caller}}
    - {name: g, google: {file: damaged.json}}
`,
      '    - {name: r, provider: vertex, upstream: http://127.0.0.1:9, credentials: [{when: {groups: [x]}, credential: nope}]}\n',
    );
    const all = second.problems.join('\n');
    assert.match(all, /warden\.yaml:\d+:\d+: .*credentials\[0\]\.google\.file: cannot read .*missing\.json: ENOENT/);
    assert.match(all, /credentials\[1\]\.google\.file: .*broken\.json is not a JSON object/);
    assert.match(all, /credentials\[2\]\.google\.file: .*credential type "authorized_user" is not supported/);
    assert.match(all, /credentials\[3\]\.google\.selfSignedJwt: .*selfSignedJwt needs a service_account key/);
    assert.match(all, /credentials\[4\]\.google\.subjectToken: .*subjectToken: caller needs an external_account file/);
    assert.match(all, /credentials\[5\]\.google\.file: .*the service_account key's private_key is not a PEM private key \(/);
    assert.match(all, /routes\[0\]\.credentials\[0\]\.credential: unknown credential "nope"/);
    assert.doesNotMatch(all, /PRIVATE KEY|MII/);
    second.credentials.close();
  });
});
