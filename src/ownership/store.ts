// Who created each server-side resource Warden tracks (interactions, context
// caches, batch prediction jobs): resource → owner, and owner → resources (to
// cut a list to the caller's own). In memory for one replica; in Redis
// (redis-store.ts) for several, which must agree on every owner.

export interface OwnerStore {
  /** The principal that created `resource` (`interactions/ID`), or undefined when none is recorded. */
  owner(resource: string): Promise<string | undefined>;
  /** The resources `owner` created that are still recorded. */
  owned(owner: string): Promise<ReadonlySet<string>>;
  /** Records `owner` as the creator of `resource` (kept for `ttlMs`). */
  record(resource: string, owner: string, ttlMs: number): Promise<void>;
  /** Forgets `resource` (deleted upstream). */
  forget(resource: string): Promise<void>;
  close(): Promise<void>;
}

export class MemoryOwnerStore implements OwnerStore {
  private readonly owners = new Map<string, { owner: string; until: number }>();
  private readonly byOwner = new Map<string, Set<string>>();

  async owner(resource: string): Promise<string | undefined> {
    const e = this.owners.get(resource);
    if (e === undefined) return undefined;
    if (e.until <= Date.now()) {
      await this.forget(resource);
      return undefined;
    }
    return e.owner;
  }

  async owned(owner: string): Promise<ReadonlySet<string>> {
    const now = Date.now();
    return new Set([...(this.byOwner.get(owner) ?? [])].filter((r) => (this.owners.get(r)?.until ?? 0) > now));
  }

  async record(resource: string, owner: string, ttlMs: number): Promise<void> {
    await this.forget(resource);
    this.owners.set(resource, { owner, until: Date.now() + ttlMs });
    let set = this.byOwner.get(owner);
    if (set === undefined) this.byOwner.set(owner, (set = new Set()));
    set.add(resource);
  }

  async forget(resource: string): Promise<void> {
    const e = this.owners.get(resource);
    if (e === undefined) return;
    this.owners.delete(resource);
    const set = this.byOwner.get(e.owner);
    set?.delete(resource);
    if (set?.size === 0) this.byOwner.delete(e.owner);
  }

  async close(): Promise<void> {}
}
