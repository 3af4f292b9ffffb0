// `warden audit` when it cannot do its job: one line on stderr naming what
// failed, exit 2 ("could not check", apart from verify's 1, "tampered"), never
// a stack trace, and never a password from a PostgreSQL URL.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Chain } from '../../src/audit/chain.js';
import { JsonlAuditStore } from '../../src/audit/jsonl.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { freePort } from '../helpers/process.js';
import { runAuditCli, sampleRecord, sqliteLogFixture } from './helpers.js';

const KEY = Buffer.from('k'.repeat(64));

describe('warden audit verify on a JSON lines log: where in the file', () => {
  let dir: string;
  let file: string;
  let keyFile: string;
  before(async () => {
    dir = makeTempDir('warden-audit-jsonl-');
    [file, keyFile] = [join(dir, 'audit.jsonl'), join(dir, 'audit.key')];
    writeFileSync(keyFile, KEY);
    const chain = new Chain('replica-a', KEY);
    const store = new JsonlAuditStore(file);
    await store.append([1, 2, 3].map((i) => chain.link(sampleRecord(i))));
    await store.close();
  });
  after(() => removeDir(dir));

  it('names the line of a changed record', async () => {
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(join(dir, 'changed.jsonl'), [lines[0], lines[1]!.replace('"allow"', '"deny"'), ...lines.slice(2)].join('\n'));
    const r = await runAuditCli(['verify', '--jsonl', join(dir, 'changed.jsonl'), '--key', keyFile]);
    assert.equal(r.code, 1);
    assert.match(r.out + r.err, /record seq 2 of chain replica-a \(line 2\)/);
  });

  it('names the line that is not JSON: could not check, exit 2', async () => {
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(join(dir, 'broken.jsonl'), [lines[0], '{damaged', ...lines.slice(2)].join('\n'));
    const r = await runAuditCli(['verify', '--jsonl', join(dir, 'broken.jsonl'), '--key', keyFile]);
    assert.equal(r.code, 2);
    assert.match(r.err, /line 2 is not a JSON record/);
    assert.doesNotMatch(r.err, /damaged/);
  });
});

describe('warden audit export into a reader that stops early (| head)', () => {
  const big = sqliteLogFixture('warden-audit-pipe-', KEY, 3000);
  it('ends quietly, exit 0, blaming nothing', async () => {
    const child = spawn(process.execPath, [join(import.meta.dirname, '../../bin/warden.js'), 'audit', 'export', '--sqlite', big.db], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    // Read one chunk, then close the pipe as `head -c 100` does.
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(err, '');
    assert.equal(code, 0);
  });
});

describe('warden audit: what it cannot read or write', () => {
  const log = sqliteLogFixture('warden-audit-cli-', KEY, 3);

  const cases: { name: string; args: () => string[]; err: () => RegExp }[] = [
    {
      name: 'a SQLite file that is not there',
      args: () => ['verify', '--sqlite', join(log.dir, 'missing.db'), '--key', log.keyFile],
      err: () => new RegExp(`^warden audit verify: cannot read the SQLite audit store ${join(log.dir, 'missing.db')}: unable to open database file\\n$`),
    },
    {
      name: 'a SQLite file Warden never wrote to (not "OK, 0 records")',
      args: () => (writeFileSync(join(log.dir, 'empty.db'), ''), ['verify', '--sqlite', join(log.dir, 'empty.db'), '--key', log.keyFile]),
      err: () => /^warden audit verify: cannot read the SQLite audit store .*empty\.db: no such table: audit\w* \(Warden never wrote an audit log there: check the file, database and table\)\n$/,
    },
    {
      name: 'a key file that is not there',
      args: () => ['verify', '--sqlite', log.db, '--key', join(log.dir, 'missing.key')],
      err: () => /^warden audit verify: cannot read the HMAC key: ENOENT: no such file or directory, open '.*missing\.key'\n$/,
    },
    {
      name: 'an empty key file (it would call every record changed)',
      args: () => (writeFileSync(join(log.dir, 'empty.key'), '\n'), ['verify', '--sqlite', log.db, '--key', join(log.dir, 'empty.key')]),
      err: () => /^warden audit verify: the HMAC key file .*empty\.key is empty\n$/,
    },
    {
      name: 'a key shorter than the config allows (32 bytes)',
      args: () => (writeFileSync(join(log.dir, 'short.key'), 'k'.repeat(31)), ['verify', '--sqlite', log.db, '--key', join(log.dir, 'short.key')]),
      err: () => /^warden audit verify: the HMAC key in .*short\.key is shorter than 32 bytes \(a key Warden would not write with\)\n$/,
    },
    {
      name: 'an export to a directory that is not there',
      args: () => ['export', '--sqlite', log.db, '-o', join(log.dir, 'no/such/dir/out.jsonl')],
      err: () => /^warden audit export: cannot write .*no\/such\/dir\/out\.jsonl: ENOENT: no such file or directory/,
    },
    {
      name: 'a JSON lines log on stdout (nothing to read back)',
      args: () => ['query', '--jsonl', '-'],
      err: () => /^warden audit query: cannot read the JSON lines audit log on stdout: cannot read audit records back from stdout\n$/,
    },
  ];
  for (const c of cases) {
    it(`names ${c.name}, exit 2`, async () => {
      const r = await runAuditCli(c.args());
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, c.err());
      assert.equal(r.out, '');
    });
  }

  it('names a PostgreSQL server that does not answer, without the password in its URL', async () => {
    const port = await freePort();
    const r = await runAuditCli(['verify', '--postgres', `postgres://warden:s3cret-pw@127.0.0.1:${port}/audit`, '--key', log.keyFile]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err, `warden audit verify: cannot read the PostgreSQL audit store postgres://warden:***@127.0.0.1:${port}/audit (table warden_audit): connect ECONNREFUSED 127.0.0.1:${port}\n`);
  });

  it('a wrong key: tampered (it cannot tell), exit 1, with a hint at the key', async () => {
    writeFileSync(join(log.dir, 'other.key'), 'o'.repeat(64));
    const r = await runAuditCli(['verify', '--sqlite', log.db, '--key', join(log.dir, 'other.key')]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /^TAMPERED \(changed\): record seq 1 of chain replica-a .*\nhint: the first record and the record after it fail their HMAC with this key: it is probably not the key the log was written with\n$/);
  });

  it('still verifies the log it can read: exit 0', async () => {
    const r = await runAuditCli(['verify', '--sqlite', log.db, '--key', log.keyFile]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'OK: 3 record(s) in 1 chain(s) verified, 0 checkpoint(s)\n');
  });
});
