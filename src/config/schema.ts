// The config file's documents, as zod schemas. Objects are strict so that a
// misspelt field is an error with a line number, not a silently ignored key.
import { z } from 'zod';

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

const listen = z.object({ host: z.string().default('127.0.0.1'), port: port.default(8080) }).strict();

const route = z
  .object({
    name,
    provider: z.enum(['vertex', 'openai', 'http']),
    match: z
      .object({
        pathPrefix: z.string().startsWith('/', 'a path prefix starts with "/"').optional(),
        host: z.string().optional(),
      })
      .strict()
      .default({}),
    upstream: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
    credential: z.string().optional(),
    /** Upstream response timeout (time to response headers, then between body chunks). */
    timeout: duration.default('300s'),
    /** Requests with larger bodies are refused with 413. */
    maxBodyBytes: z.number().int().positive().default(32 * 1024 * 1024),
    /** Extra request headers forwarded upstream, besides the built-in allow-list. */
    propagateHeaders: z.array(z.string().toLowerCase()).default([]),
  })
  .strict();

const credential = z
  .object({
    name,
    google: z
      .object({
        file: z.string(),
        scopes: z.array(z.string()).default(['https://www.googleapis.com/auth/cloud-platform']),
      })
      .strict()
      .optional(),
    bearer: z.object({ file: z.string() }).strict().optional(),
  })
  .strict()
  .refine((c) => Number(!!c.google) + Number(!!c.bearer) === 1, {
    message: 'a credential has exactly one source: google or bearer',
  });

const audit = z
  .object({
    sqlite: z.string().optional(),
  })
  .strict();

export const gatewaySpec = z
  .object({
    listen: listen.default({ host: '127.0.0.1', port: 8080 }),
    admin: listen.default({ host: '127.0.0.1', port: 9901 }),
    routes: z.array(route).min(1, 'at least one route is needed'),
    credentials: z.array(credential).default([]),
    audit: audit.default({}),
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
export type CredentialSpec = z.infer<typeof credential>;

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

export const authorizationPolicyDoc = z
  .object({
    apiVersion: istioApiVersion,
    kind: z.literal('AuthorizationPolicy'),
    metadata,
    spec: z
      .object({
        selector: selector.optional(),
        targetRef: targetRef.optional(),
        targetRefs: z.array(targetRef).optional(),
        action: z.enum(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']).default('ALLOW'),
        provider: z.object({ name: z.string() }).strict().optional(),
        rules: z.array(rule).optional(),
      })
      .strict(),
  })
  .strict();

export type JwtRule = z.infer<typeof jwtRule>;
export type RequestAuthenticationDoc = z.infer<typeof requestAuthenticationDoc>;
export type AuthorizationPolicyDoc = z.infer<typeof authorizationPolicyDoc>;
export type PolicyRule = z.infer<typeof rule>;
export type PolicySource = z.infer<typeof source>;
export type PolicyOperation = z.infer<typeof operation>;
export type PolicyCondition = z.infer<typeof condition>;
