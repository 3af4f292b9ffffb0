// Checks a whole audit log: every record's HMAC, every link, the sequence of
// each chain in storage order, and every signed checkpoint. Reports the first
// problem per log as the kind of tampering it most plausibly is.
import { timingSafeEqual } from 'node:crypto';
import { checkpointSignature, recordHash } from './chain.js';
import type { ChainedRecord, Checkpoint } from './record.js';

export type TamperKind = 'changed' | 'inserted' | 'reordered' | 'removed' | 'checkpoint';

export interface VerifyProblem {
  kind: TamperKind;
  chain: string;
  /** Sequence number the problem is at (for `removed`: the first missing one). */
  seq: number;
  /** The store's own id of the offending row, when the store has one. */
  storeId?: string | number;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  chains: number;
  checkpoints: number;
  problem?: VerifyProblem;
}

/** A record as read back from a store, with the store's own row id. */
export type StoredRecord = ChainedRecord & { storeId?: string | number };

/** `records` in storage order (all chains interleaved, as written). */
export function verify(key: Buffer, records: StoredRecord[], checkpoints: Checkpoint[]): VerifyResult {
  const byChain = new Map<string, StoredRecord[]>();
  for (const r of records) {
    let list = byChain.get(r.chain);
    if (!list) byChain.set(r.chain, (list = []));
    list.push(r);
  }
  const result: VerifyResult = { ok: true, records: records.length, chains: byChain.size, checkpoints: checkpoints.length };
  for (const [chain, list] of byChain) {
    const vouched = Math.max(0, ...checkpoints.filter((c) => c.chain === chain).map((c) => c.seq));
    const problem = verifyChain(key, chain, list, vouched);
    if (problem) return { ...result, ok: false, problem };
  }
  for (const c of checkpoints) {
    const problem = verifyCheckpoint(key, c, byChain.get(c.chain) ?? []);
    if (problem) return { ...result, ok: false, problem };
  }
  return result;
}

/** `vouched`: the highest seq a checkpoint claims; a bad record past it at the tail was added, not edited. */
function verifyChain(key: Buffer, chain: string, list: StoredRecord[], vouched: number): VerifyProblem | undefined {
  const seqs = new Set(list.map((r) => r.seq));
  const seen = new Set<number>();
  let prev: { seq: number; hash: string } = { seq: 0, hash: '' };
  for (let i = 0; i < list.length; i++) {
    const r = list[i];
    const at = (kind: TamperKind, message: string): VerifyProblem => ({ kind, chain, seq: r.seq, storeId: r.storeId, message });
    if (!sameHex(recordHash(key, r), r.hash)) {
      // A record that does not fit its place, whose neighbours still link around it, or that was appended
      // past the last checkpoint, was slipped in; one that fits was edited in place.
      const next = list[i + 1];
      const fits = r.seq === prev.seq + 1 && r.prevHash === prev.hash;
      const appended = !next && vouched > 0 && r.seq > vouched;
      if (!fits || appended || seen.has(r.seq) || (next && next.prevHash === prev.hash && next.seq === prev.seq + 1)) {
        return at('inserted', `record ${describe(r)} was not written by Warden (its HMAC does not match) and does not belong in the chain`);
      }
      return at('changed', `record ${describe(r)} was changed after it was written (its HMAC does not match its content)`);
    }
    if (r.seq === prev.seq + 1 && r.prevHash === prev.hash) {
      seen.add(r.seq);
      prev = { seq: r.seq, hash: r.hash };
      continue;
    }
    if (seen.has(r.seq)) return at('inserted', `record ${describe(r)} appears twice`);
    if (r.seq <= prev.seq || (r.seq > prev.seq + 1 && seqs.has(prev.seq + 1))) {
      return at('reordered', `record ${describe(r)} is out of order: expected seq ${prev.seq + 1} here`);
    }
    if (r.seq > prev.seq + 1) {
      return { kind: 'removed', chain, seq: prev.seq + 1, storeId: r.storeId,
        message: `records ${prev.seq + 1}..${r.seq - 1} of chain ${chain} were removed (the log jumps from seq ${prev.seq} to ${r.seq})` };
    }
    return at('changed', `record ${describe(r)} does not link to its predecessor`);
  }
  return undefined;
}

function verifyCheckpoint(key: Buffer, c: Checkpoint, list: StoredRecord[]): VerifyProblem | undefined {
  const at = (kind: TamperKind, seq: number, message: string): VerifyProblem => ({ kind, chain: c.chain, seq, message });
  if (!sameHex(checkpointSignature(key, c), c.signature)) {
    return at('checkpoint', c.seq, `checkpoint at seq ${c.seq} of chain ${c.chain} has an invalid signature`);
  }
  const last = list.at(-1)?.seq ?? 0;
  if (c.seq > last) {
    return at('removed', last + 1, `records ${last + 1}..${c.seq} of chain ${c.chain} were removed (a checkpoint signed at ${c.time} vouches for seq ${c.seq})`);
  }
  const r = list.find((x) => x.seq === c.seq);
  if (r && !sameHex(r.hash, c.hash)) return at('changed', c.seq, `record ${describe(r)} differs from the one checkpointed at ${c.time}`);
  return undefined;
}

function describe(r: StoredRecord): string {
  return `seq ${r.seq} of chain ${r.chain}${r.storeId !== undefined ? ` (row ${r.storeId})` : ''}, request ${r.requestId}`;
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
