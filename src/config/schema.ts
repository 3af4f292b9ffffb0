// The config file's documents, as zod schemas. Objects are strict so that a
// misspelt field is an error with a line number, not a silently ignored key.
import { z } from 'zod';
import { OPERATION_CLASSES } from '../types.js';

const port = z.number().int().min(0).max(65535);
const name = z.string().regex(/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/i, 'use letters, digits, "-", "_" and "."');
/** Durations as Istio writes them: "30s", "1.5s", "200ms", "1m". */
export const duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration such as "30s" or "250ms"');

export function durationMs(d: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d);
  if (!m) throw new Error(`bad duration ${d}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

const metadata = z
  .object({
    name: z.string().min(1),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .passthrough();

// ---------------------------------------------------------------- Gateway


/** TLS on the data listener; with a client CA, mTLS (peer SPIFFE IDs become source principals). */
const listenTls = z
  .object({
    certFile: z.string(),
    keyFile: z.string(),
    /** Trust bundle (PEM) for client certificates; reloaded when the file changes. */
    clientCaFile: z.string().optional(),
    clientCertificate: z.enum(['none', 'optional', 'required']).default('none'),
  })
  .strict()
  .refine((t) => t.clientCertificate === 'none' || !!t.clientCaFile, {
    message: 'clientCertificate optional/required needs clientCaFile',
    path: ['clientCaFile'],
  });

const dataListen = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: port.default(8080),
    tls: listenTls.optional(),
    /** Absolute-form request targets (`POST http://host/path`, as sent to a proxy): accept, the URL's authority replacing Host (RFC 9112 §3.2.2), or refuse with 400. */
    absoluteForm: z.enum(['accept', 'refuse']).default('accept'),
  })
  .strict();

/** Asymmetric JWS algorithms: `none` and HMAC are never accepted (no algorithm confusion). */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const apiKey = z
  .object({
    name,
    /** Hex SHA-256 of the key; the key itself is never stored. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/i, 'the hex SHA-256 of the key (64 hex digits)'),
    /** Defaults to `api-key/NAME`; becomes the request principal. */
    principal: z.string().min(1).optional(),
    groups: z.array(z.string()).default([]),
  })
  .strict();
export const apiKeyFile = z.object({ keys: z.array(apiKey) }).strict();

