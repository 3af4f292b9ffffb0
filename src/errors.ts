// Warden's own errors. Each carries a google.rpc status code (the canonical
// vocabulary Vertex AI, gRPC and Envoy all share), the HTTP status it maps to,
// and a stable machine-readable `reason`. Providers render them in the
// caller's protocol (see src/providers/errors.ts).

export type RpcCode =
  | 'CANCELLED'
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'RESOURCE_EXHAUSTED'
  | 'FAILED_PRECONDITION'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'INTERNAL'
  | 'UNIMPLEMENTED';

/** The HTTP status of each code, as Google's APIs map them. */
export const HTTP_STATUS: Record<RpcCode, number> = {
  // The caller went away: nothing is sent, but the record and metrics say 499, as Google's APIs and nginx do.
  CANCELLED: 499,
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 400,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  INTERNAL: 500,
  UNIMPLEMENTED: 501,
};

/** gRPC numeric codes, for ext_authz and google.rpc.Status `code` in gRPC form. */
export const GRPC_CODE: Record<RpcCode, number> = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
};

export class WardenError extends Error {
  readonly code: RpcCode;
  /** Stable, machine-readable: `TOKEN_EXPIRED`, `POLICY_DENIED`, `BODY_TOO_LARGE`, … */
  readonly reason: string;
  readonly httpStatus: number;
  /** Extra response headers (e.g. WWW-Authenticate, Retry-After). */
  readonly headers: Record<string, string>;

  constructor(
    code: RpcCode,
    reason: string,
    message: string,
    opts: { httpStatus?: number; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'WardenError';
    this.code = code;
    this.reason = reason;
    this.httpStatus = opts.httpStatus ?? HTTP_STATUS[code];
    this.headers = opts.headers ?? {};
  }
}

export function isWardenError(e: unknown): e is WardenError {
  return e instanceof WardenError;
}

/** Wrap anything thrown into a WardenError without leaking its details to the caller. */
export function toWardenError(e: unknown): WardenError {
  if (e instanceof WardenError) return e;
  return new WardenError('INTERNAL', 'INTERNAL', 'internal error in the gateway', { cause: e });
}
