// The request target (RFC 9112 §3.2) → the one authority and path that route
// matching, classification, policy and the upstream all see, for every front
// door. Origin-form (`/path`) is the common case and costs one character
// test. Absolute-form (`http://host/path`, which proxies send) is accepted with
// its authority replacing Host, as §3.2.2 requires of a server, or refused
// (`spec.listen.absoluteForm: refuse`); asterisk-form (`*`, OPTIONS for the
// server) and authority-form (`host:port`, CONNECT) name nothing Warden
// serves. The path is then normalized as Istio would (spec.policy.pathNormalization):
// a dot segment cannot hide a model from policy yet reach it upstream.
import type { PolicySettings } from '../config/schema.js';
import { WardenError } from '../errors.js';
import { normalizePath } from '../policy/path.js';
import type { RequestInfo } from '../types.js';

export interface RequestTargetSettings {
  absoluteForm: 'accept' | 'refuse';
  pathNormalization: PolicySettings['pathNormalization'];
}

/** `scheme://` at the start of an absolute-form target (RFC 3986 §3.1 scheme). */
const ABSOLUTE = /^([a-z][a-z0-9+.-]*):\/\//i;
/** A host (reg-name or IPv4, or an IPv6 literal) and an optional port: no userinfo, nothing else. */
const AUTHORITY = /^(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * Sets `info.path` (and, for absolute-form, `info.host` and the `host` header) to what every later
 * stage sees. Throws a 400 WardenError for a target Warden does not serve.
 */
export function resolveRequestTarget(info: RequestInfo, s: RequestTargetSettings): void {
  let path = info.path;
  if (path.charCodeAt(0) !== 47 /* / */) path = fromAbsoluteForm(info, s.absoluteForm);
  const normalized = normalizePath(path, s.pathNormalization);
  if (normalized === undefined) throw new WardenError('INVALID_ARGUMENT', 'PATH_INVALID', 'the request path holds an encoded NUL');
  info.path = normalized;
}

/** The path of an absolute-form target, its authority now the request's host; anything else is refused. */
function fromAbsoluteForm(info: RequestInfo, mode: RequestTargetSettings['absoluteForm']): string {
  const target = info.path;
  if (target === '*') throw invalid('the asterisk-form request target (*) asks about the server itself; Warden serves none on its data port');
  const scheme = ABSOLUTE.exec(target);
  if (!scheme) throw invalid('the request target is neither a path (origin-form) nor an absolute URL; authority-form (host:port) is for CONNECT, which Warden does not serve');
  const kind = scheme[1]!.toLowerCase();
  if (kind !== 'http' && kind !== 'https') throw invalid(`the absolute-form request target has scheme "${kind.slice(0, 16)}"; only http and https are served`);
  if (mode === 'refuse') throw invalid('absolute-form request targets (http://host/path) are refused here (spec.listen.absoluteForm: refuse); send the path, and the host in Host');
  const start = scheme[0].length;
  const slash = target.indexOf('/', start);
  const authority = target.slice(start, slash < 0 ? target.length : slash);
  // userinfo (`user@host`) is deprecated and a known way to disguise the host (RFC 9110 §4.2.4).
  if (!AUTHORITY.test(authority)) throw invalid('the absolute-form request target has no valid authority (host[:port], without userinfo)');
  const host = authority.toLowerCase();
  info.host = host;
  info.headers.host = host;
  return slash < 0 ? '/' : target.slice(slash);
}

function invalid(message: string): WardenError {
  return new WardenError('INVALID_ARGUMENT', 'REQUEST_TARGET_INVALID', message);
}

/** The NO_ROUTE message: host and path apart, so that neither can pass for the other. */
export function noRouteMessage(host: string, path: string): string {
  return `no route for host "${host}" and path "${path}"`;
}
