// tools/list, prompts/list, resources/list and resources/templates/list
// answered with only what this caller may use: each item is kept when the
// policies would allow the call that uses it (tools/call of the tool,
// prompts/get of the prompt, resources/read of the resource) for some
// arguments — `listing` tells the authorizer so (see PolicyInput.listing).
// An item without its name cannot be judged and is left out, as is one whose
// name a call would be refused for (nameProblem).
import type { McpCall, Target } from '../types.js';
import { nameProblem } from './jsonrpc.js';

interface ListKind {
  /** The result's array. */
  key: string;
  /** The item's name field. */
  field: 'name' | 'uri' | 'uriTemplate';
  /** The call that uses an item. */
  method: 'tools/call' | 'prompts/get' | 'resources/read';
  as: 'tool' | 'prompt' | 'resource';
}

const LISTS: Record<string, ListKind> = {
  'tools/list': { key: 'tools', field: 'name', method: 'tools/call', as: 'tool' },
  'prompts/list': { key: 'prompts', field: 'name', method: 'prompts/get', as: 'prompt' },
  'resources/list': { key: 'resources', field: 'uri', method: 'resources/read', as: 'resource' },
  // A template's URI pattern stands for the resources it names: policy patterns match it as they would them.
  'resources/templates/list': { key: 'resourceTemplates', field: 'uriTemplate', method: 'resources/read', as: 'resource' },
};

export function isFilteredList(method: string | undefined): boolean {
  return method !== undefined && method in LISTS;
}

/** `allowed(target)`: the decision for the call that would use one item. */
export type UseCheck = (target: Target) => boolean;

export interface ListCount {
  total: number;
  shown: number;
}

/** Filters `result` of the list call `method` in place; undefined when it holds no such list. */
export function filterList(method: string, result: Record<string, unknown>, base: McpCall, allowed: UseCheck): ListCount | undefined {
  const kind = LISTS[method];
  const items = kind && result[kind.key];
  if (!kind || !Array.isArray(items)) return undefined;
  const kept = items.filter((item) => {
    const name = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[kind.field] : undefined;
    if (typeof name !== 'string' || nameProblem(name, kind.as === 'resource') !== undefined) return false;
    const call: McpCall = { kind: 'request', method: kind.method, [kind.as]: name, source: base.source };
    if (base.session !== undefined) call.session = base.session;
    if (base.protocolVersion !== undefined) call.protocolVersion = base.protocolVersion;
    return allowed({ provider: 'mcp', operation: kind.method, operationClass: 'tool', stream: false, mcp: call });
  });
  result[kind.key] = kept;
  return { total: items.length, shown: kept.length };
}
