// `warden audit` with arguments it must refuse: one line on stderr, exit 2,
// before anything is read (and, for --table, before anything reaches SQL).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { Postgres, runAuditCli, sqliteLogFixture } from './helpers.js';

const KEY = Buffer.from('k'.repeat(64));

/** Runs each case as its own `warden audit` process, several at once. */
function refuses(cases: { name: string; args: () => string[]; err: () => string | RegExp }[]): void {
  for (const c of cases) {
    it(`refuses ${c.name}: one line, exit 2`, async () => {
      const r = await runAuditCli(c.args());
      assert.equal(r.code, 2, r.err);
      const err = c.err();
      if (typeof err === 'string') assert.equal(r.err, err + '\n');
      else assert.match(r.err, err);
      assert.equal(r.out, '');
    });
  }
}

describe('warden audit: config files and filters it cannot use', { concurrency: 4 }, () => {
  const log = sqliteLogFixture('warden-audit-args-', KEY, 3);
  refuses([
    ...['verify', 'query', 'export'].map((sub) => ({
      name: `a config file that is not there (${sub})`,
      args: () => [sub, '-c', join(log.dir, 'nope.yaml')],
      err: () => `warden audit ${sub}: ${join(log.dir, 'nope.yaml')}: cannot read config file: ENOENT: no such file or directory, open '${join(log.dir, 'nope.yaml')}'`,
    })),
    {
      name: 'a config file with problems, naming the first',
      args: () => (writeFileSync(join(log.dir, 'bad.yaml'), 'apiVersion: warden.dev/v1alpha1\nkind: Gateway\nmetadata: {name: t}\nspec: {nope: 1, nor: 2}\n'),
        ['verify', '-c', join(log.dir, 'bad.yaml')]),
      err: () => /^warden audit verify: .*bad\.yaml:4:\d+: [^\n]*\(and \d+ more: see `warden config check -c .*bad\.yaml`\)\n$/,
    },
    ...['0', 'abc', '1.9', '-1', '1e3'].map((n) => ({
      name: `--limit=${n}`,
      args: () => ['query', '--sqlite', log.db, `--limit=${n}`],
      err: () => `warden audit query: --limit: "${n}" is not a positive whole number`,
    })),
    {
      name: '--decision maybe',
      args: () => ['export', '--sqlite', log.db, '--decision', 'maybe'],
      err: () => 'warden audit export: --decision: "maybe" is neither allow nor deny',
    },
    {
      name: 'a bare number as a time (Date would read 5 as the year 2001)',
      args: () => ['query', '--sqlite', log.db, '--since', '5'],
      err: () => 'warden audit query: --since: "5" is neither an ISO time nor an age such as 30m, 12h, 7d',
    },
    ...[['--since', '1h'], ['--model', 'm'], ['--limit', '5'], ['-o', 'out.txt']].map(([flag, v]) => ({
      name: `a filter verify would not honour (${flag})`,
      args: () => ['verify', '--sqlite', log.db, '--key', log.keyFile, flag!, v!],
      err: () => `warden audit verify: --${flag === '-o' ? 'output' : flag!.slice(2)} is for query and export; verify always checks the whole log`,
    })),
    ...['not-a-url', 'postgres://user:pw@[bad/audit', 'mysql://db/audit'].map((url) => ({
      name: `--postgres ${url}`,
      args: () => ['query', '--postgres', url],
      err: () => 'warden audit query: --postgres: not a postgres:// URL (postgres://USER@HOST:PORT/DATABASE, the form of audit.postgres.url)',
    })),
    {
      name: 'an age too great for a date',
      args: () => ['query', '--sqlite', log.db, '--since', '99999999999d'],
      err: () => 'warden audit query: --since: "99999999999d" is before the earliest time a date can hold',
    },
  ]);
});

it('warden audit --help: usage on stdout, exit 0', async () => {
  const r = await runAuditCli(['--help']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^usage: warden audit <verify\|query\|export>/);
  assert.equal(r.err, '');
});

describe('warden audit --table, against a real PostgreSQL', () => {
  const log = sqliteLogFixture('warden-audit-args-pg-', KEY, 1);
  let server: Postgres;
  let db: pg.Client;
  before(async () => {
    server = await Postgres.create();
    db = new pg.Client({ connectionString: server.url });
    await db.connect();
    await db.query('CREATE TABLE victim (x int)');
  });
  after(async () => {
    await db?.end();
    await server?.destroy();
  });

  it('refuses a table name that is not an SQL identifier, and runs none of it', async () => {
    const table = 'warden_audit_checkpoints; drop table victim; --';
    const r = await runAuditCli(['verify', '--postgres', server.url, '--table', table, '--key', log.keyFile]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err, `warden audit verify: --table "${table}": not a lower-case SQL identifier (the rule for audit.postgres.table)\n`);
    assert.equal(r.out, '');
    assert.equal((await db.query(`SELECT to_regclass('victim') AS t`)).rows[0].t, 'victim');
  });
});
