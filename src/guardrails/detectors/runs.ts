// Runs of 16 or more characters without whitespace: where tokens, keys, URLs
// and encoded payloads are. Prose has few, so detectors that only look for
// such things look only there. Found by a loop over char codes (about 3×
// faster here than /\S{16,}/g, which retries inside every word) and
// remembered for the last text asked about: the scanner and the injection
// classifier read the same prompt one after the other.

export const MIN_RUN = 16;

/** [start, end) pairs, flat. */
let lastText: string | undefined;
let lastRuns: number[] = [];

export function runs(text: string): readonly number[] {
  if (text === lastText) return lastRuns;
  const out: number[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && !isSpace(text.charCodeAt(i))) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i - start >= MIN_RUN) out.push(start, i);
    start = -1;
  }
  lastText = text;
  lastRuns = out;
  return out;
}

/** JavaScript's \s: ASCII whitespace, NBSP, the Unicode space separators, line and paragraph separators, BOM. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
