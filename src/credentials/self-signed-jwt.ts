// A service account's own signed JWT used directly as the access token, with
// no token endpoint at all: Google APIs accept one whose `aud` is the API's
// URL (`https://aiplatform.googleapis.com/`) or that carries a `scope` claim.
// Nothing to fetch, so nothing can be down; it is still cached and renewed.
import { ServiceAccountSigner, type ServiceAccountKey } from './service-account.js';
import type { AccessToken, TokenSource } from './token-source.js';

export class SelfSignedJwtSource implements TokenSource {
  readonly kind: string;
  readonly perCaller = false;
  private readonly signer: ServiceAccountSigner;

  constructor(private readonly sa: ServiceAccountKey, private readonly scopes: string[], private readonly audience: string | undefined) {
    this.kind = `self-signed JWT ${sa.client_email}`;
    this.signer = new ServiceAccountSigner(sa);
  }

  async mint(): Promise<AccessToken> {
    // An audience-bound token carries no scopes: the audience is the grant.
    const sub = this.sa.client_email;
    const claims = this.audience ? { sub } : { sub, scope: this.scopes.join(' ') };
    const { jwt, expiresAt } = await this.signer.sign(claims, this.audience);
    return { token: jwt, expiresAt };
  }
}
