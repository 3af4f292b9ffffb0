// The audit record: one per request, whatever the outcome. Who called what,
// what was decided and why, what happened and what it cost — never a secret.
// The field list is the single source of truth for every sink's columns and
// for the canonical form the hash chain covers.

/** How a field is stored: SQL sinks derive their columns from this. */
export type FieldKind = 'text' | 'int' | 'real' | 'bool' | 'list' | 'json';

/**
 * Every record field, in canonical order. Renaming one breaks existing chains:
 * add at the end, never rename or reorder.
 */
export const FIELDS = [
  ['time', 'text'],
  ['requestId', 'text'],
  ['traceId', 'text'],
  ['principal', 'text'],
  ['subject', 'text'],
  ['issuer', 'text'],
  ['groups', 'list'],
  ['sourcePrincipal', 'text'],
  ['authMethods', 'list'],
  ['route', 'text'],
  ['provider', 'text'],
  ['project', 'text'],
  ['location', 'text'],
  ['model', 'text'],
  ['operation', 'text'],
  ['operationClass', 'text'],
  ['stream', 'bool'],
  ['decision', 'text'],
  ['policy', 'text'],
  ['rule', 'int'],
  ['auditMarks', 'list'],
  ['reason', 'text'],
  ['credential', 'text'],
  ['status', 'int'],
  ['upstreamStatus', 'int'],
  ['latencyMs', 'real'],
  ['upstreamMs', 'real'],
  ['ttfbMs', 'real'],
  ['promptTokens', 'int'],
  ['outputTokens', 'int'],
  ['totalTokens', 'int'],
  ['requestBytes', 'int'],
  ['responseBytes', 'int'],
  ['requestSha256', 'text'],
  ['responseSha256', 'text'],
  ['prompt', 'text'],
  ['response', 'text'],
  // Added after the first release (see V1_FIELDS): in the canonical form only when present.
  ['findings', 'json'],
  ['quota', 'json'],
  ['via', 'text'],
  ['method', 'text'],
  ['path', 'text'],
  ['host', 'text'],
  ['mcp', 'json'],
  ['instances', 'int'],
  ['resource', 'text'],
  ['upstreamLocation', 'text'],
  ['attempts', 'int'],
] as const satisfies ReadonlyArray<readonly [string, FieldKind]>;

/**
 * How many fields the first canonical form had (`time` … `response`). Fields
 * after these enter the canonical text only up to the last one present, so a
 * record without them hashes exactly as it did before they existed, and
 * chains written then still verify.
 */
export const V1_FIELDS = 37;

/** One guardrail finding as the audit keeps it: what and where, never the matched value. */
export interface AuditFinding {
  /** `EMAIL`, `AWS_ACCESS_KEY`, `PROMPT_INJECTION`, a custom detector's type, `UNSCANNED`. */
  type: string;
  /** `pii`, `secret`, `injection`, `custom`, `unscanned`. */
  category: string;
  /** `request` or `response`. */
  direction: string;
  /** `redact`, `block` or `flag`. */
  action: string;
  count: number;
  /** Field path and character range, e.g. `contents[0].parts[0].text[9:26]`; at most 10. */
  locations: string[];
  /** Prompt injection only: the heuristic's score and the signals that fired. */
  score?: number;
  signals?: string[];
}

/** One MCP JSON-RPC call (routes with provider mcp). */
export interface AuditMcp {
  /** `request`, `notification`, `response` (the client answering the server), `stream` (GET), `end` (DELETE). */
  kind: string;
  /** The JSON-RPC method as sent (the record's `operation` is `other` for a method Warden does not know). */
  method?: string;
  /** The JSON-RPC id, as a string. */
  id?: string;
  tool?: string;
  prompt?: string;
  resource?: string;
  /** SHA-256 (hex) of the call's arguments as JSON; their text only with `storePrompts`. */
  argumentsSha256?: string;
  arguments?: string;
  session?: string;
  protocolVersion?: string;
  /** `body`, or `headers` when only the 2026-07-28 request headers were read. */
  source: string;
  /** `ok`, `tool_error` (a tool's result with isError), `error` (a JSON-RPC error, from the server or from Warden). */
  result?: string;
  /** The JSON-RPC error's code. */
  errorCode?: number;
  /** A filtered list answer: how many items the server listed, and how many the caller was shown. */
  listed?: { total: number; shown: number };
}

/** The quota check's outcome. */
export interface AuditQuota {
  /** Rules that counted the request. */
  rules: string[];
  /** The rule that refused it (status 429), if one did. */
  exceeded?: string;
  /** Tokens pre-charged from the prompt estimate. */
  estimatedTokens: number;
  /** Tokens the charge was settled at from the upstream's usage (0: given back). */
  settledTokens?: number;
  /** Counted by the local fallback (Redis unreachable). */
  local?: boolean;
}

