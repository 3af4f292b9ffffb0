// The identify stage: every way a caller can prove who it is, merged into one
// Principal. A credential that is present but invalid fails the request (401);
// an absent one simply contributes nothing, and policy decides.
//
// Source identity (who the workload is): the verified client certificate's
// SPIFFE ID, or — when the direct peer is a trusted proxy — the SPIFFE ID in
// its `x-forwarded-client-cert`. Request identity (who the caller is): a JWT
// or an API key, never both.
import type { Logger } from '../telemetry/log.js';
import type { Principal, RequestInfo } from '../types.js';
import type { ApiKeyFile } from './api-key-file.js';
import { API_KEY_HEADERS, type ApiKeys } from './api-keys.js';
import { groupsOf, outputHeaders, policyClaims } from './claims.js';
import type { JwtAuthenticator } from './jwt.js';
import { unauthenticated } from './reject.js';
import { spiffeOf, type SpiffeIdentity } from './spiffe.js';
import { withoutParams } from './token-locations.js';
import type { TrustedProxies } from './trusted-proxies.js';
import { parseXfcc, XfccSyntaxError } from './xfcc.js';
import type { WardenTokens } from './upstream-token.js';

export const XFCC = 'x-forwarded-client-cert';

export interface Identity {
  principal: Principal;
  /** Headers that carried (or could impersonate) identity: never forwarded as received. */
  consumedHeaders: readonly string[];
  /** Headers the jwtRule asks for (`outputPayloadToHeader`, `outputClaimToHeaders`, `forwardOriginalToken`). */
  upstreamHeaders: Record<string, string>;
  /** The query string without the `access_token`-style parameters, when a token was consumed and the query had one. */
  upstreamQuery?: string;
}

export interface IdentifierParts {
  jwt: JwtAuthenticator;
  apiKeys: ApiKeys;
  /** The API key file, when the config names one: watched from start() to stop(). */
  apiKeyFile?: ApiKeyFile;
  trustedProxies: TrustedProxies;
  groupsClaim: string;
  tokens: WardenTokens;
}

export class Identifier {
  readonly tokens: WardenTokens;
  private readonly strip: readonly string[];
  /** Every query parameter a JWT may travel in (`access_token`, `fromParams`). */
  private readonly tokenParams: readonly string[];

  constructor(private readonly parts: IdentifierParts) {
    this.tokens = parts.tokens;
    // Every header that can carry a caller's credential: `authorization` always (JWTs by default, API
    // keys as `Bearer`), the API-key headers, each JWT header location, and `cookie` when a JWT may be a
    // cookie. Front doors that forward only an allow-list (the proxy) drop them anyway; ext_authz and
    // ext_proc must name them for Envoy to remove.
    const strip = new Set<string>(['authorization', XFCC, ...API_KEY_HEADERS]);
    for (const loc of parts.jwt.tokenLocations) {
      if (loc.kind === 'header') strip.add(loc.name);
      else if (loc.kind === 'cookie') strip.add('cookie');
    }
    for (const rule of parts.jwt.rules) {
      if (rule.outputPayloadToHeader) strip.add(rule.outputPayloadToHeader.toLowerCase());
      for (const o of rule.outputClaimToHeaders ?? []) strip.add(o.header.toLowerCase());
    }
    this.strip = [...strip];
    this.tokenParams = [...new Set(parts.jwt.tokenLocations.filter((loc) => loc.kind === 'param').map((loc) => loc.name))];
  }

  /** Whether `query` may carry a token parameter: parsed only then (a name can come percent-encoded). */
  private mayHoldTokenParam(query: string): boolean {
    return query !== '' && (query.includes('%') || this.tokenParams.some((name) => query.includes(name)));
  }

  /** Fetch remote key sets and keep them fresh; watch the API key file. */
  start(log?: Logger): void {
    this.parts.jwt.start((issuer, err) => log?.warn({ issuer, err: err.message }, 'JWKS fetch failed; the last good key set stays in use'));
    this.parts.apiKeyFile?.watch(log);
  }

  /** What start() began and has not finished: the first key set fetch of each remote issuer. */
  warming(): string[] {
    return this.parts.jwt.warming().map((issuer) => `the JWKS of ${issuer}`);
  }

