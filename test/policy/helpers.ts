// Policy tests' shared parts: an Authorizer built from YAML exactly as
// `warden start` builds it, and requests described in a few fields.
import { parseConfig, type ConfigProblem } from '../../src/config/load.js';
import { buildAuthorizer } from '../../src/policy/index.js';
import type { Authorizer } from '../../src/policy/evaluate.js';
import type { PolicyInput } from '../../src/policy/attributes.js';
import type { Principal, Target } from '../../src/types.js';

export const GATEWAY = (o: { policy?: string; metadata?: string; routes?: string } = {}) => `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: ${o.metadata ?? '{name: warden}'}
spec:
  routes: ${o.routes ?? '[{name: vertex, provider: vertex, upstream: "http://127.0.0.1:1"}]'}
  policy: ${o.policy ?? '{}'}
`;

/** Compile; throws listing the problems, unless `problems` is asked for. */
export function authorizerFrom(policies: string, gateway = GATEWAY()): Authorizer {
  const { authorizer, problems } = compileWithProblems(policies, gateway);
  if (problems.length) throw new Error(problems.map((p) => `${p.line}: ${p.message}`).join('\n'));
  return authorizer;
}

export function compileWithProblems(policies: string, gateway = GATEWAY()): { authorizer: Authorizer; problems: ConfigProblem[] } {
  const config = parseConfig(`${gateway}---\n${policies}`, 'test.yaml', '/tmp');
  const authorizer = buildAuthorizer(config);
  return { authorizer, problems: config.problems };
}

export interface RequestShape {
  method?: string;
  path?: string;
  host?: string;
  headers?: Record<string, string>;
  sourceIp?: string;
  destinationPort?: number;
  sni?: string;
  principal?: Partial<Principal>;
  target?: Partial<Target>;
  route?: string;
}

export function input(r: RequestShape = {}): PolicyInput {
  return {
    req: {
      id: 'test',
      method: r.method ?? 'GET',
      path: r.path ?? '/',
      query: '',
      host: r.host ?? 'warden.example.com',
      headers: r.headers ?? {},
      sourceIp: r.sourceIp ?? '10.0.0.1',
      destinationIp: '10.0.0.2',
      destinationPort: r.destinationPort ?? 8080,
      tls: r.sni ? { sni: r.sni, authorized: true } : undefined,
    },
    principal: { groups: [], methods: [], ...r.principal },
    target: { provider: 'vertex', operation: 'other', operationClass: 'other', stream: false, ...r.target },
    route: r.route ?? 'vertex',
  };
}

export function decide(a: Authorizer, r: RequestShape = {}): 'allow' | 'deny' {
  return a.authorize(input(r)).action;
}
