// MCP (Model Context Protocol) over Streamable HTTP: request → Target.
//
//   POST  one JSON-RPC message: a request (method + id), a notification
//         (method, no id) or the client's response to a server request;
//         tools/call → tool, prompts/get → prompt, resources/read,
//         subscribe, unsubscribe → resource, their `arguments`
//   GET   the server's stream for a session (2025-06-18)
//   DELETE  the end of a session (2025-06-18)
//
// A 2026-07-28 client mirrors the method and name into `Mcp-Method` and
// `Mcp-Name`: when the body is not at hand (an ext_authz check without it),
// they are read instead, and only from a revision whose server checks them
// against the body. With the body, they must agree with it (checkMcpRequest).
import { WardenError } from '../errors.js';
import { decodeHeaderValue, headersTrusted, nameProblem } from '../mcp/jsonrpc.js';
import type { RequestBody } from '../admission/body.js';
import type { McpCall, Target } from '../types.js';
import { bodyObject } from './target.js';
import type { UsageObserver } from './usage-observer.js';

/** Methods a client sends whose name becomes the operation; any other is `other` (operation is a metrics label). */
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'server/discover',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
  'logging/setLevel',
  'subscriptions/listen',
  'tasks/get',
  'tasks/list',
  'tasks/result',
  'tasks/cancel',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
]);

/** Calls that carry content to or from a tool, prompt or resource: guarded, and class `tool`. */
const CONTENT_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read', 'completion/complete']);

/** Longer names are refused: none is real, and the name goes into logs, spans and metrics. */
const MAX_NAME = 256;
const MAX_URI = 4096;

const PROTOCOL_VERSION_META = 'io.modelcontextprotocol/protocolVersion';

/** Whether the request's method and name are in its JSON body (read whole first), rather than in trusted headers. */
export function mcpModelInBody(method: string, _path: string, headers?: Record<string, string>): boolean {
  if (method !== 'POST') return false;
  return !(headers !== undefined && headers['mcp-method'] !== undefined && headersTrusted(headers['mcp-protocol-version']));
}

export function classifyMcp(method: string, _path: string, _query: string, body: unknown, headers: Record<string, string> = {}): Target {
  const session = headers['mcp-session-id'];
  const version = headers['mcp-protocol-version'];
  let call: McpCall;
  if (method === 'GET') call = { kind: 'stream', source: 'body' };
  else if (method === 'DELETE') call = { kind: 'end', source: 'body' };
  else if (body === undefined && headers['mcp-method'] !== undefined && headersTrusted(version)) call = fromHeaders(headers);
  else call = fromBody(body);
  if (session !== undefined) call.session = session;
  const v = version ?? protocolVersionInBody(body);
  if (v !== undefined) call.protocolVersion = v;
  checkNames(call);
  const t: Target = {
    provider: 'mcp',
    operation: operationOf(call, body),
    operationClass: call.method !== undefined && CONTENT_METHODS.has(call.method) ? 'tool' : 'other',
    stream: call.kind === 'stream',
    mcp: call,
  };
  if (call.kind === 'stream') t.streamFormat = 'sse';
  return t;
}

function operationOf(call: McpCall, body: unknown): string {
  if (call.method !== undefined) return KNOWN_METHODS.has(call.method) ? call.method : 'other';
  if (call.kind === 'stream') return 'stream';
  if (call.kind === 'end') return 'session.end';
  if (call.kind === 'response') return 'response';
  return Array.isArray(body) ? 'batch' : 'other';
}

