// MCP sessions (2025-06-18 `Mcp-Session-Id`) pinned to the caller that opened
// them and to the route and upstream that answered the initialize. A session
// id is a bearer secret to the server: without the pin, anyone who learns one
// could act inside another caller's session.
//
// The binding is written when an initialize answer carries a session id, and
// before the client can have that answer (the proxy holds it back until the
// write is done), so that the next request finds it on any replica. It lives
// where other shared state does: Redis when spec.limits uses Redis, this
// process otherwise. A bound session is kept in a small local cache (bindings
// never change); an id the store does not know is refused, never trusted.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { WardenError } from '../errors.js';
import type { Principal } from '../types.js';

/** What a session is pinned to. */
export interface SessionBinding {
  /** `requestPrincipal|sourcePrincipal` of the caller that opened it. */
  caller: string;
  route: string;
  /** The upstream origin and path that issued the id. */
  upstream: string;
  /** When it was bound (ms since the epoch). */
  created: number;
}

export interface SessionStore {
  readonly kind: string;
  /** For /readyz: false until a shared store has first been reached. */
  readonly ready: boolean;
  /** For /readyz: one line. */
  status(): string;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Set only when absent; whether it was set. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/** The caller a session is pinned to: its request principal and its peer workload, whichever it has. */
export function callerKey(p: Principal): string {
  return `${p.requestPrincipal ?? ''}|${p.sourcePrincipal ?? ''}`;
}

const CACHE_SIZE = 10_000;

export class McpSessions {
  /** Bindings seen lately, by store key, with the time they expire: a binding never changes. */
  private readonly cache = new Map<string, { binding: SessionBinding; expires: number }>();

  constructor(readonly store: SessionStore) {}

  /**
   * The request presents session `id`: it must be bound to this caller, route and upstream.
   * `firstUse` (ext_authz, which never sees the initialize answer): an id the store does not know
   * is bound to the first caller that presents it.
   */
  async check(id: string, want: Omit<SessionBinding, 'created'>, ttlMs: number, firstUse = false): Promise<SessionBinding> {
    const key = storeKey(id);
    let binding = this.cached(key);
    if (!binding) {
      let raw: string | undefined;
      try {
        raw = await this.store.get(key);
        if (raw === undefined && firstUse) {
          const fresh: SessionBinding = { ...want, created: Date.now() };
          raw = (await this.store.setIfAbsent(key, JSON.stringify(fresh), ttlMs)) ? JSON.stringify(fresh) : await this.store.get(key);
        }
      } catch (e) {
        throw new WardenError('UNAVAILABLE', 'MCP_SESSIONS_UNAVAILABLE', 'the session store is unreachable; the session cannot be checked', { cause: e, headers: { 'retry-after': '1' } });
      }
      binding = raw === undefined ? undefined : parse(raw);
      if (binding) this.remember(key, binding, ttlMs);
    }
    if (!binding || binding.route !== want.route || binding.upstream !== want.upstream) {
      throw new WardenError('NOT_FOUND', 'MCP_SESSION_UNKNOWN', 'session not found: start a new one (initialize)');
    }
    if (binding.caller !== want.caller) {
      // Said as "not found" to the caller (it learns nothing of the session); the record keeps why.
      throw new WardenError('NOT_FOUND', 'MCP_SESSION_FOREIGN', 'session not found: start a new one (initialize)');
    }
    return binding;
  }

  /** The initialize answer named session `id`: pin it. Resolves once stored (or kept locally when the store failed). */
  async bind(id: string, b: SessionBinding, ttlMs: number): Promise<void> {
    const key = storeKey(id);
    this.remember(key, b, ttlMs);
    await this.store.set(key, JSON.stringify(b), ttlMs);
  }

  /** The session ended (DELETE answered): forget it. */
  async end(id: string): Promise<SessionBinding | undefined> {
    const key = storeKey(id);
    const b = this.cache.get(key)?.binding;
    this.cache.delete(key);
    await this.store.delete(key);
    return b;
  }

