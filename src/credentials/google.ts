// A Google credential (`google:` in the config) → its token source. A file's
// `type` decides, exactly as Google's libraries do; Warden's own options
// (self-signed JWT, the caller's token as subject, impersonation) layer on top.
import type { GoogleCredentialSpec } from '../config/schema.js';
import { durationMs } from '../config/schema.js';
import { ExternalAccountSource, subjectSourceOf, type ExternalAccountConfig } from './external-account.js';
import { ImpersonatedSource, parseImpersonationUrl } from './impersonated.js';
import { MetadataSource } from './metadata.js';
import { SelfSignedJwtSource } from './self-signed-jwt.js';
import { isServiceAccountKey, privateKeyProblem, ServiceAccountSource } from './service-account.js';
import type { TokenSource } from './token-source.js';

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

/** A credential that cannot be built; the message never quotes the file's secrets. */
export class CredentialConfigError extends Error {
  constructor(message: string, readonly hint?: string, readonly field: string = 'file') {
    super(message);
  }
}

/** Build from the parsed JSON of `spec.file` (undefined for `metadata: true`). */
export function googleSource(spec: GoogleCredentialSpec, json: Record<string, unknown> | undefined): TokenSource {
  if (spec.impersonate && spec.selfSignedJwt) {
    throw new CredentialConfigError('selfSignedJwt and impersonate do not combine', 'impersonation needs a token from a token endpoint', 'selfSignedJwt');
  }
  // The identity that impersonates needs cloud-platform; the scopes asked for are the impersonated token's.
  const baseScopes = spec.impersonate ? [CLOUD_PLATFORM] : spec.scopes;
  const base = json ? fromFile(json, spec, baseScopes) : new MetadataSource(baseScopes);
  if (!spec.impersonate) return base;
  return new ImpersonatedSource(base, {
    serviceAccount: spec.impersonate,
    delegates: spec.delegates,
    scopes: spec.scopes,
    lifetimeS: durationMs(spec.lifetime) / 1000,
    endpoint: spec.iamEndpoint.replace(/\/$/, ''),
  });
}

function fromFile(json: Record<string, unknown>, spec: GoogleCredentialSpec, scopes: string[]): TokenSource {
  const type = json.type;
  if (spec.subjectToken && type !== 'external_account') {
    throw new CredentialConfigError(`subjectToken: caller needs an external_account file, not ${String(type)}`, undefined, 'subjectToken');
  }
  if (spec.selfSignedJwt && type !== 'service_account') {
    throw new CredentialConfigError(`selfSignedJwt needs a service_account key, not ${String(type)}`, undefined, 'selfSignedJwt');
  }
  switch (type) {
    case 'service_account': {
      if (!isServiceAccountKey(json)) throw new CredentialConfigError('a service_account key needs client_email and private_key');
      const problem = privateKeyProblem(json);
      if (problem) throw new CredentialConfigError(`the service_account key's ${problem}`);
      return spec.selfSignedJwt ? new SelfSignedJwtSource(json, scopes, spec.selfSignedJwt.audience) : new ServiceAccountSource(json, scopes);
    }
    case 'external_account': {
      const config = json as unknown as ExternalAccountConfig;
      const subject = subjectSourceOf(config, spec.subjectToken === 'caller');
      if (subject !== 'file' && subject !== 'url' && subject !== 'caller') {
        throw new CredentialConfigError(subject, 'or set subjectToken: caller to exchange each caller’s own token');
      }
      return new ExternalAccountSource(config, scopes, subject);
    }
    case 'impersonated_service_account': {
      const url = typeof json.service_account_impersonation_url === 'string' ? parseImpersonationUrl(json.service_account_impersonation_url) : undefined;
      const source = json.source_credentials;
      if (!url || !source || typeof source !== 'object') {
        throw new CredentialConfigError('an impersonated_service_account file needs service_account_impersonation_url (…/v1/projects/-/serviceAccounts/EMAIL:generateAccessToken) and source_credentials');
      }
      const delegates = Array.isArray(json.delegates) ? json.delegates.map((d) => String(d).replace(/^projects\/-\/serviceAccounts\//, '')) : [];
      const base = fromFile(source as Record<string, unknown>, { ...spec, selfSignedJwt: undefined }, [CLOUD_PLATFORM]);
      return new ImpersonatedSource(base, {
        ...url,
        delegates,
        scopes,
        lifetimeS: durationMs(spec.lifetime) / 1000,
      });
    }
    default:
      throw new CredentialConfigError(
        `credential type "${String(type)}" is not supported`,
        'service_account, external_account or impersonated_service_account (authorized_user keys belong to people, not gateways)',
      );
  }
}
