// CEL conditions on Warden's own AuthorizationPolicy rules, for what lists of
// values cannot say. Expressions are parsed and type-checked once, at load;
// at request time they see the same attributes as `when` keys, as CEL maps:
//
//   request.{method, path, host, headers, model, publisher, operation,
//            operation_class, project, location, location_class, jurisdiction,
//            stream, endpoint, instances, resource.{name, owner},
//            batch.{input_uris, output_uri},
//            auth.{principal, audiences, presenter, claims, groups},
//            mcp.{method, tool, prompt, resource, arguments}}
//   source.{ip, principal, namespace}  remote.ip  destination.{ip, port}  connection.sni
import { createRequire } from 'node:module';
import type { Environment } from '@marcbachmann/cel-js';
import { jurisdictionOf, locationClass } from '../providers/locations.js';
import { namespaceOf, type Facts } from './attributes.js';

/**
 * The CEL library is loaded with the first expression: most configs have none,
 * and it costs the process ~9 MB from its start. Policies compile synchronously,
 * so it is required, not imported (Node >= 20.19 requires ES modules).
 */
let env: Environment | undefined;
function environment(): Environment {
  if (env) return env;
  const cel = createRequire(import.meta.url)('@marcbachmann/cel-js') as typeof import('@marcbachmann/cel-js');
  env = new cel.Environment({ unlistedVariablesAreDyn: false })
    .registerVariable('request', 'map')
    .registerVariable('source', 'map')
    .registerVariable('remote', 'map')
    .registerVariable('destination', 'map')
    .registerVariable('connection', 'map');
  return env;
}

/**
 * Compile an expression into a predicate. `onError` is what an evaluation
 * error counts as: false for ALLOW and AUDIT rules, true for DENY and CUSTOM
 * rules, so that an error never opens a door. Throws on a parse or type error.
 */
export function compileCel(expression: string, onError: boolean): (f: Facts) => boolean {
  // An MCP list answer is decided without arguments: a condition on them counts as whatever admits.
  const onArguments = /\barguments\b/.test(expression);
  let program: ReturnType<Environment['parse']>;
  try {
    program = environment().parse(expression);
  } catch (e) {
    throw new Error(`CEL: ${summary(e)}`);
  }
  const checked = program.check();
  if (!checked.valid) throw new Error(`CEL: ${summary(checked.error)}`);
  if (checked.type !== 'bool' && checked.type !== 'dyn') throw new Error(`CEL: the expression is a ${checked.type}, not a bool`);
  return (f) => {
    if (f.listing && onArguments) return !onError;
    try {
      return program(contextOf(f)) === true;
    } catch {
      return onError;
    }
  };
}

function summary(e: unknown): string {
  const err = e as { summary?: string; message?: string };
  return err.summary ?? String(err.message ?? e).split('\n')[0];
}

const contexts = new WeakMap<Facts, Record<string, unknown>>();

/** Built once per request, and only when a CEL rule is reached. */
function contextOf(f: Facts): Record<string, unknown> {
  let c = contexts.get(f);
  if (c) return c;
  const { req: r, principal: p, target: t } = f;
  c = {
    request: {
      method: r.method,
      path: f.path,
      host: r.host,
      headers: r.headers,
      model: t.model ?? '',
      publisher: t.publisher ?? '',
      operation: t.operation,
      operation_class: t.operationClass,
      project: t.project ?? '',
      location: t.location ?? '',
      location_class: locationClass(t.location) ?? '',
      jurisdiction: jurisdictionOf(t.location) ?? '',
      stream: t.stream,
      endpoint: t.endpoint ?? '',
      instances: BigInt(t.instances ?? 0),
      resource: { name: t.resource ?? '', owner: t.owner ?? '' },
      batch: { input_uris: t.batchInputs ?? [], output_uri: t.batchOutput ?? '' },
      mcp: mcpOf(t),
      auth: {
        principal: p.requestPrincipal ?? '',
        audiences: p.audiences ?? [],
        presenter: p.presenter ?? '',
        claims: p.claims ?? {},
        groups: p.groups,
      },
    },
    source: { ip: r.sourceIp, principal: p.sourcePrincipal ?? '', namespace: namespaceOf(p) ?? '' },
    remote: { ip: f.remoteIp },
    destination: { ip: r.destinationIp ?? '', port: BigInt(r.destinationPort ?? 0) },
    connection: { sni: r.tls?.sni ?? '' },
  };
  contexts.set(f, c);
  return c;
}

const NO_MCP = Object.freeze({ method: '', tool: '', prompt: '', resource: '', arguments: Object.freeze({}) });

/** The MCP call, every field present ('' or {} when absent), so that an expression reads it without `has()`. */
function mcpOf(t: Facts['target']): Record<string, unknown> {
  const m = t.mcp;
  if (!m) return NO_MCP;
  return { method: m.method ?? '', tool: m.tool ?? '', prompt: m.prompt ?? '', resource: m.resource ?? '', arguments: m.arguments ?? {} };
}
