// Google service account key → access token by the JWT-bearer grant
// (RFC 7523), posted to the key file's own `token_uri`. google-auth-library
// hard-codes Google's URL and ignores `token_uri`, which would make a key for
// any other token service (the emulator, a private universe) unusable.
import { createPrivateKey } from 'node:crypto';
import { importPKCS8, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { describeFailure, MintError, type AccessToken, type TokenSource } from './token-source.js';

export interface ServiceAccountKey {
  type: 'service_account';
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
  project_id?: string;
}

const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** Google accepts assertions and self-signed tokens of at most an hour. */
export const MAX_JWT_LIFETIME_S = 3600;

export function isServiceAccountKey(json: Record<string, unknown>): json is Record<string, unknown> & ServiceAccountKey {
  return json.type === 'service_account' && typeof json.client_email === 'string' && typeof json.private_key === 'string';
}

/**
 * Why the key's private_key cannot sign, if it cannot: checked when the
 * config is loaded (and by `warden config check`), not at the first mint.
 * Node's message names the failure, never the key's bytes.
 */
export function privateKeyProblem(sa: ServiceAccountKey): string | undefined {
  try {
    const key = createPrivateKey(sa.private_key);
    return key.asymmetricKeyType === 'rsa' ? undefined : `private_key is a ${key.asymmetricKeyType} key; a service account signs with RSA (RS256)`;
  } catch (e) {
    return `private_key is not a PEM private key (${(e as Error).message})`;
  }
}

/** Signs JWTs as the key's service account (RS256, `kid` = the key id). */
export class ServiceAccountSigner {
  private key?: Promise<CryptoKey>;

  constructor(readonly sa: ServiceAccountKey) {}

  async sign(claims: JWTPayload, audience: string | undefined, lifetimeS = MAX_JWT_LIFETIME_S): Promise<{ jwt: string; expiresAt: number }> {
    this.key ??= importPKCS8(this.sa.private_key, 'RS256');
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(this.sa.private_key_id ? { kid: this.sa.private_key_id } : {}) })
      .setIssuer(this.sa.client_email)
      .setIssuedAt(now)
      .setExpirationTime(now + lifetimeS);
    if (audience) jwt.setAudience(audience);
    return { jwt: await jwt.sign(await this.key), expiresAt: (now + lifetimeS) * 1000 };
  }
}

export class ServiceAccountSource implements TokenSource {
  readonly kind: string;
  readonly perCaller = false;
  private readonly signer: ServiceAccountSigner;
  private readonly tokenUri: string;

  constructor(sa: ServiceAccountKey, private readonly scopes: string[]) {
    this.kind = `service_account ${sa.client_email}`;
    this.signer = new ServiceAccountSigner(sa);
    this.tokenUri = sa.token_uri ?? GOOGLE_TOKEN_URI;
  }

  async mint(): Promise<AccessToken> {
    const { jwt: assertion } = await this.signer.sign({ scope: this.scopes.join(' ') }, this.tokenUri);
    let res: Response;
    try {
      res = await fetch(this.tokenUri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (e) {
      throw describeFailure(`token endpoint ${this.tokenUri}`, e);
    }
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string };
    if (!res.ok || !body.access_token) {
      throw new MintError(`token endpoint ${this.tokenUri} answered ${res.status}${body.error ? ` ${body.error}` : ''}`);
    }
    return { token: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000 };
  }
}
