// Checks a whole audit log: every record's HMAC, every link, the sequence of
// each chain in storage order, and every signed checkpoint. Reports the first
// problem per log as the kind of tampering it most plausibly is.
//
// The log is read once, in storage order, and never held: each chain keeps a
// few fields of state, so a log of any length verifies in constant memory.
// Two judgements need a record still to come — whether a record with a bad
// HMAC is followed by one that links around it, and whether a missing seq
// turns up later (moved) or never (removed) — so a chain with a problem stays
// open until the record that decides it, or the end of the log.
//
// A log may span a key change (audit.previousKeyFiles): each chain's records
// verify with one of the keys given, and a chain moves from key to key only
// forward — once its records verify with another key, a later record that
// verifies only with a key it left is not accepted, so a retired (perhaps
// leaked) key cannot add records after the change.
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
  /** Records written again, unchanged, by a replay after a crash (JSON lines to stdout; counted in `records`). */
  repeated: number;
  problem?: VerifyProblem;
  /** Set when the key itself is in doubt: nothing checked with it matched (see LogVerifier.keyDoubt). */
  hint?: string;
  /** Where a chain's records go on under another key of those given (the first record under it). */
  keyChanges: { chain: string; seq: number }[];
}

/** A record as read back from a store, with the store's own row id. */
export type StoredRecord = ChainedRecord & { storeId?: string | number };

export interface VerifyOptions {
  /**
   * Whether the store may hold a replay: records written again, unchanged, after a crash. Only the
   * JSON lines store (stdout cannot be read back to see where it stopped) writes them; in SQLite or
   * PostgreSQL, which refuse a seq they hold, a record that appears twice was put in.
   */
  replays?: boolean;
}

/** `records` in storage order (all chains interleaved, as written); `keys`: the HMAC key, or every key the log was written with. */
export function verify(keys: Buffer | Buffer[], records: Iterable<StoredRecord>, checkpoints: Checkpoint[], opts: VerifyOptions = {}): VerifyResult {
  const v = new LogVerifier(keys, checkpoints, opts.replays ?? false);
  for (const r of records) v.add(r);
  return v.result();
}

/** The same, reading the records as a store streams them. */
export async function verifyStream(keys: Buffer | Buffer[], records: AsyncIterable<StoredRecord>, checkpoints: Checkpoint[], opts: VerifyOptions = {}): Promise<VerifyResult> {
  const v = new LogVerifier(keys, checkpoints, opts.replays ?? false);
  for await (const r of records) v.add(r);
  return v.result();
}

type Link = { seq: number; hash: string };

/** One chain's state while the log is read. */
interface ChainState {
  name: string;
  /** The last record that linked: every seq 1..prev.seq has been seen, in order. */
  prev: Link;
  /** The seq of the chain's last record in storage order (checkpoints vouch up to here). */
  lastSeq: number;
  /** The highest seq a checkpoint claims; a bad record past it at the tail was added, not edited. */
  vouched: number;
  /** This chain's checkpoints by seq, and whether the record there matched each. */
  checkpoints: Map<number, Checkpoint[]>;
  mismatched: Map<Checkpoint, StoredRecord>;
  /** The index of the key the chain's records verify with so far (-1 before its first good record), and those it left. */
  key: number;
  leftKeys: Set<number>;
  /** Settled: the chain's first problem. */
  problem?: VerifyProblem;
  /** A record with a bad HMAC, judged by the record after it. */
  forged?: { record: StoredRecord; prev: Link };
  /** A record that skipped seq `missing`: moved if that seq comes later, removed if never. */
  gap?: { record: StoredRecord; prev: Link; missing: number };
  /**
   * A run of records already seen, written again: a replay after a crash
   * (the JSON lines store on stdout cannot read back where it stopped). It
   * must link on from its first record, each HMAC good, up to the chain's
   * last record and end at that very record (`at.hash === upTo.hash`): as
   * each hash covers the one before, the whole run is then the same records.
   */
  replay?: { first: StoredRecord; at: Link; upTo: Link };
}

class LogVerifier {
  private readonly chains = new Map<string, ChainState>();
  private count = 0;
  private repeated = 0;
  /**
   * The log's first record failed its HMAC: with a wrong key every record and
   * checkpoint would. The record after it in its chain and the checkpoints
   * are checked with the key too; if none of them matches either, the key is
   * more likely wrong than the whole log rewritten (which verify cannot tell apart).
   */
  private keyDoubt?: { first: StoredRecord; next?: boolean };
  private readonly keys: Buffer[];
  private readonly keyChanges: VerifyResult['keyChanges'] = [];

  constructor(keys: Buffer | Buffer[], private readonly cps: Checkpoint[], private readonly replays: boolean) {
    this.keys = Array.isArray(keys) ? keys : [keys];
    if (!this.keys.length) throw new Error('verify needs a key');
  }