export interface AuditRecord {
  /** ISO 8601 UTC arrival time. */
  time: string;
  requestId: string;
  /** W3C trace id (32 hex), continued from the caller's `traceparent` when it sent one. */
  traceId?: string;
  /** Istio's request principal (`iss/sub`), or the peer's SPIFFE ID when there is no token. */
  principal?: string;
  subject?: string;
  issuer?: string;
  groups: string[];
  /** Peer workload identity (SPIFFE ID without `spiffe://`). */
  sourcePrincipal?: string;
  /** How the identity was established: jwt, mtls, xfcc, api-key. */
  authMethods: string[];
  route?: string;
  provider?: string;
  project?: string;
  location?: string;
  model?: string;
  operation?: string;
  operationClass?: string;
  stream: boolean;
  decision: string;
  /** `namespace/name` of the deciding policy, and the index of its matching rule. */
  policy?: string;
  rule?: number;
  /** AUDIT policies that matched. */
  auditMarks: string[];
  reason: string;
  /** Name of the upstream credential (never the token). */
  credential?: string;
  /** HTTP status sent to the caller. */
  status: number;
  upstreamStatus?: number;
  latencyMs: number;
  /** From the upstream call's start to its last byte. */
  upstreamMs?: number;
  /** From the upstream call's start to the first response byte (time to first token for streams). */
  ttfbMs?: number;
  promptTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  requestBytes?: number;
  responseBytes?: number;
  requestSha256?: string;
  responseSha256?: string;
  /** Request and response text: only on routes with `storePrompts: true`. */
  prompt?: string;
  response?: string;
  /** Guardrail findings, on requests the guardrails scanned (empty: nothing found). */
  findings?: AuditFinding[];
  /** On requests a quota rule applied to. */
  quota?: AuditQuota;
  /** The trusted proxy (address or SPIFFE ID) whose `x-forwarded-client-cert` gave the source identity. */
  via?: string;
  /** The request's method, path (without the query) and host, as policy saw them: `warden explain` and the console's explanation of a record start from these. */
  method?: string;
  path?: string;
  host?: string;
  /** MCP routes: the JSON-RPC call and how it was answered. */
  mcp?: AuditMcp;
  /** The inputs of a call billed by input (embeddings, predict, token counting), as quotas count them. */
  instances?: number;
  /** The server-side resource Warden tracks ownership of that the call created or acted on (`interactions/ID`, `cachedContents/LOCATION/ID`, …). */
  resource?: string;
  /** The location that answered, when the route fails over between locations (docs/vertex.md). */
  upstreamLocation?: string;
  /** How many upstream calls the request took, when the route fails over (1: the first location answered). */
  attempts?: number;
}

/** A record as the chain stores it: linked to its predecessor and sealed with the HMAC key. */
export interface ChainedRecord extends AuditRecord {
  /** The writing replica's chain. */
  chain: string;
  /** 1, 2, 3, … within the chain. */
  seq: number;
  /** `hash` of the previous record in the chain ('' for the first). */
  prevHash: string;
  /** HMAC-SHA256 (hex) over `prevHash` and the canonical record. */
  hash: string;
}

/** A signed statement "chain C had reached record S with hash H at time T". */
export interface Checkpoint {
  chain: string;
  seq: number;
  hash: string;
  time: string;
  signature: string;
}

type FieldName = (typeof FIELDS)[number][0];

/**
 * The exact text the chain hashes: fields in FIELDS order, absent ones as null,
 * except that trailing absent fields past the first V1_FIELDS are left out (so
 * records without the later fields keep their original canonical text).
 * Stores may hand back records with `null` where the writer had `undefined`;
 * both serialize the same, so verification does not depend on the sink.
 * JSON fields (`findings`, `quota`, `mcp`) are serialized as stored: stores keep
 * their JSON text as written, so key order survives the round trip.
 */
export function canonical(r: AuditRecord & { chain: string; seq: number }): string {
  const out: unknown[] = [r.chain, r.seq];
  for (const [name] of FIELDS) out.push((r as unknown as Record<FieldName, unknown>)[name] ?? null);
  while (out.length > V1_FIELDS + 2 && out[out.length - 1] === null) out.pop();
  return JSON.stringify(out);
}

/**
 * The record `canonical` serialized, read back: the spool stores records as
 * their canonical text (computed once for the HMAC anyway). Nulls become
 * absent fields, as when a store hands a record back.
 */
export function fromCanonical(values: unknown[], prevHash: string, hash: string): ChainedRecord {
  const r: Record<string, unknown> = { chain: values[0], seq: values[1], prevHash, hash };
  for (let i = 0; i < FIELDS.length; i++) {
    const v = values[i + 2];
    if (v !== null && v !== undefined) r[FIELDS[i][0]] = v;
  }
  r.groups ??= [];
  r.authMethods ??= [];
  r.auditMarks ??= [];
  return r as unknown as ChainedRecord;
}
