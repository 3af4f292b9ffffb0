// One trusted issuer (an Istio jwtRule): where its keys come from, which
// algorithms it may use, and the claim checks every token of it must pass.
import { jwtVerify, type JWTPayload } from 'jose';
import type { JwtRule } from '../config/schema.js';
import { durationMs } from '../config/schema.js';
import { KeySet, parseJwks } from './jwks.js';

export interface IssuerOptions {
  algorithms: string[];
  clockSkewS: number;
  refreshMs: number;
  minRefetchMs: number;
}

export interface Verified {
  claims: JWTPayload;
}

const DEFAULT_TIMEOUT_MS = 5000;

export class Issuer {
  readonly name: string;
  readonly keys: KeySet;
  private readonly audiences?: string[];
  private discovered?: URL;

  /** `keep` gives the key set when a reload keeps it (state.ts): the config that defines it is `keySetConfig`. */
  constructor(rule: JwtRule, private readonly opts: IssuerOptions, keep?: (config: unknown, make: () => KeySet) => KeySet) {
    this.name = rule.issuer;
    this.audiences = rule.audiences?.length ? rule.audiences : undefined;
    const make = () => this.keySet(rule);
    this.keys = keep ? keep(keySetConfig(rule, opts), make) : make();
  }

  private keySet(rule: JwtRule): KeySet {
    const timeoutMs = rule.timeout ? durationMs(rule.timeout) : DEFAULT_TIMEOUT_MS;
    const discovery = `${this.name.replace(/\/$/, '')}/.well-known/openid-configuration`;
    if (rule.jwks !== undefined) {
      return KeySet.inline(parseJwks(rule.jwks, `inline jwks of ${rule.issuer}`));
    }
    const fixed = rule.jwksUri ? new URL(rule.jwksUri) : undefined;
    return KeySet.remote({
      locate: fixed ? async () => fixed : () => this.discover(discovery, timeoutMs),
      origin: fixed ? fixed.origin + fixed.pathname : discovery,
      timeoutMs,
      refreshMs: this.opts.refreshMs,
      minRefetchMs: this.opts.minRefetchMs,
    });
  }

  async verify(token: string): Promise<Verified> {
    const { payload } = await jwtVerify(token, this.keys.resolve, {
      issuer: this.name,
      audience: this.audiences,
      algorithms: this.opts.algorithms,
      clockTolerance: this.opts.clockSkewS,
      requiredClaims: ['exp'],
    });
    // jose checks `iat` only together with a maximum age; a token from the future is refused here.
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + this.opts.clockSkewS) {
      throw new IssuedInFuture();
    }
    return { claims: payload };
  }

  /** OIDC discovery: the issuer's metadata names its `jwks_uri`, and must name the issuer itself. */
  private async discover(url: string, timeoutMs: number): Promise<URL> {
    if (this.discovered) return this.discovered;
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`OIDC discovery at ${url} answered ${res.status}`);
    const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (doc.issuer !== this.name) throw new Error(`OIDC discovery at ${url} names issuer ${String(doc.issuer)}`);
    if (typeof doc.jwks_uri !== 'string') throw new Error(`OIDC discovery at ${url} has no jwks_uri`);
    this.discovered = new URL(doc.jwks_uri);
    return this.discovered;
  }
}

/** What a key set is made from: a reload that leaves these alone keeps the keys it fetched. */
function keySetConfig(rule: JwtRule, opts: IssuerOptions): unknown {
  return { issuer: rule.issuer, jwks: rule.jwks, jwksUri: rule.jwksUri, timeout: rule.timeout, refreshMs: opts.refreshMs, minRefetchMs: opts.minRefetchMs };
}

export class IssuedInFuture extends Error {
  constructor() {
    super('"iat" is in the future');
  }
}
