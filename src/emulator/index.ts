// A local stand-in for Google: OAuth token endpoint, STS, IAM Credentials,
// the GCE metadata server, a dev OIDC issuer and Vertex AI REST, all on one
// port. Used by `warden demo` and by the tests.
//
// Routes (one port):
//   POST /token                                   JWT-bearer grant (service-account keys)
//   GET  /tokeninfo?access_token=                 who a minted token belongs to
//   POST /sts/v1/token   (also /v1/token)         STS token exchange (WIF; dev issuer + trustIssuer())
//   POST /iam/v1/projects/-/serviceAccounts/E:generateAccessToken   (also under /v1/)
//   GET  /, /computeMetadata/v1/...               GCE metadata server (Metadata-Flavor: Google)
//   /oidc/.well-known/openid-configuration, /oidc/jwks, POST /oidc/token   dev OIDC issuer
//   /v1/..., /v1beta1/...                         Vertex AI REST (Bearer = a token minted here)
//   GET  /healthz

import type { ModelArmorCall } from './model-armor.js';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet } from 'jose';
import { createServiceAccountKeyFile, serviceAccountKeyFile, writeCredentialFiles, type ServiceAccountKeyFile } from './credentials.js';
import { JobStore } from './jobs.js';
import { ResourceStore } from './vertex-resources.js';
import { newSigningKey, ServiceAccountKeyRing } from './keys.js';
import { mintIssuerJwt, type MintOptions } from './oidc.js';
import { createEmulatorServer } from './server.js';
import {
  DEFAULT_SA_EMAIL,
  PROJECT_ID,
  PROJECT_NUMBER,
  type EmulatorState,
  type EmulatorStats,
  type VertexRequestRecord,
} from './state.js';
import { AccessTokenStore, type AccessTokenInfo } from './tokens.js';

export type { ServiceAccountKeyFile, ExternalAccountFile } from './credentials.js';
export type { EmulatorStats, VertexRequestRecord } from './state.js';
export type { AccessTokenInfo, Grant } from './tokens.js';
export {
  CLOUD_PLATFORM_SCOPE,
  OIDC_CLIENT_ID,
  OIDC_CLIENT_SECRET,
  PROJECT_NUMBER,
  WIF_AUDIENCE,
} from './state.js';

export interface EmulatorOptions {
  host?: string;
  /** 0 = ephemeral. */
  port?: number;
  /** Lifetime of every access token the emulator mints; default 3600. */
  accessTokenTtlSeconds?: number;
  /**
   * Make the default account's key at start, beside the issuer's (both off the main thread),
   * for a caller that writes credentials at once (the demo); otherwise it is made on first use.
   */
  defaultKeyAtStart?: boolean;
}