const identity = z
  .object({
    jwt: z
      .object({
        /** Allowed clock difference for `exp`, `nbf` and `iat`. */
        clockSkew: duration.default('60s'),
        /** Remote key sets are refetched in the background this often. */
        jwksRefreshInterval: duration.default('10m'),
        /** At most one refetch per issuer in this interval when a token names an unknown key. */
        jwksMinRefetchInterval: duration.default('30s'),
        maxTokenBytes: z.number().int().min(1024).max(65536).default(8192),
        /** Verified tokens kept until their expiry. */
        cacheSize: z.number().int().min(0).default(10_000),
        groupsClaim: z.string().min(1).default('groups'),
        /** Per-issuer algorithm allow-lists (default: every asymmetric algorithm). */
        issuers: z.array(z.object({ issuer: z.string().min(1), algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1) }).strict()).default([]),
      })
      .strict()
      .prefault({}),
    /** Proxies whose `x-forwarded-client-cert` is believed: by address (IP or CIDR) or mTLS SPIFFE ID. */
    trustedProxies: z
      .array(
        z
          .object({ address: z.string().optional(), principal: z.string().startsWith('spiffe://', 'a SPIFFE ID, spiffe://…').optional() })
          .strict()
          .refine((p) => Number(!!p.address) + Number(!!p.principal) === 1, { message: 'a trusted proxy has exactly one of address or principal' }),
      )
      .default([]),
    apiKeys: z.object({ file: z.string().optional(), keys: z.array(apiKey).default([]) }).strict().optional(),
    /** Warden's own identity tokens for upstreams (routes' `identityToken`). */
    tokens: z
      .object({
        issuer: z.string().min(1).default('warden'),
        /** PKCS#8 PEM private key (EC P-256 or RSA); shared by replicas. Default: a key generated at start. */
        signingKeyFile: z.string().optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

// ---------------------------------------------------------------- guardrails and limits (docs/guardrails.md)

/** What happens to a finding: nothing, recorded, replaced by a placeholder, or the request refused. */
export const guardAction = z.enum(['off', 'flag', 'redact', 'block']);
/** Keys: a category (`pii`, `secret`, `injection`, `custom`) or a finding type (`EMAIL`, `CARD`, a custom detector's name). */
const guardActions = z.record(z.string(), guardAction);

/** Model Armor templates for the requests a route, rule or the base applies to (docs/guardrails.md "Model Armor"). */
const modelArmorTemplates = z
  .object({
    /** Template for prompts: `projects/P/locations/L/templates/T`, or `T` in guardrails.modelArmor's project and location. */
    promptTemplate: z.string().min(1).optional(),
    /** Template for answers. */
    responseTemplate: z.string().min(1).optional(),
    /** No Model Armor for these requests. */
    off: z.boolean().optional(),
  })
  .strict();
/** What to do when an external guardrail (Model Armor, an HTTP service) cannot answer in time. */
const guardFailure = z.enum(['closed', 'open']);

const guardDirections = z
  .object({
    request: guardActions.optional(),
    response: guardActions.optional(),
    modelArmor: modelArmorTemplates.optional(),
    /** Names of spec.guardrails.services that check these requests (replaces the list of an earlier layer). */
    services: z.array(z.string()).optional(),
    /** Over the services' and Model Armor's own `failure`, for these requests. */
    failure: guardFailure.optional(),
  })
  .strict();

const guardrails = z
  .object({
    /** Base actions, for every route; route `guardrails` and matching `rules` override them in that order. */
    request: guardActions.default({}),
    response: guardActions.default({}),
    rules: z
      .array(
        z
          .object({
            name: z.string().optional(),
            /** Every key given must match; within a key, any value. */
            match: z
              .object({
                routes: z.array(z.string()).optional(),
                /** Names of the AuthorizationPolicy that allowed the request (`name` or `namespace/name`). */
                policies: z.array(z.string()).optional(),
                groups: z.array(z.string()).optional(),
                principals: z.array(z.string()).optional(),
              })
              .strict()
              .default({}),
            request: guardActions.optional(),
            response: guardActions.optional(),
            modelArmor: modelArmorTemplates.optional(),
            services: z.array(z.string()).optional(),
            failure: guardFailure.optional(),
          })
          .strict(),
      )
      .default([]),
    /**
     * Google Model Armor. On Gemini generateContent / streamGenerateContent calls to a vertex route, the
     * templates are put into the request (`modelArmorConfig`) and Vertex screens both ways; every other
     * call is sent to Model Armor's sanitizeUserPrompt / sanitizeModelResponse with Warden's credential.
     */
    modelArmor: modelArmorTemplates
      .extend({
        /** Project and location of templates named by id; the location also picks the regional endpoint. */
        project: z.string().min(1).optional(),
        location: z.string().min(1).default('us-central1'),
        /** Default: https://modelarmor.{location}.rep.googleapis.com */
        endpoint: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).optional(),
        /** The spec.credentials entry whose Google token calls Model Armor (roles/modelarmor.user). */
        credential: z.string().min(1),
        /** `inline` where Vertex can screen (Gemini generateContent), the API elsewhere; `api`: always the API. */
        mode: z.enum(['auto', 'api']).default('auto'),
        timeout: duration.default('2s'),
        failure: guardFailure.default('closed'),
      })
      .strict()
      .optional(),
    /** HTTP guardrail services (Presidio, LLM Guard, Lakera or your own behind an adapter): request in, verdict out. */
    services: z
      .array(
        z
          .object({
            name,
            url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
            /** Which ways the service checks. */
            directions: z.array(z.enum(['request', 'response'])).min(1).default(['request']),
            timeout: duration.default('1s'),
            failure: guardFailure.default('closed'),
            /** Static headers sent with each call (an API key of the service). */
            headers: z.record(z.string(), z.string()).default({}),
          })
          .strict(),
      )
      .default([]),
    detectors: z
      .array(z.object({ name, pattern: z.string().min(1), ignoreCase: z.boolean().default(false) }).strict())
      .default([]),
    injection: z.object({ threshold: z.number().min(0).max(1).default(0.5) }).strict().prefault({}),
    /** Regions (ISO 3166 alpha-2) whose national phone formats are recognised, tried in order; absent: a default list. */
    phone: z.object({ regions: z.array(z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 region code such as GB')).min(1).optional() }).strict().prefault({}),
    /** Characters of streamed answer text held back so that a value split across chunks is still caught. */
    streamWindow: z.number().int().min(16).max(4096).default(64),
    /** Request bodies up to this size are read whole and scanned (larger ones cannot be; see `oversize`). */
    maxScanBytes: z.number().int().min(1024 * 1024).max(256 * 1024 * 1024).default(8 * 1024 * 1024),
    /**
     * A request body over maxScanBytes, when the request's guardrails redact or block: `block` refuses it
     * (413, fail closed), `flag` forwards it unscanned and records an `UNSCANNED` finding.
     */
    oversize: z.enum(['block', 'flag']).default('block'),
  })
  .strict();

const windowLimit = z.object({ limit: z.number().int().min(0), per: duration }).strict();
export const limitDimension = z.enum(['principal', 'group', 'route', 'model', 'tool']);

const limits = z
  .object({
    /**
     * Request-body bytes held in memory across all requests in flight; past it, requests that read
     * a body are refused with 503 and Retry-After. Default: a quarter of the V8 heap limit.
     */
    maxBufferedBytes: z.number().int().min(1024 * 1024).optional(),
    store: z
      .object({
        memory: z.object({}).strict().optional(),
        redis: z
          .object({
            url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL'),
            keyPrefix: z.string().default('warden:'),
            /** Commands slower than this count as Redis being unavailable. */
            timeout: duration.default('250ms'),
            /** While Redis is unreachable: enforce the limits per replica (`local`) or refuse requests (`deny`). */
            unavailable: z.enum(['local', 'deny']).default('local'),
            /** Share of each limit one replica enforces on its own while Redis is unreachable. */
            localShare: z.number().gt(0).max(1).default(1),
          })
          .strict()
          .optional(),
      })
      .strict()
      .refine((s) => !(s.memory && s.redis), { message: 'a limits store is memory or redis, not both' })
      .default({}),
    rules: z
      .array(
        z
          .object({
            name,
            /** One counter per distinct value of these (none: one counter for all matching requests). */
            by: z.array(limitDimension).default([]),
            match: z
              .object({
                routes: z.array(z.string()).optional(),
                models: z.array(z.string()).optional(),
                /** MCP tool names (tools/call); a rule naming tools counts only calls of those tools. */
                tools: z.array(z.string()).optional(),
                groups: z.array(z.string()).optional(),
                principals: z.array(z.string()).optional(),
                /** Operations as classify names them (`predict`, `embedContent`, `interactions.create`, …). */
                operations: z.array(z.string()).optional(),
              })
              .strict()
              .default({}),
            /** `count: instances` counts a call billed by input as its instance count (Target.instances; 1 for other calls). */
            requests: windowLimit.extend({ count: z.enum(['requests', 'instances']).optional() }).strict().optional(),
            tokens: windowLimit.extend({ count: z.enum(['prompt', 'output', 'total']).default('total') }).strict().optional(),
          })
          .strict()
          .refine((r) => !!r.requests || !!r.tokens, { message: 'a limit rule needs requests, tokens or both' }),
      )
      .default([]),
  })
  .strict();

export type GuardrailsSpec = z.infer<typeof guardrails>;
export type ModelArmorTemplates = z.infer<typeof modelArmorTemplates>;
export type GuardFailure = z.infer<typeof guardFailure>;
export type GuardActionName = z.infer<typeof guardAction>;
export type LimitsSpec = z.infer<typeof limits>;
export type LimitRuleSpec = LimitsSpec['rules'][number];

const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** Picks a credential for a route from who calls and what is called. Fields are ANDed, each list ORed (Istio patterns). */
const credentialWhen = z
  .object({
    groups: z.array(z.string()).optional(),
    requestPrincipals: z.array(z.string()).optional(),
    /** Peer SPIFFE IDs, with or without `spiffe://`. */
    principals: z.array(z.string()).optional(),
    namespaces: z.array(z.string()).optional(),
    models: z.array(z.string()).optional(),
    operations: z.array(z.string()).optional(),
    operationClasses: z.array(z.enum(OPERATION_CLASSES)).optional(),
    /** MCP tool names (tools/call). */
    tools: z.array(z.string()).optional(),
  })
  .strict();

const credentialRule = z.object({ when: credentialWhen.optional(), credential: z.string() }).strict();

const googleCredential = z
  .object({
    /** A Google credential JSON file as Google writes it; its `type` decides. */
    file: z.string().optional(),
    /** The GCE/GKE metadata server (host from GCE_METADATA_HOST). */
    metadata: z.boolean().optional(),
    scopes: z.array(z.string()).min(1).default([CLOUD_PLATFORM_SCOPE]),
    /** service_account only: sign the access token locally instead of asking the token endpoint. */
    selfSignedJwt: z.object({ audience: z.string().optional() }).strict().optional(),
    /** external_account only: `caller` exchanges each caller's own verified token instead of `credential_source`. */
    subjectToken: z.enum(['caller']).optional(),
    /** Act as this service account (IAM generateAccessToken), through `delegates` in order. */
    impersonate: z.string().optional(),
    delegates: z.array(z.string()).default([]),
    /** Lifetime asked for impersonated tokens. */
    lifetime: duration.default('3600s'),
    /** IAM Credentials API base for `impersonate`. */
    iamEndpoint: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).default('https://iamcredentials.googleapis.com'),
  })
  .strict()
  .refine((g) => Number(!!g.file) + Number(!!g.metadata) === 1, { message: 'google needs exactly one of file or metadata: true' });

/**
 * OAuth 2.0 Token Exchange (RFC 8693) on behalf of the caller: the caller's own verified token is
 * the subject token, exchanged at `tokenUrl` for one the upstream accepts.
 */
const tokenExchange = z
  .object({
    tokenUrl: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
    /** RFC 8693 `audience` and/or `resource` (RFC 8707): whom the new token is for. */
    audience: z.string().optional(),
    resource: z.string().optional(),
    scopes: z.array(z.string()).default([]),
    subjectTokenType: z.string().default('urn:ietf:params:oauth:token-type:jwt'),
    requestedTokenType: z.string().default('urn:ietf:params:oauth:token-type:access_token'),
    /** Warden's client at the token endpoint (HTTP Basic), when it requires one. */
    clientId: z.string().optional(),
    clientSecretFile: z.string().optional(),
  })
  .strict()
  .refine((t) => !t.clientSecretFile || !!t.clientId, { message: 'clientSecretFile needs clientId', path: ['clientId'] });

const credential = z
  .object({
    name,
    google: googleCredential.optional(),
    bearer: z.object({ file: z.string() }).strict().optional(),
    /** An API key sent in `header` (not Authorization). */
    apiKey: z.object({ file: z.string(), header: z.string().toLowerCase().default('x-goog-api-key') }).strict().optional(),
    tokenExchange: tokenExchange.optional(),
  })
  .strict()
  .refine((c) => Number(!!c.google) + Number(!!c.bearer) + Number(!!c.apiKey) + Number(!!c.tokenExchange) === 1, {
    message: 'a credential has exactly one source: google, bearer, apiKey or tokenExchange',
  });

const vertexLocation = z.string().regex(/^(global|us|eu|[a-z]+-[a-z]+\d{1,2})$/, 'a Vertex location: a region (europe-west4), us, eu or global');

/**
 * Failover between Vertex locations: a call to one of `locations` that gets 429, 503 or no
 * connection moves on to the next one its caller's policy allows, for calls safe to repeat.
 */
const failover = z
  .object({
    /** In order of preference; each `upstream` defaults to the location's Vertex host (https). */
    locations: z
      .array(z.union([vertexLocation, z.object({ location: vertexLocation, upstream: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).optional() }).strict()]))
      .min(2, 'failover needs at least two locations'),
    /** Retries (moves past the first location) allowed, as a share of the route's calls, over a 10 s window. */
    retryBudget: z.number().min(0).max(1).default(0.2),
    /** Retries always allowed per 10 s window, whatever the share. */
    minRetries: z.number().int().min(0).default(10),
    /** Consecutive failures that open a location's circuit; while open, calls skip it. */
    breakerFailures: z.number().int().min(1).default(5),
    /** How long a circuit stays open before one call may try the location again. */
    breakerOpenFor: duration.default('30s'),
  })
  .strict()
  .refine((f) => new Set(f.locations.map((l) => (typeof l === 'string' ? l : l.location))).size === f.locations.length, { message: 'a location is listed twice' });

/** MCP routes (provider: mcp): Warden as the MCP server's OAuth resource server, and how calls are governed. */
const mcpRoute = z
  .object({
    /**
     * The MCP server's canonical URI as callers reach it through Warden: the Protected Resource
     * Metadata's `resource`, and the audience (RFC 8707 resource indicator) callers' tokens must
     * carry. Default: the request's scheme and host with the route's pathPrefix — set it when
     * Warden is behind a proxy, or when the Host header is not to be trusted.
     */
    resource: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).optional(),
    /** Issuer URLs of the OAuth 2.1 authorization servers callers get tokens from (RFC 9728); absent: no metadata and no audience check. */
    authorizationServers: z.array(z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })).default([]),
    /** Scopes the metadata lists and the 401 challenge asks for. */
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'an OAuth scope token')).default([]),
    resourceName: z.string().optional(),
    /** Answer tools/list, prompts/list and resources/list with only what the caller may use. */
    filterLists: z.boolean().default(true),
    /** How long a session (2025-06-18 `Mcp-Session-Id`) stays bound to its caller without being ended. */
    sessionTtl: duration.default('24h'),
  })
  .strict();

