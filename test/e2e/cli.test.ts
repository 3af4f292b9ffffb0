// The command line as a new user meets it: `warden demo` in an empty
// directory, `warden token` from the same directory, a first call; `warden
// config check` on a broken file; `warden emulator --write-credentials`.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { freePort, stopProcess, until, waitForOutput } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const WARDEN = resolve('bin/warden.js');
const run = promisify(execFile);

/** Runs `warden ARGS` in `cwd`; resolves with the exit code and output, whatever the code. */
async function warden(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // The timeout only stops a run that would otherwise keep going (a demo that started).
    const { stdout, stderr } = await run(process.execPath, [WARDEN, ...args], { cwd, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('warden demo, as a new user runs it', () => {
  let dir: string;
  let demo: ChildProcess;
  let gateway: string;
  let admin: string;
  before(async () => {
    dir = makeTempDir('warden-cli-');
    demo = spawn(process.execPath, [WARDEN, 'demo', '--port', '0', '--admin-port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    const m = await waitForOutput(demo, demo.stdout!, /gateway\s+(http:\S+)[\s\S]*console\s+(http:\S+)\/\s[\s\S]*Press Ctrl-C/, { what: 'warden demo', timeoutMs: 60_000 });
    gateway = m[1]!;
    admin = m[2]!;
  });
  after(async () => {
    await stopProcess(demo);
    removeDir(dir);
  });

  it('prints copy-paste lines that work: token, then an authenticated generateContent', async () => {
    const engineer = await warden(dir, 'token', '--sub', 'alice', '--group', 'ml-engineers');
    assert.equal(engineer.code, 0, engineer.stderr);
    const token = engineer.stdout.trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const url = `${gateway}/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent`;
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello, Warden' }] }] });
    const res = await fetch(url, { method: 'POST', body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    assert.equal(res.status, 200);
    assert.match(JSON.stringify(await res.json()), /Hello, Warden/);

    const analyst = (await warden(dir, 'token', '--sub', 'bob', '--group', 'analysts')).stdout.trim();
    const job = await fetch(`${gateway}/v1/projects/emulator-project/locations/us-central1/customJobs`, {
      method: 'POST', body: '{"displayName":"train"}', headers: { authorization: `Bearer ${analyst}`, 'content-type': 'application/json' },
    });
    assert.equal(job.status, 403);
    assert.equal(((await job.json()) as { error: { status: string } }).error.status, 'PERMISSION_DENIED');
    assert.equal((await fetch(`${admin}/healthz`)).status, 200);
    // The console the demo prints: its page, and sign-in at the dev issuer.
    assert.match(await (await fetch(`${admin}/`)).text(), /<title>Warden console<\/title>/);
    const login = await fetch(`${admin}/auth/login`, { redirect: 'manual' });
    assert.equal(login.status, 302);
    assert.match(login.headers.get('location')!, /\/oidc\/authorize\?response_type=code&client_id=warden-console&/);
  });

  it('leaves an ordinary config and an audit log the audit commands read', async () => {
    const config = join(dir, '.warden', 'demo', 'warden.yaml');
    assert.ok(existsSync(config));
    assert.equal((await warden(dir, 'config', 'check', '-c', config)).code, 0);
    // The demo's audit writer batches; poll the query until the call above shows.
    let out = '';
    await until(async () => (out = (await warden(dir, 'audit', 'query', '-c', config)).stdout).includes('gemini-2.0-flash'), 'the call in audit query', 15_000, 100);
    assert.match(out, /gemini-2\.0-flash/);
    assert.match(out, /alice/);
  });

  it('tells the user what to do when no demo runs', async () => {
    const empty = makeTempDir('warden-cli-empty-');
    try {
      const r = await warden(empty, 'token');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /npm start/);
    } finally {
      removeDir(empty);
    }
  });
});

describe('a second warden demo while one runs', () => {
  let dir: string;
  let demo: ChildProcess;
  let gateway: string;
  let port: number;
  let adminPort: number;
  before(async () => {
    dir = makeTempDir('warden-cli-twice-');
    port = await freePort();
    adminPort = await freePort();
    demo = spawn(process.execPath, [WARDEN, 'demo', '--port', String(port), '--admin-port', String(adminPort)], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    gateway = (await waitForOutput(demo, demo.stdout!, /gateway\s+(http:\S+)[\s\S]*Press Ctrl-C/, { what: 'warden demo', timeoutMs: 60_000 }))[1]!;
  });
  after(async () => {
    await stopProcess(demo);
    removeDir(dir);
  });

  /** Every file under .warden/demo except the audit log the running demo writes to, by path. */
  function demoFiles(): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    const root = join(dir, '.warden', 'demo');
    for (const f of readdirSync(root, { recursive: true, withFileTypes: true })) {
      const path = join(f.parentPath, f.name);
      if (f.isFile() && !f.name.startsWith('audit.db')) files.set(path, readFileSync(path));
    }
    return files;
  }

  async function assertFirstDemoAnswers(): Promise<void> {
    const token = (await warden(dir, 'token', '--sub', 'alice', '--group', 'ml-engineers')).stdout.trim();
    const res = await fetch(`${gateway}/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent`, {
      method: 'POST',
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'still there?' }] }] }),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    assert.equal(res.status, 200, await res.text());
  }

  it('on the same ports fails on the port before writing anything, and the first demo keeps working', async () => {
    const before = demoFiles();
    assert.ok([...before.keys()].some((f) => f.endsWith('service-account.json')));
    const second = await warden(dir, 'demo', '--port', String(port), '--admin-port', String(adminPort));
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`warden demo: cannot listen on 127\\.0\\.0\\.1:${port} .*the port is in use`));
    assert.deepEqual(demoFiles(), before);
    await assertFirstDemoAnswers();
  });

  it('on other ports, from the same directory, refuses before writing anything', async () => {
    const before = demoFiles();
    const second = await warden(dir, 'demo', '--port', '0', '--admin-port', '0');
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`warden demo: a demo is already running from this directory \\(gateway ${gateway}\\)`));
    assert.deepEqual(demoFiles(), before);
    await assertFirstDemoAnswers();
  });
});

