// `warden audit query` as its own process: what it prints for records whose
// fields a caller chose. `export` of a whole log, then `verify` on the export.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Chain } from '../../src/audit/chain.js';
import { SqliteAuditStore } from '../../src/audit/sqlite.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { runAuditCli, sampleRecord, sqliteLogFixture } from './helpers.js';

const KEY = Buffer.from('k'.repeat(64));

describe('warden audit query: one record, one line', () => {
  let dir: string;
  let db: string;
  // What a caller can put in the model (URL-decoded from the path): a line break and a whole forged record.
  const forged = `gemini-2.0-flash\tgenerateContent\tallow\t200\n2026-01-01T00:00:09.000Z\treq-forged\thttps://issuer.example/alice\tgemini`;
  before(async () => {
    dir = makeTempDir('warden-audit-query-');
    db = join(dir, 'audit.db');
    const chain = new Chain('replica-a', KEY);
    const store = new SqliteAuditStore(db);
    await store.append([1, 2, 3].map((i) => chain.link(sampleRecord(i, i === 2 ? { model: forged, policy: 'back\\slash\u2028\u0007' } : {}))));
    await store.close();
  });
  after(() => removeDir(dir));

  it('escapes control characters, line separators and backslashes in every field', async () => {
    const r = await runAuditCli(['query', '--sqlite', db]);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n').slice(0, -1);
    assert.deepEqual(lines.map((l) => l.split('\t')[1]), ['req-1', 'req-2', 'req-3']);
    assert.ok(lines.every((l) => l.split('\t').length === 13), r.out);
    const fields = lines[1]!.split('\t');
    assert.equal(fields[3], forged.replace(/\t/g, '\\t').replace(/\n/g, '\\n'));
    assert.equal(fields[8], 'back\\\\slash\\u2028\\u0007');
  });

  it('reads a time without an offset as UTC, as records are printed, whatever the local zone', async () => {
    const r = await runAuditCli(['query', '--sqlite', db, '--since', '2026-01-01T00:00:02'], [], { TZ: 'America/New_York' });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.split('\n').slice(0, -1).map((l) => l.split('\t')[1]), ['req-2', 'req-3']);
  });

  it('-o FILE: the lines go to the file, not stdout', async () => {
    const file = join(dir, 'query.txt');
    const r = await runAuditCli(['query', '--sqlite', db, '-o', file]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '');
    assert.equal(r.err, '3 record(s)\n');
    assert.deepEqual(readFileSync(file, 'utf8').split('\n').slice(0, -1).map((l) => l.split('\t')[1]), ['req-1', 'req-2', 'req-3']);
  });

  it('--route and --class (every training event): in SQLite, and in a JSON lines export of it', async () => {
    const mixed = join(dir, 'mixed.db');
    const chain = new Chain('replica-b', KEY);
    const store = new SqliteAuditStore(mixed);
    await store.append([
      sampleRecord(1),
      sampleRecord(2, { operation: 'training.create', operationClass: 'training', model: undefined }),
      sampleRecord(3, { route: 'openai', provider: 'openai' }),
      sampleRecord(4, { route: 'openai', provider: 'openai', operation: 'fine_tuning.jobs.create', operationClass: 'training' }),
    ].map((r) => chain.link(r)));
    await store.close();
    const jsonl = join(dir, 'mixed.jsonl');
    assert.equal((await runAuditCli(['export', '--sqlite', mixed, '-o', jsonl])).code, 0);
    for (const source of [['--sqlite', mixed], ['--jsonl', jsonl]]) {
      const ids = async (...args: string[]) => {
        const r = await runAuditCli(['query', ...source, ...args]);
        assert.equal(r.code, 0, r.err);
        return r.out.split('\n').slice(0, -1).map((l) => l.split('\t')[1]);
      };
      assert.deepEqual(await ids('--class', 'Training'), ['req-2', 'req-4']);
      assert.deepEqual(await ids('--route', 'openai'), ['req-3', 'req-4']);
      assert.deepEqual(await ids('--route', 'openai', '--class', 'inference'), ['req-3']);
    }
    const bad = await runAuditCli(['query', '--sqlite', mixed, '--class', 'tuning']);
    assert.equal(bad.code, 2);
    assert.equal(bad.err, 'warden audit query: --class: "tuning" is not one of inference, training, admin, tool, other\n');
    const verify = await runAuditCli(['verify', '--sqlite', mixed, '--key', join(dir, 'none.key'), '--class', 'training']);
    assert.equal(verify.code, 2, 'verify checks the whole log: it refuses the filter');
  });

  it('--limit N: the oldest N matching records; --decision in any case', async () => {
    const r = await runAuditCli(['query', '--sqlite', db, '--limit', '2', '--decision', 'ALLOW']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.split('\n').slice(0, -1).map((l) => l.split('\t')[1]), ['req-1', 'req-2']);
  });
});

describe('warden audit export of a whole log, verified', () => {
  const log = sqliteLogFixture('warden-audit-export-', KEY, 6, { checkpoint: true });

  it('keeps the checkpoints, so that a tail cut off the export is caught as it is in the store', async () => {
    const file = join(log.dir, 'export.jsonl');
    assert.equal((await runAuditCli(['export', '--sqlite', log.db, '-o', file])).code, 0);
    const lines = readFileSync(file, 'utf8').split('\n').slice(0, -1);
    assert.deepEqual(lines.map((l) => JSON.parse(l).seq ?? 'checkpoint'), [1, 2, 3, 4, 5, 6, 'checkpoint']);
    const ok = await runAuditCli(['verify', '--jsonl', file, '--key', log.keyFile]);
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.equal(ok.out, 'OK: 6 record(s) in 1 chain(s) verified, 1 checkpoint(s)\n');
    // The last two records cut off the copy: its checkpoint vouches for them.
    writeFileSync(file, [...lines.slice(0, 4), lines[6]].join('\n') + '\n');
    const cut = await runAuditCli(['verify', '--jsonl', file, '--key', log.keyFile]);
    assert.equal(cut.code, 1);
    assert.match(cut.out, /^TAMPERED \(removed\): records 5\.\.6 of chain replica-a were removed/);
  });

  it('a filtered export is records only', async () => {
    const r = await runAuditCli(['export', '--sqlite', log.db, '--decision', 'allow']);
    assert.equal(r.code, 0, r.err);
    assert.ok(!r.out.includes('"checkpoint"'), r.out);
  });
});