  add(r: StoredRecord): void {
    this.count++;
    const c = this.chain(r.chain);
    c.lastSeq = r.seq;
    const vouching = c.checkpoints.get(r.seq);
    if (vouching) {
      for (const cp of vouching) if (!c.mismatched.has(cp) && !sameHex(r.hash, cp.hash)) c.mismatched.set(cp, r);
      // Only the first record at a checkpointed seq is compared, as a reader looking it up would find it.
      c.checkpoints.delete(r.seq);
    }
    if (c.forged) return this.judgeForged(c, r);
    if (c.replay) return this.stepReplay(c, c.replay, r);
    if (c.gap) {
      if (r.seq === c.gap.missing) c.problem = reordered(c.gap.record, c.gap.missing);
      if (c.problem) c.gap = undefined;
      return;
    }
    if (!c.problem) this.step(c, r);
  }

  result(): VerifyResult {
    for (const c of this.chains.values()) {
      if (c.forged) this.judgeForged(c, undefined);
      if (c.gap) c.problem = removed(c.name, c.gap.prev, c.gap.record);
      if (c.replay) c.problem = twice(c.replay.first);
    }
    const result: VerifyResult = { ok: true, records: this.count, chains: this.chains.size, checkpoints: this.cps.length, repeated: this.repeated, keyChanges: this.keyChanges };
    // Chains in the order they first appear, then the checkpoints.
    const problem = [...this.chains.values()].find((c) => c.problem)?.problem ?? this.checkpointProblem();
    return problem ? Object.assign(result, { ok: false, problem }, this.wrongKeyHint()) : result;
  }

  private wrongKeyHint(): { hint: string } | undefined {
    if (!this.keyDoubt) return undefined;
    const { next } = this.keyDoubt;
    const cpsBad = this.cps.every((cp) => !this.signed(cp));
    // Nothing else checked: one record cannot tell a wrong key from an edit.
    if (next === true || !cpsBad || (next === undefined && !this.cps.length)) return undefined;
    const others = [next === false && 'the record after it', this.cps.length && `every checkpoint (${this.cps.length})`].filter(Boolean).join(' and ');
    return { hint: `the first record and ${others} fail their HMAC with ${this.keys.length > 1 ? 'every key given: they are probably not the keys' : 'this key: it is probably not the key'} the log was written with` };
  }

  private chain(name: string): ChainState {
    let c = this.chains.get(name);
    if (!c) {
      c = { name, prev: { seq: 0, hash: '' }, lastSeq: 0, vouched: 0, checkpoints: new Map(), mismatched: new Map(), key: -1, leftKeys: new Set() };
      for (const cp of this.cps) {
        if (cp.chain !== name) continue;
        c.vouched = Math.max(c.vouched, cp.seq);
        const same = c.checkpoints.get(cp.seq);
        if (same) same.push(cp);
        else c.checkpoints.set(cp.seq, [cp]);
      }
      this.chains.set(name, c);
    }
    return c;
  }

  private step(c: ChainState, r: StoredRecord): void {
    const prev = c.prev;
    if (!this.sealed(c, r)) {
      if (this.count === 1) this.keyDoubt = { first: r };
      c.forged = { record: r, prev };
      return;
    }
    if (r.seq === prev.seq + 1 && r.prevHash === prev.hash) {
      c.prev = { seq: r.seq, hash: r.hash };
      return;
    }
    // Every seq up to prev.seq has been seen once already: written again by a replay, or put in twice.
    if (r.seq >= 1 && r.seq <= prev.seq) {
      if (this.replays) this.stepReplay(c, undefined, r);
      else c.problem = twice(r);
    }
    else if (r.seq <= prev.seq) c.problem = reordered(r, prev.seq + 1);
    else if (r.seq > prev.seq + 1) c.gap = { record: r, prev, missing: prev.seq + 1 };
    else c.problem = at(r, 'changed', `record ${describe(r)} does not link to its predecessor`);
  }

  /** `r` (its HMAC good) in a replayed run, or starting one; a run that goes astray was put in, not replayed. */
  private stepReplay(c: ChainState, replay: ChainState['replay'], r: StoredRecord): void {
    // A replay repeats records already checked, whichever key they were written with.
    const good = this.keys.some((k) => sameHex(recordHash(k, r), r.hash));
    if (!replay) {
      c.replay = { first: r, at: { seq: r.seq, hash: r.hash }, upTo: c.prev };
      this.repeated++;
    } else if (good && r.seq === replay.at.seq + 1 && r.prevHash === replay.at.hash) {
      replay.at = { seq: r.seq, hash: r.hash };
      this.repeated++;
    } else {
      c.problem = good ? twice(replay.first) : at(r, 'changed', `record ${describe(r)} was changed after it was written (its HMAC does not match its content)`);
      c.replay = undefined;
      return;
    }
    const done = c.replay!;
    if (done.at.seq < done.upTo.seq) return;
    c.replay = undefined;
    if (!sameHex(done.at.hash, done.upTo.hash)) c.problem = twice(done.first);
  }

