// The values that cross pipeline stages. Every stage imports its inputs from
// here and returns one of these; no stage reaches back into an earlier one.
//
//   identify → Principal   classify → Target   authorize → Decision

/** How a piece of identity was established. */
export type AuthMethod = 'jwt' | 'mtls' | 'xfcc' | 'api-key';

/** Who is calling. Empty (no subject, no source) means anonymous. */
export interface Principal {
  /** `iss/sub` of the verified JWT, Istio's request principal. */
  requestPrincipal?: string;
  issuer?: string;
  subject?: string;
  audiences?: string[];
  /** `azp` of the verified JWT. */
  presenter?: string;
  /** The verified JWT's claims, as issued. */
  claims?: Record<string, unknown>;
  groups: string[];
  /** Peer workload identity (SPIFFE ID without `spiffe://`), Istio's source.principal. */
  sourcePrincipal?: string;
  sourceNamespace?: string;
  /** Service account and trust domain of an Istio-shaped SPIFFE ID (`TD/ns/NS/sa/SA`). */
  sourceServiceAccount?: string;
  sourceTrustDomain?: string;
  /** The trusted proxy (address or SPIFFE ID) whose `x-forwarded-client-cert` gave the source identity. */
  via?: string;
  /** Every method that contributed, in the order they were checked. */
  methods: AuthMethod[];
  /** The raw verified bearer token, kept only for per-caller federation; never logged. */
  token?: string;
}

/** `tool`: an MCP call that carries content to or from a tool, prompt or resource (tools/call, prompts/get, resources/read, completion/complete). */
export const OPERATION_CLASSES = ['inference', 'training', 'admin', 'tool', 'other'] as const;
export type OperationClass = (typeof OPERATION_CLASSES)[number];

export type ProviderKind = 'vertex' | 'openai' | 'http' | 'mcp';

/** What is being called. */
export interface Target {
  provider: ProviderKind;
  /** e.g. `generateContent`, `predict`, `chat.completions`, `training.create`, `other`. */
  operation: string;
  operationClass: OperationClass;
  stream: boolean;
  /** The response stream's framing when `stream` is true. */
  streamFormat?: 'sse' | 'json-array';
  project?: string;
  location?: string;
  publisher?: string;
  /** Model id (`gemini-2.0-flash`) or endpoint id for `endpoints/{e}`. */
  model?: string;
  endpoint?: string;
  apiVersion?: string;
  /**
   * How many inputs the call carries, on calls billed by input (embeddings, predict, token
   * counting): `instances` of predict / explain / countTokens / computeTokens, `requests` of
   * batchEmbedContents, 1 for embedContent, the `input` list of an OpenAI-style `embeddings` call.
   * Absent when the body was not read (or names none); quotas may count it (`requests.count: instances`).
   */
  instances?: number;
  /**
   * A server-side resource Warden tracks the owner of (docs/vertex.md, Ownership) that the call acts
   * on or uses: `interactions/ID`, `cachedContents/ID`, `batchPredictionJobs/ID` (the one got,
   * cancelled, deleted or updated; the `previous_interaction_id` continued; the `cachedContent` a
   * generation reads).
   */
  resource?: string;
  /** The recorded creator of `resource` (ownership), for policy (`request.resource.owner`) and the record. */
  owner?: string;
  /** The kind of resource the call creates (`interactions`, `cachedContents`, `batchPredictionJobs`): its owner is recorded from the answer. */
  creates?: OwnedKind;
  /** A batch prediction job's input URIs (`gs://…`, `bq://…`), from its creation's `inputConfig`. */
  batchInputs?: string[];
  /** A batch prediction job's output URI (`gs://…` prefix, `bq://…`), from its creation's `outputConfig`. */
  batchOutput?: string;
  /** A list of owned resources (`cachedContents`, `batchPredictionJobs`): the answer is cut to the caller's own. */
  lists?: OwnedKind;
  /** MCP routes: the JSON-RPC call. */
  mcp?: McpCall;
}

/**
 * One MCP message as Warden reads it (Streamable HTTP): the JSON-RPC body, or
 * for a 2026-07-28 client whose body was not seen (ext_authz), its
 * `Mcp-Method` / `Mcp-Name` request headers.
 */
