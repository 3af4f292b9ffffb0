// `warden explain` (and the admin POST /explain) walk the gateway's stages: a
// request classify refuses is reported as refused, as the gateway would answer
// it, not as a crash or a decision on a target that does not exist.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainRequest, formatExplanation, type ExplainDeps } from '../../src/policy/explain.js';
import { Authorizer } from '../../src/policy/evaluate.js';
import { classifyVertex } from '../../src/providers/vertex.js';

const deps: ExplainDeps = {
  identify: async () => ({ principal: { groups: [], methods: [] } }),
  route: () => ({ name: 'vertex', classify: classifyVertex }),
  authorizer: new Authorizer([], { pathNormalization: 'BASE', xffNumTrustedHops: 0, customProviders: ['warden'] }, ['vertex']),
};

describe('explain of a request Warden cannot classify', () => {
  it('is refused with the reason the gateway gives', async () => {
    const r = await explainRequest(deps, { method: 'POST', path: '/v1/publishers/google/models/gemini-2.0-flash%2F..%2Fsecret:generateContent' });
    assert.equal(r.outcome, 'refused');
    assert.match(formatExplanation(r), /^REFUSED \(400 MODEL_INVALID\): the request path cannot be classified/);
    const ok = await explainRequest(deps, { method: 'POST', path: '/v1/publishers/google/models/gemini-2.0-flash:generateContent' });
    assert.equal(ok.outcome, 'decided');
  });
});
