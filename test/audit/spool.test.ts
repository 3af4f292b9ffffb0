// The spool keeps records as their canonical text (the HMAC's input), reads
// back spools written in the older one-JSON-object-per-line form, and cuts off
// a torn last line. One process at a time holds a spool.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { Chain, recordHash } from '../../src/audit/chain.js';
import { Spool, SpoolInUseError } from '../../src/audit/spool.js';
import { waitForOutput } from '../helpers/process.js';
import { sampleRecord } from './helpers.js';

const KEY = Buffer.from('s'.repeat(64));

it('reads back canonical-text lines and old JSON lines, and cuts a torn tail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-spool-'));
  try {
    const chain = new Chain('c', KEY);
    const old = chain.link(sampleRecord(1));
    writeFileSync(join(dir, 'seg-000000000001.jsonl'), JSON.stringify(old) + '\n');
    let spool = Spool.open(dir);
    const rec = chain.link(sampleRecord(2, { prompt: 'a "quoted"\nprompt', traceId: undefined }));
    spool.append(rec, chain.lastCanonical);
    spool.flush();
    spool.close();
    const last = readdirSync(dir).filter((f) => f.startsWith('seg-')).sort().at(-1)!;
    appendFileSync(join(dir, last), '["torn",');
    spool = Spool.open(dir);
    const { records: back, lines } = spool.read(1, 10);
    spool.close();
    assert.deepEqual(back.map((r) => r.seq), [1, 2]);
    for (const r of back) assert.equal(recordHash(KEY, r), r.hash, `seq ${r.seq} reads back as written`);
    assert.equal(back[1].prompt, 'a "quoted"\nprompt');
    assert.equal(back[1].traceId, undefined);
    assert.deepEqual(back[1].groups, ['ml-engineers']);
    assert.equal(back[1].prevHash, old.hash);
    assert.deepEqual(lines, [JSON.stringify(old) + '\n', `["${rec.hash}","${rec.prevHash}",${chain.lastCanonical}]\n`], 'each record comes with its line as written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('reads back while records are still appended: each line parsed once, across segments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-spool-'));
  try {
    const chain = new Chain('c', KEY);
    const spool = Spool.open(dir);
    // ~2 KB lines, written 100 at a time as event-loop turns would: 5,000 of them fill two 4 MB segments and start a third.
    const written: string[] = [];
    const append = (n: number) => {
      for (let i = 0; i < n; i++) {
        const r = chain.link(sampleRecord(written.length + 1, { reason: 'r'.repeat(1500) }));
        written.push(spool.append(r, chain.lastCanonical));
        if (written.length % 100 === 0) spool.flush();
      }
      spool.flush();
    };
    append(100);
    const first = spool.read(1, 10);
    assert.deepEqual(first.records.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The sink stored 1..10; more arrive; the next read starts at 11.
    append(4900);
    let from = 11;
    const again = spool.read(from, 3);
    assert.deepEqual(again.records.map((r) => r.seq), [11, 12, 13]);
    // Parsed once: a later read of the same seq hands over the very same object.
    assert.equal(spool.read(from, 1).records[0], again.records[0]);
    const seen: number[] = [];
    const lines: string[] = [];
    for (;;) {
      const batch = spool.read(from, 500);
      if (!batch.records.length) break;
      seen.push(...batch.records.map((r) => r.seq));
      lines.push(...batch.lines);
      from = batch.records.at(-1)!.seq + 1;
      if (from > 2000 && written.length === 5000) append(1); // one more while reading
    }
    assert.deepEqual(seen, Array.from({ length: 4991 }, (_, i) => i + 11));
    assert.deepEqual(lines, written.slice(10));
    assert.ok(readdirSync(dir).filter((f) => f.startsWith('seg-')).length >= 3, 'the records span several segments');
    spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('keeps whole lines when the disk fills mid-write: a cut-short write is cut back off, and a later one lands after the last whole chunk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-spool-'));
  try {
    // A child whose files may not grow past 8 KiB (`ulimit -f`): a write that crosses it is cut
    // short, the next fails with EFBIG, as on a full disk. Chunks of ~3 KB: the third crosses it.
    const script = `
      import { Chain } from ${JSON.stringify(new URL('../../src/audit/chain.ts', import.meta.url).href)};
      import { Spool } from ${JSON.stringify(new URL('../../src/audit/spool.ts', import.meta.url).href)};
      import { sampleRecord } from ${JSON.stringify(new URL('./helpers.ts', import.meta.url).href)};
      const chain = new Chain('c', Buffer.from(${JSON.stringify(KEY.toString())}));
      const spool = Spool.open(${JSON.stringify(dir)});
      const turn = (n, size) => {
        for (let i = 0; i < n; i++) { const r = chain.link(sampleRecord(chain.position.seq + 1, { reason: 'r'.repeat(size) })); spool.append(r, chain.lastCanonical); }
        try { spool.write(spool.take()); return 'written'; } catch (e) { return e.code; }
      };
      console.log(JSON.stringify([turn(3, 600), turn(3, 600), turn(3, 600), turn(1, 100)]));
    `;
    const out = execFileSync('bash', ['-c', 'ulimit -f 8 && exec "$0" --import tsx --input-type=module -e "$1"', process.execPath, script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), ['written', 'written', 'EFBIG', 'written']);
    const spool = Spool.open(dir);
    const { records } = spool.read(1, 100);
    spool.close();
    // Records 7-9 were refused whole; record 10, written after them, follows 1-6 intact.
    assert.deepEqual(records.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 10]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('is held by one process at a time: a second one is refused while the first lives, and takes over once it was killed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-spool-'));
  try {
    // Two replicas configured with one spool directory (and chain): the second would read the first's segments as its own.
    const script = `
      import { Spool } from ${JSON.stringify(new URL('../../src/audit/spool.ts', import.meta.url).href)};
      Spool.open(${JSON.stringify(dir)});
      console.log('open');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await waitForOutput(child, child.stdout!, /open/, { what: 'the first spool holder' });
    assert.throws(() => Spool.open(dir), (e: Error) => e instanceof SpoolInUseError && e.message.includes(`in use by process ${child.pid}`));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // Its lock is left behind (no close), but its process is gone.
    const spool = Spool.open(dir);
    spool.close();
    assert.equal(existsSync(join(dir, 'lock')), false, 'close lets go of the lock');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
