// Audit configuration problems are reported with file, line and hint, and
// the README's `audit: {sqlite: FILE}` keeps working.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { compileConfig } from '../../src/gateway.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-audit-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function problems(audit: string): Promise<{ line: number; message: string; hint?: string }[]> {
  const config = parseConfig(`apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  routes: [{name: r, provider: vertex, upstream: "http://127.0.0.1:1"}]
  audit:
${audit}
`, 'warden.yaml', dir);
  if (!config.problems.length) await compileConfig(config);
  return config.problems;
}

it('accepts the README shape, with the key generated later', async () => {
  assert.deepEqual((await problems('    sqlite: ./warden-audit.db')), []);
});

it('reports a PostgreSQL store without a key file, an unreadable key, a short key, and two stores', async () => {
  const pgNoKey = (await problems('    postgres: {url: "postgres://warden@db/warden"}'));
  assert.equal(pgNoKey.length, 1);
  assert.match(pgNoKey[0].message, /spec\.audit\.hmacKeyFile: a PostgreSQL audit store needs hmacKeyFile/);
  assert.match(pgNoKey[0].hint!, /same secret file/);

  const missing = (await problems('    sqlite: ./a.db\n    hmacKeyFile: ./nope.key'));
  assert.equal(missing[0].line, 8);
  assert.match(missing[0].message, /cannot read the HMAC key file/);

  writeFileSync(join(dir, 'short.key'), 'too-short\n');
  assert.match((await problems('    sqlite: ./a.db\n    hmacKeyFile: ./short.key'))[0].message, /shorter than 32 bytes/);

  assert.match((await problems('    sqlite: ./a.db\n    jsonl: "-"'))[0].message, /one audit store at a time/);
});

it('checks each of previousKeyFiles as it checks hmacKeyFile, naming the entry', async () => {
  writeFileSync(join(dir, 'old.key'), `${'o'.repeat(64)}\n`);
  writeFileSync(join(dir, 'short.key'), 'too-short\n');
  assert.deepEqual((await problems('    sqlite: ./a.db\n    previousKeyFiles: [./old.key]')), []);
  const bad = (await problems('    sqlite: ./a.db\n    previousKeyFiles: [./old.key, ./short.key, ./gone.key]'));
  assert.equal(bad.length, 2);
  assert.match(bad[0].message, /spec\.audit\.previousKeyFiles\[1\]: the HMAC key in .*short\.key is shorter than 32 bytes/);
  assert.match(bad[1].message, /spec\.audit\.previousKeyFiles\[2\]: cannot read the HMAC key file/);
});

it('takes a checkpoint interval between 1s and 24h', async () => {
  assert.deepEqual((await problems('    sqlite: ./a.db\n    checkpointInterval: 1s')), []);
  assert.deepEqual((await problems('    sqlite: ./a.db\n    checkpointInterval: 24h')), []);
  // 0 would pump the writer without pause; 1000h overflows Node's timers, which then fire every millisecond.
  for (const bad of ['0s', '500ms', '1000h']) {
    const p = (await problems(`    sqlite: ./a.db\n    checkpointInterval: ${bad}`));
    assert.equal(p.length, 1, bad);
    assert.match(p[0].message, /checkpointInterval: between 1s and 24h/);
    assert.equal(p[0].line, 8);
  }
});
