// Small HTTP helpers shared by every emulated Google surface. Each surface
// answers errors in its own dialect (OAuth JSON, google.rpc.Status, plain
// text for the metadata server), so the writers are kept separate.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTP_STATUS, type RpcCode } from '../errors.js';

export const MAX_BODY_BYTES = 50 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor() {
    super(`request body exceeds ${MAX_BODY_BYTES} bytes`);
  }
}

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) {
        failed = true;
        reject(e);
      }
    });
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** google.rpc.Status in the JSON form Google's REST front ends use. */
export function rpcError(code: RpcCode, message: string) {
  return { error: { code: HTTP_STATUS[code], message, status: code } };
}

export function sendRpcError(
  res: ServerResponse,
  code: RpcCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, HTTP_STATUS[code], rpcError(code, message), headers);
}

/** RFC 6749 §5.2 error body, as oauth2.googleapis.com and sts.googleapis.com send it. */
export function sendOAuthError(
  res: ServerResponse,
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error, error_description: description }, headers);
}

/**
 * Form or JSON body as flat string fields. Google's token endpoints take
 * both; arrays (JSON) are joined with spaces, as OAuth scopes are.
 */
export function parseParams(body: Buffer, contentType: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const text = body.toString('utf8');
  if ((contentType ?? '').toLowerCase().includes('json')) {
    const obj: unknown = JSON.parse(text);
    if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
      for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
        if (v === undefined || v === null) continue;
        out.set(k, Array.isArray(v) ? v.map(String).join(' ') : String(v));
      }
    }
    return out;
  }
  for (const [k, v] of new URLSearchParams(text)) out.set(k, v);
  return out;
}

/**
 * A token endpoint's request parameters (see parseParams); undefined after
 * answering 400 invalid_request when the body does not parse.
 */
export async function readTokenParams(req: IncomingMessage, res: ServerResponse): Promise<Map<string, string> | undefined> {
  const body = await readBody(req);
  try {
    return parseParams(body, req.headers['content-type']);
  } catch {
    sendOAuthError(res, 400, 'invalid_request', 'malformed request body');
    return undefined;
  }
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

/** RFC 3339 without fractional seconds, as IAM Credentials writes `expireTime`. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
