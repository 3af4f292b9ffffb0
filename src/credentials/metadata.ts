// The GCE/GKE metadata server: on GKE with Workload Identity this is the
// pod's Kubernetes service account mapped to a Google one. google-auth-library's
// Compute client reads it (and honours GCE_METADATA_HOST, as all Google
// libraries do).
import { describeFailure, MintError, type AccessToken, type TokenSource } from './token-source.js';

export class MetadataSource implements TokenSource {
  readonly kind = 'metadata server';
  readonly perCaller = false;

  constructor(private readonly scopes: string[]) {}

  async mint(): Promise<AccessToken> {
    // Read at mint time, like the library itself: the host is the process environment's.
    const host = process.env.GCE_METADATA_HOST ?? process.env.GCE_METADATA_IP ?? '169.254.169.254';
    // Loaded at the first mint: a gateway without this kind of credential never carries the library.
    const { Compute } = await import('google-auth-library');
    const client = new Compute({ scopes: this.scopes });
    let token: string | null | undefined;
    try {
      token = (await client.getAccessToken()).token;
    } catch (e) {
      throw describeFailure(`metadata server ${host}`, e);
    }
    const expiry = client.credentials.expiry_date;
    if (!token || !expiry) throw new MintError(`metadata server ${host} returned no token`);
    return { token, expiresAt: expiry };
  }
}
