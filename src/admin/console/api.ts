// The admin API as the console calls it: same origin, the session cookie
// sent by the browser, the CSRF token on every state-changing call.

export interface SessionInfo {
  signInConfigured: boolean;
  oidc: boolean;
  signedIn: boolean;
  via: 'session' | 'token' | 'none';
  name?: string;
  principal?: string;
  groups: string[];
  csrf?: string;
  auditStore?: string;
  policy?: { policies: string[]; isDefault: boolean };
  can: Record<'traffic' | 'audit' | 'verify' | 'usage' | 'health' | 'explain' | 'credentials', boolean>;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly reason: string, message: string) {
    super(message);
  }
}

let csrf: string | undefined;

export function setCsrf(token: string | undefined): void {
  csrf = token;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  const res = await fetch(path, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), credentials: 'same-origin' });
  const data = (await res.json().catch(() => ({}))) as { error?: { reason?: string; message?: string } | string };
  if (!res.ok) {
    const e = typeof data.error === 'object' ? data.error : { message: data.error };
    throw new ApiError(res.status, e?.reason ?? String(res.status), e?.message ?? `${res.status} ${res.statusText}`);
  }
  return data as T;
}

/** Query string of the non-empty fields. */
export function qs(fields: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}
