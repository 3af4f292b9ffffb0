// Response redaction on streams: values split across events and across
// chunk boundaries, text released as soon as it is safe, framing intact.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeldText } from '../../src/guardrails/held-text.js';
import { editSlice } from '../../src/guardrails/redactor.js';
import { responseRewriter, type ResponseRewriter } from '../../src/guardrails/response.js';
import { session } from './helpers.js';

const REDACT = { response: { pii: 'redact', secret: 'redact' } } as const;

/** Feed `bytes` cut at every `cut`-th byte; returns what came out after each chunk and at the end. */
function run(rw: ResponseRewriter, bytes: string, cut: number): { outs: string[]; all: string } {
  const buf = Buffer.from(bytes);
  const outs: string[] = [];
  for (let i = 0; i < buf.length; i += cut) outs.push(rw.chunk(buf.subarray(i, i + cut))?.toString() ?? '');
  outs.push(rw.end()?.toString() ?? '');
  return { outs, all: outs.join('') };
}

function geminiEvent(text: string, last = false): Record<string, unknown> {
  return {
    candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
    ...(last ? { usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 9, totalTokenCount: 12 } } : {}),
    modelVersion: 'gemini-2.0-flash',
  };
}

const sse = (events: unknown[]) => events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join('');
const sseTexts = (s: string) =>
  s
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice(6))
    .filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d) as { candidates?: { content?: { parts: { text: string }[] } }[]; choices?: { delta: { content?: string } }[] });

