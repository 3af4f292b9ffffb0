// Shared by the emulator tests: request helpers and a JWT-bearer assertion builder.

import { importPKCS8, SignJWT } from 'jose';
import type { Emulator, ServiceAccountKeyFile } from '../../src/emulator/index.js';

export const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

export async function assertionFor(
  key: ServiceAccountKeyFile,
  o: { aud?: string; iat?: number; exp?: number; scope?: string | null; kid?: string | null; iss?: string } = {},
): Promise<string> {
  const pk = await importPKCS8(key.private_key, 'RS256');
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: o.iss ?? key.client_email,
    aud: o.aud ?? key.token_uri,
    iat: o.iat ?? now,
    exp: o.exp ?? now + 3600,
  };
  if (o.scope !== null) claims.scope = o.scope ?? CLOUD_PLATFORM;
  const header: { alg: string; typ: string; kid?: string } = { alg: 'RS256', typ: 'JWT' };
  if (o.kid !== null) header.kid = o.kid ?? key.private_key_id;
  return new SignJWT(claims).setProtectedHeader(header).sign(pk);
}

export async function jwtBearer(emu: Emulator, assertion: string): Promise<Response> {
  return fetch(`${emu.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
  });
}

/** A fresh access token through the metadata server (the cheapest grant). */
export async function metadataToken(emu: Emulator): Promise<string> {
  const r = await fetch(`${emu.url}/computeMetadata/v1/instance/service-accounts/default/token`, {
    headers: { 'Metadata-Flavor': 'Google' },
  });
  if (r.status !== 200) throw new Error(`metadata token: ${r.status}`);
  return ((await r.json()) as { access_token: string }).access_token;
}

export function postJson(url: string, token: string | undefined, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Read a streamed body and return its pieces as they arrived. */
export async function readChunks(r: Response): Promise<string[]> {
  const out: string[] = [];
  const decoder = new TextDecoder();
  const reader = r.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out.push(decoder.decode(value, { stream: true }));
  }
  return out;
}

export function sseData(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .map((e) => e.trim())
    .filter(Boolean)
    .map((e) => {
      if (!e.startsWith('data: ')) throw new Error(`not an SSE data event: ${e}`);
      return e.slice('data: '.length);
    });
}
