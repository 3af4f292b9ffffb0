// The Authorizer against constructed principals: the source-identity fields
// (which need mTLS/XFCC end to end), evaluation order, AUDIT marks, dry run,
// scoping onto routes, and config errors reported with their line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizerFrom, compileWithProblems, decide, GATEWAY, input } from './helpers.js';

const SPIFFE = (ns: string, sa: string, td = 'cluster.local') => ({ sourcePrincipal: `${td}/ns/${ns}/sa/${sa}`, methods: ['mtls' as const] });

const allowFrom = (source: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p, namespace: foo}
spec:
  rules: [{from: [{source: ${source}}]}]
`;

describe('source identity (principals, namespaces, serviceAccounts, trustDomains)', () => {
  const cases: [string, Parameters<typeof SPIFFE> | undefined, 'allow' | 'deny'][] = [];
  const table: { source: string; cases: typeof cases }[] = [
    // istio/api: principals are SPIFFE IDs without "spiffe://".
    { source: '{principals: ["cluster.local/ns/default/sa/sleep"]}', cases: [['exact', ['default', 'sleep'], 'allow'], ['other sa', ['default', 'curl'], 'deny'], ['no peer', undefined, 'deny']] },
    { source: '{principals: ["cluster.local/ns/default/*"]}', cases: [['prefix', ['default', 'x'], 'allow'], ['other ns', ['prod', 'x'], 'deny']] },
    { source: '{principals: ["*/sa/sleep"]}', cases: [['suffix', ['any', 'sleep'], 'allow'], ['other', ['any', 'curl'], 'deny']] },
    { source: '{principals: ["*"]}', cases: [['any peer', ['a', 'b'], 'allow'], ['no peer', undefined, 'deny']] },
    { source: '{notPrincipals: ["*"]}', cases: [['no peer matches notPrincipals *', undefined, 'allow'], ['a peer', ['a', 'b'], 'deny']] },
    { source: '{namespaces: ["prod", "test"]}', cases: [['prod', ['prod', 'x'], 'allow'], ['test', ['test', 'x'], 'allow'], ['dev', ['dev', 'x'], 'deny']] },
    { source: '{namespaces: ["team-*"]}', cases: [['glob', ['team-a', 'x'], 'allow'], ['no', ['ops', 'x'], 'deny']] },
    { source: '{notNamespaces: ["dev"]}', cases: [['prod', ['prod', 'x'], 'allow'], ['dev', ['dev', 'x'], 'deny']] },
    { source: '{serviceAccounts: ["default/sleep"]}', cases: [['ns/sa', ['default', 'sleep'], 'allow'], ['other ns', ['prod', 'sleep'], 'deny']] },
    // A serviceAccount without a namespace means the policy's own namespace (foo).
    { source: '{serviceAccounts: ["sleep"]}', cases: [['policy ns', ['foo', 'sleep'], 'allow'], ['other ns', ['default', 'sleep'], 'deny']] },
    { source: '{notServiceAccounts: ["foo/bad"]}', cases: [['other', ['foo', 'good'], 'allow'], ['bad', ['foo', 'bad'], 'deny']] },
    { source: '{trustDomains: ["cluster.local"]}', cases: [['td', ['a', 'b', 'cluster.local'], 'allow'], ['other td', ['a', 'b', 'example.org'], 'deny']] },
    { source: '{trustDomains: ["*.example.org"]}', cases: [['td glob', ['a', 'b', 'mesh.example.org'], 'allow'], ['no', ['a', 'b', 'cluster.local'], 'deny']] },
    { source: '{principals: ["cluster.local/ns/default/sa/sleep"], namespaces: ["default"]}', cases: [['AND of fields', ['default', 'sleep'], 'allow']] },
  ];
  for (const { source, cases } of table) {
    const a = authorizerFrom(allowFrom(source));
    for (const [name, peer, want] of cases) {
      it(`${source}: ${name} → ${want}`, () => {
        assert.equal(decide(a, { principal: peer ? SPIFFE(...peer) : {} }), want);
      });
    }
  }

  it('source.principal, source.namespace, source.serviceAccount and source.trustDomain as when keys, values and notValues', () => {
    const a = authorizerFrom(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p}
spec:
  rules:
    - when:
        - {key: source.principal, values: ["cluster.local/ns/ml/*"]}
        - {key: source.namespace, notValues: ["ml-sandbox"]}
        - {key: source.serviceAccount, values: ["ml/trainer", "ml/serving"]}
        - {key: source.trustDomain, values: ["cluster.local"]}
`);
    assert.equal(decide(a, { principal: SPIFFE('ml', 'trainer') }), 'allow');
    assert.equal(decide(a, { principal: SPIFFE('ml', 'other') }), 'deny');
    assert.equal(decide(a, { principal: { sourcePrincipal: 'cluster.local/ns/ml/sa/trainer', sourceNamespace: 'ml-sandbox', methods: [] } }), 'deny');
  });

  it('connection.sni, destination.port and destination.ip', () => {
    const a = authorizerFrom(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p}
spec:
  rules:
    - when:
        - {key: connection.sni, values: ["*.example.com"]}
        - {key: destination.port, values: ["8443"]}
        - {key: destination.ip, values: ["10.0.0.0/8"]}
`);
    assert.equal(decide(a, { sni: 'api.example.com', destinationPort: 8443 }), 'allow');
    assert.equal(decide(a, { sni: 'api.example.com', destinationPort: 8080 }), 'deny');
    assert.equal(decide(a, { destinationPort: 8443 }), 'deny');
  });
});

describe('evaluation order', () => {
  const doc = (name: string, action: string, rules: string, extra = '') => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ${name}${extra}}
spec: {action: ${action}, rules: ${rules}}
---
`;

  it('a matching CUSTOM policy naming another provider denies, even when ALLOW matches', () => {
    const a = authorizerFrom(
      doc('ext', 'CUSTOM', '[{to: [{operation: {paths: ["/admin/*"]}}]}], provider: {name: oauth2-proxy}', '') +
        doc('all', 'ALLOW', '[{}]'),
    );
    const d = a.authorize(input({ path: '/admin/users' }));
    assert.equal(d.action, 'deny');
    assert.equal(d.policy, 'ext');
    assert.match(d.reason, /CUSTOM.*oauth2-proxy/);
    assert.equal(decide(a, { path: '/public' }), 'allow');
  });

  it('a CUSTOM policy naming Warden defers to DENY and ALLOW (it cannot bypass them)', () => {
    const a = authorizerFrom(
      doc('ext', 'CUSTOM', '[{}], provider: {name: warden}') + doc('no-delete', 'DENY', '[{to: [{operation: {methods: [DELETE]}}]}]'),
    );
    assert.equal(decide(a, { method: 'GET' }), 'allow');
    const d = a.authorize(input({ method: 'DELETE' }));
    assert.deepEqual([d.action, d.policy], ['deny', 'no-delete']);
  });

  it('AUDIT marks and never decides; dry-run policies are not enforced', () => {
    const a = authorizerFrom(
      doc('watch', 'AUDIT', '[{to: [{operation: {methods: [GET]}}]}]') +
        doc('dry', 'DENY', '[{}]', ', annotations: {"istio.io/dry-run": "true"}') +
        doc('ok', 'ALLOW', '[{}]'),
    );
    const d = a.authorize(input({ method: 'GET' }));
    assert.equal(d.action, 'allow');
    assert.deepEqual(d.auditMarks, ['watch']);
    assert.equal(a.authorize(input({ method: 'POST' })).auditMarks, undefined);
    const e = a.explain(input({ method: 'GET' }));
    const dry = e.policies.find((p) => p.policy === 'dry')!;
    assert.equal(dry.matched, true);
    assert.match(dry.why, /dry run/);
  });

  it('an encoded NUL in the path is refused before any policy', () => {
    const a = authorizerFrom(doc('all', 'ALLOW', '[{}]'));
    assert.equal(decide(a, { path: '/a%00b' }), 'deny');
  });
});

