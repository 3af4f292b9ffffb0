// API keys for machine callers without an OIDC client. Only SHA-256 hashes
// are configured; a presented key is hashed and compared with every entry in
// constant time (no early exit), so timing tells nothing about which entry
// came close. Accepted as `Authorization: Bearer KEY` (a value without dots,
// so it cannot be a JWT), `x-api-key` or `x-goog-api-key` (Vertex express mode).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeySpec } from '../config/schema.js';
import type { RequestInfo } from '../types.js';
import { unauthenticated } from './reject.js';

export const API_KEY_HEADERS = ['x-api-key', 'x-goog-api-key'] as const;

export interface ApiKeyIdentity {
  name: string;
  principal: string;
  groups: string[];
  /** The header the key came in. */
  header: string;
}

interface Entry {
  hash: Buffer;
  name: string;
  principal: string;
  groups: string[];
}

/** A bearer value that is not JWT-shaped is taken for an API key. */
export function isApiKeyShaped(value: string): boolean {
  return !value.includes('.');
}

export class ApiKeys {
  private entries: Entry[];

  constructor(specs: readonly ApiKeySpec[]) {
    this.entries = toEntries(specs);
  }

  /** Swap in a new key set (the key file changed); requests in flight keep the set they started with. */
  replace(specs: readonly ApiKeySpec[]): void {
    this.entries = toEntries(specs);
  }

  get enabled(): boolean {
    return this.entries.length > 0;
  }

  /** The key's identity, undefined when the request carries no key, or a 401 for a wrong one. */
  authenticate(req: RequestInfo): ApiKeyIdentity | undefined {
    const found = this.find(req);
    if (!found) return undefined;
    const presented = createHash('sha256').update(found.key).digest();
    let match: Entry | undefined;
    const entries = this.entries;
    for (const e of entries) {
      if (timingSafeEqual(presented, e.hash)) match ??= e;
    }
    if (!match) throw unauthenticated('API_KEY_INVALID', `API key in ${found.header} is not valid`);
    return { name: match.name, principal: match.principal, groups: match.groups, header: found.header };
  }

  private find(req: RequestInfo): { key: string; header: string } | undefined {
    let found: { key: string; header: string } | undefined;
    const consider = (key: string | undefined, header: string) => {
      if (!key) return;
      if (found && found.key !== key) throw unauthenticated('TOKEN_AMBIGUOUS', 'more than one API key in the request');
      found ??= { key, header };
    };
    for (const h of API_KEY_HEADERS) consider(req.headers[h]?.trim(), h);
    const auth = req.headers.authorization;
    if (auth && /^bearer /i.test(auth)) {
      const value = auth.slice(7).trim();
      if (isApiKeyShaped(value)) consider(value, 'authorization');
    }
    return found;
  }
}

function toEntries(specs: readonly ApiKeySpec[]): Entry[] {
  return specs.map((k) => ({
    hash: Buffer.from(k.sha256, 'hex'),
    name: k.name,
    principal: k.principal ?? `api-key/${k.name}`,
    groups: k.groups,
  }));
}
