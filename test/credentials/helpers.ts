// Shared by the credential tests: credentials built from a YAML fragment the
// way the gateway builds them, and a real OIDC provider (oidc-provider) with
// one client per caller, whose JWT access tokens callers present to Warden.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { parseConfig, formatProblem } from '../../src/config/load.js';
import { Credentials } from '../../src/credentials/index.js';

/** `credentials` and `routes` are YAML list bodies, indented for `spec:`. */
export function credentialsFrom(dir: string, credentials: string, routes = '    - {name: r, provider: vertex, upstream: http://127.0.0.1:9}\n'): { credentials: Credentials; problems: string[] } {
  const yaml = `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  routes:
${routes}  credentials:
${credentials}`;
  const cfg = parseConfig(yaml, 'warden.yaml', dir);
  if (cfg.problems.length) return { credentials: new Credentials([], [], cfg.path, () => {}), problems: cfg.problems.map(formatProblem) };
  const built = new Credentials(cfg.gateway.value.credentials, cfg.gateway.value.routes, cfg.path, cfg.gateway.report);
  return { credentials: built, problems: cfg.problems.map(formatProblem) };
}

export const RESOURCE = 'urn:warden:credentials-test';
export const CALLERS = ['alice-app', 'bob-app'] as const;
const SECRET = 'test-secret';

export interface Issuer {
  issuer: string;
  jwksUri: string;
  /** A client_credentials JWT access token whose `sub` is the client id. */
  token(client: (typeof CALLERS)[number]): Promise<string>;
  close(): Promise<void>;
}

export async function startIssuer(): Promise<Issuer> {
  let provider: Provider | undefined;
  const server: Server = createServer((req, res) => void provider!.callback()(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  provider = new Provider(url, {
    clients: CALLERS.map((id) => ({ client_id: id, client_secret: SECRET, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] })),
    jwks: { keys: [jwk as never] },
    scopes: ['models:call'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'models:call', audience: RESOURCE, accessTokenFormat: 'jwt', accessTokenTTL: 600 }),
      },
    },
  });
  return {
    issuer: url,
    jwksUri: `${url}/jwks`,
    async token(client) {
      const res = await fetch(`${url}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${client}:${SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE, scope: 'models:call' }),
      });
      const body = (await res.json()) as { access_token?: string };
      if (!body.access_token) throw new Error(`token endpoint: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
