// Providers: request → Target (classify), errors in the caller's protocol,
// token usage from responses.

import type { ProviderKind } from '../types.js';
import { renderOpenAIError, renderRpcStatus } from './errors.js';
import { classifyHttp, httpModelInBody } from './http.js';
import { checkMcpRequest, classifyMcp, mcpModelInBody, mcpUsageObserver } from './mcp.js';
import { renderMcpError } from '../mcp/errors.js';
import { classifyOpenAI, openAIInstancesInBody, openAIModelInBody } from './openai.js';
import type { Provider } from './provider.js';
import { createUsageObserver } from './usage-observer.js';
import { classifyVertex, vertexInstancesInBody, vertexModelInBody } from './vertex.js';

export type { Provider, ErrorContext } from './provider.js';
export type { RenderedError } from './errors.js';
export type { UsageObserver, UsageFraming } from './usage-observer.js';
export { classifyVertex } from './vertex.js';
export { classifyOpenAI } from './openai.js';
export { classifyHttp } from './http.js';
export { classifyMcp } from './mcp.js';
export { renderRpcStatus, renderOpenAIError, ERROR_DOMAIN } from './errors.js';
export { createUsageObserver, usageFraming, MAX_WHOLE_BYTES, TAIL_BYTES } from './usage-observer.js';
export { readUsage } from './usage.js';

export const vertexProvider: Provider = Object.freeze({
  kind: 'vertex',
  classify: classifyVertex,
  modelInBody: vertexModelInBody,
  instancesInBody: vertexInstancesInBody,
  renderError: renderRpcStatus,
  usageObserver: createUsageObserver,
});

export const openaiProvider: Provider = Object.freeze({
  kind: 'openai',
  classify: classifyOpenAI,
  modelInBody: openAIModelInBody,
  instancesInBody: openAIInstancesInBody,
  renderError: renderOpenAIError,
  usageObserver: createUsageObserver,
});

export const httpProvider: Provider = Object.freeze({
  kind: 'http',
  classify: classifyHttp,
  modelInBody: httpModelInBody,
  instancesInBody: () => false,
  // google.rpc.Status is as good a generic JSON error as any, and carries the request id.
  renderError: renderRpcStatus,
  usageObserver: createUsageObserver,
});

/** MCP over Streamable HTTP: JSON-RPC errors; the answer's usage is not tokens (see src/mcp/answer.ts). */
export const mcpProvider: Provider = Object.freeze({
  kind: 'mcp',
  classify: classifyMcp,
  modelInBody: mcpModelInBody,
  instancesInBody: () => false,
  renderError: renderMcpError,
  usageObserver: mcpUsageObserver,
  checkRequest: checkMcpRequest,
});

export function getProvider(kind: ProviderKind): Provider {
  switch (kind) {
    case 'vertex':
      return vertexProvider;
    case 'openai':
      return openaiProvider;
    case 'http':
      return httpProvider;
    case 'mcp':
      return mcpProvider;
    default:
      throw new TypeError(`unknown provider kind: ${String(kind)}`);
  }
}
