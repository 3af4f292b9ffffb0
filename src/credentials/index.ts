// The credential stage: which upstream credential a request gets (identity
// mapping) and its header, from a token cache. Key files are read at load so
// that a missing or malformed file is a config problem, not a failed request;
// once running they are watched and a changed file is picked up without a
// restart.
import { createHash } from 'node:crypto';
import type { CredentialSpec, RouteSpec } from '../config/schema.js';
import type { Reporter } from '../config/load.js';
import { WardenError } from '../errors.js';
import type { Principal, Target } from '../types.js';
import { CachedToken, type CredentialStats } from './cache.js';
import { CredentialConfigError, googleSource } from './google.js';
import { compileMapping, type CredentialSelector } from './mapping.js';
import { StaticSecretSource } from './static-secret.js';
import { TokenExchangeSource } from './token-exchange.js';
import type { CallerToken, TokenSource } from './token-source.js';
import { WatchedFile } from './watched-file.js';
import { stateKey, type KeptState } from '../state.js';

/** Per-caller tokens kept per credential at most (least recently used go first). */
const MAX_CALLER_TOKENS = 10_000;

/** The header Warden sets on the upstream request. */
export interface UpstreamHeader {
  name: string;
  value: string;
}

export interface CredentialStatus {
  name: string;
  /** What mints the token: `service_account a@b`, `metadata server`, `bearer file`, … — never a secret. */
  source: string;
  file?: string;
  /** Each caller gets a token of its own (federation of the caller's token). */
  perCaller: boolean;
  /** Per-caller tokens currently cached. */
  cachedCallers?: number;
  lastMint?: string;
  expiresAt?: string;
  mints: number;
  failures: number;
  consecutiveFailures: number;
  lastError?: string;
  /** Times the key file changed and was loaded again. */
  reloads: number;
  lastReloadError?: string;
}

interface Credential {
  spec: CredentialSpec;
  file?: WatchedFile;
  source: TokenSource;
  header: string;
  prefix: string;
  /** The one token of a credential that is not per caller. */
  shared?: CachedToken;
  stats: CredentialStats;
  reloads: number;
  lastReloadError?: string;
  /** Per-caller tokens, in least-recently-used order, keyed by the caller's token's digest. */
  callers: Map<string, CachedToken>;
  /** start() has watched its file and warmed its token (a credential kept across a reload is started once). */
  started?: boolean;
}

export class Credentials {
  private readonly byName = new Map<string, Credential>();
  private readonly selectors = new Map<string, CredentialSelector>();
  /** Shared credentials whose first mint since start() has not finished. */
  private readonly priming = new Set<string>();
  /** Per-caller tokens kept per credential at most (least recently used go first). */
  private readonly maxCallerTokens: number;

  /**
   * `opts.state`: a reload keeps each credential whose spec did not change, with its minted
   * tokens, its key file watch and its counts (state.ts); the key file is read and checked anyway.
   */
  constructor(
    specs: CredentialSpec[],
    routes: RouteSpec[],
    private readonly resolvePath: (p: string) => string,
    report: Reporter,
    opts: { maxCallerTokens?: number; state?: KeptState } = {},
  ) {
    this.maxCallerTokens = opts.maxCallerTokens ?? MAX_CALLER_TOKENS;
    specs.forEach((spec, i) => {
      const at: Reporter = (path, m, h) => report(['credentials', i, ...path], m, h);
      const built = this.load(spec, at);
      if (!built) return;
      const make = (): Credential => {
        const stats: CredentialStats = { mints: 0, failures: 0, consecutiveFailures: 0 };
        const c: Credential = {
          spec,
          ...built,
          header: spec.apiKey ? spec.apiKey.header : 'authorization',
          prefix: spec.apiKey ? '' : 'Bearer ',
          stats,
          reloads: 0,
          callers: new Map(),
        };
        if (!built.source.perCaller) c.shared = new CachedToken(spec.name, built.source, stats, { keepWarm: true });
        return c;
      };
      const c = opts.state ? opts.state.take(stateKey('credential', spec, built.file?.path), make, closeCredential) : make();
      this.byName.set(spec.name, c);
    });
    const known = new Set(specs.map((s) => s.name));
    routes.forEach((r, i) => this.selectors.set(r.name, compileMapping(r, known, (path, m, h) => report(['routes', i, ...path], m, h))));
  }

  /** The credential the route's mapping picks for this caller and target (undefined: send none). */
  select(route: string, principal: Principal, target: Target): string | undefined {
    return this.selectors.get(route)?.(principal, target);
  }

  /** The upstream header for credential `name`. Throws UNAVAILABLE (503) when no token can be had. */
  async header(name: string, principal: Principal): Promise<UpstreamHeader> {
    const c = this.byName.get(name);
    if (!c) throw new Error(`credential ${name} was not built`); // config check prevents this
    const token = await (c.shared ?? this.callerToken(c, principal)).get();
    return { name: c.header, value: c.prefix + token };
  }

  /** Begin watching key files and minting shared tokens ahead of the first request. */
  start(): void {
    for (const c of this.byName.values()) {
      if (c.started) continue;
      c.started = true;
      c.file?.watch(() => reload(c, (spec, report, file) => this.load(spec, report, file)));
      if (!c.shared) continue;
      this.priming.add(c.spec.name);
      void c.shared.warm().then(() => this.priming.delete(c.spec.name));
    }
  }

