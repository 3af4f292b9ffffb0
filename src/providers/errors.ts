// WardenError → an HTTP response in the caller's protocol.
//
//   Vertex (and generic HTTP): google.rpc.Status, as Google's REST front end
//     returns it, with an ErrorInfo detail carrying Warden's reason and the
//     request id (and a RetryInfo detail when the error carries Retry-After).
//   OpenAI: the `{"error": {message, type, param, code}}` object.

import type { WardenError } from '../errors.js';

export interface RenderedError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const ERROR_DOMAIN = 'warden.dev';

const GOOGLE_JSON = 'application/json; charset=UTF-8';
const OPENAI_JSON = 'application/json';

function headerValue(headers: Record<string, string>, lowerName: string): string | undefined {
  for (const k in headers) {
    if (k.toLowerCase() === lowerName) return headers[k];
  }
  return undefined;
}

/** Response headers: the error's own headers, then our content-type (replacing any other spelling of it). */
function withContentType(headers: Record<string, string>, contentType: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in headers) {
    if (k.toLowerCase() !== 'content-type') out[k] = headers[k]!;
  }
  out['content-type'] = contentType;
  return out;
}

/** Delta-seconds of a Retry-After header, if it has that form. */
function retryAfterSeconds(headers: Record<string, string>): number | undefined {
  const v = headerValue(headers, 'retry-after');
  if (v === undefined) return undefined;
  const s = v.trim();
  if (s.length === 0 || s.length > 10) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(s);
}

/** google.rpc.Status JSON, as Vertex AI returns errors. */
export function renderRpcStatus(err: WardenError, requestId: string): RenderedError {
  const details: Record<string, unknown>[] = [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: err.reason,
      domain: ERROR_DOMAIN,
      metadata: { requestId },
    },
  ];
  const retry = retryAfterSeconds(err.headers);
  if (retry !== undefined) {
    details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retry}s` });
  }
  const body = {
    error: { code: err.httpStatus, message: err.message, status: err.code, details },
  };
  return {
    status: err.httpStatus,
    headers: withContentType(err.headers, GOOGLE_JSON),
    // Google pretty-prints error bodies with two spaces.
    body: JSON.stringify(body, null, 2) + '\n',
  };
}

function openAiType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** OpenAI's error object. `code` is Warden's reason in lower case (`rate_limit_exceeded` for 429). */
export function renderOpenAIError(err: WardenError, _requestId: string): RenderedError {
  const status = err.httpStatus;
  const body = {
    error: {
      message: err.message,
      type: openAiType(status),
      param: null,
      code: status === 429 ? 'rate_limit_exceeded' : err.reason.toLowerCase(),
    },
  };
  return {
    status,
    headers: withContentType(err.headers, OPENAI_JSON),
    body: JSON.stringify(body),
  };
}