const route = z
  .object({
    name,
    provider: z.enum(['vertex', 'openai', 'http', 'mcp']),
    match: z
      .object({
        pathPrefix: z.string().startsWith('/', 'a path prefix starts with "/"').optional(),
        host: z.string().optional(),
      })
      .strict()
      .default({}),
    upstream: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
    /**
     * The path the upstream gets: `stripPrefix` removes a prefix (`/openai/v1/x` → `/v1/x`), `prefix`
     * replaces `match.pathPrefix` as Envoy's `prefix_rewrite` does. Policy sees the path as the caller sent it.
     */
    rewrite: z
      .object({
        stripPrefix: z.string().startsWith('/', 'a path prefix starts with "/"').optional(),
        prefix: z.string().startsWith('/', 'a path prefix starts with "/"').optional(),
      })
      .strict()
      .refine((r) => Number(r.stripPrefix !== undefined) + Number(r.prefix !== undefined) === 1, { message: 'rewrite takes one of stripPrefix and prefix' })
      .optional(),
    /** The default upstream credential: used when no `credentials` rule matches. */
    credential: z.string().optional(),
    /** Identity mapping: the first rule whose `when` matches the caller picks the credential. */
    credentials: z.array(credentialRule).default([]),
    /** Upstream response timeout (time to response headers, then between body chunks). */
    timeout: duration.default('300s'),
    /** Requests with larger bodies are refused with 413. */
    maxBodyBytes: z.number().int().positive().default(32 * 1024 * 1024),
    /** Extra request headers forwarded upstream, besides the built-in allow-list. */
    propagateHeaders: z.array(z.string().toLowerCase()).default([]),
    /** Workload labels of this route, for AuthorizationPolicy `selector` (added to the Gateway's metadata.labels). */
    labels: z.record(z.string(), z.string()).default({}),
    /** Send the caller's verified identity upstream as a short-lived JWT signed by Warden. */
    identityToken: z
      .object({
        header: z.string().toLowerCase().default('x-warden-identity'),
        /** Default: the upstream's origin. */
        audience: z.string().optional(),
        ttl: duration.default('60s'),
      })
      .strict()
      .optional(),
    /** Guardrail actions for this route, over spec.guardrails' base actions. */
    guardrails: guardDirections.optional(),
    /** Keep request and response text in the audit record (after guardrail redaction). Off by default. */
    storePrompts: z.boolean().default(false),
    /**
     * OpenAI-style streams (chat/completions, completions) whose caller did not ask for usage: ask the
     * upstream (`stream_options.include_usage`), record and charge it, hide the usage chunk from the
     * caller. Default: on for `openai` routes; off for `vertex` ones, whose Gemini models report usage
     * on a stream's finishing chunk unasked (on for Model Garden models that follow OpenAI). Off for an
     * upstream that refuses `stream_options`.
     */
    streamUsage: z.boolean().optional(),
    /** Vertex routes: the upstream locations to move on to when one fails (docs/vertex.md, Failover). */
    failover: failover.optional(),
    /** MCP routes only: see mcpRoute. */
    mcp: mcpRoute.optional(),
  })
  .strict()
  .refine((r) => !r.mcp || r.provider === 'mcp', { message: 'mcp settings are for routes with provider: mcp', path: ['mcp'] });

