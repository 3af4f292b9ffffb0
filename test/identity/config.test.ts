// Identity config problems are reported with file, line and hint, as
// `warden config check` prints them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tmpdir } from 'node:os';
import { parseConfig } from '../../src/config/load.js';
import { compileConfig } from '../../src/gateway.js';

const CONFIG = `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: bad}
spec:
  listen:
    tls: {certFile: missing.crt, keyFile: missing.key, clientCertificate: required}
  routes:
    - {name: r, provider: http, upstream: 'http://127.0.0.1:1', identityToken: {ttl: 1x}}
  identity:
    jwt:
      clockSkew: 10m
      issuers: [{issuer: https://nobody.example, algorithms: [RS256]}]
    trustedProxies: [{address: 10.0.0.0/33}, {principal: spiffe://td/ns/a/sa/b, address: 1.2.3.4}]
    apiKeys:
      file: no-such-keys.yaml
      keys: [{name: k, sha256: abc}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: ra}
spec:
  jwtRules:
    - {issuer: https://a.example, jwks: 'not json'}
    - {issuer: https://b.example, jwksUri: https://b.example/keys}
    - {issuer: https://b.example, jwksUri: https://b.example/keys}
    - {issuer: not-a-url}
`;

describe('identity config problems', () => {
  it('are all reported with lines and hints', () => {
    const config = parseConfig(CONFIG, 'warden.yaml', tmpdir());
    const schemaProblems = config.problems.map((p) => `${p.line}: ${p.message}`);
    // Structural problems first (the file does not load), each at its line.
    assert.ok(schemaProblems.some((p) => p.startsWith('6: ') && /clientCaFile/.test(p)), 'required client certs without a CA');
    assert.ok(schemaProblems.some((p) => p.startsWith('8: ') && /duration/.test(p)), 'identityToken ttl');
    assert.ok(schemaProblems.some((p) => p.startsWith('13: ') && /exactly one of address or principal/.test(p)));
    assert.ok(schemaProblems.some((p) => p.startsWith('16: ') && /SHA-256/.test(p)));
  });

  it('compile-time problems name the field, line and a hint', async () => {
    const fixed = CONFIG.replace(', clientCertificate: required', '')
      .replace(', identityToken: {ttl: 1x}', '')
      .replace(', {principal: spiffe://td/ns/a/sa/b, address: 1.2.3.4}', '')
      .replace('sha256: abc', `sha256: ${'a'.repeat(64)}`);
    const config = parseConfig(fixed, 'warden.yaml', tmpdir());
    assert.equal(config.problems.length, 0, config.problems.map((p) => p.message).join('\n'));
    await compileConfig(config);
    const got = config.problems.map((p) => `${p.line}: ${p.message} | ${p.hint ?? ''}`);
    const expect: [number, RegExp][] = [
      [6, /TLS: certFile: .*ENOENT/],
      [11, /clock skew 10m is more than 300s/],
      [12, /no RequestAuthentication jwtRule has issuer https:\/\/nobody.example/],
      [13, /"10.0.0.0\/33" is not an IP address or CIDR block/],
      [15, /cannot read API key file no-such-keys.yaml/],
      [23, /jwks is not a JSON Web Key Set/],
      [25, /issuer https:\/\/b.example has more than one jwtRule/],
      [26, /issuer "not-a-url" is not a URL/],
    ];
    for (const [line, re] of expect) {
      assert.ok(got.some((g) => g.startsWith(`${line}: `) && re.test(g) && g.split(' | ')[1]), `line ${line} ${re}\n${got.join('\n')}`);
    }
  });
});
