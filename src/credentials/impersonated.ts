// Service-account impersonation: a base identity's token buys a token for
// another service account through IAM Credentials `generateAccessToken`,
// optionally through a chain of `delegates`. Used by
// `impersonated_service_account` files and by Warden's `impersonate:` option,
// so that one base identity can act as a per-team service account.
// google-auth-library's Impersonated client does the call (it accepts any
// endpoint); Warden hands it the base token and keeps the caching.
import { describeFailure, MintError, type AccessToken, type CallerToken, type TokenSource } from './token-source.js';

export const GOOGLE_IAM_ENDPOINT = 'https://iamcredentials.googleapis.com';

export interface ImpersonationTarget {
  serviceAccount: string;
  delegates: string[];
  scopes: string[];
  lifetimeS: number;
  /** Base URL of the IAM Credentials API (the part before `/v1/projects/…`). */
  endpoint: string;
}

/** Split a `…/v1/projects/-/serviceAccounts/EMAIL:generateAccessToken` URL into endpoint and account. */
export function parseImpersonationUrl(url: string): { endpoint: string; serviceAccount: string } | undefined {
  const m = /^(https?:\/\/.+?)\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(url);
  return m ? { endpoint: m[1]!, serviceAccount: decodeURIComponent(m[2]!) } : undefined;
}

export class ImpersonatedSource implements TokenSource {
  readonly kind: string;
  readonly perCaller: boolean;

  constructor(private readonly base: TokenSource, private readonly target: ImpersonationTarget) {
    this.perCaller = base.perCaller;
    const chain = [...target.delegates, target.serviceAccount].join(' → ');
    this.kind = `${base.kind} → impersonate ${chain}`;
  }

  async mint(caller?: CallerToken): Promise<AccessToken> {
    const base = await this.base.mint(caller);
    // Loaded at the first mint: a gateway without this kind of credential never carries the library.
    const { Impersonated, OAuth2Client } = await import('google-auth-library');
    const sourceClient = new OAuth2Client();
    // No expiry given: the base token is fresh, and the library must not try to refresh it itself.
    sourceClient.setCredentials({ access_token: base.token });
    const client = new Impersonated({
      sourceClient,
      targetPrincipal: this.target.serviceAccount,
      delegates: this.target.delegates,
      targetScopes: this.target.scopes,
      lifetime: this.target.lifetimeS,
      endpoint: this.target.endpoint,
    });
    let token: string | null | undefined;
    try {
      token = (await client.getAccessToken()).token;
    } catch (e) {
      throw describeFailure(`IAM generateAccessToken for ${this.target.serviceAccount} (${this.target.endpoint})`, e);
    }
    const expiry = client.credentials.expiry_date;
    if (!token || !expiry) throw new MintError(`IAM generateAccessToken for ${this.target.serviceAccount} returned no token`);
    return { token, expiresAt: expiry };
  }
}