  close(): Promise<void> {
    this.cache.clear();
    return this.store.close();
  }

  private cached(key: string): SessionBinding | undefined {
    const c = this.cache.get(key);
    if (!c) return undefined;
    if (c.expires <= Date.now()) {
      this.cache.delete(key);
      return undefined;
    }
    return c.binding;
  }

  private remember(key: string, binding: SessionBinding, ttlMs: number): void {
    this.cache.delete(key);
    this.cache.set(key, { binding, expires: Math.min(binding.created + ttlMs, Date.now() + ttlMs) });
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
  }
}

/** Session ids are the server's secrets: stored under their digest, never as they are. */
function storeKey(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

function parse(raw: string): SessionBinding | undefined {
  try {
    const b = JSON.parse(raw) as SessionBinding;
    return typeof b.caller === 'string' && typeof b.route === 'string' && typeof b.upstream === 'string' ? b : undefined;
  } catch {
    return undefined;
  }
}

/** Most sessions one process keeps: past it the oldest is forgotten (its client gets 404 and starts a new one). */
const MAX_SESSIONS = 100_000;

/** Sessions in this process: a single replica, or no Redis configured. Expired entries are swept as they are met and once a minute. */
export class MemorySessionStore implements SessionStore {
  readonly kind = 'memory';
  readonly ready = true;
  private readonly entries = new Map<string, { value: string; expires: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  get(key: string): Promise<string | undefined> {
    const e = this.entries.get(key);
    if (e && e.expires <= Date.now()) this.entries.delete(key);
    return Promise.resolve(e && e.expires > Date.now() ? e.value : undefined);
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, expires: Date.now() + ttlMs });
    if (this.entries.size > MAX_SESSIONS) this.entries.delete(this.entries.keys().next().value!);
    return Promise.resolve();
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if ((await this.get(key)) !== undefined) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  delete(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
    return Promise.resolve();
  }

  status(): string {
    return 'mcp sessions: memory';
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.entries) if (e.expires <= now) this.entries.delete(k);
  }
}

export interface RedisSessionOptions {
  url: string;
  /** spec.limits.store.redis.keyPrefix; sessions go under `<prefix>mcp:session:`. */
  keyPrefix: string;
  timeoutMs: number;
}

/**
 * Sessions in Redis, shared by every replica. A command waits for a connection being made at most
 * the store's timeout; while Redis is unreachable, commands fail (the caller decides).
 */
export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private reached = false;

  constructor(private readonly o: RedisSessionOptions) {
    this.redis = new Redis(o.url, {
      keyPrefix: `${o.keyPrefix}mcp:session:`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: o.timeoutMs,
      connectTimeout: Math.max(o.timeoutMs, 1000),
      retryStrategy: (times) => Math.min(100 * times, 2000),
    });
    // Unreachable Redis shows as failed commands; ioredis reconnects by itself.
    this.redis.on('error', () => {});
    this.redis.on('ready', () => (this.reached = true));
  }

  /** Ready once Redis has been reached: sessions bound before then would be this replica's only. */
  get ready(): boolean {
    return this.reached;
  }

  status(): string {
    return `mcp sessions: redis ${this.redis.status === 'ready' ? 'up' : 'unreachable (sessions not in a replica\'s cache are refused)'}`;
  }

  async get(key: string): Promise<string | undefined> {
    await this.connected();
    return (await this.redis.get(key)) ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.connected();
    await this.redis.set(key, value, 'PX', ttlMs);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    await this.connected();
    return (await this.redis.set(key, value, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.connected();
    await this.redis.del(key);
  }

  /** A connection being made (at start, or after a drop) is waited for, up to the timeout. */
  private connected(): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => done();
      const timer = setTimeout(() => done(new Error('redis is not connected')), this.o.timeoutMs);
      this.redis.once('ready', onReady);
    });
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
