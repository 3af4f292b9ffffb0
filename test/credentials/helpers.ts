// Shared by the credential tests: credentials built from a YAML fragment the
// way the gateway builds them, and a real OIDC provider (oidc-provider) with
// one client per caller, whose JWT access tokens callers present to Warden.
import { createServer, type Server } from 'node:http';
import type Provider from 'oidc-provider';
import { parseConfig, formatProblem } from '../../src/config/load.js';
import { Credentials } from '../../src/credentials/index.js';
import { closeServer, listen } from '../helpers/http-server.js';
import { clientCredentialsProvider, clientCredentialsToken, signingKey } from '../helpers/oidc-provider.js';

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
  const url = await listen(server);
  const { jwk } = await signingKey('k1');
  provider = clientCredentialsProvider(url, jwk, {
    clients: CALLERS.map((id) => ({ id, secret: SECRET })),
    resource: RESOURCE,
    scopes: ['models:call'],
    accessTokenTTL: 600,
  });
  return {
    issuer: url,
    jwksUri: `${url}/jwks`,
    token: (client) => clientCredentialsToken(url, { id: client, secret: SECRET }, RESOURCE, 'models:call'),
    close: () => closeServer(server),
  };
}