function fromBody(body: unknown): McpCall {
  const call: McpCall = { kind: 'request', source: 'body' };
  const msg = bodyObject(body);
  if (!msg) return call;
  const method = msg['method'];
  const id = msg['id'];
  if (typeof id === 'string' || typeof id === 'number') call.id = id;
  if (typeof method !== 'string') {
    if ('result' in msg || 'error' in msg) call.kind = 'response';
    return call;
  }
  call.method = method;
  if (call.id === undefined) call.kind = 'notification';
  const params = bodyObject(msg['params']);
  if (!params) return call;
  const name = typeof params['name'] === 'string' ? params['name'] : undefined;
  const uri = typeof params['uri'] === 'string' ? params['uri'] : undefined;
  const args = bodyObject(params['arguments']);
  switch (method) {
    case 'tools/call':
      if (name !== undefined) call.tool = name;
      if (args) call.arguments = args;
      break;
    case 'prompts/get':
      if (name !== undefined) call.prompt = name;
      if (args) call.arguments = args;
      break;
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      if (uri !== undefined) call.resource = uri;
      break;
    case 'completion/complete': {
      // Completing a prompt's or a resource template's argument is using that prompt or resource.
      const ref = bodyObject(params['ref']);
      if (ref?.['type'] === 'ref/prompt' && typeof ref['name'] === 'string') call.prompt = ref['name'];
      if (ref?.['type'] === 'ref/resource' && typeof ref['uri'] === 'string') call.resource = ref['uri'];
      break;
    }
  }
  return call;
}

function fromHeaders(headers: Record<string, string>): McpCall {
  const method = headers['mcp-method']!;
  const call: McpCall = { kind: 'request', method, source: 'headers' };
  const raw = headers['mcp-name'];
  const name = raw === undefined ? undefined : decodeHeaderValue(raw);
  if (name === undefined) return call;
  if (method === 'tools/call') call.tool = name;
  else if (method === 'prompts/get') call.prompt = name;
  else if (method === 'resources/read' || method === 'resources/subscribe' || method === 'resources/unsubscribe') call.resource = name;
  return call;
}

function protocolVersionInBody(body: unknown): string | undefined {
  const params = bodyObject(bodyObject(body)?.['params']);
  if (!params) return undefined;
  const meta = bodyObject(params['_meta'])?.[PROTOCOL_VERSION_META];
  if (typeof meta === 'string') return meta;
  // initialize names the version the client asks for.
  return bodyObject(body)?.['method'] === 'initialize' && typeof params['protocolVersion'] === 'string' ? params['protocolVersion'] : undefined;
}

/**
 * Names policy decides on are the names the server executes, byte for byte: one that could read,
 * or be normalized by a server, as another name (see nameProblem), or too long for logs and
 * metrics, is taken out of the call (never recorded, never a label) and the call refused by
 * checkMcpRequest, which answers its id.
 */
function checkNames(call: McpCall): void {
  for (const [what, max] of [['tool', MAX_NAME], ['prompt', MAX_NAME], ['resource', MAX_URI]] as const) {
    const v = call[what];
    if (v === undefined) continue;
    const problem = v.length > max ? `is ${v.length} characters long; at most ${max}` : nameProblem(v, what === 'resource');
    if (problem === undefined) continue;
    delete call[what];
    call.badName = `the ${what} name ${problem}`;
  }
}

/**
 * Before policy decides on what classify read (and before guard(request)'s generic checks): one JSON-RPC
 * message, and on a 2026-07-28 request, headers that say what the body says — a component that
 * routes or decides on the headers must see what the server will execute.
 */
export function checkMcpRequest(target: Target, body: RequestBody, headers: Record<string, string>): void {
  const call = target.mcp;
  if (call?.badName !== undefined) throw new WardenError('INVALID_ARGUMENT', 'MCP_NAME_INVALID', call.badName);
  if (!call || call.kind === 'stream' || call.kind === 'end' || call.source === 'headers') return;
  if (body.json === undefined) throw unreadable(body, headers);
  const msg = bodyObject(body.json);
  if (!msg || msg['jsonrpc'] !== '2.0') {
    throw new WardenError('INVALID_ARGUMENT', 'MCP_INVALID_REQUEST', 'the body is not a JSON-RPC 2.0 message (batches are not part of MCP since 2025-06-18)');
  }
  if (call.kind !== 'response' && call.method === undefined) {
    throw new WardenError('INVALID_ARGUMENT', 'MCP_INVALID_REQUEST', 'a JSON-RPC request needs a method');
  }
  if ('id' in msg && call.id === undefined && call.kind !== 'response') {
    throw new WardenError('INVALID_ARGUMENT', 'MCP_INVALID_REQUEST', 'a JSON-RPC request id is a string or a number');
  }
  checkHeaders(call, msg, headers);
}

