// Google service account key → access token by the JWT-bearer grant
// (RFC 7523), posted to the key file's own `token_uri`. google-auth-library
// hard-codes Google's URL and ignores `token_uri`, which would make a key for
// any other token service (the emulator, a private universe) unusable.
import { importPKCS8, SignJWT, type CryptoKey } from 'jose';
import type { AccessToken, TokenSource } from './token-source.js';

export interface ServiceAccountKey {
  type: 'service_account';
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
  project_id?: string;
}

const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';

export class ServiceAccountSource implements TokenSource {
  readonly kind: string;
  private key?: CryptoKey;

  constructor(private readonly sa: ServiceAccountKey, private readonly scopes: string[]) {
    this.kind = `service_account ${sa.client_email}`;
  }

  async mint(): Promise<AccessToken> {
    this.key ??= await importPKCS8(this.sa.private_key, 'RS256');
    const tokenUri = this.sa.token_uri ?? GOOGLE_TOKEN_URI;
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ scope: this.scopes.join(' ') })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(this.sa.private_key_id ? { kid: this.sa.private_key_id } : {}) })
      .setIssuer(this.sa.client_email)
      .setAudience(tokenUri)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(this.key);
    const res = await fetch(tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || !body.access_token) {
      throw new Error(`token endpoint ${tokenUri} answered ${res.status}${body.error ? ` ${body.error}` : ''}${body.error_description ? `: ${body.error_description}` : ''}`);
    }
    return { token: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000 };
  }
}