export interface Emulator {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Dev OIDC issuer URL: `${url}/oidc`. */
  issuer: string;
  /** 'emulator-project' */
  projectId: string;
  /** The default service account, also the metadata server's and the impersonation target. */
  serviceAccountEmail: string;
  /** Counters tests assert on. */
  stats: EmulatorStats;
  /** Failure injection for tests: when true the OAuth/STS/IAM/metadata token endpoints answer 503. */
  control: {
    tokenEndpointsDown: boolean;
    /** Vertex locations told to fail: calls naming one get this status (429 or 503) instead of an answer. */
    failingLocations: Map<string, 429 | 503>;
  };
  /** The last requests that reached a Vertex route (accepted or rejected), oldest first; at most 200. */
  vertexRequests: VertexRequestRecord[];
  /** Model Armor sanitize calls (template, method, text, caller), oldest first; at most 200. */
  modelArmorCalls: ModelArmorCall[];
  /** modelArmorConfig of the generateContent requests that carried one, oldest first; at most 200. */
  modelArmorConfigs: Record<string, unknown>[];
  /** Issue a service-account key the token endpoint will accept (RSA 2048, PKCS8 PEM), returned as the JSON Google writes. */
  createServiceAccountKey(email?: string): ServiceAccountKeyFile;
  /** Mint a dev OIDC token signed by the issuer's current key. */
  mintIdToken(o: MintOptions): Promise<string>;
  /** Make the STS accept subject tokens from another OIDC issuer too (its keys fetched from jwksUri). */
  trustIssuer(issuer: string, jwksUri: string): void;
  /**
   * Register a client of the dev issuer: with client_credentials it gets tokens for `sub` = its id
   * and these groups (an MCP client signing in through the SDK's auth flow, as a person or agent would).
   */
  registerOidcClient(id: string, secret: string, groups: string[]): void;
  /** Rotate the dev issuer's signing key (new kid; old key dropped from JWKS). */
  rotateIssuerKey(): Promise<void>;
  /** True when `token` is an access token this emulator minted and has not expired. */
  isValidAccessToken(token: string): boolean;
  /** Who a minted access token stands for, its scopes and expiry; undefined if unknown or expired. */
  tokenInfo(token: string): AccessTokenInfo | undefined;
  /** Write service-account.json, external-account.json and subject-token.txt into dir; returns their paths. */
  writeCredentials(dir: string): Promise<{ serviceAccount: string; externalAccount: string; subjectToken: string }>;
  close(): Promise<void>;
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const host = opts.host ?? '127.0.0.1';
  const stats: EmulatorStats = { tokensMinted: 0, byGrant: {}, vertexCalls: 0, rejectedCalls: 0 };
  const saKeys = new ServiceAccountKeyRing();
  const [issuerKey, madeDefaultKey] = await Promise.all([newSigningKey(), opts.defaultKeyAtStart ? saKeys.createAsync(DEFAULT_SA_EMAIL) : undefined]);
  const state: EmulatorState = {
    url: '',
    issuer: '',
    projectId: PROJECT_ID,
    projectNumber: PROJECT_NUMBER,
    serviceAccountEmail: DEFAULT_SA_EMAIL,
    ttlSeconds: opts.accessTokenTtlSeconds ?? 3600,
    stats,
    control: { tokenEndpointsDown: false, failingLocations: new Map() },
    tokens: new AccessTokenStore(stats),
    saKeys,
    issuerKey,
    writtenSubjectTokens: new Set(),
    trustedIssuers: new Map(),
    jobs: new JobStore(),
    resources: new ResourceStore(),
    vertexRequests: [],
    modelArmorCalls: [],
    modelArmorConfigs: [],
    authCodes: new Map(),
    oidcClients: new Map(),
  };

  const server = createEmulatorServer(state);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  state.url = `http://${hostForUrl(host)}:${port}`;
  state.issuer = `${state.url}/oidc`;

  // The default account's key is made on first use: RSA generation is slow and most callers never need it.
  let defaultKey: ServiceAccountKeyFile | undefined = madeDefaultKey && serviceAccountKeyFile(state, DEFAULT_SA_EMAIL, madeDefaultKey);

  return {
    url: state.url,
    port,
    issuer: state.issuer,
    projectId: state.projectId,
    serviceAccountEmail: state.serviceAccountEmail,
    stats,
    control: state.control,
    vertexRequests: state.vertexRequests,
    modelArmorCalls: state.modelArmorCalls,
    modelArmorConfigs: state.modelArmorConfigs,
    createServiceAccountKey: (email = state.serviceAccountEmail) => createServiceAccountKeyFile(state, email),
    mintIdToken: (o) => mintIssuerJwt(state, o),
    trustIssuer: (issuer, jwksUri) => {
      state.trustedIssuers.set(issuer, createRemoteJWKSet(new URL(jwksUri)));
    },
    registerOidcClient: (id, secret, groups) => {
      state.oidcClients.set(id, { secret, groups: [...groups] });
    },
    rotateIssuerKey: async () => {
      state.issuerKey = await newSigningKey();
    },
    isValidAccessToken: (token) => state.tokens.lookup(token) !== undefined,
    tokenInfo: (token) => state.tokens.lookup(token),
    writeCredentials: async (dir) => {
      defaultKey ??= createServiceAccountKeyFile(state, state.serviceAccountEmail);
      return writeCredentialFiles(state, dir, defaultKey);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
