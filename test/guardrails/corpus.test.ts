// Detection rate and false positives over the corpus, through the same
// scanner and injection classifier the gateway uses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heuristicClassifier } from '../../src/guardrails/detectors/injection.js';
import { piiDetectors } from '../../src/guardrails/detectors/pii.js';
import { secretDetectors } from '../../src/guardrails/detectors/secrets.js';
import { Scanner } from '../../src/guardrails/scanner.js';
import { CLEAN, plantedSamples } from './corpus.js';

const scanner = new Scanner([...piiDetectors(), ...secretDetectors]);
const THRESHOLD = 0.5;

function typesIn(text: string): Set<string> {
  const types = new Set(scanner.scan(text).map((m) => m.type));
  if (heuristicClassifier.classify([text]) instanceof Promise) throw new Error('heuristic is synchronous');
  const v = heuristicClassifier.classify([text]) as { score: number };
  if (v.score >= THRESHOLD) types.add('PROMPT_INJECTION');
  return types;
}

describe('detector corpus', () => {
  it('finds planted values of every kind (detection rate ≥ 95%)', (t) => {
    const samples = plantedSamples();
    let expected = 0;
    let found = 0;
    const missed: string[] = [];
    for (const s of samples) {
      const got = typesIn(s.text);
      for (const e of s.expect) {
        expected++;
        if (got.has(e)) found++;
        else missed.push(`${e} in ${JSON.stringify(s.text.slice(0, 60))}`);
      }
    }
    const rate = found / expected;
    t.diagnostic(`detection: ${found}/${expected} = ${(rate * 100).toFixed(1)}%${missed.length ? `; missed: ${missed.join(' | ')}` : ''}`);
    assert.ok(rate >= 0.95, `detection rate ${rate}; missed: ${missed.join(' | ')}`);
  });

  it('reports nothing on most clean texts (false positives ≤ 5%)', (t) => {
    const noisy: string[] = [];
    for (const text of CLEAN) {
      const got = typesIn(text);
      if (got.size) noisy.push(`${[...got].join(',')}: ${text.slice(0, 60)}`);
    }
    const rate = noisy.length / CLEAN.length;
    t.diagnostic(`false positives: ${noisy.length}/${CLEAN.length} = ${(rate * 100).toFixed(1)}%${noisy.length ? `; ${noisy.join(' | ')}` : ''}`);
    assert.ok(rate <= 0.05, `false-positive rate ${rate}: ${noisy.join(' | ')}`);
  });

  it('checks cards by Luhn and IBANs by checksum, not by shape alone', () => {
    assert.deepEqual([...typesIn('card 4111 1111 1111 1112')], []);
    assert.deepEqual([...typesIn('iban DE89 3704 0044 0532 0130 01')], []);
  });
});
