// The evaluation corpus (test/guardrails/corpus/) meets issue 21's targets:
// recall per category and false positives on hard negatives, on the cases
// the detectors were tuned on. Held-out cases are measured and reported by
// bench/guardrails-corpus.ts, not asserted (asserting them would be tuning).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { corpus, evaluate, summarize, TARGETS } from './corpus/index.js';
import { guardrails } from './helpers.js';

describe('evaluation corpus', () => {
  it('has enough cases: 300 positives across the categories and 100 hard negatives', () => {
    const cases = corpus();
    assert.ok(cases.filter((c) => c.category !== 'negative').length >= 300);
    assert.ok(cases.filter((c) => c.category === 'negative').length >= 100);
  });

  it('meets the targets on the tuned-on cases', async (t) => {
    const outcomes = await evaluate(guardrails(), corpus().filter((c) => !c.heldOut));
    const rows = summarize(outcomes);
    for (const r of rows) t.diagnostic(`${r.category}: ${r.ok}/${r.n}, ${r.category === 'negative' ? 'false positives' : 'recall'} ${(r.rate * 100).toFixed(1)}%`);
    const misses = outcomes.filter((o) => !o.ok).map((o) => `[${o.c.category}] ${o.c.text.slice(0, 80)} → ${o.found.join(' ') || 'nothing'}`);
    for (const r of rows) {
      const target = TARGETS[r.category];
      if (r.category === 'negative') assert.ok(r.rate <= target, `false positives ${r.rate}: ${misses.join(' | ')}`);
      else assert.ok(r.rate >= target - 1e-9, `${r.category} recall ${r.rate} < ${target}: ${misses.join(' | ')}`);
    }
  });
});
