// Where to look closely: the places in a text where an anchor word starts
// (a stem such as `instruct`, `prompt`, `правил`, `指令`, or a marker such as
// `<|`), each anchor tied to the group of signals it can start. One pass over
// the text: words are looked up by their first four characters, packed into
// a number (one map lookup a word), characters of scripts written without
// spaces by the character, and markers that are not words with indexOf. The
// same pass notes what the obfuscation readings need to know (letters spaced
// apart, words mixing letters and leet digits, any non-ASCII character), so
// prose is read once. A single regular expression over the few hundred
// anchors costs about 200 µs per 10 KiB here; this a fraction of that.

export interface Hit {
  at: number;
  group: string;
  /** The anchor found there. */
  stem: string;
}

export interface Scan {
  hits: Hit[];
  /**
   * Letters set apart: five or more one-letter words in a row with short gaps of any characters
   * (i g n o r e, i.g.n.o.r.e, one letter a line), or a word whose letters are never adjacent
   * (i_g_n_o_r_e, letters between emoji).
   */
  spaced: boolean;
  /** Words that mix letters with leet digits (y0u, 1gn0r3). */
  leetWords: number;
  nonAscii: boolean;
}

const KEY = 4;

interface Entry {
  stem: string;
  group: string;
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90) || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && !(c >= 0x2000 && c <= 0x2bff) && !(c >= 0x3000 && c <= 0x303f) && !(c >= 0xff00 && c <= 0xff0f));
}

/** Scripts written without spaces between words (CJK, kana, hangul): anchors are found by their first character. */
function unspaced(c: number): boolean {
  return (c >= 0x2e80 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff);
}

const isLeetDigit = (c: number) => c === 48 || c === 49 || c === 51 || c === 52 || c === 53 || c === 55 || c === 56;

/**
 * A small-integer hash of up to four characters (it stays a V8 small integer: no allocation per
 * word). Different words may share one; each entry is confirmed with startsWith.
 */
function hash(s: string, from: number, n: number): number {
  let h = 0;
  for (let i = 0; i < n; i++) h = (h * 31 + s.charCodeAt(from + i)) & 0x3fffffff;
  return h;
}

export class AnchorIndex {
  /** Words of four characters or more, by the hash of their first four. */
  private readonly byKey = new Map<number, Entry[]>();
  /** Words shorter than four characters (`ai`, `dan`, `llm`), matched whole, by length then hash. */
  private readonly short = [new Map<number, Entry[]>(), new Map<number, Entry[]>(), new Map<number, Entry[]>(), new Map<number, Entry[]>()];
  private readonly byChar = new Map<number, Entry[]>();
  private readonly markers: Entry[] = [];

  /** `anchors`: [stem, group]; stems are lower case (the text is folded). */
  constructor(anchors: Iterable<readonly [string, string]>) {
    const seen = new Set<string>();
    for (const [stem, group] of anchors) {
      if (stem.length === 0 || seen.has(`${stem}\0${group}`)) continue;
      seen.add(`${stem}\0${group}`);
      const first = stem.charCodeAt(0);
      const entry = { stem, group };
      const word = [...stem].every((ch) => isWordChar(ch.charCodeAt(0)));
      if (unspaced(first)) push(this.byChar, first, entry);
      else if (stem.length >= KEY && [...stem.slice(0, KEY)].every((ch) => isWordChar(ch.charCodeAt(0)))) push(this.byKey, hash(stem, 0, KEY), entry);
      else if (word) push(this.short[stem.length]!, hash(stem, 0, stem.length), entry);
      else this.markers.push(entry);
    }
  }

  find(text: string): Scan {
    const hits: Hit[] = [];
    const n = text.length;
    let wordStart = -1;
    let h = 0;
    let words = 0;
    let letters = 0;
    let leetDigits = 0;
    let leetWords = 0;
    let singles = 0;
    let lastEnd = -1;
    let adjacent = 0;
    let prevLetter = false;
    let spaced = false;
    let nonAscii = false;
    for (let i = 0; i <= n; i++) {
      const c = i < n ? text.charCodeAt(i) : 32;
      let inWord: boolean;
      if (c < 128) inWord = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90);
      else {
        nonAscii = true;
        if (c >= 0x2e80 && unspaced(c)) {
          const list = this.byChar.get(c);
          if (list) for (const e of list) if (text.startsWith(e.stem, i)) hits.push({ at: i, group: e.group, stem: e.stem });
          inWord = false;
        } else inWord = isWordChar(c);
      }
      if (inWord) {
        if (wordStart < 0) {
          wordStart = i;
          h = 0;
          letters = 0;
          leetDigits = 0;
          adjacent = 0;
          prevLetter = false;
        }
        if (c >= 97 && c <= 122) {
          letters++;
          if (prevLetter) adjacent++;
          prevLetter = true;
        } else {
          prevLetter = false;
          if (isLeetDigit(c)) leetDigits++;
        }
        const len = i - wordStart;
        if (len < KEY) {
          h = (h * 31 + c) & 0x3fffffff;
          if (len === KEY - 1) {
            const list = this.byKey.get(h);
            if (list) for (const e of list) if (text.startsWith(e.stem, wordStart)) hits.push({ at: wordStart, group: e.group, stem: e.stem });
          }
        }
        continue;
      }
      if (wordStart >= 0) {
        const len = i - wordStart;
        words++;
        if (len < KEY) {
          const list = this.short[len]!.get(h);
          if (list) for (const e of list) if (text.startsWith(e.stem, wordStart)) hits.push({ at: wordStart, group: e.group, stem: e.stem });
        }
        if (letters > 0 && leetDigits > 0) leetWords += leetDigits >= 2 ? 3 : 1;
        // One-letter words in a row, a few characters apart (a space, a dot, a new line, a dash).
        if (len === 1 && (letters === 1 || leetDigits === 1)) {
          singles = lastEnd >= 0 && wordStart - lastEnd <= 3 ? singles + 1 : 1;
          if (singles >= 5) spaced = true;
        } else {
          singles = 0;
          // Letters glued apart by other word characters: i_g_n_o_r_e, letters between emoji.
          if (letters >= 5 && adjacent === 0 && len - letters <= 2 * letters) spaced = true;
        }
        lastEnd = i;
        wordStart = -1;
      }
    }
    for (const e of this.markers) {
      for (let at = text.indexOf(e.stem); at >= 0; at = text.indexOf(e.stem, at + 1)) hits.push({ at, group: e.group, stem: e.stem });
    }
    // Leet words count when they are a noticeable share of the text (a key like AKIA…7EXAMPLE, repeated, is not leetspeak).
    return { hits, spaced, leetWords: leetWords * 20 >= words ? leetWords : 0, nonAscii };
  }
}

function push<K>(m: Map<K, Entry[]>, k: K, v: Entry): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
