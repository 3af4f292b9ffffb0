// Whether a JSON text names one member twice in an object. JSON.parse keeps
// the last value; the parser behind an upstream may keep the first, or refuse
// (protobuf's JSON parsers must). Either way Warden would decide on a value
// the upstream does not use — `{"model":"allowed","model":"denied"}`, or a
// clean `contents` beside the one that is answered — so a body Warden reads
// may not repeat a member (RFC 8259 says names SHOULD be unique; I-JSON,
// RFC 7493, says MUST).
//
// Cheap for bodies that have no duplicate (nearly all): member names in the
// text are counted and compared with the keys of the parsed value, which
// collapsed any duplicate. Only a mismatch pays for finding where it is.

/** The offset of the first repeated member name in `text` (valid JSON, parsed as `value`), or -1. */
export function duplicateMemberAt(text: string, value: unknown): number {
  if (typeof value !== 'object' || value === null) return -1;
  return memberNames(text) === keyCount(value) ? -1 : firstDuplicate(text);
}

// JSON.parse accepted the text, so its nesting is what V8 allows; the recursion stays within it.
function keyCount(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (const e of v) n += keyCount(e);
    return n;
  }
  for (const k in v as Record<string, unknown>) n += 1 + keyCount((v as Record<string, unknown>)[k]);
  return n;
}

/** The end (offset after the closing quote) of the string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let j = start + 1;
  for (;;) {
    j = text.indexOf('"', j);
    if (j < 0) return text.length;
    let backslashes = 0;
    for (let k = j - 1; text.charCodeAt(k) === 92; k--) backslashes++;
    if (backslashes % 2 === 0) return j + 1;
    j++;
  }
}

function skipSpace(text: string, i: number): number {
  for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  return i;
}

/** Strings followed by `:` are member names; in valid JSON every `"` outside a string opens one. */
function memberNames(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i >= 0; ) {
    const end = skipSpace(text, stringEnd(text, i));
    if (text.charCodeAt(end) === 58) n++;
    i = text.indexOf('"', end);
  }
  return n;
}

/** Walks the text keeping each open object's names; the offset of the first name seen twice. */
function firstDuplicate(text: string): number {
  const open: (Set<string> | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123) open.push(new Set());
    else if (c === 91) open.push(null);
    else if (c === 125 || c === 93) open.pop();
    else if (c === 34) {
      const end = stringEnd(text, i);
      const names = open[open.length - 1];
      if (names && text.charCodeAt(skipSpace(text, end)) === 58) {
        // Compare decoded names: "a" and "\u0061" are one member.
        const name = JSON.parse(text.slice(i, end)) as string;
        if (names.has(name)) return i;
        names.add(name);
      }
      i = end - 1;
    }
  }
  return -1;
}