describe('scope: namespace, selector and targetRefs onto routes', () => {
  const routes = '[{name: chat, provider: openai, upstream: "http://127.0.0.1:1", labels: {tier: gold}}, {name: vertex, provider: vertex, upstream: "http://127.0.0.1:1"}]';
  const gw = GATEWAY({ metadata: '{name: edge, namespace: ai, labels: {app: warden}}', routes });
  const deny = (meta: string, extra = '') => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: ${meta}
spec: {action: DENY, rules: [{}]${extra}}
`;
  const applies = (policy: string) => {
    const a = authorizerFrom(policy, gw);
    return ['chat', 'vertex'].filter((route) => decide(a, { route }) === 'deny');
  };

  it('namespace: Warden\'s own, the root namespace, none → every route; another → none', () => {
    assert.deepEqual(applies(deny('{name: p, namespace: ai}')), ['chat', 'vertex']);
    assert.deepEqual(applies(deny('{name: p, namespace: istio-system}')), ['chat', 'vertex']);
    assert.deepEqual(applies(deny('{name: p}')), ['chat', 'vertex']);
    assert.deepEqual(applies(deny('{name: p, namespace: elsewhere}')), []);
  });

  it('selector.matchLabels against gateway + route labels + warden.dev/route', () => {
    assert.deepEqual(applies(deny('{name: p}', ', selector: {matchLabels: {tier: gold}}')), ['chat']);
    assert.deepEqual(applies(deny('{name: p}', ', selector: {matchLabels: {app: warden}}')), ['chat', 'vertex']);
    assert.deepEqual(applies(deny('{name: p}', ', selector: {matchLabels: {"warden.dev/route": vertex}}')), ['vertex']);
    assert.deepEqual(applies(deny('{name: p}', ', selector: {matchLabels: {app: other}}')), []);
  });

  it('targetRefs: Gateway by name → every route; Service by route name → that route', () => {
    assert.deepEqual(applies(deny('{name: p}', ', targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: edge}]')), ['chat', 'vertex']);
    assert.deepEqual(applies(deny('{name: p}', ', targetRefs: [{kind: Service, group: "", name: chat}]')), ['chat']);
    assert.deepEqual(applies(deny('{name: p}', ', targetRefs: [{kind: Gateway, name: other}]')), []);
  });

  it('explain says where a policy applies', () => {
    const a = authorizerFrom(deny('{name: p}', ', selector: {matchLabels: {tier: gold}}'), gw);
    const e = a.explain(input({ route: 'vertex' }));
    assert.equal(e.policies[0].applies, false);
    assert.match(e.policies[0].why, /does not apply to route vertex \(applies to route chat\)/);
  });
});

describe('config errors carry file, line and a hint', () => {
  const cases: [string, string, RegExp, number][] = [
    ['unknown when key', 'when: [{key: request.colour, values: [red]}]', /unknown condition key "request.colour"/, 7],
    ['neither values nor notValues', 'when: [{key: request.model}]', /neither values nor notValues/, 7],
    ['bad CIDR', 'from: [{source: {ipBlocks: ["10.0.0.0/40"]}}]', /not an IP address or CIDR/, 7],
    ['bad port', 'to: [{operation: {ports: ["http"]}}]', /not a port number/, 7],
    ['{**} not last', 'to: [{operation: {paths: ["/{**}/x/{*}"]}}]', /must be the last operator/, 7],
    ['text beside {*}', 'to: [{operation: {paths: ["/foo/{*}.txt"]}}]', /either \{\*\}, \{\*\*\} or plain text/, 7],
    ['serviceAccounts with principals', 'from: [{source: {serviceAccounts: [a/b], principals: [x]}}]', /cannot be set with principals/, 7],
  ];
  for (const [name, rule, message, line] of cases) {
    it(name, () => {
      const { problems } = compileWithProblems(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p}
spec:
  rules:
    - ${rule}
`);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(problems[0].message, message);
      // The Gateway is 7 lines and the separator 1: the rule sits on line 6 of the policy.
      assert.equal(problems[0].line, line + 6);
      assert.equal(problems[0].file, 'test.yaml');
    });
  }

  it('a CEL syntax or type error is a config error at the cel line', () => {
    const { problems } = compileWithProblems(`apiVersion: warden.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: p}
spec:
  rules:
    - when: [{key: request.model, values: ["gemini*"]}]
      cel: "request.model.startsWith('gemini') &&"
    - cel: "nosuch.thing == 1"
    - cel: "1 + 2"
`);
    assert.deepEqual(problems.map((p) => p.line), [14, 15, 16]);
    assert.match(problems[0].message, /CEL/);
    assert.match(problems[1].message, /Unknown variable: nosuch/);
    assert.match(problems[2].message, /not a bool/);
    assert.ok(problems.every((p) => p.hint));
  });

  it('cel is only for Warden\'s own kind: Istio documents stay strict', () => {
    const { problems } = compileWithProblems(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p}
spec:
  rules: [{cel: "true"}]
`);
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /cel/);
  });
});
