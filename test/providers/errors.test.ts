import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WardenError, type RpcCode } from '../../src/errors.js';
import { getProvider } from '../../src/providers/index.js';
import { renderOpenAIError, renderRpcStatus } from '../../src/providers/errors.js';

const RPC_CASES: [RpcCode, number][] = [
  ['INVALID_ARGUMENT', 400],
  ['UNAUTHENTICATED', 401],
  ['PERMISSION_DENIED', 403],
  ['NOT_FOUND', 404],
  ['RESOURCE_EXHAUSTED', 429],
  ['FAILED_PRECONDITION', 400],
  ['UNAVAILABLE', 503],
  ['DEADLINE_EXCEEDED', 504],
  ['INTERNAL', 500],
  ['UNIMPLEMENTED', 501],
];

describe('renderRpcStatus (vertex)', () => {
  for (const [code, status] of RPC_CASES) {
    it(`${code} → ${status}`, () => {
      const err = new WardenError(code, `REASON_${code}`, `message for ${code}`);
      const r = renderRpcStatus(err, 'req-1');
      assert.equal(r.status, status);
      assert.equal(r.headers['content-type'], 'application/json; charset=UTF-8');
      assert.deepStrictEqual(JSON.parse(r.body), {
        error: {
          code: status,
          message: `message for ${code}`,
          status: code,
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: `REASON_${code}`,
              domain: 'warden.dev',
              metadata: { requestId: 'req-1' },
            },
          ],
        },
      });
    });
  }

  it('uses an explicit httpStatus and passes the error headers through', () => {
    const err = new WardenError('INVALID_ARGUMENT', 'BODY_TOO_LARGE', 'too large', {
      httpStatus: 413,
      headers: { 'x-extra': '1', 'Content-Type': 'text/plain' },
    });
    const r = renderRpcStatus(err, 'r');
    assert.equal(r.status, 413);
    assert.deepStrictEqual(r.headers, { 'x-extra': '1', 'content-type': 'application/json; charset=UTF-8' });
    assert.equal(JSON.parse(r.body).error.code, 413);
  });

  it('adds RetryInfo for a delta-seconds Retry-After', () => {
    const err = new WardenError('RESOURCE_EXHAUSTED', 'RATE_LIMITED', 'slow down', { headers: { 'Retry-After': '30' } });
    const r = renderRpcStatus(err, 'r');
    assert.equal(r.headers['Retry-After'], '30');
    const details = JSON.parse(r.body).error.details;
    assert.equal(details.length, 2);
    assert.deepStrictEqual(details[1], { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '30s' });
  });

  it('ignores a Retry-After that is a date', () => {
    const err = new WardenError('RESOURCE_EXHAUSTED', 'RATE_LIMITED', 'x', {
      headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' },
    });
    assert.equal(JSON.parse(renderRpcStatus(err, 'r').body).error.details.length, 1);
  });

  it('escapes hostile messages into valid JSON', () => {
    const err = new WardenError('INVALID_ARGUMENT', 'BAD', 'a "quoted" \n </script> \u2028 message');
    assert.equal(JSON.parse(renderRpcStatus(err, 'id"x').body).error.message, 'a "quoted" \n </script> \u2028 message');
  });
});

describe('renderOpenAIError (openai)', () => {
  const cases: [RpcCode, number | undefined, number, string, string][] = [
    ['INVALID_ARGUMENT', undefined, 400, 'invalid_request_error', 'bad_request'],
    ['NOT_FOUND', undefined, 404, 'invalid_request_error', 'bad_request'],
    ['INVALID_ARGUMENT', 413, 413, 'invalid_request_error', 'bad_request'],
    ['UNAUTHENTICATED', undefined, 401, 'authentication_error', 'bad_request'],
    ['PERMISSION_DENIED', undefined, 403, 'permission_error', 'bad_request'],
    ['RESOURCE_EXHAUSTED', undefined, 429, 'rate_limit_error', 'rate_limit_exceeded'],
    ['INTERNAL', undefined, 500, 'server_error', 'bad_request'],
    ['UNAVAILABLE', undefined, 503, 'server_error', 'bad_request'],
    ['DEADLINE_EXCEEDED', undefined, 504, 'server_error', 'bad_request'],
  ];
  for (const [code, httpStatus, status, type, errCode] of cases) {
    it(`${code}${httpStatus ? ' ' + httpStatus : ''} → ${status} ${type}`, () => {
      const err = new WardenError(code, 'BAD_REQUEST', 'nope', httpStatus === undefined ? {} : { httpStatus });
      const r = renderOpenAIError(err, 'req-2');
      assert.equal(r.status, status);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.deepStrictEqual(JSON.parse(r.body), { error: { message: 'nope', type, param: null, code: errCode } });
    });
  }

  it('passes WWW-Authenticate through', () => {
    const err = new WardenError('UNAUTHENTICATED', 'TOKEN_EXPIRED', 'token expired', {
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
    const r = renderOpenAIError(err, 'r');
    assert.equal(r.headers['www-authenticate'], 'Bearer error="invalid_token"');
    assert.equal(JSON.parse(r.body).error.code, 'token_expired');
  });
});

describe('provider renderError', () => {
  const err = new WardenError('PERMISSION_DENIED', 'POLICY_DENIED', 'denied by policy');
  it('vertex renders google.rpc.Status', () => {
    const r = getProvider('vertex').renderError(err, 'abc');
    assert.equal(r.status, 403);
    assert.equal(JSON.parse(r.body).error.status, 'PERMISSION_DENIED');
  });
  it('openai renders the OpenAI error object', () => {
    const r = getProvider('openai').renderError(err, 'abc');
    assert.equal(r.status, 403);
    assert.equal(JSON.parse(r.body).error.type, 'permission_error');
  });
  it('http renders google.rpc.Status-like JSON', () => {
    const r = getProvider('http').renderError(err, 'abc');
    const e = JSON.parse(r.body).error;
    assert.equal(r.status, 403);
    assert.equal(e.code, 403);
    assert.equal(e.status, 'PERMISSION_DENIED');
    assert.equal(e.message, 'denied by policy');
    assert.equal(e.details[0].metadata.requestId, 'abc');
  });
});

describe('getProvider', () => {
  it('returns the provider of each kind', () => {
    for (const kind of ['vertex', 'openai', 'http'] as const) {
      assert.equal(getProvider(kind).kind, kind);
      assert.equal(getProvider(kind), getProvider(kind));
    }
  });
  it('classifies through the provider', () => {
    assert.equal(
      getProvider('vertex').classify('POST', '/v1/publishers/google/models/g:generateContent', '', undefined).operation,
      'generateContent',
    );
    assert.equal(getProvider('openai').classify('POST', '/v1/chat/completions', '', {}).operation, 'chat.completions');
    assert.equal(getProvider('http').classify('POST', '/v1/chat/completions', '', {}).operation, 'other');
  });
  it('throws on an unknown kind', () => {
    assert.throws(() => getProvider('bedrock' as never), TypeError);
  });
});
