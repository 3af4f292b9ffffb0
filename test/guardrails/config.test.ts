// Guardrail and limit config problems are reported with file, line and a hint.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblem, parseConfig } from '../../src/config/load.js';
import { compileConfig } from '../../src/gateway.js';

const text = `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  routes:
    - name: r
      provider: vertex
      upstream: http://127.0.0.1:1
      guardrails:
        response: {pii: block}
  guardrails:
    request: {EMAIL: redact, PASSPORT: block, injection: redact}
    detectors:
      - {name: bad, pattern: 'EMP-[0-9'}
  limits:
    rules:
      - {name: a, match: {routes: [nope]}, requests: {limit: 1, per: 1m}}
      - {name: a, tokens: {limit: 1, per: 1m}}
`;

describe('guardrails and limits config', () => {
  it('reports every problem against its line', async () => {
    const config = parseConfig(text, 'w.yaml', '/tmp');
    assert.deepEqual(config.problems, []);
    await compileConfig(config);
    const lines = config.problems.map(formatProblem).join('\n');
    assert.match(lines, /w\.yaml:14:\d+: .*detectors\[0\]\.pattern: not a regular expression/);
    assert.match(lines, /w\.yaml:12:\d+: .*request\.PASSPORT: unknown detector "PASSPORT"\n  hint: a category/);
    assert.match(lines, /w\.yaml:12:\d+: .*injection: an injection signal has no span to redact/);
    assert.match(lines, /w\.yaml:10:\d+: .*response\.pii: an answer cannot be blocked once it streams\n  hint: use redact/);
    assert.match(lines, /w\.yaml:17:\d+: .*unknown route "nope"/);
    assert.match(lines, /w\.yaml:18:\d+: .*duplicate limit rule name "a"/);
    assert.equal(config.problems.length, 6);
  });

  it('rejects a limit rule without a limit and two stores at once', () => {
    const head = text.slice(0, text.indexOf('      guardrails:'));
    const config = parseConfig(`${head}  limits:\n    store: {memory: {}, redis: {url: 'redis://x'}}\n    rules:\n      - {name: x}\n`, 'w.yaml', '/tmp');
    const lines = config.problems.map(formatProblem).join('\n');
    assert.match(lines, /memory or redis, not both/);
    assert.match(lines, /needs requests, tokens or both/);
  });
});

describe('external guardrails and phone regions config', () => {
  it('reports an unknown credential, unknown services, templates without modelArmor, and regions without a plan', async () => {
    const yaml = `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  routes:
    - name: r
      provider: vertex
      upstream: http://127.0.0.1:1
      guardrails: {services: [nope]}
  guardrails:
    phone: {regions: [GB, XX]}
    modelArmor: {credential: missing, promptTemplate: t}
    services:
      - {name: checker, url: 'http://127.0.0.1:2/check'}
    rules:
      - {match: {groups: [g]}, services: [checker, other]}
`;
    const config = parseConfig(yaml, 'w.yaml', '/tmp');
    assert.deepEqual(config.problems, []);
    await compileConfig(config);
    const lines = config.problems.map(formatProblem).join('\n');
    assert.match(lines, /w\.yaml:11:\d+: .*phone\.regions\[1\]: no phone numbering plan for region "XX"/);
    assert.match(lines, /w\.yaml:12:\d+: .*modelArmor\.credential: unknown credential "missing"/);
    assert.match(lines, /w\.yaml:9:\d+: .*services\[0\]: unknown guardrail service "nope"/);
    assert.match(lines, /w\.yaml:16:\d+: .*services\[1\]: unknown guardrail service "other"/);
  });

  it('a region code that is not two capitals is a schema error', () => {
    const config = parseConfig(`apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  routes: [{name: r, provider: vertex, upstream: 'http://127.0.0.1:1'}]
  guardrails: {phone: {regions: [gb]}}
`, 'w.yaml', '/tmp');
    assert.match(config.problems.map(formatProblem).join('\n'), /ISO 3166 alpha-2/);
  });
});
