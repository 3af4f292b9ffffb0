// Credential files in exactly the shapes Google writes them, pointing at the
// emulator instead of Google, so the gateway's credential loaders and
// google-auth-library can be exercised against them unchanged.

import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { numericIdFor, type ServiceAccountKey } from './keys.js';
import { mintIssuerJwt } from './oidc.js';
import { WIF_AUDIENCE, type EmulatorState } from './state.js';

/** A service-account key file as the Cloud console downloads it. */
export interface ServiceAccountKeyFile {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: 'googleapis.com';
}

/** A Workload Identity Federation credential configuration (file-sourced, OIDC). */
export interface ExternalAccountFile {
  type: 'external_account';
  audience: string;
  subject_token_type: string;
  token_url: string;
  service_account_impersonation_url: string;
  credential_source: { file: string; format: { type: 'text' } };
  universe_domain: 'googleapis.com';
}

export const SUBJECT_TOKEN_SUB = 'warden-workload';
// Long-lived on purpose: a demo may run for days; STS accepts this exact token across key rotations.
const SUBJECT_TOKEN_TTL_S = 7 * 24 * 3600;

export function createServiceAccountKeyFile(state: EmulatorState, email: string): ServiceAccountKeyFile {
  return serviceAccountKeyFile(state, email, state.saKeys.create(email));
}

/** The key file of a key already in the ring. */
export function serviceAccountKeyFile(state: EmulatorState, email: string, { key, privateKeyPem }: { key: ServiceAccountKey; privateKeyPem: string }): ServiceAccountKeyFile {
  return {
    type: 'service_account',
    project_id: state.projectId,
    private_key_id: key.keyId,
    private_key: privateKeyPem,
    client_email: email,
    client_id: numericIdFor(email),
    // Non-token URLs point here too, so nothing configured from this file reaches for the internet.
    auth_uri: `${state.url}/o/oauth2/auth`,
    token_uri: `${state.url}/token`,
    auth_provider_x509_cert_url: `${state.url}/oauth2/v1/certs`,
    client_x509_cert_url: `${state.url}/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
    universe_domain: 'googleapis.com',
  };
}

export async function writeCredentialFiles(
  state: EmulatorState,
  dir: string,
  serviceAccountKey: ServiceAccountKeyFile,
): Promise<{ serviceAccount: string; externalAccount: string; subjectToken: string }> {
  const abs = resolve(dir);
  await mkdir(abs, { recursive: true });
  const serviceAccount = join(abs, 'service-account.json');
  const externalAccount = join(abs, 'external-account.json');
  const subjectToken = join(abs, 'subject-token.txt');

  const token = await mintIssuerJwt(state, { sub: SUBJECT_TOKEN_SUB, aud: WIF_AUDIENCE, ttlSeconds: SUBJECT_TOKEN_TTL_S });
  state.writtenSubjectTokens.add(token);

  const external: ExternalAccountFile = {
    type: 'external_account',
    audience: WIF_AUDIENCE,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${state.url}/sts/v1/token`,
    service_account_impersonation_url: `${state.url}/iam/v1/projects/-/serviceAccounts/${state.serviceAccountEmail}:generateAccessToken`,
    credential_source: { file: subjectToken, format: { type: 'text' } },
    universe_domain: 'googleapis.com',
  };

  // Key material: owner-only, as gcloud writes it.
  await writeFile(serviceAccount, `${JSON.stringify(serviceAccountKey, null, 2)}\n`, { mode: 0o600 });
  await writeFile(externalAccount, `${JSON.stringify(external, null, 2)}\n`, { mode: 0o600 });
  await writeFile(subjectToken, token, { mode: 0o600 });
  return { serviceAccount, externalAccount, subjectToken };
}
