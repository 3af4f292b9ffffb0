// RSA keys the emulator signs with or trusts: service-account keys (for the
// JWT-bearer grant) and the dev OIDC issuer's signing key.

import { createHash, generateKeyPair, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { exportJWK, type JWK } from 'jose';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface ServiceAccountKey {
  email: string;
  keyId: string;
  publicKey: KeyObject;
}

/** Keys handed out by createServiceAccountKey(); the token endpoint trusts exactly these. */
export class ServiceAccountKeyRing {
  private readonly byKid = new Map<string, ServiceAccountKey>();
  private readonly byEmail = new Map<string, ServiceAccountKey[]>();

  /** Sync on purpose: the public API returns the key file directly. */
  create(email: string): { key: ServiceAccountKey; privateKeyPem: string } {
    return this.add(email, generateKeyPairSync('rsa', { modulusLength: 2048 }));
  }

  /** The same, generated off the main thread (beside other work: the demo's start). */
  async createAsync(email: string): Promise<{ key: ServiceAccountKey; privateKeyPem: string }> {
    return this.add(email, await generateKeyPairAsync('rsa', { modulusLength: 2048 }));
  }

  private add(email: string, { publicKey, privateKey }: { publicKey: KeyObject; privateKey: KeyObject }): { key: ServiceAccountKey; privateKeyPem: string } {
    const keyId = randomBytes(20).toString('hex');
    const key: ServiceAccountKey = { email, keyId, publicKey };
    this.byKid.set(keyId, key);
    const list = this.byEmail.get(email) ?? [];
    list.push(key);
    this.byEmail.set(email, list);
    const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    return { key, privateKeyPem };
  }

  byKeyId(kid: string): ServiceAccountKey | undefined {
    return this.byKid.get(kid);
  }

  forEmail(email: string): ServiceAccountKey[] {
    return this.byEmail.get(email) ?? [];
  }

  knows(email: string): boolean {
    return this.byEmail.has(email);
  }
}

/** Google's numeric client_id / unique id is stable per account; derive it so it is too. */
export function numericIdFor(email: string): string {
  const digest = createHash('sha256').update(email).digest();
  let s = '1';
  for (let i = 0; s.length < 21; i++) s += (digest[i % digest.length]! % 10).toString();
  return s;
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

export async function newSigningKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  const kid = `emu-${randomBytes(8).toString('hex')}`;
  const jwk = await exportJWK(publicKey);
  return { kid, privateKey, publicJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' } };
}
