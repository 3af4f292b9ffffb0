// What an MCP route adds to the shared stages, for the front doors that carry
// MCP (the proxy, ext_authz):
//
//   admitCaller  after identify: the caller's token was issued for this MCP
//                server (RFC 8707), and a session it presents is its own
//   answer       on the upstream's answer: the JSON-RPC outcome for the
//                record, list answers filtered to what the caller may use,
//                and the session an initialize opens bound to the caller
import { durationMs, type RouteSpec } from '../config/schema.js';
import { WardenError } from '../errors.js';
import type { Authorizer } from '../policy/evaluate.js';
import type { UsageFraming } from '../providers/usage-observer.js';
import type { Principal, RequestInfo, Target } from '../types.js';
import { answerStep, type AnswerStep, type McpOutcome } from './answer.js';
import { audienceMatches, challenge, isResourceServer, resourceUri } from './resource-metadata.js';
import { callerKey, McpSessions, type SessionBinding } from './sessions.js';

export type { McpOutcome } from './answer.js';

/** The request as the gate sees it: one Exchange's facts. */
export interface McpExchange {
  req: RequestInfo;
  principal: Principal;
  target?: Target;
  /** Set by the gate: how the answer went, and the session's lifetime when it ended. */
  mcp?: McpOutcome & { sessionSeconds?: number };
}

export interface McpAnswer {
  /** The answer's rewrite, when it reads or changes it. */
  step?: AnswerStep;
  /** Resolves when the answer may be completed: the session it opened is bound, or the one it ended forgotten. Never rejects. */
  ready?: Promise<void>;
}

const DEFAULT_SESSION_TTL = '24h';

export class McpGate {
  constructor(
    readonly sessions: McpSessions,
    private readonly authorizer: Authorizer,
  ) {}

  /**
   * `mode`: `proxy` sees initialize answers and binds their sessions; `check` (ext_authz) never
   * does, so a session it has not seen is bound to the first caller that presents it.
   */
  async admitCaller(ex: McpExchange, route: RouteSpec, mode: 'proxy' | 'check'): Promise<void> {
    const { principal } = ex;
    checkAudience(route, ex.req, principal);
    const session = ex.target?.mcp?.session;
    if (session === undefined) return;
    await this.sessions.check(session, { caller: callerKey(principal), route: route.name, upstream: route.upstream }, ttlOf(route), mode === 'check');
  }

  /** The answer to an admitted MCP request, from its status, content type and headers. */
  answer(ex: McpExchange, route: RouteSpec, status: number, framing: UsageFraming, headers: Record<string, string | string[] | undefined>): McpAnswer {
    const call = ex.target?.mcp;
    if (!call) return {};
    const outcome: NonNullable<McpExchange['mcp']> = {};
    ex.mcp = outcome;
    if (call.kind === 'end') {
      if (status >= 300 || call.session === undefined) return {};
      const ready = this.sessions.end(call.session).then(
        (b) => {
          if (b) outcome.sessionSeconds = (Date.now() - b.created) / 1000;
        },
        () => {},
      );
      return { ready };
    }
    if (status >= 300) return {};
    const opened = call.method === 'initialize' ? header(headers, 'mcp-session-id') : undefined;
    const filter = (route.mcp?.filterLists ?? true)
      ? (target: Target) => this.authorizer.authorize({ req: ex.req, principal: ex.principal, target, route: route.name, listing: true }).action === 'allow'
      : undefined;
    const step = answerStep({ call, framing, filter, hold: opened !== undefined });
    if (step) ex.mcp = Object.assign(step.outcome, outcome);
    if (opened === undefined) return { step };
    const binding: SessionBinding = { caller: callerKey(ex.principal), route: route.name, upstream: route.upstream, created: Date.now() };
    // Kept in this replica's cache whatever the store says: a store that failed only means other replicas refuse the session.
    const ready = this.sessions.bind(opened, binding, ttlOf(route)).catch(() => {});
    return { step, ready };
  }
}

/** RFC 8707: on a route that is an OAuth resource server, a JWT must have been issued for it (401 otherwise). */
export function checkAudience(route: RouteSpec, req: RequestInfo, principal: Principal): void {
  if (!isResourceServer(route) || !principal.methods.includes('jwt') || audienceMatches(route, req, principal.audiences)) return;
  const description = `the token was not issued for this MCP server (its audience does not name ${resourceUri(route, req)})`;
  throw new WardenError('UNAUTHENTICATED', 'TOKEN_AUDIENCE', description, {
    headers: { 'www-authenticate': challenge(route, req, { code: 'invalid_token', description }) },
  });
}

function ttlOf(route: RouteSpec): number {
  return durationMs(route.mcp?.sessionTtl ?? DEFAULT_SESSION_TTL);
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
