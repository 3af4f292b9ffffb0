// Small HTTP helpers of the admin listener: answers, bodies, cookies.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers every admin answer carries: nothing of it is cached by a shared cache, framed or sniffed. */
const COMMON = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...COMMON, 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  send(res, status, 'application/json', JSON.stringify(body, null, 2), headers);
}

/** An error as the admin API answers it: `{error: {status, reason, message}}`. */
export function sendError(res: ServerResponse, status: number, reason: string, message: string, headers: Record<string, string | string[]> = {}): void {
  sendJson(res, status, { error: { status, reason, message } }, headers);
}

export class BodyTooLarge extends Error {}

/** The request body as text, at most `max` bytes. */
export async function readText(req: IncomingMessage, max: number): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > max) throw new BodyTooLarge(`the body is larger than ${max} bytes`);
  }
  return text;
}

/** The request's cookies (the first of each name). */
export function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

export interface CookieOptions {
  maxAgeS?: number;
  path?: string;
  sameSite: 'Strict' | 'Lax';
  secure: boolean;
}

/** A `Set-Cookie` value: always HttpOnly (no script reads a Warden cookie). */
export function setCookie(name: string, value: string, o: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${o.path ?? '/'}`, 'HttpOnly', `SameSite=${o.sameSite}`];
  if (o.secure) parts.push('Secure');
  if (o.maxAgeS !== undefined) parts.push(`Max-Age=${o.maxAgeS}`);
  return parts.join('; ');
}

export function pathAndQuery(req: IncomingMessage): { path: string; query: URLSearchParams } {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return { path: q < 0 ? url : url.slice(0, q), query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)) };
}
