// Everything one running emulator holds, passed to each route handler.

import type { JWTVerifyGetKey } from 'jose';
import type { ServiceAccountKeyRing, SigningKey } from './keys.js';
import type { AccessTokenStore } from './tokens.js';
import type { JobStore } from './jobs.js';
import type { ResourceStore } from './vertex-resources.js';
import type { ModelArmorCall } from './model-armor.js';

export const PROJECT_ID = 'emulator-project';
export const PROJECT_NUMBER = '123456789012';
export const DEFAULT_SA_EMAIL = `warden@${PROJECT_ID}.iam.gserviceaccount.com`;
export const WIF_POOL = 'warden-pool';
export const WIF_PROVIDER = 'warden-dev';
export const WIF_AUDIENCE = `//iam.googleapis.com/projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/${WIF_POOL}/providers/${WIF_PROVIDER}`;
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const OIDC_CLIENT_ID = 'warden-dev';
export const OIDC_CLIENT_SECRET = 'warden-dev-secret';

export interface EmulatorStats {
  tokensMinted: number;
  byGrant: Record<string, number>;
  vertexCalls: number;
  rejectedCalls: number;
}

/** One request that reached a Vertex route, kept so tests can see what the upstream saw. */
export interface VertexRequestRecord {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  /** Identity of the access token used; absent when the call was rejected. */
  identity?: string;
  status: number;
}

export interface EmulatorState {
  /** Set once the server listens (port 0 is only known then). */
  url: string;
  issuer: string;
  projectId: string;
  projectNumber: string;
  serviceAccountEmail: string;
  ttlSeconds: number;
  stats: EmulatorStats;
  control: {
    tokenEndpointsDown: boolean;
    /** Vertex locations told to fail: calls naming one get this status (429 or 503) instead of an answer. */
    failingLocations: Map<string, 429 | 503>;
  };
  tokens: AccessTokenStore;
  saKeys: ServiceAccountKeyRing;
  issuerKey: SigningKey;
  /** Subject tokens written by writeCredentials(); STS accepts them even after a key rotation. */
  writtenSubjectTokens: Set<string>;
  /** Further OIDC issuers the STS accepts subject tokens from (a real provider in tests), by issuer URL. */
  trustedIssuers: Map<string, JWTVerifyGetKey>;
  jobs: JobStore;
  /** Interactions and context caches. */
  resources: ResourceStore;
  vertexRequests: VertexRequestRecord[];
  /** Model Armor sanitize calls, newest last (bounded). */
  modelArmorCalls: ModelArmorCall[];
  /** The modelArmorConfig of generateContent requests that carried one, newest last (bounded). */
  modelArmorConfigs: Record<string, unknown>[];
  /** Authorization codes the dev issuer's login page gave out, until redeemed (once) or expired. */
  authCodes: Map<string, AuthCode>;
  /** Clients of the dev issuer besides the built-in one, each signing in as itself with its groups. */
  oidcClients: Map<string, OidcClient>;
}

/** What a code stands for: who signed in, for which client and redirect, and the PKCE challenge it must be redeemed with. */
export interface AuthCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce?: string;
  scope: string;
  sub: string;
  groups: string[];
  expiresAt: number;
}

/** A client of the dev issuer (client_credentials): its token's `sub` is the client id, with these groups. */
export interface OidcClient {
  secret: string;
  groups: string[];
}

export const VERTEX_REQUEST_LOG_SIZE = 200;
