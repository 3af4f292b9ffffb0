// The groups claim as Istio reads it: a list of strings, or one string as one
// value — split on spaces only when spaceDelimitedClaims names it, never on
// commas. Before, a string was split on white space and commas, so a caller
// whose groups claim was "ml,admins" counted as in group "admins" for
// guardrail rules, quotas and credential mapping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupsOf, policyClaims } from '../../src/identity/claims.js';

describe('groups from the groups claim', () => {
  it('takes a string claim as one group, a list as its strings', () => {
    assert.deepEqual(groupsOf('ml,admins'), ['ml,admins']);
    assert.deepEqual(groupsOf('ml admins'), ['ml admins']);
    assert.deepEqual(groupsOf(['ml', 'admins', 7]), ['ml', 'admins']);
    assert.deepEqual(groupsOf(''), []);
    assert.deepEqual(groupsOf(undefined), []);
  });

  it('splits on spaces a claim the rule lists in spaceDelimitedClaims, as policy sees it', () => {
    const claims = policyClaims({ groups: 'ml admins' }, { issuer: 'i', spaceDelimitedClaims: ['groups'] });
    assert.deepEqual(groupsOf(claims.groups), ['ml', 'admins']);
    assert.deepEqual(groupsOf(policyClaims({ groups: 'ml admins' }, { issuer: 'i' }).groups), ['ml admins']);
  });
});
