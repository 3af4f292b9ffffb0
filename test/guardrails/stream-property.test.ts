// No stream leak, by construction: whatever the detectors find in a whole
// answer they find in the same answer streamed, however it is cut. For every
// detector's positive cases, embedded in prose, the text is split into
// events at random places, framed as Vertex SSE, Vertex's JSON-array stream
// or an OpenAI chat stream, and the bytes are cut at random places again.
// The streamed answer must read exactly like the whole answer's redaction,
// with the same findings, and no matched value may leave.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { UsageFraming } from '../../src/providers/usage-observer.js';
import { responseRewriter } from '../../src/guardrails/response.js';
import { detectorCases } from './detector-cases.js';
import { session } from './helpers.js';

const REDACT = { response: { pii: 'redact', secret: 'redact', custom: 'redact' } } as const;
const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 25);

const PROSE = [
  'Sure, here is what you asked for.',
  'As requested earlier in this conversation, the configuration follows:\n',
  'Grüße aus München — 東京の設定は以下の通りです。',
  '```\n',
  '',
  '\n\nLet me know if anything else is needed.',
  ' Done. ',
];

type Framing = 'vertex-sse' | 'vertex-array' | 'openai-sse';

function frame(pieces: string[], framing: Framing): { bytes: string; wire: UsageFraming } {
  if (framing === 'openai-sse') {
    const chunk = (delta: unknown, finish: string | null) => ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] });
    const events = [chunk({ role: 'assistant', content: '' }, null), ...pieces.map((p) => chunk({ content: p }, null)), chunk({}, 'stop')];
    return { bytes: events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n', wire: 'sse' };
  }
  const events = pieces.map((text, i) => ({
    candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...(i === pieces.length - 1 ? { finishReason: 'STOP' } : {}) }],
    modelVersion: 'gemini-2.0-flash',
  }));
  if (framing === 'vertex-array') return { bytes: `[${events.map((e) => JSON.stringify(e)).join(',\r\n')}]`, wire: 'json-array' };
  return { bytes: events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join(''), wire: 'sse' };
}

interface Event {
  candidates?: { content?: { parts?: { text?: string }[] } }[];
  choices?: { delta?: { content?: string } }[];
}

function textOf(out: string, wire: UsageFraming): string {
  const events: Event[] =
    wire === 'json-array'
      ? (JSON.parse(out) as Event[])
      : out
          .split(/\r?\n\r?\n/)
          .flatMap((e) => e.split(/\r?\n/).filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)))
          .filter((d) => d !== '[DONE]')
          .map((d) => JSON.parse(d) as Event);
  return events.map((e) => e.candidates?.[0]?.content?.parts?.[0]?.text ?? e.choices?.[0]?.delta?.content ?? '').join('');
}

/** Split `s` at the given fractions (code-point safe), never leaving an empty list. */
function cutAt(s: string, fractions: number[], unit: 'chars' | 'bytes'): string[] | Buffer[] {
  if (unit === 'bytes') {
    const b = Buffer.from(s);
    const at = [...new Set(fractions.map((f) => Math.floor(f * b.length)))].sort((x, y) => x - y);
    const out: Buffer[] = [];
    let from = 0;
    for (const p of [...at, b.length]) if (p > from) out.push(b.subarray(from, (from = p)));
    return out;
  }
  const cps = [...s];
  const at = [...new Set(fractions.map((f) => Math.floor(f * cps.length)))].sort((x, y) => x - y);
  const out: string[] = [];
  let from = 0;
  for (const p of [...at, cps.length]) if (p > from) out.push(cps.slice(from, (from = p)).join(''));
  return out.length ? out : [''];
}

const counts = (list: { type: string; count: number }[]) => Object.fromEntries(list.map((f) => [f.type, f.count]).sort());

describe('stream redaction equals whole-answer redaction (property)', () => {
  const cases = Object.entries(detectorCases()).flatMap(([type, c]) => c.positive.map((text) => ({ type, text })));
  for (const framing of ['vertex-sse', 'vertex-array', 'openai-sse'] as const) {
    it(`${framing}: every detector's positives, any chunking`, () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...cases),
          fc.constantFrom(...PROSE),
          fc.constantFrom(...PROSE),
          fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
          fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }),
          ({ type, text }, before, after, textCuts, byteCuts) => {
            const answer = `${before} ${text} ${after}`;
            const whole = session(REDACT);
            const expected = whole.text(answer, 'x', 0, 'response', whole.guardrails.scanner.scan(answer));
            const raw = whole.guardrails.scanner.scan(answer).map((m) => answer.slice(m.start, m.end));
            assert.ok(whole.findings.list.some((f) => f.type === type), `${type} is found in the whole answer`);

            const s = session(REDACT);
            const { bytes, wire } = frame(cutAt(answer, textCuts, 'chars') as string[], framing);
            const rw = responseRewriter(s, wire)!;
            let out = '';
            const chunks = cutAt(bytes, byteCuts, 'bytes') as Buffer[];
            const outBytes: Buffer[] = [];
            for (const c of chunks) {
              const o = rw.chunk(c);
              if (o) outBytes.push(o);
            }
            const end = rw.end();
            // Nothing reads this answer from outside: it is not held.
            if (end instanceof Promise) throw new Error('an answer held without external guardrails');
            if (end) outBytes.push(end);
            out = Buffer.concat(outBytes).toString('utf8');
            assert.equal(textOf(out, wire), expected);
            assert.deepEqual(counts(s.findings.list), counts(whole.findings.list));
            for (const v of raw) {
              assert.ok(!out.includes(v) && !out.includes(JSON.stringify(v).slice(1, -1)), `${type}: a matched value left in clear`);
            }
          },
        ),
        { numRuns: RUNS * cases.length },
      );
    });
  }
});
