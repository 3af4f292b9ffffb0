// A JSON body naming one member twice in an object: found wherever it is,
// whatever escapes spell the name; one name in different objects is not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { duplicateMemberAt } from '../../src/admission/duplicate-keys.js';

const at = (text: string) => duplicateMemberAt(text, JSON.parse(text));

describe('duplicateMemberAt', () => {
  it('finds a repeated member at any depth, and says where', () => {
    assert.equal(at('{"model":"a","model":"b"}'), 13);
    assert.equal(at('{"a":{"b":[{"c":1,"d":2,"c":3}]}}'), 24);
    assert.equal(at('{"model":"a","mod\\u0065l":"b"}'), 13, 'an escaped spelling is the same name');
    assert.equal(at('{ "x" : 1 ,\n "x"\t: 2 }'), 13);
    assert.equal(at('{"__proto__":1,"__proto__":2}'), 15);
  });

  it('passes one name in different objects, names that occur as values, and escaped quotes', () => {
    for (const text of [
      '{"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]}',
      '{"model":"model","x":["model","model"]}',
      '{"a":"he said \\"a\\": twice","b":"\\\\","c":{"a":1}}',
      '[{"a":1},{"a":2}]', '"text"', '1', 'null',
    ]) assert.equal(at(text), -1, text);
  });

  it('agrees with a reference walk on random JSON (property)', () => {
    const key = fc.constantFrom('a', 'b', 'model', 'x"y', 'é', '\\');
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string(), fc.boolean(), fc.array(tie('v'), { maxLength: 3 }), tie('o')),
      o: fc.array(fc.tuple(key, tie('v')), { maxLength: 4 }),
    }));
    // Objects are generated as [name, value] pairs and written member by member, so that a name may repeat.
    fc.assert(
      fc.property(value.o, (pairs) => {
        const text = writeObject(pairs as [string, unknown][]);
        const expected = hasDuplicate(pairs as [string, unknown][]);
        assert.equal(at(text) >= 0, expected, text);
      }),
      { numRuns: 500 },
    );
  });
});

/** `o` members as [name, value] pairs; a value that is such a list is an object, other arrays are arrays. */
function writeObject(members: [string, unknown][]): string {
  return `{${members.map(([k, v]) => `${JSON.stringify(k)}:${writeValue(v)}`).join(',')}}`;
}
function writeValue(v: unknown): string {
  if (isMembers(v)) return writeObject(v);
  if (Array.isArray(v)) return `[${v.map(writeValue).join(',')}]`;
  return JSON.stringify(v);
}
function isMembers(v: unknown): v is [string, unknown][] {
  return Array.isArray(v) && v.length > 0 && v.every((m) => Array.isArray(m) && m.length === 2 && typeof m[0] === 'string');
}
function hasDuplicate(members: [string, unknown][]): boolean {
  const names = new Set<string>();
  for (const [k, v] of members) {
    if (names.has(k)) return true;
    names.add(k);
    if (dupIn(v)) return true;
  }
  return false;
}
function dupIn(v: unknown): boolean {
  if (isMembers(v)) return hasDuplicate(v);
  return Array.isArray(v) && v.some(dupIn);
}
