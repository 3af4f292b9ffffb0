// The response body's digest, one chunk or many; the record HMAC's exact bytes; SQLite's multi-row inserts.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BodyCapture } from '../../src/audit/capture.js';
import { Chain, recordHash } from '../../src/audit/chain.js';
import { canonical, FIELDS, fromCanonical, V1_FIELDS } from '../../src/audit/record.js';
import { SqliteAuditStore } from '../../src/audit/sqlite.js';
import { collect, sampleRecord } from './helpers.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('BodyCapture', () => {
  it('digests no chunk, one chunk and several chunks as the whole body', () => {
    for (const parts of [[], ['{"a":1}'], ['{"a":', '1', '}'], ['', 'x'], ['é', 'ü'.repeat(1000)]]) {
      const c = new BodyCapture(true);
      for (const p of parts) c.push(Buffer.from(p));
      const whole = Buffer.from(parts.join(''));
      assert.equal(c.sha256(), sha(whole));
      assert.equal(c.sha256(), sha(whole), 'the digest is cached');
      assert.equal(c.bytes, whole.length);
      assert.equal(c.text(), parts.join(''));
    }
  });
});

describe('recordHash', () => {
  it('is HMAC-SHA256(key, prevHash + "\\n" + canonical text), byte for byte as before', () => {
    const key = Buffer.from('k'.repeat(40));
    const r = { chain: 'c', seq: 2, prevHash: 'ab'.repeat(32) } as Parameters<typeof recordHash>[1];
    const text = '["c",2,"ünïcode ✓"]';
    const old = createHmac('sha256', key).update(r.prevHash).update('\n').update(text).digest('hex');
    assert.equal(recordHash(key, r, text), old);
  });
});

describe('SqliteAuditStore batches', () => {
  it('stores multi-row groups and remainders in order, each replayed record once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-sqlite-batch-'));
    try {
      const chain = new Chain('c', Buffer.alloc(32, 7));
      const recs = Array.from({ length: 47 }, (_, i) => chain.link(sampleRecord(i + 1)));
      const store = new SqliteAuditStore(join(dir, 'a.db'));
      await store.append(recs.slice(0, 23));
      await store.append(recs.slice(11, 47)); // a replay overlapping what is stored
      const got = await collect(store.records());
      assert.deepEqual(got.map((r) => r.seq), recs.map((r) => r.seq));
      assert.deepEqual(got.map((r) => r.hash), recs.map((r) => r.hash));
      assert.equal((await store.head('c'))?.seq, 47);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('canonical', () => {
  it('is the fields in FIELDS order, absent ones null, trailing later ones left out', () => {
    const generic = (r: Record<string, unknown>) => {
      const out: unknown[] = [r.chain, r.seq];
      for (const [name] of FIELDS) out.push(r[name] ?? null);
      while (out.length > V1_FIELDS + 2 && out[out.length - 1] === null) out.pop();
      return JSON.stringify(out);
    };
    const plain = { ...sampleRecord(3), chain: 'c', seq: 3 };
    const later = { ...sampleRecord(4, { quota: { rules: ['r'], estimatedTokens: 5 } }), chain: 'c', seq: 4 };
    const rebuilt = fromCanonical(JSON.parse(canonical(later)) as unknown[], '', 'h');
    for (const r of [plain, later, rebuilt]) assert.equal(canonical(r), generic(r as unknown as Record<string, unknown>));
    assert.equal(JSON.parse(canonical(plain)).length, V1_FIELDS + 2);
  });
});
