// The spool keeps records as their canonical text (the HMAC's input), reads
// back spools written in the older one-JSON-object-per-line form, and cuts off
// a torn last line.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { Chain, recordHash } from '../../src/audit/chain.js';
import { Spool } from '../../src/audit/spool.js';
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
    const back = spool.read(1, 10);
    spool.close();
    assert.deepEqual(back.map((r) => r.seq), [1, 2]);
    for (const r of back) assert.equal(recordHash(KEY, r), r.hash, `seq ${r.seq} reads back as written`);
    assert.equal(back[1].prompt, 'a "quoted"\nprompt');
    assert.equal(back[1].traceId, undefined);
    assert.deepEqual(back[1].groups, ['ml-engineers']);
    assert.equal(back[1].prevHash, old.hash);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
