// Ownership of server-side state (issue: one caller must not read or reuse
// another's interactions, context caches or batch jobs). Admission looks up
// the owner of the resource a call acts on or uses (Target.resource) and
// refuses anyone else (`enforce: owner`), or leaves the decision to policy
// (`enforce: policy`, the key request.resource.owner); the answer of a call
// that creates one (Target.creates) names it, and its creator is recorded
// before the caller has the whole answer; a list is cut to the caller's own.
import { WardenError } from '../errors.js';
import type { OwnedKind, Principal, Target } from '../types.js';
import type { OwnerStore } from './store.js';

export interface OwnershipSettings {
  store: OwnerStore;
  /** `owner`: only the creator; `policy`: AuthorizationPolicy decides, on request.resource.owner. */
  enforce: 'owner' | 'policy';
  /** How long an owner is kept (longer than the resource lives upstream). */
  ttlMs: number;
}

/** The caller as ownership knows it: the request principal (a JWT's iss/sub, an API key's), else the workload. */
export function ownerOf(p: Principal): string {
  return p.requestPrincipal ?? (p.sourcePrincipal !== undefined ? `spiffe://${p.sourcePrincipal}` : 'anonymous');
}

export class Ownership {
  constructor(readonly settings: OwnershipSettings) {}

  /**
   * Before authorize: the owner of the resource the call acts on, on the target
   * (`owner`), refused when unknown or (enforce: owner) not the caller's; for a
   * list, the caller's resources. Undefined when the call touches none.
   */
  async admit(principal: Principal, target: Target): Promise<OwnershipTicket | undefined> {
    if (target.resource === undefined && target.creates === undefined && target.lists === undefined) return undefined;
    const caller = ownerOf(principal);
    if (target.resource !== undefined) {
      const owner = await this.read(() => this.settings.store.owner(target.resource!));
      if (owner === undefined) {
        throw new WardenError('PERMISSION_DENIED', 'OWNER_UNKNOWN',
          `Warden has no record of who created ${target.resource}: only resources created through Warden can be used through it`);
      }
      target.owner = owner;
      if (this.settings.enforce === 'owner' && owner !== caller) {
        throw new WardenError('PERMISSION_DENIED', 'NOT_OWNER', `${target.resource} belongs to another caller`);
      }
    }
    const owned = target.lists !== undefined ? await this.read(() => this.settings.store.owned(caller)) : undefined;
    return new OwnershipTicket(this.settings, caller, target, owned);
  }

  private async read<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw new WardenError('UNAVAILABLE', 'OWNERSHIP_UNAVAILABLE', 'the store of resource owners cannot be read; calls on tracked resources are refused until it can', { cause: e });
    }
  }
}

/** Largest answer read for a created resource's name, or cut to the caller's own (a list). */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** One call's part in ownership, on the answer side (answer/answer.ts). */
export class OwnershipTicket {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private pending?: Promise<void>;
  private seen = false;
  private sse = '';

  constructor(
    private readonly settings: OwnershipSettings,
    private readonly caller: string,
    private readonly target: Target,
    private readonly owned: ReadonlySet<string> | undefined,
  ) {}

  /** Whether a successful answer is rewritten (a list cut to the caller's own). */
  get rewrites(): boolean {
    return this.owned !== undefined;
  }

  /** A chunk of a successful answer: a created resource's name is looked for; a list's is held. Returns what to pass on. */
  chunk(c: Buffer): Buffer | undefined {
    if (this.target.creates !== undefined && !this.seen) {
      if (this.target.stream) this.scanSse(c.toString('utf8'));
      else this.hold(c);
      return c;
    }
    if (this.owned !== undefined) {
      this.hold(c);
      return undefined;
    }
    return c;
  }

  /** The end of a successful answer: a created resource's owner is recorded; a list is returned cut. */
  end(): Buffer | undefined {
    if (this.target.creates !== undefined && !this.seen && !this.target.stream) {
      const o = this.json();
      const id = o && idIn(o, this.target.creates);
      if (id !== undefined) this.created(id);
      return undefined;
    }
    if (this.owned === undefined) return undefined;
    const o = this.json();
    const list = o?.[this.target.lists!];
    if (!Array.isArray(list)) return Buffer.concat(this.held);
    o![this.target.lists!] = list.filter((item) => {
      const id = idIn(item, this.target.lists!);
      return id !== undefined && this.owned!.has(`${this.target.lists}/${id}`);
    });
    return Buffer.from(JSON.stringify(o));
  }

  /**
   * The answer is over (successful when `ok`): the creator's record is written, a deleted
   * resource forgotten. Throws when the creator could not be recorded: the caller must not
   * get an id Warden will refuse them.
   */
  async settle(ok: boolean): Promise<string | undefined> {
    if (ok && this.target.resource !== undefined && this.target.operation.endsWith('.delete')) {
      await this.settings.store.forget(this.target.resource).catch(() => {});
    }
    if (this.pending) {
      try {
        await this.pending;
      } catch (e) {
        throw new WardenError('UNAVAILABLE', 'OWNERSHIP_UNAVAILABLE', 'the creator of the new resource could not be recorded', { cause: e });
      }
    }
    return this.createdResource;
  }

  private createdResource?: string;

  private created(id: string): void {
    this.seen = true;
    const resource = `${this.target.creates}/${id}`;
    this.createdResource = resource;
    this.pending = this.settings.store.record(resource, this.caller, this.settings.ttlMs);
    // Awaited in settle; not an unhandled rejection in the meantime.
    this.pending.catch(() => {});
  }

  private hold(c: Buffer): void {
    this.heldBytes += c.length;
    if (this.heldBytes > MAX_ANSWER_BYTES) {
      throw new WardenError('INTERNAL', 'OWNERSHIP_ANSWER_TOO_LARGE', `the answer is over ${MAX_ANSWER_BYTES} bytes, more than Warden reads to track its owner`);
    }
    this.held.push(c);
  }

  private json(): Record<string, unknown> | undefined {
    try {
      const v: unknown = JSON.parse(Buffer.concat(this.held).toString('utf8'));
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  /** A streamed creation (Interactions): the first event that names the interaction. */
  private scanSse(text: string): void {
    this.sse += text;
    let nl: number;
    while (!this.seen && (nl = this.sse.indexOf('\n')) !== -1) {
      const line = this.sse.slice(0, nl).trim();
      this.sse = this.sse.slice(nl + 1);
      if (!line.startsWith('data:')) continue;
      try {
        const ev = JSON.parse(line.slice(5)) as Record<string, unknown>;
        const interaction = ev['interaction'] as Record<string, unknown> | undefined;
        const id = (interaction && idIn(interaction, 'interactions')) ?? (typeof ev['interaction_id'] === 'string' ? ev['interaction_id'] : undefined);
        if (id !== undefined && RESOURCE_ID.test(id)) this.created(id);
      } catch {
        // not JSON: not the event that names it
      }
    }
    if (this.sse.length > 1024 * 1024) this.sse = '';
  }
}

const RESOURCE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The id of a resource object: an interaction's `id`, a cache's or job's `name` (…/{kind}/{id}). */
function idIn(o: unknown, kind: OwnedKind): string | undefined {
  if (o === null || typeof o !== 'object') return undefined;
  const r = o as Record<string, unknown>;
  const v = kind === 'interactions' ? r['id'] : r['name'];
  if (typeof v !== 'string') return undefined;
  const parts = v.split('/');
  const id = parts.at(-1)!;
  if (kind !== 'interactions' && parts.at(-2) !== kind) return undefined;
  return RESOURCE_ID.test(id) ? id : undefined;
}
