// Every detector's own cases (detector-cases.ts): each positive yields its
// finding type, no negative does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectorCases } from './detector-cases.js';
import { guardrails } from './helpers.js';

describe('detector cases', () => {
  const scanner = guardrails().scanner;
  for (const [type, c] of Object.entries(detectorCases())) {
    it(type, () => {
      for (const text of c.positive) {
        const found = scanner.scan(text).map((m) => m.type);
        assert.ok(found.includes(type), `${type} not found in ${JSON.stringify(text.slice(0, 80))} (found ${found.join(', ') || 'nothing'})`);
      }
      for (const text of c.negative) {
        const found = scanner.scan(text).map((m) => m.type);
        assert.ok(!found.includes(type), `${type} found in the negative ${JSON.stringify(text)}`);
      }
    });
  }
});
