// A real OIDC issuer (oidc-provider) for tests: client_credentials clients
// whose JWT access tokens carry one resource as audience.
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

export interface ProviderSpec {
  clients: { id: string; secret: string }[];
  /** The resource indicator; also the default one and the tokens' audience. */
  resource: string;
  scopes: string[];
  accessTokenTTL: number;
}

/** A signing key for the provider's JWKS, with a `kid`. */
export async function signingKey(kid: string): Promise<{ jwk: JWK; privateKey: CryptoKey }> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  return { jwk, privateKey: privateKey as CryptoKey };
}

export function clientCredentialsProvider(issuer: string, jwk: JWK, spec: ProviderSpec): Provider {
  const scope = spec.scopes.join(' ');
  return new Provider(issuer, {
    clients: spec.clients.map((c) => ({ client_id: c.id, client_secret: c.secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] })),
    jwks: { keys: [jwk as never] },
    scopes: spec.scopes,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => spec.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope, audience: spec.resource, accessTokenFormat: 'jwt', accessTokenTTL: spec.accessTokenTTL }),
      },
    },
  });
}

/** A client_credentials grant at `<issuer>/token`; the access token. */
export async function clientCredentialsToken(issuer: string, client: { id: string; secret: string }, resource: string, scope: string): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token endpoint: ${JSON.stringify(body)}`);
  return body.access_token;
}
