// Identity tests' fixtures: an upstream that echoes what reached it, a
// gateway started from a config written to a temp dir (logs captured), a
// real oidc-provider on loopback whose keys can be rotated or taken down,
// and a small PKI made with the openssl CLI.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { JWK } from 'jose';
import Provider from 'oidc-provider';
import type { RunningGateway } from '../../src/gateway.js';
import { startGatewayFromYaml } from '../helpers/gateway.js';
import { closeServer, listen } from '../helpers/http-server.js';
import { clientCredentialsProvider, clientCredentialsToken, signingKey } from '../helpers/oidc-provider.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

export interface Echo {
  url: string;
  /** What the last request that reached the upstream carried. */
  last?: { url: string; headers: Record<string, string | string[] | undefined> };
  close(): Promise<void>;
}

export async function startEcho(): Promise<Echo> {
  const echo: Echo = { url: '', close: async () => {} };
  const server = createServer((req, res) => {
    echo.last = { url: req.url ?? '', headers: req.headers };
    req.resume().on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true }));
    });
  });
  echo.url = await listen(server);
  echo.close = () => closeServer(server);
  return echo;
}

export interface TestGateway {
  gw: RunningGateway;
  dir: string;
  logs: Record<string, unknown>[];
  /** The access log line of a request id. */
  logOf(requestId: string): Record<string, unknown> | undefined;
  close(): Promise<void>;
}

/** `config(dir)` returns the YAML; files it names can be written into `dir` first by `files`. */
export async function startTestGateway(config: (dir: string) => string, files: Record<string, string | Buffer> = {}): Promise<TestGateway> {
  const dir = makeTempDir('warden-identity-');
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const { gw, logs } = await startGatewayFromYaml(config(dir), { dir });
  let closed: Promise<void> | undefined;
  return {
    gw,
    dir,
    logs,
    logOf: (id) => logs.find((l) => l.requestId === id && l.msg === 'request'),
    close() {
      closed ??= gw.close().then(() => removeDir(dir));
      return closed;
    },
  };
}

/** A Gateway document with one `http` route to `upstream`, plus `extra` YAML under spec. */
export function gatewayYaml(upstream: string, extra = '', route = ''): string {
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: identity-test}
spec:
  routes:
    - name: echo
      provider: http
      upstream: ${upstream}
      propagateHeaders: [x-jwt, x-forwarded-client-cert, x-api-key, x-sub, x-tenant, x-payload]
${route}${extra}`;
}

// ------------------------------------------------------------------ oidc-provider

export interface Issuer {
  issuer: string;
  /** Serve these signing keys from now on (a new Provider, same issuer). */
  rotate(): Promise<{ kid: string; privateKey: CryptoKey }>;
  /** `up` serves; `down` resets every connection. */
  mode: 'up' | 'down';
  /** A client_credentials JWT access token for `resource`. */
  clientCredentials(resource?: string): Promise<string>;
  /** Requests the issuer received (discovery, jwks, token). */
  hits: string[];
  close(): Promise<void>;
}

export const CLIENT = { id: 'batch-job', secret: 'batch-secret' };
export const RESOURCE = 'urn:warden:test';

export async function startIssuer(): Promise<Issuer> {
  let provider: Provider | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (issuer.mode === 'down') return void req.socket.destroy();
    issuer.hits.push(req.url ?? '');
    void provider!.callback()(req, res);
  });
  const url = await listen(server);
  const issuer: Issuer = {
    issuer: url,
    mode: 'up',
    hits: [],
    async rotate() {
      const { jwk, privateKey } = await signingKey(`k-${Math.random().toString(36).slice(2, 10)}`);
      provider = newProvider(url, jwk);
      return { kid: jwk.kid!, privateKey };
    },
    clientCredentials: (resource = RESOURCE) => clientCredentialsToken(url, CLIENT, resource, 'models:call models:list'),
    close: () => closeServer(server),
  };
  await issuer.rotate();
  return issuer;
}

function newProvider(issuer: string, jwk: JWK): Provider {
  return clientCredentialsProvider(issuer, jwk, { clients: [CLIENT], resource: RESOURCE, scopes: ['models:call', 'models:list'], accessTokenTTL: 300 });
}

// ------------------------------------------------------------------ PKI (openssl CLI)

export interface Pki {
  dir: string;
  file(name: string): string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Issue a client certificate from `ca` ('ca' or 'other-ca') with a URI SAN. */
  client(name: string, uri: string, ca?: 'ca' | 'other-ca'): { cert: string; key: string };
  close(): void;
}

export function makePki(): Pki {
  const dir = makeTempDir('warden-pki-');
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) => ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(`${name}.key`));
  const ca = (name: string) => {
    key(name);
    ssl('req', '-x509', '-new', '-key', f(`${name}.key`), '-out', f(`${name}.crt`), '-subj', `/CN=${name}`, '-days', '2');
  };
  const issue = (name: string, issuer: string, ext: string) => {
    key(name);
    ssl('req', '-new', '-key', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`);
    writeFileSync(f(`${name}.ext`), ext);
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${issuer}.crt`), '-CAkey', f(`${issuer}.key`), '-CAcreateserial',
      '-out', f(`${name}.crt`), '-days', '2', '-extfile', f(`${name}.ext`));
  };
  ca('ca');
  ca('other-ca');
  issue('server', 'ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  const read = (n: string) => readFileSync(f(n), 'utf8');
  return {
    dir,
    file: f,
    caCert: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    client(name, uri, issuer = 'ca') {
      issue(name, issuer, `subjectAltName=URI:${uri}\nextendedKeyUsage=clientAuth\n`);
      return { cert: read(`${name}.crt`), key: read(`${name}.key`) };
    },
    close: () => removeDir(dir),
  };
}