describe('warden config check', () => {
  it('reports every problem with file, line and hint, exit 1', async () => {
    const dir = makeTempDir('warden-check-');
    try {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: bad}
spec:
  routes:
    - name: vertex
      provider: vertx
      upstream: https://us-central1-aiplatform.googleapis.com
      credential: missing
      timout: 30s
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p}
spec:
  rules:
    - when:
        - key: request.modle
          values: [gemini*]
`);
      const r = await warden(dir, 'config', 'check', '-c', file);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /bad\.yaml:7:\d+: .*provider/);
      assert.match(r.stderr, /bad\.yaml:10:\d+: .*timout[\s\S]*hint:/);
      assert.match(r.stderr, /bad\.yaml:18:\d+: .*request\.modle/);
      assert.equal((await warden(dir, 'start', '-c', file)).code, 1, 'start refuses the same file');
    } finally {
      removeDir(dir);
    }
  });
});

describe('warden config check hints and order', () => {
  let dir: string;
  before(() => {
    dir = makeTempDir('warden-check-hints-');
  });
  after(() => removeDir(dir));

  async function check(text: string): Promise<{ code: number; problems: string[] }> {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, text);
    const r = await warden(dir, 'config', 'check', '-c', file);
    // One problem: its `file:line:col: message` line and any `  hint:` line after it.
    return { code: r.code, problems: r.stderr.split(/\n(?=\S+c\.yaml:\d+:\d+: )/).map((p) => p.replace(/\n\n\d+ problems? in [\s\S]*$/, '').trim()) };
  }

  it('says "required" only for a field that is missing, not one of the wrong type', async () => {
    const r = await check(`apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: hints}
spec:
  listen: {port: "eighty"}
  routes:
    - name: vertex
      provider: vertex
      upstream: https://us-central1-aiplatform.googleapis.com
      maxBodyBytes: 10MB
    - name: no-upstream
      provider: vertex
`);
    assert.equal(r.code, 1);
    const port = r.problems.find((p) => p.includes('spec.listen.port'));
    assert.match(port ?? '', /expected number, received string/);
    assert.doesNotMatch(port!, /hint: this field is required/);
    const size = r.problems.find((p) => p.includes('maxBodyBytes'));
    assert.match(size ?? '', /expected number, received string/);
    assert.doesNotMatch(size!, /required/);
    assert.match(r.problems.find((p) => p.includes('spec.routes[1].upstream')) ?? '', /hint: this field is required/);
    assert.equal(r.problems.filter((p) => p.includes('required')).length, 1, r.problems.join('\n'));
  });

  it('suggests the known key a misspelt one is nearest to', async () => {
    const r = await check(`apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: typo}
spec:
  routes:
    - name: vertex
      provider: vertex
      upstrem: https://us-central1-aiplatform.googleapis.com
      xyzzy: 1
  credentials:
    - name: sa
      googel: {file: ./sa.json}
`);
    assert.equal(r.code, 1);
    assert.match(r.problems.find((p) => p.includes('upstrem')) ?? '', /:8:\d+: .*"upstrem"\n\s*hint: did you mean "upstream"\?/);
    assert.match(r.problems.find((p) => p.includes('googel')) ?? '', /:12:\d+: [\s\S]*hint: did you mean "google"\?/);
    // Nothing near: the keys that would do.
    assert.match(r.problems.find((p) => p.includes('xyzzy')) ?? '', /:9:\d+: [\s\S]*hint: remove or correct "xyzzy" \(known here: name, provider, .*upstream/);
  });

  it('reports problems in line order, whichever check found them', async () => {
    // The policy (compiled after the Gateway's checks) comes first in the file.
    const r = await check(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p}
spec:
  rules:
    - when:
        - key: request.modle
          values: [gemini*]
---
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: order}
spec:
  routes:
    - name: vertex
      provider: vertex
      upstream: https://us-central1-aiplatform.googleapis.com
      credential: missing
`);
    assert.equal(r.code, 1);
    const lines = r.problems.map((p) => Number(/c\.yaml:(\d+):/.exec(p)?.[1]));
    assert.deepEqual(lines, [7, 18], r.problems.join('\n'));
  });
});

