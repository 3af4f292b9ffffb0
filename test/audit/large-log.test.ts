// `warden audit verify` and `export` on a log far larger than the heap they
// are given: the store is read record by record, never held whole. At ~1 KB a
// record in memory, 60,000 records loaded at once need well over the 40 MB
// the child process may use; read as a stream they fit with room to spare.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runAuditCli, sqliteLogFixture } from './helpers.js';

const N = 60_000;
const HEAP_MB = 40;
const KEY = Buffer.from('k'.repeat(64));
/** `warden audit …` in a child process whose V8 heap is capped. */
const warden = (args: string[]) => runAuditCli(args, [`--max-old-space-size=${HEAP_MB}`]);

describe(`a ${N.toLocaleString('en')}-record log, read with a ${HEAP_MB} MB heap`, () => {
  const log = sqliteLogFixture('warden-large-log-', KEY, N, { checkpoint: true });

  it('verify counts every record', async () => {
    const r = await warden(['verify', '--sqlite', log.db, '--key', log.keyFile]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `OK: ${N} record(s) in 1 chain(s) verified, 1 checkpoint(s)\n`);
  });

  it('export writes every record as a JSON line, in order, then the checkpoint', async () => {
    const file = join(log.dir, 'export.jsonl');
    const r = await warden(['export', '--sqlite', log.db, '-o', file]);
    assert.equal(r.code, 0, r.err);
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, N + 1);
    assert.deepEqual([lines[0], lines[N / 2], lines[N - 1]].map((l) => JSON.parse(l!).seq), [1, N / 2 + 1, N]);
    assert.equal(JSON.parse(lines[N]!).checkpoint.seq, N);
  });

  it('verify names a record changed near the end', async () => {
    const tampered = join(log.dir, 'tampered.db');
    writeFileSync(tampered, readFileSync(log.db));
    const edit = new Database(tampered);
    edit.prepare(`UPDATE audit SET decision = 'allow' WHERE seq = ?`).run(N - 10);
    edit.close();
    const r = await warden(['verify', '--sqlite', tampered, '--key', log.keyFile]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, new RegExp(`^TAMPERED \\(changed\\): record seq ${N - 10} of chain replica-a \\(row ${N - 10}\\), request req-${N - 10} was changed`));
  });
});
