// `warden audit` with arguments it must refuse: one line on stderr, exit 2,
// before anything is read (and, for --table, before anything reaches SQL).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { Postgres, runAuditCli, sqliteLogFixture } from './helpers.js';

const KEY = Buffer.from('k'.repeat(64));

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
    assert.equal(r.err, `warden audit: --table "${table}": not a lower-case SQL identifier (the rule for audit.postgres.table)\n`);
    assert.equal(r.out, '');
    assert.equal((await db.query(`SELECT to_regclass('victim') AS t`)).rows[0].t, 'victim');
  });
});
