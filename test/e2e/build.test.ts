// The build step: `npm ci` runs `prepare` (scripts/build.mjs), which compiles
// src/ into dist/, and bin/warden.js runs that. The other tests run the
// sources (WARDEN_SOURCE=1); this one builds and runs what a user runs, and
// checks that every place that tells the version says package.json's.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { sample } from '../helpers/metrics.js';
import { exited, jsonLines, until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const PACKAGE = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string; scripts: Record<string, string> };
/** The environment of a user's shell: no WARDEN_SOURCE. */
const { WARDEN_SOURCE: _, ...USER_ENV } = process.env;

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, args, { env: USER_ENV, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  return exited(child).then(({ code }) => ({ code, out }));
}

it('`npm ci` builds dist/, and the built warden tells package.json\'s version: --version, GET /version, warden_build_info, the start line', async () => {
  assert.match(PACKAGE.scripts.prepare, /npm run build\b/, 'npm ci runs the build');
  assert.match(PACKAGE.scripts.build, /scripts\/build\.mjs/);
  const built = await run(['scripts/build.mjs']);
  assert.equal(built.code, 0, built.out);

  const version = await run(['bin/warden.js', '--version']);
  assert.equal(version.code, 0);
  const m = /^warden (\S+)(?: \(([0-9a-f]{12})\))? node (\S+)\n$/.exec(version.out);
  assert.ok(m, version.out);
  assert.deepEqual([m[1], m[3]], [PACKAGE.version, process.versions.node]);

  const dir = makeTempDir('warden-build-');
  const file = join(dir, 'warden.yaml');
  const text = `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: built}
spec:
  listen: {port: 0}
  admin: {port: 0}
  routes: [{name: r, provider: vertex, upstream: "http://127.0.0.1:9"}]
  shutdown: {drainDelay: 0s}
`;
  writeFileSync(file, text);
  const proc = spawn(process.execPath, ['bin/warden.js', 'start', '-c', file], { env: USER_ENV, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const lines = jsonLines(proc.stdout);
    await until(() => lines.some((l) => l.msg === 'warden listening') || proc.exitCode !== null, 'the built warden to listen', 30_000);
    const start = lines.find((l) => l.msg === 'warden listening')!;
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
    assert.deepEqual([start.version, start.configHash], [PACKAGE.version, hash]);

    const info = (await (await fetch(`${start.admin}/version`)).json()) as Record<string, string>;
    assert.equal(info.version, PACKAGE.version);
    assert.equal(info.node, process.versions.node);
    assert.equal(info.configHash, hash);
    assert.ok(Date.now() - Date.parse(info.startTime) < 60_000, info.startTime);
    // The commit, when the build could tell it, is the same everywhere.
    assert.equal(info.commit?.slice(0, 12), m[2]);
    assert.equal(start.commit, info.commit);
    const metrics = await (await fetch(`${start.admin}/metrics`)).text();
    assert.equal(sample(metrics, 'warden_build_info', { version: PACKAGE.version, commit: info.commit ?? '', node: process.versions.node }), 1);

    proc.kill('SIGTERM');
    assert.deepEqual(await exited(proc), { code: 0, signal: null });
  } finally {
    proc.kill('SIGKILL');
    removeDir(dir);
  }
});
