// The admin API's authorization, as a table: who (admin token, a person in
// some groups, nobody) may call which admin path with which method, under the
// documented default policy and under policies a config selects the admin
// port with — and that the data path's policies never reach the admin port.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdminAccess } from '../../src/admin/policy.js';
import { parseConfig } from '../../src/config/load.js';
import type { Principal, RequestInfo } from '../../src/types.js';

const GATEWAY = (auth: string) => `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: w, namespace: ai}
spec:
  admin:
    host: 0.0.0.0
    auth:
${auth}
  routes: [{name: vertex, provider: vertex, upstream: "https://example.com"}]
`;

const ISS = 'https://idp.example.com';
const person = (sub: string, groups: string[], claim = 'groups'): Principal => ({
  requestPrincipal: `${ISS}/${sub}`, issuer: ISS, subject: sub, claims: { iss: ISS, sub, [claim]: groups }, groups, methods: ['jwt'],
});
const TOKEN: Principal = { requestPrincipal: 'warden/admin-token', issuer: 'warden', subject: 'admin-token', claims: { iss: 'warden', sub: 'admin-token' }, groups: [], methods: ['api-key'] };
const NOBODY: Principal = { groups: [], methods: [] };

function req(method: string, path: string): RequestInfo {
  return { id: 't', method, path, query: '', host: 'admin.example.com', headers: {}, sourceIp: '10.0.0.1' };
}

function access(yaml: string): AdminAccess {
  const config = parseConfig(yaml, 'test.yaml', '/tmp');
  assert.deepEqual(config.problems, []);
  return AdminAccess.fromConfig(config);
}

type Row = [who: string, principal: Principal, method: string, path: string, allowed: boolean];

function check(a: AdminAccess, rows: Row[]): void {
  for (const [who, p, method, path, allowed] of rows) {
    const d = a.authorize(req(method, path), p);
    assert.equal(d.action, allowed ? 'allow' : 'deny', `${who} ${method} ${path}: ${d.reason}`);
  }
}

describe('admin API authorization', () => {
  it('the default policy: the admin token and admins everything; readers read traffic, audit, usage and health; others nothing', () => {
    const a = access(GATEWAY('      oidc: {issuer: "https://idp.example.com", clientId: c}\n'));
    assert.ok(a.isDefault);
    assert.deepEqual(a.policies, ['warden-admin-default']);
    const admin = person('ada', ['warden-admins']);
    const reader = person('rob', ['warden-readers', 'ml']);
    const other = person('eve', ['ml-engineers']);
    check(a, [
      ['token', TOKEN, 'GET', '/api/credentials', true],
      ['token', TOKEN, 'POST', '/api/explain', true],
      ['token', TOKEN, 'POST', '/explain', true],
      ['admin', admin, 'GET', '/api/credentials', true],
      ['admin', admin, 'GET', '/credentials', true],
      ['admin', admin, 'POST', '/api/explain', true],
      ['admin', admin, 'POST', '/api/audit/verify', true],
      ['admin', admin, 'GET', '/api/traffic/stream', true],
      ['reader', reader, 'GET', '/api/traffic', true],
      ['reader', reader, 'GET', '/api/traffic/stream', true],
      ['reader', reader, 'GET', '/api/audit', true],
      ['reader', reader, 'GET', '/api/audit/record', true],
      ['reader', reader, 'GET', '/api/audit/verify', true],
      ['reader', reader, 'HEAD', '/api/usage', true],
      ['reader', reader, 'GET', '/api/health', true],
      ['reader', reader, 'GET', '/metrics', true],
      ['reader', reader, 'POST', '/api/audit/verify', false],
      ['reader', reader, 'POST', '/api/explain', false],
      ['reader', reader, 'POST', '/explain', false],
      ['reader', reader, 'GET', '/api/credentials', false],
      ['reader', reader, 'GET', '/credentials', false],
      ['reader', reader, 'GET', '/api/auditx', false],
      ['other group', other, 'GET', '/api/traffic', false],
      ['other group', other, 'GET', '/api/health', false],
      ['nobody', NOBODY, 'GET', '/api/traffic', false],
      ['nobody', NOBODY, 'GET', '/api/credentials', false],
    ]);
  });

  it('the default policy follows adminGroups, readerGroups and the groups claim', () => {
    const a = access(GATEWAY(`      oidc: {issuer: "https://idp.example.com", clientId: c, groupsClaim: "https://example.com/roles"}
      adminGroups: [platform]
      readerGroups: [sre, audit]
`));
    const claim = 'https://example.com/roles';
    check(a, [
      ['platform', person('p', ['platform'], claim), 'GET', '/api/credentials', true],
      ['sre', person('s', ['sre'], claim), 'GET', '/api/audit', true],
      ['audit', person('a', ['audit'], claim), 'GET', '/api/usage', true],
      ['sre', person('s', ['sre'], claim), 'GET', '/api/credentials', false],
      // The default names are not special once replaced.
      ['warden-admins', person('w', ['warden-admins'], claim), 'GET', '/api/credentials', false],
      // Groups in another claim than the configured one do not count.
      ['groups claim', person('g', ['platform']), 'GET', '/api/credentials', false],
    ]);
  });

  it('a config\'s own admin policies replace the default; DENY first, as on the data path; route policies do not apply', () => {
    const a = access(`${GATEWAY('      tokenFile: ./t\n')}---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: admin-readers, namespace: ai}
spec:
  selector: {matchLabels: {warden.dev/listener: admin}}
  rules:
    - from: [{source: {requestPrincipals: ["https://idp.example.com/*"]}}]
      to: [{operation: {methods: [GET], paths: ["/api/*"]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-credentials, namespace: ai}
spec:
  selector: {matchLabels: {warden.dev/listener: admin}}
  action: DENY
  rules:
    - to: [{operation: {paths: ["/api/credentials", "/credentials"]}}]
      when: [{key: "request.auth.claims[sub]", notValues: [root]}]
---
# A data-path policy that allows everyone: it does not open the admin port.
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: everyone, namespace: ai}
spec:
  rules: [{}]
`);
    assert.ok(!a.isDefault);
    assert.deepEqual(a.policies, ['ai/admin-readers', 'ai/no-credentials']);
    check(a, [
      ['any idp user', person('x', []), 'GET', '/api/audit', true],
      ['any idp user', person('x', []), 'GET', '/api/credentials', false],
      ['root', person('root', []), 'GET', '/api/credentials', true],
      ['any idp user', person('x', []), 'POST', '/api/explain', false],
      // The default's admin token rule is gone with the default.
      ['token', TOKEN, 'GET', '/api/audit', false],
      ['nobody', NOBODY, 'GET', '/api/audit', false],
    ]);
  });
});
