// The contract every provider meets.

import type { RequestBody } from '../admission/body.js';
import type { RouteSpec } from '../config/schema.js';
import type { WardenError } from '../errors.js';
import type { Principal, ProviderKind, RequestInfo, Target } from '../types.js';
import type { RenderedError } from './errors.js';
import type { UsageObserver } from './usage-observer.js';

export interface Provider {
  kind: ProviderKind;
  /**
   * The request → Target. Never throws; unknown or unparseable paths give
   * operation `other`, class `other`.
   * @param path   without the query string, as received (percent-decoding is done here)
   * @param query  raw, without `?`
   * @param body   the parsed JSON request body when the request had a JSON body that was read, else undefined
   * @param headers the request's headers (lower-case names), for protocols that carry facts in them (MCP)
   */
  classify(method: string, path: string, query: string, body: unknown, headers?: Record<string, string>): Target;
  /**
   * Whether classify takes the model (and the stream flag) of a request to `path` from its JSON
   * body: then policy can decide only once the whole body is read (see readBody's `bufferLimit`).
   * @param path as for classify
   * @param headers when given, headers that may carry the same facts (MCP 2026-07-28): then the body is not needed
   */
  modelInBody(method: string, path: string, headers?: Record<string, string>): boolean;
  /**
   * Whether a request to `path` is a call billed by input whose count (Target.instances) is in its
   * body: a quota counting instances can decide only once the whole body is read.
   */
  instancesInBody(method: string, path: string): boolean;
  /** Render a WardenError in this provider's protocol; `ctx` is the request it answers, when there is one. */
  renderError(err: WardenError, requestId: string, ctx?: ErrorContext): RenderedError;
  /** Protocol checks that the request is what classify read (MCP: one JSON-RPC message, headers that agree with it), before policy: throws a WardenError. */
  checkRequest?(target: Target, body: RequestBody, headers: Record<string, string>): void;
  /** Incremental usage extraction from the upstream response body. */
  usageObserver(target: Target, contentType: string | undefined): UsageObserver;
}

/** The request an error answers, for protocols whose errors depend on it (MCP: the JSON-RPC id, the OAuth challenge). */
export interface ErrorContext {
  req: RequestInfo;
  principal: Principal;
  target?: Target;
  route?: RouteSpec;
}