/** Why a POST's JSON-RPC message could not be read, in the reasons guard(request) gives other routes. */
function unreadable(body: RequestBody, headers: Record<string, string>): WardenError {
  // One cut short (ext_authz's limit), or not sent: nothing in it can be read.
  if (body.partial || body.stream !== undefined) {
    return new WardenError('INVALID_ARGUMENT', 'BODY_TOO_LARGE_TO_CLASSIFY', 'the JSON-RPC message was not read whole (an ext_authz check carries at most its maxRequestBytes)', { httpStatus: 413 });
  }
  const coding = headers['content-encoding']?.trim().toLowerCase();
  if (coding && coding !== 'identity') {
    return new WardenError('INVALID_ARGUMENT', 'CONTENT_ENCODING_UNSUPPORTED', `content-encoding "${coding.slice(0, 64)}" is not accepted: Warden reads the JSON-RPC message; send it uncompressed`,
      { httpStatus: 415, headers: { 'accept-encoding': 'identity' } });
  }
  if (body.jsonError !== undefined) return new WardenError('INVALID_ARGUMENT', 'MALFORMED_JSON', `request body is not valid JSON: ${body.jsonError}`);
  if (body.buffer?.length) {
    return new WardenError('INVALID_ARGUMENT', 'CONTENT_TYPE_UNSUPPORTED', `content-type "${(headers['content-type'] ?? '').trim().slice(0, 64)}" is not accepted: an MCP message is application/json`, { httpStatus: 415 });
  }
  return new WardenError('INVALID_ARGUMENT', 'MCP_INVALID_REQUEST', 'an MCP POST carries one JSON-RPC message');
}

function checkHeaders(call: McpCall, msg: Record<string, unknown>, headers: Record<string, string>): void {
  const mismatch = (what: string) => {
    throw new WardenError('INVALID_ARGUMENT', 'MCP_HEADER_MISMATCH', `Header mismatch: ${what}`);
  };
  const header = headers['mcp-method'];
  const version = headers['mcp-protocol-version'];
  const modern = headersTrusted(version);
  if (header === undefined) {
    if (modern && call.kind !== 'response') mismatch('Mcp-Method header is required');
    return;
  }
  if (header !== call.method) mismatch(`Mcp-Method header does not match the body's method`);
  const metaVersion = bodyObject(bodyObject(msg['params'])?.['_meta'])?.[PROTOCOL_VERSION_META];
  if (modern && metaVersion !== undefined && metaVersion !== version) mismatch('MCP-Protocol-Version header does not match the body');
  const expected = call.tool ?? call.prompt ?? call.resource;
  const named = call.method === 'tools/call' || call.method === 'prompts/get' || call.method === 'resources/read';
  const raw = headers['mcp-name'];
  if (raw === undefined) {
    if (modern && named) mismatch('Mcp-Name header is required');
    return;
  }
  const name = decodeHeaderValue(raw);
  if (name === undefined) mismatch('Mcp-Name header is malformed');
  if (named && name !== expected) mismatch(`Mcp-Name header does not match the body`);
}

/** An MCP answer reports no token usage (its JSON-RPC outcome is read by src/mcp/answer.ts). */
const NO_USAGE: UsageObserver = Object.freeze({
  push(): void {},
  result(): undefined {
    return undefined;
  },
});

export function mcpUsageObserver(): UsageObserver {
  return NO_USAGE;
}
