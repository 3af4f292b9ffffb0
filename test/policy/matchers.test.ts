// The matchers alone: Istio's string patterns, request principals, path
// normalization and URI templates — tables from Istio's docs, and properties.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compilePattern, compileRequestPrincipal, compileGlob, compileTrustDomain } from '../../src/policy/match.js';
import { compilePathPattern, normalizePath, type PathNormalization } from '../../src/policy/path.js';
import { compileIpBlocks, remoteIp } from '../../src/policy/ip.js';

const plain = fc.string().filter((s) => !s.includes('*'));
const segment = fc.stringMatching(/^[a-zA-Z0-9._~-]{1,8}$/);

describe('string patterns (exact, prefix*, *suffix, *)', () => {
  it('prefix, suffix, exact and presence', () => {
    fc.assert(
      fc.property(plain, plain, (a, b) => {
        // A lone "*" is the presence match, so both need a non-empty rest.
        if (a.length) assert.ok(compilePattern(`${a}*`)(a + b));
        if (b.length) assert.ok(compilePattern(`*${b}`)(a + b));
        assert.ok(compilePattern(a)(a));
        assert.equal(compilePattern('*')(a), a.length > 0);
      }),
    );
  });

  it('exact never matches a different value; a leading * is a suffix match first', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !s.includes('*')), fc.string(), (a, b) => {
        fc.pre(a !== b);
        assert.equal(compilePattern(a)(b), false);
      }),
    );
    assert.ok(compilePattern('*abc*')('xabc*'));
    assert.equal(compilePattern('*abc*')('abcd'), false);
  });

  it('case-insensitive (hosts) equals matching the lower-cased value', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (p, v) => {
        assert.equal(compilePattern(p, true)(v), compilePattern(p.toLowerCase())(v.toLowerCase()));
      }),
    );
  });
});

describe('request principals split at the last "/"', () => {
  const cases: [string, string, string, boolean][] = [
    ['https://accounts.google.com/alice', 'https://accounts.google.com', 'alice', true],
    ['https://accounts.google.com/alice', 'https://accounts.google.com/x', 'alice', false],
    ['https://issuer.example/*', 'https://issuer.example', 'anyone', true],
    ['https://issuer.example/*', 'https://issuer.example.evil', 'anyone', false],
    ['https://issuer.example/al*', 'https://issuer.example', 'alice', true],
    ['*/alice', 'https://anything', 'alice', true],
    ['*/alice', 'https://anything', 'bob', false],
    ['*example.com/alice', 'https://example.com', 'alice', true],
    ['*alice', 'https://anything', 'malice', true],
    ['issuer*', 'issuer.example', 'anyone', true],
    ['*', 'i', 's', true],
  ];
  for (const [pattern, iss, sub, want] of cases) {
    it(`${pattern} vs ${iss} + ${sub} → ${want}`, () => assert.equal(compileRequestPrincipal(pattern)(iss, sub), want));
  }
  it('ISS/* matches every non-empty subject of that issuer and no other issuer', () => {
    fc.assert(
      fc.property(fc.webUrl(), fc.string({ minLength: 1 }), fc.webUrl(), (iss, sub, other) => {
        const m = compileRequestPrincipal(`${iss}/*`);
        assert.ok(m(iss, sub));
        if (other !== iss) assert.equal(m(other, sub), false);
      }),
    );
  });
});

describe('namespace globs and trust domains', () => {
  it('namespace * stands for any run of characters', () => {
    assert.ok(compileGlob('team-*-prod')('team-a-prod'));
    assert.equal(compileGlob('team-*-prod')('team-a-dev'), false);
  });
  it('trust domain * never crosses a "/"', () => {
    assert.ok(compileTrustDomain('*.example.org')('mesh.example.org'));
    assert.equal(compileTrustDomain('*.example.org')('a/b.example.org'), false);
  });
});

