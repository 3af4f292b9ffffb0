// Istio AuthorizationPolicy conformance, end to end through Warden's HTTP
// listener with the emulator upstream. Each case is a set of policies taken
// from (or modelled on) Istio's public docs — the istio.io authorization
// tasks and the istio/api authorization_policy.proto comments — and requests
// with the decision Istio gives: allow (forwarded), deny (403) or 401.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MODEL_PATH, PolicyBench, type CallSpec, type Outcome } from './e2e-helpers.js';

const GEN = `${MODEL_PATH}/gemini-2.0-flash:generateContent`;
const ALICE = { sub: 'alice', groups: ['group1'] };
const BOB = { sub: 'bob', groups: ['group2'] };

interface Case {
  name: string;
  /** Where the semantics come from. */
  source: string;
  policies: string;
  settings?: string;
  calls: (CallSpec & { want: Outcome; status?: number })[];
}

const ap = (name: string, spec: string, kind = 'apiVersion: security.istio.io/v1') => `${kind}
kind: AuthorizationPolicy
metadata: {name: ${name}}
spec:
${spec.replace(/^/gm, '  ')}
---
`;

const CASES: Case[] = [
  {
    name: 'allow-nothing: spec {} denies everything',
    source: 'authorization_policy.proto: allow-nothing example',
    policies: ap('allow-nothing', '{}'),
    calls: [{ path: GEN, token: ALICE, want: 'deny' }, { path: GEN, want: 'deny' }],
  },
  {
    name: 'allow-all: rules [{}] allows everything',
    source: 'authorization_policy.proto: allow-all example',
    policies: ap('allow-all', 'rules: [{}]'),
    calls: [{ path: GEN, want: 'allow', status: 200 }, { method: 'GET', path: '/anything', want: 'allow' }],
  },
  {
    name: 'deny-all: DENY with rules [{}]; DENY without rules matches nothing',
    source: 'istio.io tasks/security/authorization/authz-deny',
    policies: ap('deny-all', 'action: DENY\nrules: [{}]'),
    calls: [{ path: GEN, token: ALICE, want: 'deny' }],
  },
  {
    name: 'a DENY policy without rules matches nothing (and no ALLOW policy → allow)',
    source: 'authorization_policy.proto: rules "If not set, the match will never occur"',
    policies: ap('deny-none', 'action: DENY'),
    calls: [{ path: GEN, want: 'allow', status: 200 }],
  },
  {
    name: 'HTTP traffic: methods and paths (prefix), several operations ORed',
    source: 'authorization_policy.proto: httpbin example; tasks/security/authorization/authz-http',
    policies: ap('httpbin', 'action: ALLOW\nrules:\n- to:\n  - operation: {methods: ["GET"], paths: ["/info*"]}\n  - operation: {methods: ["POST"], paths: ["/data"]}'),
    calls: [
      { method: 'GET', path: '/info', want: 'allow' },
      { method: 'GET', path: '/info/x?q=1', want: 'allow' },
      { method: 'POST', path: '/info', want: 'deny' },
      { method: 'POST', path: '/data', want: 'allow' },
      { method: 'POST', path: '/data/x', want: 'deny' },
    ],
  },
  {
    name: 'DENY beats ALLOW',
    source: 'authorization_policy.proto: evaluation order 2 before 4',
    policies: ap('allow-all', 'rules: [{}]') + ap('deny-get', 'action: DENY\nrules: [{to: [{operation: {methods: ["GET"]}}]}]'),
    calls: [{ method: 'GET', path: '/x', want: 'deny' }, { path: GEN, want: 'allow', status: 200 }],
  },
  {
    name: 'explicit deny with notValues: header x-token must be admin',
    source: 'tasks/security/authorization/authz-deny (request.headers[x-token] notValues)',
    policies: ap('deny-method-get', 'action: DENY\nrules:\n- to: [{operation: {methods: ["GET"]}}]\n  when: [{key: "request.headers[x-token]", notValues: ["admin"]}]'),
    calls: [
      { method: 'GET', path: '/get', headers: { 'x-token': 'admin' }, want: 'allow' },
      { method: 'GET', path: '/get', headers: { 'x-token': 'guest' }, want: 'deny' },
      { method: 'GET', path: '/get', want: 'deny' },
      { method: 'POST', path: GEN, want: 'allow', status: 200 },
    ],
  },
  {
    name: 'notPaths and notMethods',
    source: 'authorization_policy.proto Operation example (notPaths: ["/admin*"])',
    policies: ap('ops', 'rules: [{to: [{operation: {notPaths: ["/admin*"], notMethods: ["DELETE"]}}]}]'),
    calls: [
      { method: 'GET', path: '/public', want: 'allow' },
      { method: 'GET', path: '/admin/users', want: 'deny' },
      { method: 'DELETE', path: '/public', want: 'deny' },
    ],
  },
  {
    name: 'JWT: requestPrincipals ISS/SUB, invalid token 401, no token denied',
    source: 'tasks/security/authorization/authz-jwt',
    policies: ap('require-jwt', 'rules: [{from: [{source: {requestPrincipals: ["ISSUER/alice"]}}]}]'),
    calls: [
      { path: GEN, token: ALICE, want: 'allow', status: 200 },
      { path: GEN, token: BOB, want: 'deny' },
      { path: GEN, want: 'deny' },
      { path: GEN, token: 'bad', want: 'unauthenticated' },
    ],
  },
  {
    name: 'requestPrincipals ["*"] requires any valid token; ISS/* any subject of one issuer',
    source: 'tasks/security/authentication/authn-policy (require a token); proto: request principal split at the last "/"',
    policies: ap('any-jwt', 'rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]') + ap('deny-not-issuer', 'action: DENY\nrules: [{from: [{source: {notRequestPrincipals: ["ISSUER/*"]}}], to: [{operation: {paths: ["/strict*"]}}]}]'),
    calls: [
      { path: GEN, token: BOB, want: 'allow', status: 200 },
      { path: GEN, want: 'deny' },
      { method: 'GET', path: '/strict', token: ALICE, want: 'allow' },
      { method: 'GET', path: '/strict', token: { sub: 'eve', claims: { iss: 'https://elsewhere.example' } }, want: 'unauthenticated' },
    ],
  },
  {
    name: 'claims: list claim, nested claim, space-delimited scope',
    source: 'tasks/security/authorization/authz-jwt (groups); nested claims request.auth.claims[a][b]; scope as a list',
    policies: ap('claims', [
      'rules:',
      '- when: [{key: "request.auth.claims[groups]", values: ["group1"]}]',
      '- when: [{key: "request.auth.claims[nested][key1]", values: ["valueA"]}]',
      '- when: [{key: "request.auth.claims[scope]", values: ["model.invoke"]}]',
    ].join('\n')),
    calls: [
      { path: GEN, token: ALICE, want: 'allow', status: 200 },
      { path: GEN, token: BOB, want: 'deny' },
      { path: GEN, token: { sub: 'n', claims: { nested: { key1: ['valueB', 'valueA'] } } }, want: 'allow', status: 200 },
      { path: GEN, token: { sub: 'n', claims: { nested: { key1: 'valueC' } } }, want: 'deny' },
      { path: GEN, token: { sub: 's', claims: { scope: 'openid model.invoke profile' } }, want: 'allow', status: 200 },
      { path: GEN, token: { sub: 's', claims: { scope: 'openid model.invoke.all' } }, want: 'deny' },
    ],
  },
  {
    name: 'audiences and presenter',
    source: 'reference/config/security/conditions: request.auth.audiences, request.auth.presenter',
    policies: ap('aud', 'rules: [{when: [{key: request.auth.audiences, values: ["warden"]}, {key: request.auth.presenter, values: ["cli-*"]}]}]'),
    calls: [
      { path: GEN, token: { sub: 'a', claims: { azp: 'cli-tool' } }, want: 'allow', status: 200 },
      { path: GEN, token: { sub: 'a', claims: { azp: 'web' } }, want: 'deny' },
    ],
  },
  {
    name: 'hosts are case-insensitive and include the port',
    source: 'proto Operation.hosts "The match is case-insensitive"; ops/best-practices/security (writing host match policies)',
    policies: ap('hosts', 'rules: [{to: [{operation: {hosts: ["Models.Example.COM", "*.internal"]}}]}]'),
    calls: [
      { method: 'GET', path: '/x', host: 'models.example.com', want: 'allow' },
      { method: 'GET', path: '/x', host: 'MODELS.EXAMPLE.COM', want: 'allow' },
      { method: 'GET', path: '/x', host: 'models.example.com:8080', want: 'deny' },
      { method: 'GET', path: '/x', host: 'api.internal', want: 'allow' },
      { method: 'GET', path: '/x', host: 'evil.example.com', want: 'deny' },
    ],
  },
  {
    name: 'path normalization BASE: dot segments and %2E decoded before matching',
    source: 'reference/config/security/normalization; ops/best-practices/security',
    policies: ap('deny-admin', 'action: DENY\nrules: [{to: [{operation: {paths: ["/admin*"]}}]}]'),
    calls: [
      { method: 'GET', path: '/public/../admin/users', want: 'deny' },
      { method: 'GET', path: '/public/%2E%2E/admin', want: 'deny' },
      { method: 'GET', path: '/public/%2e%2e/admin', want: 'deny' },
      { method: 'GET', path: '/%61dmin', want: 'deny' },
      { method: 'GET', path: '/public/admin', want: 'allow' },
      { method: 'GET', path: '/x%00', want: 'invalid' },
    ],
  },
  {
    name: 'path normalization: slashes are merged only when configured',
    source: 'normalization: MERGE_SLASHES disabled by default',
    policies: ap('deny-secret', 'action: DENY\nrules: [{to: [{operation: {paths: ["/data/secret"]}}]}]'),
    calls: [
      { method: 'GET', path: '/data//secret', want: 'allow' },
      { method: 'GET', path: '/data/secret', want: 'deny' },
    ],
  },
  {
    name: 'path normalization DECODE_AND_MERGE_SLASHES: %2F and // both reach the policy as /',
    source: 'normalization: DECODE_AND_MERGE_SLASHES',
    settings: '{pathNormalization: DECODE_AND_MERGE_SLASHES}',
    policies: ap('deny-secret', 'action: DENY\nrules: [{to: [{operation: {paths: ["/data/secret"]}}]}]'),
    calls: [
      { method: 'GET', path: '/data//secret', want: 'deny' },
      { method: 'GET', path: '/data%2Fsecret', want: 'deny' },
      { method: 'GET', path: '/data%5csecret', want: 'deny' },
      { method: 'GET', path: '/data/public', want: 'allow' },
    ],
  },
  {
    name: 'path templates {*} and {**}',
    source: 'proto Operation.paths path template examples',
    policies: ap('templates', 'rules: [{to: [{operation: {paths: ["/foo/{*}", "/v1/projects/{*}/locations/{*}/publishers/google/models/{**}"]}}]}]'),
    calls: [
      { method: 'GET', path: '/foo/bar', want: 'allow' },
      { method: 'GET', path: '/foo/bar/baz', want: 'deny' },
      { path: GEN, want: 'allow', status: 200 },
      { method: 'GET', path: '/v1/projects/p/locations/l/endpoints/e', want: 'deny' },
    ],
  },
  {
    name: 'ipBlocks (source.ip) and remoteIpBlocks from X-Forwarded-For with one trusted hop',
    source: 'tasks/security/authorization/authz-ingress (ipBlocks, remoteIpBlocks); network-topologies numTrustedProxies',
    settings: '{xffNumTrustedHops: 1}',
    policies: ap('deny-range', 'action: DENY\nrules: [{from: [{source: {remoteIpBlocks: ["203.0.113.0/24"]}}]}]') + ap('loopback-only', 'rules: [{from: [{source: {ipBlocks: ["127.0.0.0/8", "::1"]}}]}]'),
    calls: [
      { path: GEN, headers: { 'x-forwarded-for': '203.0.113.7' }, want: 'deny' },
      { path: GEN, headers: { 'x-forwarded-for': '198.51.100.1' }, want: 'allow', status: 200 },
      // Only the last hop is trusted: the client's own claim further left is ignored.
      { path: GEN, headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' }, want: 'deny' },
      { path: GEN, headers: { 'x-forwarded-for': '203.0.113.7, 198.51.100.1' }, want: 'allow', status: 200 },
      { path: GEN, want: 'allow', status: 200 },
    ],
  },
  {
    name: 'ports: destination.port is Warden\'s listener port',
    source: 'proto Operation.ports; conditions destination.port',
    policies: ap('ports', 'rules: [{to: [{operation: {notPorts: ["1"]}}], when: [{key: destination.port, notValues: ["2"]}]}]') + ap('deny-port-1', 'action: DENY\nrules: [{to: [{operation: {ports: ["1"]}}]}]'),
    calls: [{ path: GEN, want: 'allow', status: 200 }],
  },
  {
    name: 'CUSTOM first: a provider Warden cannot ask denies what it matches; one naming Warden defers',
    source: 'proto Action CUSTOM: evaluated before DENY and ALLOW and cannot bypass them',
    policies:
      ap('ext-authz', 'action: CUSTOM\nprovider: {name: my-custom-authz}\nrules: [{to: [{operation: {paths: ["/admin/*"]}}]}]') +
      ap('warden-authz', 'action: CUSTOM\nprovider: {name: warden}\nrules: [{}]') +
      ap('deny-delete', 'action: DENY\nrules: [{to: [{operation: {methods: ["DELETE"]}}]}]') +
      ap('allow-all', 'rules: [{}]'),
    calls: [
      { method: 'GET', path: '/admin/x', want: 'deny' },
      { method: 'GET', path: '/public', want: 'allow' },
      { method: 'DELETE', path: '/public', want: 'deny' },
    ],
  },
  {
    name: 'AUDIT never changes the decision',
    source: 'proto: AUDIT policies do not affect whether requests are allowed or denied',
    policies: ap('audit', 'action: AUDIT\nrules: [{to: [{operation: {methods: ["POST"]}}]}]') + ap('allow-all', 'rules: [{}]'),
    calls: [{ path: GEN, want: 'allow', status: 200 }],
  },
  {
    name: 'AUDIT alone does not turn on deny-by-default',
    source: 'proto evaluation rule 3: no ALLOW policies → allow',
    policies: ap('audit', 'action: AUDIT\nrules: [{}]'),
    calls: [{ path: GEN, want: 'allow', status: 200 }],
  },
  {
    name: 'several ALLOW policies are additive; from, to and when are ANDed',
    source: 'proto Rule: a match occurs when at least one source, one operation and all conditions match',
    policies:
      ap('a', 'rules: [{from: [{source: {requestPrincipals: ["ISSUER/alice"]}}], to: [{operation: {methods: ["POST"]}}], when: [{key: "request.headers[x-team]", values: ["ml"]}]}]') +
      ap('b', 'rules: [{to: [{operation: {methods: ["GET"], paths: ["/healthz"]}}]}]'),
    calls: [
      { path: GEN, token: ALICE, headers: { 'x-team': 'ml' }, want: 'allow', status: 200 },
      { path: GEN, token: ALICE, want: 'deny' },
      { path: GEN, token: BOB, headers: { 'x-team': 'ml' }, want: 'deny' },
      { method: 'GET', path: '/healthz', want: 'allow' },
    ],
  },
  {
    name: 'request.headers[...] with * is present, prefix and suffix',
    source: 'proto Rule: exact, prefix, suffix and presence match',
    policies: ap('headers', 'rules:\n- when: [{key: "request.headers[x-a]", values: ["*"]}]\n- when: [{key: "request.headers[x-b]", values: ["v1*"]}]\n- when: [{key: "request.headers[x-c]", values: ["*-prod"]}]'),
    calls: [
      { method: 'GET', path: '/h', headers: { 'x-a': 'anything' }, want: 'allow' },
      { method: 'GET', path: '/h', headers: { 'x-b': 'v1.2' }, want: 'allow' },
      { method: 'GET', path: '/h', headers: { 'x-b': 'v2' }, want: 'deny' },
      { method: 'GET', path: '/h', headers: { 'x-c': 'eu-prod' }, want: 'allow' },
      { method: 'GET', path: '/h', want: 'deny' },
    ],
  },
  {
    name: 'dry-run annotation: evaluated, never enforced',
    source: 'tasks/security/authorization/authz-dry-run',
    policies: ap('dry-deny', 'action: DENY\nrules: [{}]').replace('metadata: {name: dry-deny}', 'metadata: {name: dry-deny, annotations: {"istio.io/dry-run": "true"}}'),
    calls: [{ path: GEN, want: 'allow', status: 200 }],
  },
  {
    name: 'namespace scoping: another namespace does not apply, the root namespace does',
    source: 'proto: metadata/namespace and the root namespace',
    policies: ap('deny-all', 'action: DENY\nrules: [{}]').replace('{name: deny-all}', '{name: deny-all, namespace: other}') +
      ap('deny-delete', 'action: DENY\nrules: [{to: [{operation: {methods: ["DELETE"]}}]}]').replace('{name: deny-delete}', '{name: deny-delete, namespace: istio-system}'),
    calls: [{ path: GEN, want: 'allow', status: 200 }, { method: 'DELETE', path: '/x', want: 'deny' }],
  },
];

describe('Istio AuthorizationPolicy conformance (end to end)', () => {
  const bench = new PolicyBench();
  before(() => bench.start());
  after(() => bench.close());

  for (const c of CASES) {
    it(`${c.name} [${c.source}]`, async () => {
      const metadata = c.name.startsWith('namespace scoping') ? '{name: warden, namespace: ai}' : undefined;
      const gw = await bench.warden(c.policies, { policy: c.settings, metadata });
      try {
        for (const call of c.calls) {
          const got = await bench.call(gw, call);
          const label = `${call.method ?? 'POST'} ${call.path}${call.host ? ` host=${call.host}` : ''}${call.headers ? ` ${JSON.stringify(call.headers)}` : ''}`;
          assert.equal(got.outcome, call.want, `${label}: got ${got.status} ${got.body.slice(0, 200)}`);
          if (call.status !== undefined) assert.equal(got.status, call.status, `${label}: ${got.body.slice(0, 200)}`);
        }
      } finally {
        await gw.close();
      }
    });
  }
});
