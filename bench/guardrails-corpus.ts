// Recall per category and the false-positive rate of the guardrails on the
// evaluation corpus (test/guardrails/corpus/), held-out cases apart, with
// every miss listed. No timing: a measurement of what is caught.
//
//   node --import tsx bench/guardrails-corpus.ts [--tuned] [--batch=NAME] [--misses]
//
// --tuned: only the tuned-on cases (summaries and misses), so that a detector
// can be improved without looking at the held-out rounds. --batch=general-4:
// that tuned-on batch alone (a new batch is measured so before tuning on it).
import { corpus, evaluate, summarize, TARGETS, type Row } from '../test/guardrails/corpus/index.js';
import { guardrails } from '../test/guardrails/helpers.js';

const g = guardrails();
const cases = corpus();
const outcomes = await evaluate(g, cases);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const line = (r: Row) => {
  const target = TARGETS[r.category];
  const met = r.category === 'negative' ? r.rate <= target : r.rate >= target;
  const what = r.category === 'negative' ? 'false positives' : 'recall';
  return `  ${r.category.padEnd(22)} ${String(r.n).padStart(4)} cases  ${what.padEnd(15)} ${pct(r.rate).padStart(6)}  (target ${r.category === 'negative' ? '≤' : '≥'} ${pct(target)}) ${met ? 'met' : 'NOT MET'}`;
};
console.log(`guardrails on the evaluation corpus (${cases.length} cases; classifier ${g.classifier.name}, threshold ${g.injectionThreshold}):`);
const batch = process.argv.find((a) => a.startsWith('--batch='))?.slice(8);
if (batch !== undefined) {
  console.log(` batch ${batch}:`);
  for (const r of summarize(outcomes.filter((o) => o.c.batch === batch))) console.log(line(r));
}
const tunedOnly = process.argv.includes('--tuned') || batch !== undefined;
console.log(' tuned-on cases:');
for (const r of summarize(outcomes.filter((o) => !o.c.heldOut))) console.log(line(r));
if (!tunedOnly) for (const round of [1, 2, 3]) {
  console.log(` held-out cases, round ${round} (never tuned against):`);
  for (const r of summarize(outcomes.filter((o) => o.c.heldOut && (o.c.round ?? 1) === round))) console.log(line(r));
}
if (!tunedOnly) {
  console.log(' held-out cases, all rounds:');
  for (const r of summarize(outcomes.filter((o) => o.c.heldOut))) console.log(line(r));
  console.log(' all:');
  for (const r of summarize(outcomes)) console.log(line(r));
}
if (process.argv.includes('--misses')) {
  console.log(`\nmisses${tunedOnly ? ' (tuned-on cases only)' : ''}:`);
  for (const o of outcomes.filter((x) => !x.ok && !(tunedOnly && x.c.heldOut) && (batch === undefined || x.c.batch === batch))) {
    console.log(`  [${o.c.category}${o.c.heldOut ? ', held out' : ''}/${o.c.kind}] ${JSON.stringify(o.c.text.slice(0, 110))}  → ${o.found.join(' ') || 'nothing'}`);
  }
}