describe('path normalization (istio.io reference: Authorization Policy Normalization)', () => {
  const table: [string, Record<PathNormalization, string | undefined>][] = [
    ['/a/../b', { NONE: '/a/../b', BASE: '/b', MERGE_SLASHES: '/b', DECODE_AND_MERGE_SLASHES: '/b' }],
    ['/public/./data/abc/../xyz', { NONE: '/public/./data/abc/../xyz', BASE: '/public/data/xyz', MERGE_SLASHES: '/public/data/xyz', DECODE_AND_MERGE_SLASHES: '/public/data/xyz' }],
    ['/a/%2E%2E/b', { NONE: '/a/%2E%2E/b', BASE: '/b', MERGE_SLASHES: '/b', DECODE_AND_MERGE_SLASHES: '/b' }],
    ['/a/%2e%2e/b', { NONE: '/a/%2e%2e/b', BASE: '/b', MERGE_SLASHES: '/b', DECODE_AND_MERGE_SLASHES: '/b' }],
    ['/some%2fdata/%61%62%63', { NONE: '/some%2fdata/%61%62%63', BASE: '/some%2fdata/abc', MERGE_SLASHES: '/some%2fdata/abc', DECODE_AND_MERGE_SLASHES: '/some/data/abc' }],
    ['/some\\data', { NONE: '/some\\data', BASE: '/some/data', MERGE_SLASHES: '/some/data', DECODE_AND_MERGE_SLASHES: '/some/data' }],
    ['/some%5Cdata', { NONE: '/some%5Cdata', BASE: '/some%5Cdata', MERGE_SLASHES: '/some%5Cdata', DECODE_AND_MERGE_SLASHES: '/some/data' }],
    ['/some//data///abc', { NONE: '/some//data///abc', BASE: '/some//data///abc', MERGE_SLASHES: '/some/data/abc', DECODE_AND_MERGE_SLASHES: '/some/data/abc' }],
    ['/%7euser/%2Dx%5F', { NONE: '/%7euser/%2Dx%5F', BASE: '/~user/-x_', MERGE_SLASHES: '/~user/-x_', DECODE_AND_MERGE_SLASHES: '/~user/-x_' }],
    ['/a/%252E%252E/b', { NONE: '/a/%252E%252E/b', BASE: '/a/%252E%252E/b', MERGE_SLASHES: '/a/%252E%252E/b', DECODE_AND_MERGE_SLASHES: '/a/%252E%252E/b' }],
    ['/a/..', { NONE: '/a/..', BASE: '/', MERGE_SLASHES: '/', DECODE_AND_MERGE_SLASHES: '/' }],
    ['/../../etc', { NONE: '/../../etc', BASE: '/etc', MERGE_SLASHES: '/etc', DECODE_AND_MERGE_SLASHES: '/etc' }],
    ['/a%00b', { NONE: undefined, BASE: undefined, MERGE_SLASHES: undefined, DECODE_AND_MERGE_SLASHES: undefined }],
  ];
  for (const [raw, want] of table) {
    for (const mode of Object.keys(want) as PathNormalization[]) {
      it(`${mode}: ${raw} → ${want[mode]}`, () => assert.equal(normalizePath(raw, mode), want[mode]));
    }
  }

  const pathArb = fc.array(fc.oneof(segment, fc.constant('.'), fc.constant('..'), fc.constant(''), fc.constant('%2e%2E'), fc.constant('a\\b')), { maxLength: 8 }).map((s) => `/${s.join('/')}`);
  it('BASE and MERGE_SLASHES are idempotent and leave no dot segments', () => {
    fc.assert(
      fc.property(pathArb, fc.constantFrom<PathNormalization>('BASE', 'MERGE_SLASHES'), (p, mode) => {
        const n = normalizePath(p, mode)!;
        assert.equal(normalizePath(n, mode), n);
        assert.ok(n.startsWith('/'));
        assert.ok(!n.split('/').some((s) => s === '.' || s === '..'), n);
        if (mode === 'MERGE_SLASHES') assert.ok(!n.includes('//'), n);
      }),
    );
  });
});

describe('path templates (istio/api Operation.paths, Envoy URI template)', () => {
  const table: [string, string, boolean][] = [
    ['/foo/{*}', '/foo/bar', true],
    ['/foo/{*}', '/foo/bar/baz', false],
    ['/foo/{*}', '/foo/', false],
    ['/foo/{**}/', '/foo/bar/', true],
    ['/foo/{**}/', '/foo//', true],
    ['/foo/{**}/', '/foo/bar', false],
    ['/foo/{*}/bar/{**}', '/foo/buzz/bar/', true],
    ['/foo/{*}/bar/{**}', '/foo/buzz/bar/baz', true],
    ['/foo/{*}/bar/{**}', '/foo/buzz/baz/bar/x', false],
    ['/foo/{**}', '/foo/a/b/c.txt', true],
    ['/v1/projects/{*}/locations/{*}/publishers/google/models/{*}', '/v1/projects/p/locations/us-central1/publishers/google/models/gemini:generateContent', true],
    ['/foo/{*}', '/foo/a=b', false],
  ];
  for (const [pattern, path, want] of table) {
    it(`${pattern} vs ${path} → ${want}`, () => assert.equal(compilePathPattern(pattern)(path), want));
  }
  for (const bad of ['/*/baz/{*}', '/**/baz/{*}', '/{**}/foo/{*}', '/foo/{*}.txt', 'foo/{*}']) {
    it(`${bad} is not a valid template`, () => assert.throws(() => compilePathPattern(bad)));
  }
  it('{*} matches exactly one non-empty segment', () => {
    fc.assert(
      fc.property(segment, fc.array(segment, { minLength: 1, maxLength: 3 }), (s, more) => {
        const m = compilePathPattern('/x/{*}');
        assert.ok(m(`/x/${s}`));
        assert.equal(m(`/x/${[s, ...more].join('/')}`), false);
      }),
    );
  });
});

describe('IP blocks and X-Forwarded-For', () => {
  it('CIDR blocks and single addresses, both families', () => {
    const m = compileIpBlocks(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32']);
    assert.ok(m('10.1.2.3'));
    assert.ok(m('192.0.2.7'));
    assert.ok(m('2001:db8::1'));
    assert.equal(m('192.0.2.8'), false);
    assert.equal(m('not-an-ip'), false);
  });
  it('remote.ip is the entry N hops from the right, else the peer', () => {
    assert.equal(remoteIp('10.0.0.1', '203.0.113.7', 0), '10.0.0.1');
    assert.equal(remoteIp('10.0.0.1', '203.0.113.7', 1), '203.0.113.7');
    assert.equal(remoteIp('10.0.0.1', '1.1.1.1, 203.0.113.7, 198.51.100.2', 2), '203.0.113.7');
    assert.equal(remoteIp('10.0.0.1', '203.0.113.7', 2), '10.0.0.1');
    assert.equal(remoteIp('10.0.0.1', 'garbage', 1), '10.0.0.1');
  });
});