describe('stream redaction', () => {
  it('HeldText catches a card number split across two pieces and releases safe text early', () => {
    const s = session(REDACT);
    const held = new HeldText(s.guardrails.scanner, 16, 4096, (t, m, o) => s.text(t, 'x', o, 'response', m));
    const long = 'This is a fairly long introduction that can be released right away. ';
    const first = held.push(`${long}My card is 4111 1111 `);
    const second = held.push('1111 1111, thanks.');
    const rest = held.flush();
    assert.ok(first.length > 0 && long.startsWith(first.slice(0, 20)), 'the safe prefix is released before the stream ends');
    const all = first + second + rest;
    assert.equal(all, `${long}My card is [CARD_1], thanks.`);
    assert.equal(s.findings.list[0]?.type, 'CARD');
  });

  it('holds a long token back until it is whole', () => {
    const s = session(REDACT);
    const held = new HeldText(s.guardrails.scanner, 16, 4096, (t, m, o) => s.text(t, 'x', o, 'response', m));
    const key = `AIza${'Xy9_'.repeat(8)}abc`;
    const out = held.push(`key: ${key.slice(0, 20)}`) + held.push(key.slice(20)) + held.push(' done') + held.flush();
    assert.equal(out, 'key: [GOOGLE_API_KEY_1] done');
  });

  for (const cut of [1, 7, 64, 100000]) {
    it(`Vertex SSE: a card split across events, cut every ${cut} bytes`, () => {
      const s = session(REDACT);
      const rw = responseRewriter(s, 'sse')!;
      const intro = 'Sure. Here is the long answer you asked for, sentence by sentence, so that it streams. ';
      const events = [geminiEvent(intro), geminiEvent('Your card 4111 1111 11'), geminiEvent('11 1111 is on file; mail '), geminiEvent('bob@example.com for help.', true)];
      const { outs, all } = run(rw, sse(events), cut);
      const parsed = sseTexts(all);
      const text = parsed.map((e) => e.candidates?.[0]?.content?.parts[0]?.text ?? '').join('');
      assert.equal(text, `${intro}Your card [CARD_1] is on file; mail [EMAIL_1] for help.`);
      assert.ok(!all.includes('4111') && !all.includes('bob@'), 'no raw value leaves');
      assert.match(all, /usageMetadata/);
      if (cut === 100000) return;
      const firstOut = outs.findIndex((o) => o.length > 0);
      assert.ok(firstOut < outs.length - 1, 'output starts before the upstream ends');
    });
  }

  it('Vertex JSON array: re-framed as a valid array, split value caught', () => {
    const s = session(REDACT);
    const rw = responseRewriter(s, 'json-array')!;
    const events = [geminiEvent('Call +1 415 555'), geminiEvent(' 2671 now.', true)];
    const body = `[${events.map((e) => JSON.stringify(e, null, 2)).join('\n,\r\n')}\n]`;
    const { all } = run(rw, body, 5);
    const arr = JSON.parse(all) as ReturnType<typeof geminiEvent>[];
    const text = arr.map((e) => (e.candidates as { content: { parts: { text: string }[] } }[])[0]!.content.parts[0]!.text).join('');
    assert.equal(text, 'Call [PHONE_1] now.');
  });

  it('OpenAI SSE: held text is released before [DONE] when the finish chunk has no content', () => {
    const s = session(REDACT);
    const rw = responseRewriter(s, 'sse')!;
    const chunk = (delta: unknown, finish: string | null = null) => ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] });
    const body = sse([chunk({ role: 'assistant', content: 'ssn is 123-45-' }), chunk({ content: '6789' }), chunk({}, 'stop')]) + 'data: [DONE]\n\n';
    const { all } = run(rw, body, 3);
    const text = sseTexts(all).map((e) => e.choices?.[0]?.delta.content ?? '').join('');
    assert.equal(text, 'ssn is [SSN_1]');
    assert.ok(all.trimEnd().endsWith('data: [DONE]'));
    assert.ok(all.indexOf('[SSN_1]') < all.indexOf('"finish_reason":"stop"'), 'released before the finishing chunk');
  });

  it('JSON body: redacts answer text, keeps the rest', () => {
    const s = session(REDACT);
    const rw = responseRewriter(s, 'json')!;
    const body = JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'write to alice@example.com' }, finish_reason: 'stop' }], usage: { total_tokens: 5 } });
    const { all } = run(rw, body, 10);
    const out = JSON.parse(all) as { choices: { message: { content: string } }[]; usage: unknown };
    assert.equal(out.choices[0]!.message.content, 'write to [EMAIL_1]');
    assert.deepEqual(out.usage, { total_tokens: 5 });
  });

  it('flag only: text passes unchanged, findings recorded', () => {
    const s = session({ response: { pii: 'flag' } });
    const rw = responseRewriter(s, 'sse')!;
    const { all } = run(rw, sse([geminiEvent('mail bob@example.com', true)]), 8);
    assert.match(all, /bob@example\.com/);
    assert.deepEqual(s.findings.list.map((f) => [f.type, f.action, f.direction]), [['EMAIL', 'flag', 'response']]);
    assert.ok(s.findings.list[0]!.locations[0]!.startsWith('candidates[0]'));
  });

  for (const cut of [1, 5, 100000]) {
    it(`SSE fields other than data (event:, id:, comments) pass unchanged, cut every ${cut} bytes`, () => {
      const s = session(REDACT);
      const rw = responseRewriter(s, 'sse')!;
      const input =
        ': keep-alive\n\n' +
        `event: response.output_text.delta\nid: evt_1\ndata: ${JSON.stringify({ type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'mail eve@exa' })}\n\n` +
        `event: response.output_text.delta\r\nid: evt_2\r\ndata: ${JSON.stringify({ type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'mple.com now' })}\r\n\r\n` +
        `event: response.completed\nid: evt_3\ndata: ${JSON.stringify({ type: 'response.completed', response: { output: [{ content: [{ type: 'output_text', text: 'mail eve@example.com now' }] }], usage: { total_tokens: 4 } } })}\n\n`;
      const { all } = run(rw, input, cut);
      const events = all.split('\n\n').filter(Boolean);
      const texts = events
        .flatMap((e) => e.split('\n').filter((l) => l.startsWith('data: ')))
        .map((l) => JSON.parse(l.slice(6)) as { delta?: string })
        .map((e) => e.delta ?? '')
        .join('');
      assert.equal(texts, 'mail [EMAIL_1] now');
      assert.ok(!all.includes('eve@'), 'the completed response repeats the text: redacted there too');
      assert.equal(events[0], ': keep-alive');
      const named = events.slice(1).map((e) => e.split('\n').filter((l) => !l.startsWith('data:')));
      // Events that carry held text out are named like the stream's own (no id: of their own).
      for (const f of named) assert.ok(f[0]!.startsWith('event: response.'), JSON.stringify(named));
      assert.deepEqual(named.flat().filter((l) => l.startsWith('id:')), ['id: evt_1', 'id: evt_2', 'id: evt_3']);
      assert.deepEqual(named.at(-1), ['event: response.completed', 'id: evt_3']);
    });
  }

  it('no response actions: no rewriter at all', () => {
    assert.equal(responseRewriter(session({ response: { pii: 'off', secret: 'off', custom: 'off' } }), 'sse'), undefined);
  });
});

describe('editSlice (a held stream\'s events, each a part of its channel\'s checked text)', () => {
  it('puts a replacement in the part where it starts and leaves what it covers out of every part', () => {
    const text = 'Mail bob@example.com today';
    const edits = [{ start: 5, end: 20, text: '[SDP_1]' }];
    // Cuts inside the value: the parts joined equal the whole text edited once.
    const cuts = [0, 3, 9, 14, 22, text.length];
    const parts = cuts.slice(1).map((b, i) => editSlice(text, cuts[i]!, b, edits));
    assert.deepEqual(parts, ['Mai', 'l [SDP_1]', '', ' t', 'oday']);
    assert.equal(parts.join(''), 'Mail [SDP_1] today');
    // A whole-text edit: the placeholder in the first part, nothing after.
    const whole = [{ start: 0, end: text.length, text: '[RAI_1]' }];
    assert.deepEqual(cuts.slice(1).map((b, i) => editSlice(text, cuts[i]!, b, whole)), ['[RAI_1]', '', '', '', '']);
  });
});