  /** What start() began and has not finished: the first mint of each shared credential. */
  warming(): string[] {
    return [...this.priming].map((name) => `credential ${name}`);
  }

  close(): void {
    for (const c of this.byName.values()) closeCredential(c);
  }

  status(): CredentialStatus[] {
    const now = Date.now();
    return [...this.byName.values()].map((c) => {
      const s = c.stats;
      const live = c.shared ? c.shared.usable(now) : false;
      return {
        name: c.spec.name,
        source: c.source.kind,
        file: c.file?.path,
        perCaller: c.source.perCaller,
        cachedCallers: c.shared ? undefined : c.callers.size,
        lastMint: s.lastMint ? new Date(s.lastMint).toISOString() : undefined,
        expiresAt: live && s.lastExpiry !== undefined && Number.isFinite(s.lastExpiry) ? new Date(s.lastExpiry).toISOString() : undefined,
        mints: s.mints,
        failures: s.failures,
        consecutiveFailures: s.consecutiveFailures,
        lastError: s.lastError,
        reloads: c.reloads,
        lastReloadError: c.lastReloadError,
      };
    });
  }

  private callerToken(c: Credential, principal: Principal): CachedToken {
    if (!principal.token) {
      throw new WardenError('UNAUTHENTICATED', 'CALLER_TOKEN_REQUIRED', 'this route federates the caller’s own token; present one', {
        headers: { 'www-authenticate': 'Bearer realm="warden"' },
      });
    }
    // Keyed by the exact token: its claims (and so its federated identity) are what was verified.
    const key = createHash('sha256').update(principal.token).digest('base64url');
    const callers = c.callers;
    let t = callers.get(key);
    if (t) {
      callers.delete(key);
      callers.set(key, t);
      return t;
    }
    const exp = principal.claims?.exp;
    const caller: CallerToken = { token: principal.token, expiresAt: typeof exp === 'number' ? exp * 1000 : Infinity };
    t = new CachedToken(c.spec.name, c.source, c.stats, { caller });
    callers.set(key, t);
    if (callers.size > this.maxCallerTokens) {
      const [oldest, evicted] = callers.entries().next().value as [string, CachedToken];
      evicted.close();
      callers.delete(oldest);
    }
    return t;
  }

  private load(spec: CredentialSpec, report: Reporter, watched?: WatchedFile): { source: TokenSource; file?: WatchedFile } | undefined {
    const field = spec.google ? 'google' : spec.bearer ? 'bearer' : spec.tokenExchange ? 'tokenExchange' : 'apiKey';
    const path = spec.google?.file ?? spec.bearer?.file ?? spec.apiKey?.file ?? spec.tokenExchange?.clientSecretFile;
    let file = watched;
    if (path && !file) {
      try {
        file = new WatchedFile(this.resolvePath(path));
      } catch (e) {
        report([field, spec.tokenExchange ? 'clientSecretFile' : 'file'], `cannot read ${this.resolvePath(path)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          spec.google ? 'a JSON credential file as Google writes it (`warden emulator --write-credentials DIR` writes some for the emulator)' : 'a file holding the secret');
        return undefined;
      }
    }
    if (spec.bearer) return { source: new StaticSecretSource('bearer file', file!.content), file };
    if (spec.apiKey) return { source: new StaticSecretSource(`API key file (${spec.apiKey.header})`, file!.content), file };
    if (spec.tokenExchange) {
      const secret = file;
      return { source: new TokenExchangeSource(spec.tokenExchange, () => secret?.content.trim()), file };
    }
    let json: Record<string, unknown> | undefined;
    if (file) {
      try {
        json = JSON.parse(file.content) as Record<string, unknown>;
        if (!json || typeof json !== 'object') throw new Error('not a JSON object');
      } catch {
        // The parser's message may quote the file, which holds a private key.
        report(['google', 'file'], `${file.path} is not a JSON object`, 'a JSON credential file as Google writes it');
        return undefined;
      }
    }
    try {
      return { source: googleSource(spec.google!, json), file };
    } catch (e) {
      if (!(e instanceof CredentialConfigError)) throw e;
      report(['google', e.field], `${file ? `${file.path}: ` : ''}${e.message}`, e.hint);
      return undefined;
    }
  }
}

/** The key file changed: rebuild; a broken new file keeps the old source in service. */
function reload(c: Credential, load: (spec: CredentialSpec, report: Reporter, file?: WatchedFile) => { source: TokenSource } | undefined): void {
  let problem: string | undefined;
  const built = load(c.spec, (_, m) => (problem ??= m), c.file);
  if (!built) {
    c.lastReloadError = problem;
    return;
  }
  c.reloads++;
  c.lastReloadError = undefined;
  c.source = built.source;
  if (c.shared) c.shared.replaceSource(built.source);
  for (const t of c.callers.values()) t.close();
  c.callers.clear();
}

function closeCredential(c: Credential): void {
  c.file?.close();
  c.shared?.close();
  for (const t of c.callers.values()) t.close();
  c.callers.clear();
}