describe('warden <command> --help', () => {
  // Asked-for help: the command's usage on stdout, nothing on stderr, exit 0.
  const commands = async () => {
    const top = await warden('.', '--help');
    assert.equal(top.code, 0);
    const list = /^commands:\n((?:  \S.*\n)+)/m.exec(top.stdout)?.[1];
    assert.ok(list, top.stdout);
    return list.split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/)[0]!);
  };
  it('lists the commands', async () => {
    assert.deepEqual(await commands(), ['start', 'demo', 'token', 'config', 'explain', 'audit', 'emulator', 'istio']);
  });
  for (const flag of ['--help', '-h']) {
    it(`every listed command ${flag}: its usage on stdout, exit 0`, async () => {
      // audit's help is being fixed separately (src/cli/audit.ts).
      for (const cmd of (await commands()).filter((c) => c !== 'audit')) {
        const r = await warden('.', cmd, flag);
        assert.equal(r.code, 0, `warden ${cmd} ${flag}: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`^usage: warden ${cmd}\\b`), `warden ${cmd} ${flag}`);
        assert.equal(r.stderr, '', `warden ${cmd} ${flag}`);
      }
    });
  }
  it('a config subcommand that does not exist: usage on stderr, exit 2', async () => {
    const r = await warden('.', 'config', 'chek');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown subcommand "chek"[\s\S]*usage: warden config check/);
  });
});

describe('warden emulator --write-credentials', () => {
  it('writes key files that point at the running emulator', async () => {
    const dir = makeTempDir('warden-emu-');
    const emu = spawn(process.execPath, [WARDEN, 'emulator', '--port', '0', '--write-credentials', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const m = await waitForOutput(emu, emu.stdout!, /listening on (http:\S+)[\s\S]*subject-token/, { what: 'warden emulator', timeoutMs: 30_000 });
      const sa = JSON.parse(readFileSync(join(dir, 'service-account.json'), 'utf8')) as { type: string; token_uri: string };
      assert.equal(sa.type, 'service_account');
      assert.equal(sa.token_uri, `${m[1]}/token`);
      const ext = JSON.parse(readFileSync(join(dir, 'external-account.json'), 'utf8')) as { type: string; token_url: string };
      assert.equal(ext.type, 'external_account');
      assert.ok(ext.token_url.startsWith(m[1]!));
      assert.ok(readFileSync(join(dir, 'subject-token.txt'), 'utf8').length > 20);
    } finally {
      await stopProcess(emu);
      removeDir(dir);
    }
  });
});
