// Workload Identity Federation (`type: external_account`): a subject token
// exchanged at STS (`token_url`), then, when the file names one,
// `service_account_impersonation_url` (IAM generateAccessToken).
// google-auth-library does both legs correctly against any URL; Warden only
// supplies the subject token, because the library sends a file's token
// untrimmed and knows nothing of Warden's per-caller federation, where the
// subject token is the caller's own verified JWT.
import { readFile } from 'node:fs/promises';
import type { IdentityPoolClientOptions } from 'google-auth-library';
import { describeFailure, MintError, type AccessToken, type CallerToken, type TokenSource } from './token-source.js';

export interface ExternalAccountConfig {
  type: 'external_account';
  audience: string;
  subject_token_type: string;
  token_url: string;
  service_account_impersonation_url?: string;
  credential_source?: {
    file?: string;
    url?: string;
    headers?: Record<string, string>;
    format?: { type: 'text' | 'json'; subject_token_field_name?: string };
  };
}

export type SubjectSource = 'file' | 'url' | 'caller';

/** Which subject token a configuration uses, or why it cannot be used. */
export function subjectSourceOf(config: ExternalAccountConfig, callerOverride: boolean): SubjectSource | string {
  if (typeof config.audience !== 'string' || typeof config.token_url !== 'string' || typeof config.subject_token_type !== 'string') {
    return 'an external_account file needs audience, subject_token_type and token_url';
  }
  if (callerOverride) return 'caller';
  const cs = config.credential_source;
  if (cs?.file && !cs.url) return 'file';
  if (cs?.url && !cs.file) return 'url';
  return 'credential_source needs exactly one of file or url (AWS, executable and certificate sources are not supported)';
}

export class ExternalAccountSource implements TokenSource {
  readonly kind: string;
  readonly perCaller: boolean;

  constructor(
    private readonly config: ExternalAccountConfig,
    private readonly scopes: string[],
    private readonly subject: SubjectSource,
  ) {
    this.perCaller = subject === 'caller';
    const via = config.service_account_impersonation_url ? ` → ${impersonatedEmail(config.service_account_impersonation_url)}` : '';
    this.kind = `external_account ${config.audience} (subject token: ${subject})${via}`;
  }

  async mint(caller?: CallerToken): Promise<AccessToken> {
    if (this.perCaller && !caller) throw new MintError('this credential exchanges the caller’s token, and the request has none');
    // A client per mint: the library's own token cache stays out of the way of Warden's.
    // Loaded at the first mint: a gateway without this kind of credential never carries the library.
    const { IdentityPoolClient } = await import('google-auth-library');
    const client = new IdentityPoolClient(this.options(caller));
    let token: string | null | undefined;
    try {
      token = (await client.getAccessToken()).token;
    } catch (e) {
      throw describeFailure(`workload identity federation (${this.config.token_url})`, e);
    }
    const expiry = client.credentials.expiry_date;
    if (!token || !expiry) throw new MintError(`workload identity federation (${this.config.token_url}) returned no token`);
    return { token, expiresAt: caller ? Math.min(expiry, caller.expiresAt) : expiry };
  }

  private options(caller: CallerToken | undefined): IdentityPoolClientOptions {
    const { credential_source, ...rest } = this.config;
    const base = { ...rest, scopes: this.scopes } as IdentityPoolClientOptions;
    if (this.subject === 'url') return { ...base, credential_source };
    const getSubjectToken = this.subject === 'caller' ? async () => caller!.token : () => this.fileToken();
    return { ...base, subject_token_supplier: { getSubjectToken } };
  }

  /** The file is read at every mint: Kubernetes rewrites projected tokens in place. */
  private async fileToken(): Promise<string> {
    const cs = this.config.credential_source!;
    let text: string;
    try {
      text = await readFile(cs.file!, 'utf8');
    } catch (e) {
      throw new MintError(`cannot read subject token file ${cs.file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (cs.format?.type === 'json') {
      const field = cs.format.subject_token_field_name ?? '';
      let value: unknown;
      try {
        value = (JSON.parse(text) as Record<string, unknown>)[field];
      } catch {
        throw new MintError(`subject token file ${cs.file} is not JSON`);
      }
      if (typeof value !== 'string' || !value.trim()) throw new MintError(`subject token file ${cs.file} has no "${field}"`);
      return value.trim();
    }
    const token = text.trim();
    if (!token) throw new MintError(`subject token file ${cs.file} is empty`);
    return token;
  }
}

/** `…/serviceAccounts/EMAIL:generateAccessToken` → EMAIL, for status pages. */
export function impersonatedEmail(url: string): string {
  return /serviceAccounts\/([^/:]+):generateAccessToken/.exec(decodeURIComponent(url))?.[1] ?? url;
}
