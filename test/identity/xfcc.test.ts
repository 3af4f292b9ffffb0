// Envoy's x-forwarded-client-cert format, and SPIFFE IDs as Istio reads them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseXfcc, XfccSyntaxError } from '../../src/identity/xfcc.js';
import { parseSpiffeId } from '../../src/identity/spiffe.js';

describe('XFCC parser', () => {
  it("parses Envoy's documented example", () => {
    const [e] = parseXfcc(
      'By=http://frontend.lyft.com;Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;Subject="/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client";URI=http://testclient.lyft.com',
    );
    assert.deepEqual(e.by, ['http://frontend.lyft.com']);
    assert.equal(e.hash, '468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688');
    assert.equal(e.subject, '/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client');
    assert.deepEqual(e.uri, ['http://testclient.lyft.com']);
  });

  it('splits hops on commas outside quotes and keeps repeated URI and DNS', () => {
    const els = parseXfcc(
      'By=spiffe://cluster.local/ns/a/sa/gw;URI=spiffe://cluster.local/ns/x/sa/y,By=spiffe://cluster.local/ns/ml/sa/warden;Subject="CN=a, O=b; c=\\"d\\"";URI=spiffe://cluster.local/ns/ml/sa/trainer;URI=https://other;DNS=a.example;DNS=b.example',
    );
    assert.equal(els.length, 2);
    assert.deepEqual(els[1].uri, ['spiffe://cluster.local/ns/ml/sa/trainer', 'https://other']);
    assert.deepEqual(els[1].dns, ['a.example', 'b.example']);
    assert.equal(els[1].subject, 'CN=a, O=b; c="d"');
  });

  it('URL-decodes Cert and Chain', () => {
    const [e] = parseXfcc('Hash=ab;Cert="-----BEGIN%20CERTIFICATE-----%0AMIIB%0A-----END%20CERTIFICATE-----%0A";Chain="x%2Cy"');
    assert.equal(e.cert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    assert.equal(e.chain, 'x,y');
  });

  for (const bad of ['By', 'URI="unterminated', 'URI=a"b', 'URI=a;;', '=x', 'Cert=%E0%A4%A']) {
    it(`rejects malformed ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseXfcc(bad), XfccSyntaxError);
    });
  }
});

describe('SPIFFE IDs', () => {
  it('derives trust domain, namespace and service account from the Istio form', () => {
    assert.deepEqual(parseSpiffeId('spiffe://cluster.local/ns/ml/sa/trainer'), {
      principal: 'cluster.local/ns/ml/sa/trainer', trustDomain: 'cluster.local', namespace: 'ml', serviceAccount: 'trainer',
    });
  });
  it('keeps other paths as principals without namespace', () => {
    const id = parseSpiffeId('spiffe://example.org/workload/db');
    assert.equal(id?.principal, 'example.org/workload/db');
    assert.equal(id?.namespace, undefined);
  });
  it('refuses what is not a SPIFFE ID', () => {
    for (const s of ['https://cluster.local/ns/a/sa/b', 'spiffe://UPPER/ns/a/sa/b', 'spiffe://td/ns//sa/b', 'spiffe://']) {
      assert.equal(parseSpiffeId(s), undefined, s);
    }
  });
});