  /**
   * Whether `r`'s HMAC matches under the chain's key, or under another of
   * the keys given that the chain has not left: it moves on to that key then.
   */
  private sealed(c: ChainState, r: StoredRecord): boolean {
    if (c.key >= 0 && sameHex(recordHash(this.keys[c.key]!, r), r.hash)) return true;
    const next = this.keys.findIndex((k, i) => i !== c.key && !c.leftKeys.has(i) && sameHex(recordHash(k, r), r.hash));
    if (next < 0) return false;
    if (c.key >= 0) {
      c.leftKeys.add(c.key);
      this.keyChanges.push({ chain: c.name, seq: r.seq });
    }
    c.key = next;
    return true;
  }

  /** A checkpoint signed with any of the keys given. */
  private signed(cp: Checkpoint): boolean {
    return this.keys.some((k) => sameHex(checkpointSignature(k, cp), cp.signature));
  }

  /**
   * A record that does not fit its place, whose neighbours still link around it, or that was appended
   * past the last checkpoint, was slipped in; one that fits was edited in place.
   */
  private judgeForged(c: ChainState, next: StoredRecord | undefined): void {
    const { record: r, prev } = c.forged!;
    c.forged = undefined;
    if (next && this.keyDoubt?.first === r) this.keyDoubt.next = this.keys.some((k) => sameHex(recordHash(k, next), next.hash));
    const fits = r.seq === prev.seq + 1 && r.prevHash === prev.hash;
    const appended = !next && c.vouched > 0 && r.seq > c.vouched;
    const twice = r.seq >= 1 && r.seq <= prev.seq;
    c.problem = !fits || appended || twice || (next && next.prevHash === prev.hash && next.seq === prev.seq + 1)
      ? at(r, 'inserted', `record ${describe(r)} was not written by Warden (its HMAC does not match) and does not belong in the chain`)
      : at(r, 'changed', `record ${describe(r)} was changed after it was written (its HMAC does not match its content)`);
  }

  private checkpointProblem(): VerifyProblem | undefined {
    for (const cp of this.cps) {
      const problem = (kind: TamperKind, seq: number, message: string): VerifyProblem => ({ kind, chain: cp.chain, seq, message });
      if (!this.signed(cp)) {
        return problem('checkpoint', cp.seq, `checkpoint at seq ${cp.seq} of chain ${cp.chain} has an invalid signature`);
      }
      const c = this.chains.get(cp.chain);
      const last = c?.lastSeq ?? 0;
      if (cp.seq > last) {
        // Name all that is missing: up to the highest seq a good checkpoint of this chain vouches for.
        const top = this.cps.filter((x) => x.chain === cp.chain && x.seq > cp.seq && this.signed(x))
          .reduce((a, b) => (b.seq > a.seq ? b : a), cp);
        return problem('removed', last + 1, `records ${last + 1}..${top.seq} of chain ${cp.chain} were removed (a checkpoint signed at ${top.time} vouches for seq ${top.seq})`);
      }
      const r = c?.mismatched.get(cp);
      if (r) return problem('changed', cp.seq, `record ${describe(r)} differs from the one checkpointed at ${cp.time}`);
    }
    return undefined;
  }
}

function at(r: StoredRecord, kind: TamperKind, message: string): VerifyProblem {
  return { kind, chain: r.chain, seq: r.seq, storeId: r.storeId, message };
}

function twice(r: StoredRecord): VerifyProblem {
  return at(r, 'inserted', `record ${describe(r)} appears twice`);
}

function reordered(r: StoredRecord, expected: number): VerifyProblem {
  return at(r, 'reordered', `record ${describe(r)} is out of order: expected seq ${expected} here`);
}

function removed(chain: string, prev: Link, r: StoredRecord): VerifyProblem {
  return { kind: 'removed', chain, seq: prev.seq + 1, storeId: r.storeId,
    message: `records ${prev.seq + 1}..${r.seq - 1} of chain ${chain} were removed (the log jumps from seq ${prev.seq} to ${r.seq})` };
}

function describe(r: StoredRecord): string {
  // A SQL store's row id, or where a file store has the record (`line 12`).
  const where = r.storeId === undefined ? '' : typeof r.storeId === 'number' ? ` (row ${r.storeId})` : ` (${r.storeId})`;
  return `seq ${r.seq} of chain ${r.chain}${where}, request ${r.requestId}`;
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
