// Builds the configured upstream credentials. Key files are read at load so
// that a missing or malformed file is a config problem, not a failed request.
import { readFileSync } from 'node:fs';
import type { CredentialSpec } from '../config/schema.js';
import type { Reporter } from '../config/load.js';
import { BearerFileSource } from './bearer.js';
import { CachedToken, type CredentialStatus } from './cache.js';
import { ServiceAccountSource, type ServiceAccountKey } from './service-account.js';
import type { TokenSource } from './token-source.js';

export class Credentials {
  private readonly byName = new Map<string, CachedToken>();

  constructor(specs: CredentialSpec[], resolvePath: (p: string) => string, report: Reporter) {
    specs.forEach((spec, i) => {
      const source = buildSource(spec, resolvePath, (path, m, h) => report(['credentials', i, ...path], m, h));
      if (source) this.byName.set(spec.name, new CachedToken(spec.name, source));
    });
  }

  /** The `Authorization` value for the upstream. Throws UNAVAILABLE (503) when none can be had. */
  async authorization(name: string): Promise<string> {
    const cached = this.byName.get(name);
    if (!cached) throw new Error(`credential ${name} was not built`); // config check prevents this
    return `Bearer ${await cached.get()}`;
  }

  status(): CredentialStatus[] {
    return [...this.byName.values()].map((c) => c.status());
  }
}

function buildSource(spec: CredentialSpec, resolvePath: (p: string) => string, report: Reporter): TokenSource | undefined {
  if (spec.bearer) return new BearerFileSource(resolvePath(spec.bearer.file));
  const google = spec.google!;
  const file = resolvePath(google.file);
  let json: { type?: string } & Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    report(['google', 'file'], `cannot read Google credential file ${file}: ${(e as Error).message}`,
      'a JSON key file as Google writes it (`warden emulator --write-credentials DIR` writes one for the emulator)');
    return undefined;
  }
  if (json.type === 'service_account') {
    if (typeof json.client_email !== 'string' || typeof json.private_key !== 'string') {
      report(['google', 'file'], `${file}: a service_account key needs client_email and private_key`);
      return undefined;
    }
    return new ServiceAccountSource(json as unknown as ServiceAccountKey, google.scopes);
  }
  report(['google', 'file'], `${file}: credential type "${String(json.type)}" is not supported yet`, 'use a service_account key file');
  return undefined;
}
