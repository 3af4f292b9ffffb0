// Identity to the upstream: a short-lived JWT signed by Warden carrying the
// verified principal, for a model server behind Warden that wants to know who
// called without trusting plain headers. The public keys are served on the
// admin port at /.well-known/warden/jwks.json. Replicas share a key through
// `signingKeyFile`; without it each process generates its own at start.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, type JWK } from 'jose';
import type { Principal } from '../types.js';

export const WARDEN_JWKS_PATH = '/.well-known/warden/jwks.json';

export interface IdentityTokenRequest {
  principal: Principal;
  audience: string;
  ttlS: number;
  requestId: string;
}

export class WardenTokens {
  private readonly key: KeyObject;
  private readonly alg: string;
  private readonly kid: string;
  private readonly publicJwk: JWK;

  /** `privateKeyPem`: PKCS#8 or SEC1/PKCS#1 PEM; EC P-256, RSA or Ed25519. */
  constructor(readonly issuer: string, privateKeyPem?: string) {
    this.key = privateKeyPem ? createPrivateKey(privateKeyPem) : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    this.alg = algorithmOf(this.key);
    const pub = createPublicKey(this.key);
    this.kid = createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 16);
    this.publicJwk = { ...(pub.export({ format: 'jwk' }) as JWK), kid: this.kid, alg: this.alg, use: 'sig' };
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  sign(r: IdentityTokenRequest): Promise<string> {
    const p = r.principal;
    const claims: Record<string, unknown> = { request_id: r.requestId, amr: p.methods, groups: p.groups };
    if (p.sourcePrincipal) claims.source_principal = p.sourcePrincipal;
    if (p.issuer) claims.original_iss = p.issuer;
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: this.alg, kid: this.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(r.audience)
      .setIssuedAt()
      .setExpirationTime(`${r.ttlS}s`)
      .setJti(randomUUID());
    const sub = p.requestPrincipal ?? p.sourcePrincipal;
    if (sub) jwt.setSubject(sub);
    return jwt.sign(this.key);
  }
}

function algorithmOf(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
      throw new Error('EC signing keys must use the P-256 curve');
    case 'rsa':
      return 'RS256';
    case 'ed25519':
      return 'EdDSA';
    default:
      throw new Error(`unsupported signing key type ${key.asymmetricKeyType}; use EC P-256, RSA or Ed25519`);
  }
}
