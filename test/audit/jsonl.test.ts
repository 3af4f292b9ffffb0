// The JSON lines store under log rotation, as logrotate does it: renamed
// away (its default `create`), the file is made again at the path for the
// records that follow; cut short in place (`copytruncate`), the records go on
// at its new end. Either way the pieces, joined oldest first, verify whole.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { Chain } from '../../src/audit/chain.js';
import { JsonlAuditStore } from '../../src/audit/jsonl.js';
import { verifyStream } from '../../src/audit/verify.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { sampleRecord } from './helpers.js';

const KEY = Buffer.alloc(32, 3);
const dir = makeTempDir('warden-audit-jsonl-');
after(() => removeDir(dir));

async function check(file: string) {
  const store = new JsonlAuditStore(file);
  try {
    return await verifyStream(KEY, store.records(), await store.checkpoints());
  } finally {
    await store.close();
  }
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { seq?: number; checkpoint?: unknown });

for (const rotation of ['rename', 'copytruncate'] as const) {
  it(`writes on at the path after a ${rotation} rotation; the pieces joined oldest first verify`, async () => {
    const file = join(dir, `${rotation}.jsonl`);
    const old = `${file}.1`;
    const chain = new Chain('c', KEY);
    const store = new JsonlAuditStore(file);
    const batch = (from: number) => store.append([0, 1, 2].map((i) => chain.link(sampleRecord(from + i))));
    await batch(1);
    await store.checkpoint(chain.checkpoint(chain.position));
    if (rotation === 'rename') renameSync(file, old);
    else {
      copyFileSync(file, old);
      truncateSync(file, 0);
    }
    await batch(4);
    await store.checkpoint(chain.checkpoint(chain.position));
    await store.close();

    assert.deepEqual(lines(old).map((l) => l.seq ?? 'checkpoint'), [1, 2, 3, 'checkpoint'], 'the rotated piece holds what came before');
    assert.deepEqual(lines(file).map((l) => l.seq ?? 'checkpoint'), [4, 5, 6, 'checkpoint'], 'the path holds what came after, from its start');
    // The later piece alone is missing its beginning; both together are whole (docs/audit.md, Rotating a JSON lines log).
    const alone = await check(file);
    assert.equal(alone.problem?.kind, 'removed');
    const all = join(dir, `${rotation}-all.jsonl`);
    writeFileSync(all, readFileSync(old, 'utf8') + readFileSync(file, 'utf8'));
    const joined = await check(all);
    assert.equal(joined.ok, true, joined.problem?.message);
    assert.equal(joined.records, 6);
  });
}
