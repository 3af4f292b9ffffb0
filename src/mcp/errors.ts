// A WardenError on an MCP route, as the MCP client SDKs understand it.
//
//   a request (it has an id)   HTTP 200 with a JSON-RPC error response for that id: the SDK
//                              rejects the pending call with the error, as it would the server's
//   401                        the Bearer challenge naming the Protected Resource Metadata, so
//                              the client can find its authorization server and sign in
//   header mismatch            400 and -32020 HeaderMismatch, as the 2026-07-28 revision says
//   a session not found        404, as a server answers for a session it does not know (the
//                              client starts a new one); also for another caller's session
//   anything else              the error's HTTP status, a JSON-RPC error without id
//
// A caller who presented no identity at all and was refused by policy is
// asked to authenticate (401) on a route that is an OAuth resource server.
import { WardenError } from '../errors.js';
import type { ErrorContext } from '../providers/provider.js';
import type { RenderedError } from '../providers/errors.js';
import { errorResponse, HEADER_MISMATCH, INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR, wardenCode } from './jsonrpc.js';
import { challenge, isResourceServer } from './resource-metadata.js';

/** Reasons from identify and the credential stage whose 401 means "no token", not "a bad token". */
const NO_TOKEN = new Set(['TOKEN_REQUIRED', 'CALLER_TOKEN_REQUIRED']);

export function renderMcpError(e: WardenError, requestId: string, ctx?: ErrorContext): RenderedError {
  const err = askToAuthenticate(e, ctx) ?? e;
  const call = ctx?.target?.mcp;
  const headers: Record<string, string> = {};
  for (const k in err.headers) if (k.toLowerCase() !== 'content-type' && k.toLowerCase() !== 'www-authenticate') headers[k] = err.headers[k]!;
  let status = err.httpStatus;
  const code = mcpErrorCode(err);
  if (err.httpStatus === 401) {
    const invalid = NO_TOKEN.has(err.reason) ? undefined : { code: 'invalid_token', description: err.message };
    headers['www-authenticate'] = ctx?.route ? challenge(ctx.route, ctx.req, invalid) : (err.headers['www-authenticate'] ?? 'Bearer realm="warden"');
  }
  // A refused request the client is waiting on: answered like any other call, so its SDK rejects that call.
  const answersCall = call?.kind === 'request' && call.id !== undefined;
  if (answersCall && status !== 401 && err.reason !== 'MCP_HEADER_MISMATCH' && err.code !== 'NOT_FOUND' && status !== 499) status = 200;
  headers['content-type'] = 'application/json';
  return { status, headers, body: JSON.stringify(errorResponse(err, answersCall ? call!.id : undefined, code, requestId)) };
}

/**
 * The JSON-RPC error code a refusal is answered with: JSON-RPC's and MCP's own for a message that
 * cannot be passed, else Warden's (-31000 minus the HTTP status). `answered`: the HTTP status the
 * caller got, when known (a policy refusal of a caller without identity goes as 401).
 */
export function mcpErrorCode(err: WardenError, answered?: number): number {
  if (answered === 401) return wardenCode(401);
  if (err.reason === 'MCP_HEADER_MISMATCH') return HEADER_MISMATCH;
  if (err.reason === 'MALFORMED_JSON') return PARSE_ERROR;
  if (err.reason === 'MCP_NAME_INVALID') return INVALID_PARAMS;
  // A message that is not a request Warden can pass; too large (413) or of another type (415) keep their own codes.
  if ((err.code === 'INVALID_ARGUMENT' || err.code === 'FAILED_PRECONDITION') && err.httpStatus === 400) return INVALID_REQUEST;
  return wardenCode(err.httpStatus);
}

/** Policy refused a caller without any identity, on a route that tells clients where to sign in: 401 instead of 403. */
function askToAuthenticate(err: WardenError, ctx: ErrorContext | undefined): WardenError | undefined {
  if (err.reason !== 'POLICY_DENIED' || !ctx?.route || !isResourceServer(ctx.route)) return undefined;
  if (ctx.principal.methods.length) return undefined;
  return new WardenError('UNAUTHENTICATED', 'TOKEN_REQUIRED', 'this MCP server requires a bearer token from its authorization server');
}