export interface McpCall {
  /** `request`, `notification` or a client's `response` to a server request (POST); `stream` (GET); `end` (DELETE). */
  kind: 'request' | 'notification' | 'response' | 'stream' | 'end';
  /** The JSON-RPC method (`tools/call`, `initialize`, …); absent for responses, GET and DELETE. */
  method?: string;
  /** The JSON-RPC id of a request (or response). */
  id?: string | number;
  tool?: string;
  prompt?: string;
  /** `params.uri` of resources/read, subscribe and unsubscribe. */
  resource?: string;
  /** `params.arguments` of tools/call and prompts/get. */
  arguments?: Record<string, unknown>;
  /** `Mcp-Session-Id` (2025-06-18). */
  session?: string;
  /** `MCP-Protocol-Version`, or initialize's `params.protocolVersion`, or the 2026-07-28 `_meta` one. */
  protocolVersion?: string;
  /** Where the facts were read: the body, or the request headers alone. */
  source: 'body' | 'headers';
  /** Why the tool, prompt or resource name cannot be decided on (it is then left out of the call): refused by checkMcpRequest. */
  badName?: string;
}

/** Kinds of server-side resource whose creator Warden records. */
export type OwnedKind = 'interactions' | 'cachedContents' | 'batchPredictionJobs';

/**
 * Facts about a request that admission may fail to establish, as bit flags: the model (and
 * publisher) and the stream flag of a call that names them in a body Warden could not read whole,
 * or that names none; the source identity of an HTTP ext_authz check (Envoy's XFCC there cannot be
 * told from one a caller forged). A route whose policies, quotas or credential mapping would let a
 * request through on the fact's absence refuses the request instead (src/admission/facts.ts).
 */
export const FACT_MODEL = 1;
export const FACT_STREAM = 2;
export const FACT_SOURCE_PRINCIPAL = 4;
/** The instance count (Target.instances) of a call billed by input, when a quota counts instances or CEL names them. */
export const FACT_INSTANCES = 8;
/** The location (`request.location`): a Vertex path that names none, to an upstream whose host implies none. */
export const FACT_LOCATION = 16;
/** The location's class and jurisdiction (`request.location_class`, `request.jurisdiction`): no location, or a region Warden does not know. */
export const FACT_JURISDICTION = 32;
/** A context cache a generation names in its body (`cachedContent`), on routes that track owners: a body not read whole could name another's. */
export const FACT_RESOURCE = 64;

export type DecisionAction = 'allow' | 'deny';

/** Why a request may or may not proceed. */
export interface Decision {
  action: DecisionAction;
  /** `namespace/name` of the policy that decided; absent when the default decided. */
  policy?: string;
  /** Index of the matching rule inside that policy. */
  rule?: number;
  /** One line a human can read: "denied by DENY policy x rule 0", "no ALLOW policy matched". */
  reason: string;
  /** Names of AUDIT policies that matched (they never change the decision). */
  auditMarks?: string[];
}

/** The request as the pipeline sees it, independent of how it arrived (proxy or ext_authz). */
export interface RequestInfo {
  id: string;
  method: string;
  /** Path without the query string, as received. */
  path: string;
  /** Raw query string without `?`, possibly empty. */
  query: string;
  host: string;
  /** Lower-cased header names; repeated headers joined with `, ` (cookies with `; `). */
  headers: Record<string, string>;
  sourceIp: string;
  sourcePort?: number;
  destinationIp?: string;
  destinationPort?: number;
  /** SNI and verified peer certificate facts, when the listener terminated TLS. */
  tls?: { sni?: string; peerUris?: string[]; authorized: boolean };
  /**
   * The front door cannot establish the caller's source identity (HTTP ext_authz: no verified peer,
   * and an XFCC header there could come from any caller): identify believes no XFCC, and routes whose
   * policies would pass on an absent source principal refuse the request.
   */
  sourceUnknown?: true;
}

/** Token usage as the upstream reported it (Vertex `usageMetadata`, OpenAI `usage`). */
export interface Usage {
  promptTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
}