  stop(): void {
    this.parts.jwt.stop();
    this.release();
  }

  /** A reload retired this config: stop what is its own (the API key file's watch); key sets a reload kept are stopped with their KeptState. */
  release(): void {
    this.parts.apiKeyFile?.close();
  }

  async identify(req: RequestInfo): Promise<Identity> {
    const principal: Principal = { groups: [], methods: [] };
    const identity: Identity = { principal, consumedHeaders: this.strip, upstreamHeaders: {} };

    this.identifySource(req, principal);

    const apiKey = this.parts.apiKeys.enabled ? this.parts.apiKeys.authenticate(req) : undefined;
    const jwt = this.parts.jwt.enabled ? await this.parts.jwt.authenticate(req) : undefined;
    if (apiKey && jwt) throw unauthenticated('TOKEN_AMBIGUOUS', 'both an API key and a JWT in the request');

    if (apiKey) {
      principal.requestPrincipal = apiKey.principal;
      principal.subject = apiKey.name;
      principal.groups = apiKey.groups;
      principal.methods.push('api-key');
    } else if (jwt) {
      const c = jwt.claims;
      principal.requestPrincipal = `${jwt.issuer}/${jwt.subject}`;
      principal.issuer = jwt.issuer;
      principal.subject = jwt.subject;
      principal.audiences = c.aud === undefined ? [] : Array.isArray(c.aud) ? c.aud : [c.aud];
      if (typeof c.azp === 'string') principal.presenter = c.azp;
      principal.claims = policyClaims(c, jwt.rule);
      principal.groups = groupsOf(principal.claims[this.parts.groupsClaim]);
      principal.methods.push('jwt');
      principal.token = jwt.token;

      outputHeaders(jwt, identity.upstreamHeaders);
      const loc = jwt.location;
      if (jwt.rule.forwardOriginalToken) {
        if (loc.kind === 'header') identity.upstreamHeaders[loc.name] = req.headers[loc.name];
      } else if (this.mayHoldTokenParam(req.query)) {
        // Every token parameter goes, not only the location the token was taken from: the same
        // token sent as `Authorization: Bearer` and `?access_token=` is one token (a different
        // one would have been TOKEN_AMBIGUOUS), and its copy in the query must not travel on.
        const query = withoutParams(req.query, this.tokenParams);
        if (query !== req.query) identity.upstreamQuery = query;
      }
    }
    return identity;
  }

  /** mTLS peer, or the client a trusted proxy vouches for in XFCC. */
  private identifySource(req: RequestInfo, principal: Principal): void {
    const peer = req.tls?.authorized ? spiffeOf(req.tls.peerUris) : undefined;
    // A front door that cannot tell who wrote the header (HTTP ext_authz) believes none.
    const xfcc = req.sourceUnknown ? undefined : req.headers[XFCC];
    const via = xfcc !== undefined && this.parts.trustedProxies.size ? this.parts.trustedProxies.match(req.sourceIp, peer && `spiffe://${peer.principal}`) : undefined;
    if (via !== undefined) {
      let elements;
      try {
        elements = parseXfcc(xfcc!);
      } catch (e) {
        if (e instanceof XfccSyntaxError) throw unauthenticated('XFCC_MALFORMED', `x-forwarded-client-cert from ${via} is malformed: ${e.message}`);
        throw e;
      }
      // The last element is the one the nearest (trusted) proxy wrote about its own client.
      const client = spiffeOf(elements[elements.length - 1].uri);
      principal.via = via;
      if (client) setSource(principal, client, 'xfcc');
      return;
    }
    // An XFCC from anyone else is ignored (and stripped before forwarding): never believed.
    if (peer) setSource(principal, peer, 'mtls');
  }
}

function setSource(principal: Principal, id: SpiffeIdentity, method: 'mtls' | 'xfcc'): void {
  principal.sourcePrincipal = id.principal;
  principal.sourceTrustDomain = id.trustDomain;
  if (id.namespace) principal.sourceNamespace = id.namespace;
  if (id.serviceAccount) principal.sourceServiceAccount = id.serviceAccount;
  principal.methods.push(method);
}
