// The contract every provider meets.

import type { WardenError } from '../errors.js';
import type { ProviderKind, Target } from '../types.js';
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
   */
  classify(method: string, path: string, query: string, body: unknown): Target;
  /**
   * Whether classify takes the model (and the stream flag) of a request to `path` from its JSON
   * body: then policy can decide only once the whole body is read (see readBody's `bufferLimit`).
   * @param path as for classify
   */
  modelInBody(method: string, path: string): boolean;
  /**
   * Whether a request to `path` is a call billed by input whose count (Target.instances) is in its
   * body: a quota counting instances can decide only once the whole body is read.
   */
  instancesInBody(method: string, path: string): boolean;
  /** Render a WardenError in this provider's protocol. */
  renderError(err: WardenError, requestId: string): RenderedError;
  /** Incremental usage extraction from the upstream response body. */
  usageObserver(target: Target, contentType: string | undefined): UsageObserver;
}