/**
 * `audit.postgres.table`, and `warden audit --table`: the name is put into SQL
 * as an identifier (it cannot be a query parameter), so nothing else may pass.
 */
export const auditTable = z.string().regex(/^[a-z_][a-z0-9_]{0,50}$/, 'a lower-case SQL identifier');

/** `audit.postgres.url`, and `warden audit --postgres`. */
export const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL');

const audit = z
  .object({
    /** Exactly one store: an SQLite file (the embedded default), PostgreSQL, or JSON lines. */
    sqlite: z.string().optional(),
    postgres: z
      .object({
        /** `postgres://user@host:port/db`; put the password in `passwordFile`, not here. */
        url: postgresUrl,
        passwordFile: z.string().optional(),
        table: auditTable.default('warden_audit'),
      })
      .strict()
      .optional(),
    /** A file path, or `-` for stdout. */
    jsonl: z.string().optional(),
    /** Secret key for the hash chain's HMAC (at least 32 bytes); the same file on every replica. */
    hmacKeyFile: z.string().optional(),
    /** Keys the log was written with before hmacKeyFile (after a key change): `warden audit verify` accepts records under them. */
    previousKeyFiles: z.array(z.string()).default([]),
    /** This replica's chain name; default: the host name (the pod name in Kubernetes). */
    chain: z.string().regex(/^[\w.:@-]{1,128}$/, 'letters, digits and . : @ - _').optional(),
    spool: z
      .object({
        /** Default: next to the SQLite file, else ./warden-audit.spool. */
        dir: z.string().optional(),
        maxBytes: z.number().int().min(1024).default(256 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
    /** When the sink is down and the spool full: false refuses requests (503), true serves them unrecorded. */
    failOpen: z.boolean().default(false),
    /**
     * 1s to 24h: the timer pumps the writer that often (0 would spin it; past
     * 2^31 ms Node's timers fire every millisecond), and the checkpoint
     * interval is how much of a log's tail can be cut off unnoticed.
     */
    checkpointInterval: duration
      .refine((d) => durationMs(d) >= 1000 && durationMs(d) <= 24 * 3_600_000, 'between 1s and 24h')
      .default('60s'),
  })
  .strict()
  .refine((a) => Number(!!a.sqlite) + Number(!!a.postgres) + Number(!!a.jsonl) <= 1, {
    message: 'one audit store at a time: sqlite, postgres or jsonl',
  });

/** Traces, metrics and the access log; everything off or bounded by default. */
const telemetry = z
  .object({
    /**
     * One JSON line per request on stdout. Default: on without an audit store, off with one (the
     * audit record carries the same facts, and the line cost ~8 % of a request's CPU).
     */
    accessLog: z.boolean().optional(),
    /** OTLP/HTTP trace export; absent = no tracing. */
    otlp: z
      .object({
        /** e.g. http://otel-collector:4318/v1/traces */
        endpoint: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
        headers: z.record(z.string(), z.string()).default({}),
        serviceName: z.string().min(1).default('warden'),
      })
      .strict()
      .optional(),
    metrics: z
      .object({
        /** Principal groups that get their own `group` label value on token metrics; others count as "other". */
        groups: z.array(z.string()).default([]),
        /** How many model names get their own `model` label value (each once the upstream has answered an allowed request for it); the rest count as "other". */
        maxModels: z.number().int().min(0).max(10_000).default(100),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** How AuthorizationPolicy documents see requests (Istio's mesh-wide settings, for Warden). */
const policySettings = z
  .object({
    /** Istio's meshConfig.pathNormalization: how `paths`/`notPaths` see the request path. */
    pathNormalization: z.enum(['NONE', 'BASE', 'MERGE_SLASHES', 'DECODE_AND_MERGE_SLASHES']).default('BASE'),
    /** Proxies in front of Warden that append to X-Forwarded-For; `remote.ip` is taken that many hops from the right. */
    xffNumTrustedHops: z.number().int().min(0).max(32).default(0),
    /** Policies in this namespace apply to every route, as in Istio's root namespace. */
    rootNamespace: z.string().min(1).default('istio-system'),
    /** CUSTOM providers that are Warden itself: a matching CUSTOM policy naming one of them defers to Warden's own policies. */
    customProviders: z.array(z.string().min(1)).default(['warden']),
  })
  .strict();

/** Envoy's ext_authz, gRPC and/or HTTP; each listener shares `listen.host`. */
const extAuthz = z
  .object({
    grpc: z.object({ port }).strict().optional(),
    http: z
      .object({
        port,
        /** Istio's `envoyExtAuthzHttp.pathPrefix`: stripped before the original path is read. */
        pathPrefix: z.string().startsWith('/', 'a path prefix starts with "/"').optional(),
      })
      .strict()
      .optional(),
    /** A check that takes longer is refused (503). Envoy gives up after 200 ms by default. */
    timeout: duration.default('100ms'),
  })
  .strict()
  .refine((e) => !!e.grpc || !!e.http, { message: 'extAuthz needs grpc, http or both' });

/** Graceful shutdown on SIGTERM or SIGINT (docs/configuration.md "Shutdown"). */
const shutdown = z
  .object({
    /** After the signal, readiness fails at once and new connections are still served this long, while endpoints catch up. */
    drainDelay: duration.default('5s'),
    /** Then requests in flight (streams too) get this long to finish; what is left is cut and recorded as SHUTDOWN. */
    timeout: duration.default('25s'),
  })
  .strict();

/** Envoy's ext_proc: Envoy forwards, and streams each request and its answer through Warden. */
const extProc = z
  .object({
    grpc: z.object({ port }).strict(),
    /** Admission (identify … credential) that takes longer is refused (503 ADMISSION_TIMEOUT). Keep it under Envoy's message_timeout. */
    timeout: duration.default('1s'),
    /**
     * Request bodies up to this size are held whole before admission (STREAMED mode); larger ones
     * stream on, as on the proxy. At most Envoy's buffer limit (per_connection_buffer_limit_bytes,
     * 1 MiB by default): past it Envoy stops reading the body while Warden would wait for more.
     */
    bodyBufferBytes: z.number().int().min(1024).default(1024 * 1024),
  })
  .strict();

// ---------------------------------------------------------------- the admin port (docs/console.md)

/** Sign-in for people (OIDC authorization code flow with PKCE) and a static token for scripts. */
const adminAuth = z
  .object({
    oidc: z
      .object({
        /** The issuer's URL; its endpoints come from `/.well-known/openid-configuration`. */
        issuer: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
        clientId: z.string().min(1),
        /** A confidential client's secret, in a file (sent with HTTP Basic); none for a public client. */
        clientSecretFile: z.string().optional(),
        scopes: z.array(z.string().min(1)).default(['openid', 'profile', 'email']),
        /** The ID token claim that lists the person's groups. */
        groupsClaim: z.string().min(1).default('groups'),
      })
      .strict()
      .optional(),
    /** A file holding one static admin token for scripts and CI (`Authorization: Bearer …`); principal `warden/admin-token`. */
    tokenFile: z.string().optional(),
    /** The console's address as browsers reach it (the redirect URI is `publicUrl/auth/callback`); https makes the cookies `Secure`. */
    publicUrl: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).optional(),
    /** How long a sign-in lasts. */
    sessionTtl: duration.default('8h'),
    /** The default admin policy (used when no AuthorizationPolicy selects the admin port): who may do everything… */
    adminGroups: z.array(z.string().min(1)).default(['warden-admins']),
    /** …and who may read traffic, audit, usage and health. */
    readerGroups: z.array(z.string().min(1)).default(['warden-readers']),
    /** `/metrics` open to anyone who reaches the port (Prometheus), or behind sign-in and policy like the API. */
    metrics: z.enum(['open', 'protected']).default('open'),
  })
  .strict()
  .refine((a) => !!a.oidc || !!a.tokenFile, { message: 'admin auth needs oidc, tokenFile or both' });

const admin = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: port.default(9901),
    auth: adminAuth.optional(),
  })
  .strict();

/** Who created each interaction, context cache and batch job (docs/vertex.md, Ownership). */
const ownership = z
  .object({
    /** `owner`: only the creator may get, use, update, cancel or delete one; `policy`: AuthorizationPolicy decides (request.resource.owner); `off`: not tracked. */
    enforce: z.enum(['owner', 'policy', 'off']).default('owner'),
    /** How long a creator is remembered: longer than the resources live upstream. */
    ttl: duration.default('720h'),
    store: z
      .object({
        memory: z.object({}).strict().optional(),
        /** Shared by replicas; required with more than one. While unreachable, calls on tracked resources are refused (503). */
        redis: z
          .object({
            url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL'),
            keyPrefix: z.string().default('warden:ownership:'),
            timeout: duration.default('250ms'),
          })
          .strict()
          .optional(),
      })
      .strict()
      .refine((s) => !(s.memory && s.redis), { message: 'an ownership store is memory or redis, not both' })
      .default({}),
  })
  .strict();

export const gatewaySpec = z
  .object({
    listen: dataListen.prefault({}),
    admin: admin.default({ host: '127.0.0.1', port: 9901 }),
    routes: z.array(route).min(1, 'at least one route is needed'),
    credentials: z.array(credential).default([]),
    audit: audit.prefault({}),
    telemetry: telemetry.prefault({}),
    identity: identity.prefault({}),
    policy: policySettings.prefault({}),
    /** Detectors and actions over prompts and answers; absent = no scanning. */
    guardrails: guardrails.optional(),
    /** Request and token quotas (none without rules), and the bound on request bodies held in memory. */
    limits: limits.optional(),
    /** Owners of server-side state: interactions, context caches, batch prediction jobs. */
    ownership: ownership.prefault({}),
    /** Envoy ext_authz servers (Istio `AuthorizationPolicy` CUSTOM); absent = none. */
    extAuthz: extAuthz.optional(),
    /** Envoy ext_proc server (an EnvoyFilter inserts the filter); absent = none. */
    extProc: extProc.optional(),
    shutdown: shutdown.prefault({}),
  })
  .strict();

export const gatewayDoc = z
  .object({
    apiVersion: z.literal('warden.dev/v1alpha1'),
    kind: z.literal('Gateway'),
    metadata,
    spec: gatewaySpec,
  })
  .strict();

export type GatewayDoc = z.infer<typeof gatewayDoc>;
export type GatewaySpec = z.infer<typeof gatewaySpec>;
export type RouteSpec = z.infer<typeof route>;
export type McpRouteSpec = z.infer<typeof mcpRoute>;
export type TokenExchangeSpec = z.infer<typeof tokenExchange>;
export type ExtAuthzSpec = z.infer<typeof extAuthz>;
export type ShutdownSpec = z.infer<typeof shutdown>;
export type ExtProcSpec = z.infer<typeof extProc>;
export type AuditSpec = z.infer<typeof audit>;
export type TelemetrySpec = z.infer<typeof telemetry>;
export type CredentialSpec = z.infer<typeof credential>;
export type GoogleCredentialSpec = z.infer<typeof googleCredential>;
export type CredentialRuleSpec = z.infer<typeof credentialRule>;
export type IdentitySpec = z.infer<typeof identity>;
export type PolicySettings = z.infer<typeof policySettings>;
export type ListenTlsSpec = z.infer<typeof listenTls>;
export type ApiKeySpec = z.infer<typeof apiKey>;
export type AdminSpec = z.infer<typeof admin>;
export type AdminAuthSpec = z.infer<typeof adminAuth>;

// ---------------------------------------------------------------- Istio

const istioApiVersion = z.enum(['security.istio.io/v1', 'security.istio.io/v1beta1']);
const strings = z.array(z.string());
const selector = z.object({ matchLabels: z.record(z.string(), z.string()).optional() }).strict();
const targetRef = z
  .object({ group: z.string().optional(), kind: z.string(), name: z.string(), namespace: z.string().optional() })
  .strict();

const jwtRule = z
  .object({
    issuer: z.string().min(1),
    audiences: strings.optional(),
    jwksUri: z.string().optional(),
    jwks: z.string().optional(),
    fromHeaders: z.array(z.object({ name: z.string(), prefix: z.string().optional() }).strict()).optional(),
    fromParams: strings.optional(),
    fromCookies: strings.optional(),
    outputPayloadToHeader: z.string().optional(),
    outputClaimToHeaders: z.array(z.object({ header: z.string(), claim: z.string() }).strict()).optional(),
    forwardOriginalToken: z.boolean().optional(),
    spaceDelimitedClaims: strings.optional(),
    timeout: duration.optional(),
  })
  .strict();

export const requestAuthenticationDoc = z
  .object({
    apiVersion: istioApiVersion,
    kind: z.literal('RequestAuthentication'),
    metadata,
    spec: z
      .object({
        selector: selector.optional(),
        targetRef: targetRef.optional(),
        targetRefs: z.array(targetRef).optional(),
        jwtRules: z.array(jwtRule).default([]),
      })
      .strict(),
  })
  .strict();

const source = z
  .object({
    principals: strings.optional(),
    notPrincipals: strings.optional(),
    requestPrincipals: strings.optional(),
    notRequestPrincipals: strings.optional(),
    namespaces: strings.optional(),
    notNamespaces: strings.optional(),
    serviceAccounts: strings.optional(),
    notServiceAccounts: strings.optional(),
    ipBlocks: strings.optional(),
    notIpBlocks: strings.optional(),
    remoteIpBlocks: strings.optional(),
    notRemoteIpBlocks: strings.optional(),
    trustDomains: strings.optional(),
    notTrustDomains: strings.optional(),
  })
  .strict();

const operation = z
  .object({
    hosts: strings.optional(),
    notHosts: strings.optional(),
    ports: strings.optional(),
    notPorts: strings.optional(),
    methods: strings.optional(),
    notMethods: strings.optional(),
    paths: strings.optional(),
    notPaths: strings.optional(),
  })
  .strict();

const condition = z
  .object({ key: z.string().min(1), values: strings.optional(), notValues: strings.optional() })
  .strict();

const rule = z
  .object({
    from: z.array(z.object({ source }).strict()).optional(),
    to: z.array(z.object({ operation }).strict()).optional(),
    when: z.array(condition).optional(),
  })
  .strict();

const policySpec = <R extends z.ZodType>(ruleSchema: R) =>
  z
    .object({
      selector: selector.optional(),
      targetRef: targetRef.optional(),
      targetRefs: z.array(targetRef).optional(),
      action: z.enum(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']).default('ALLOW'),
      provider: z.object({ name: z.string() }).strict().optional(),
      rules: z.array(ruleSchema).optional(),
    })
    .strict();

export const authorizationPolicyDoc = z
  .object({ apiVersion: istioApiVersion, kind: z.literal('AuthorizationPolicy'), metadata, spec: policySpec(rule) })
  .strict();

/** Warden's own AuthorizationPolicy: Istio's spec, and each rule may add a CEL condition (ANDed with the rest). */
export const wardenAuthorizationPolicyDoc = z
  .object({
    apiVersion: z.literal('warden.dev/v1alpha1'),
    kind: z.literal('AuthorizationPolicy'),
    metadata,
    spec: policySpec(rule.extend({ cel: z.string().min(1).optional() })),
  })
  .strict();

export type JwtRule = z.infer<typeof jwtRule>;
export type RequestAuthenticationDoc = z.infer<typeof requestAuthenticationDoc>;
/** Either kind: Istio's verbatim, or Warden's with `cel` on rules. */
export type AuthorizationPolicyDoc = z.infer<typeof wardenAuthorizationPolicyDoc> | z.infer<typeof authorizationPolicyDoc>;
export type PolicyRule = z.infer<typeof rule> & { cel?: string };
export type PolicySource = z.infer<typeof source>;
export type PolicyOperation = z.infer<typeof operation>;
export type PolicyCondition = z.infer<typeof condition>;
