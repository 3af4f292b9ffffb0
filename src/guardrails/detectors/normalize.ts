// Text as an attacker hides it, brought back to text as a reader sees it,
// before prompt-injection phrases are looked for:
//
//   - invisible characters removed (zero-width, word joiners, soft hyphens,
//     bidirectional controls); Unicode tag characters (U+E0000 block, which
//     render as nothing) decoded to the ASCII they spell;
//   - Unicode NFKC (full-width letters, ligatures, styled mathematical letters);
//   - look-alike letters from Cyrillic and Greek folded to Latin, in text
//     that is mostly Latin (Russian stays Russian);
//   - lower case.
//
// Then `variants` returns the other readings of the same text, each only
// when the text shows a sign of it: leetspeak (1gn0r3), letters set apart
// by any separator (i g n o r e, i_g_n_o_r_e, one letter a line, letters
// between emoji), words broken by hyphens, ROT13, reversed text; and
// `decodedRuns` the text hidden in runs of base64, base32, hex, binary, \x
// escapes and %-encoding, HTML character references and \u escapes. ASCII prose without
// such signs costs one lower-casing.

import { runs } from './runs.js';

const INVISIBLE = /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]/g;
const TAGS = /[\u{E0000}-\u{E007F}]+/gu;
const NON_ASCII = /[^\x00-\x7f]/;

// Cyrillic and Greek letters that render like Latin ones.
const CONFUSABLE: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', ѕ: 's', і: 'i', ї: 'i', ј: 'j', һ: 'h', ԁ: 'd', ԛ: 'q', ԝ: 'w', ɡ: 'g',
  А: 'a', В: 'b', Е: 'e', К: 'k', М: 'm', Н: 'h', О: 'o', Р: 'p', С: 'c', Т: 't', У: 'y', Х: 'x', Ѕ: 's', І: 'i', Ј: 'j',
  г: 'r', п: 'n',
  α: 'a', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w', γ: 'y', η: 'n',
  // Armenian and Cherokee letters that pass for Latin ones.
  ո: 'n', ս: 'u', օ: 'o', ց: 'g', հ: 'h', ա: 'w', Ꭰ: 'd', Ꭺ: 'a', Ꭼ: 'e', Ꮃ: 'w', Ꮪ: 's', Ꭲ: 't', Ꮋ: 'h', Ꮯ: 'c', Ꮮ: 'l', Ꮲ: 'p', Ꮖ: 'i',
  Α: 'a', Β: 'b', Ε: 'e', Ζ: 'z', Η: 'h', Ι: 'i', Κ: 'k', Μ: 'm', Ν: 'n', Ο: 'o', Ρ: 'p', Τ: 't', Υ: 'y', Χ: 'x',
};
const CONFUSABLE_RE = new RegExp(`[${Object.keys(CONFUSABLE).join('')}]`, 'g');
const LATIN_LETTER = /[A-Za-z]/g;
const MIXED_WORD = /[A-Za-z\u0370-\u03ff\u0400-\u04ff\u0530-\u058f\u13a0-\u13ff]+/g;
const OTHER_LETTER = /[\u0370-\u03ff\u0400-\u04ff\u0530-\u058f\u13a0-\u13ff]/g;

/** The text as a reader sees it, lower-cased; see the file comment. */
export function fold(text: string): string {
  if (!NON_ASCII.test(text)) return text.toLowerCase();
  let t = text.replace(INVISIBLE, '');
  t = t.replace(TAGS, (run) => ` ${[...run].map((ch) => String.fromCharCode((ch.codePointAt(0)! - 0xe0000) & 0x7f)).join('')} `);
  t = t.normalize('NFKC');
  // Look-alikes are folded in words that mix them with Latin letters, and everywhere when the text's
  // Cyrillic and Greek letters are nearly all look-alikes (a disguise: Russian has и, л, д, я… too).
  const other = t.match(OTHER_LETTER)?.length ?? 0;
  if (other > 0) {
    const lookalike = t.match(CONFUSABLE_RE)?.length ?? 0;
    if (lookalike / other > 0.8 && (t.match(LATIN_LETTER)?.length ?? 0) > 0) t = t.replace(CONFUSABLE_RE, (ch) => CONFUSABLE[ch]!);
    else t = t.replace(MIXED_WORD, (w) => (/[A-Za-z]/.test(w) ? w.replace(CONFUSABLE_RE, (ch) => CONFUSABLE[ch]!) : w));
  }
  return t.toLowerCase();
}

// Where a letter meets a leet digit. Words that mix them are read as leet when one has two such digits
// (1gn0r3, 5y573m) or three words have one (y0u 4r3 n0w): a lone mp3, b2b or utf8 stays as it is.
const LEET_EDGE = /[a-z][0134578@$]|[0134578@$][a-z]/g;
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '@': 'a', $: 's', '!': 'i', '|': 'l' };

const isLeetWordChar = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 64 || c === 36 || c === 33 || c === 124;

/** The folded text with its leet words read as letters; undefined when it has none. */
function unleet(t: string): string | undefined {
  LEET_EDGE.lastIndex = 0;
  const words: [number, number][] = [];
  let strong = false;
  for (let m = LEET_EDGE.exec(t); m !== null; m = LEET_EDGE.exec(t)) {
    let a = m.index;
    let b = m.index + 2;
    while (a > 0 && isLeetWordChar(t.charCodeAt(a - 1))) a--;
    while (b < t.length && isLeetWordChar(t.charCodeAt(b))) b++;
    LEET_EDGE.lastIndex = b;
    words.push([a, b]);
    if ((t.slice(a, b).match(/[0134578@$]/g)?.length ?? 0) >= 2) strong = true;
  }
  if (!strong && words.length < 3) return undefined;
  let out = '';
  let copied = 0;
  for (const [a, b] of words) {
    out += t.slice(copied, a) + t.slice(a, b).replace(/[0134578@$!|]/g, (ch) => LEET[ch]!);
    copied = b;
  }
  // In leet text, short runs of leet digits are words too (`41` for "ai").
  return (out + t.slice(copied)).replace(/(?<![\w.,:/-])[0134578]{2,3}(?![\w.,:/-])/g, (w) => w.replace(/[0134578]/g, (ch) => LEET[ch]!));
}

/** Letters broken apart by hyphens in three or more words (ign-ore, instr-uctions). */
function hyphenated(t: string): boolean {
  let n = 0;
  for (let at = t.indexOf('-'); at > 0 && at < t.length - 1; at = t.indexOf('-', at + 1)) {
    const l = t.charCodeAt(at - 1);
    const r = t.charCodeAt(at + 1);
    if (l >= 97 && l <= 122 && r >= 97 && r <= 122 && ++n >= 3) return true;
  }
  return false;
}

/**
 * Other readings of a folded text (see the file comment), each when `signs` says the text shows it:
 * the caller's anchor pass (anchors.ts) notices spaced letters and leet words, and finds the words of
 * Caesar-shifted (ROT13 among them) and reversed text (SHIFTED_WORDS, REVERSED_WORDS), at no extra cost.
 * Hyphen-broken words are counted here, and quoted pieces to be put together (payload splitting).
 */
export function variants(folded: string, signs: { shifts?: readonly number[]; reversed?: boolean; spaced?: boolean; leet?: boolean }): string[] {
  const out: string[] = [];
  // Only words that mix letters and leet digits: plain numbers stay numbers.
  const leet = signs.leet ? unleet(folded) : undefined;
  if (leet !== undefined) {
    out.push(leet);
    // 1 stands for l as often as for i (ru135): read both ways.
    const asL = /[a-z]1|1[a-z]/.test(folded) ? unleet(folded.replace(/([a-z])1|1(?=[a-z])/g, (_, a: string | undefined) => (a ? `${a}l` : 'l'))) : undefined;
    if (asL !== undefined) out.push(asL);
  }
  if (signs.spaced) out.push(unseparated(folded));
  if (hyphenated(folded)) out.push(folded.replace(/([a-z])-([a-z])/g, '$1$2'));
  for (const k of signs.shifts ?? []) out.push(shift(folded, 26 - k));
  if (signs.reversed) out.push([...folded].reverse().join(''));
  const joined = fragments(folded);
  if (joined !== undefined) out.push(joined);
  return out;
}

// Single letters (or leet digits) set apart by one to three other characters, five or more in a row.
const SEPARATED = /(?<![a-z0-9@$])[a-z0-9@$](?:[^a-z0-9@$]{1,3}[a-z0-9@$](?![a-z0-9@$])){4,}/g;
const SEPARATOR = /[^a-z0-9@$]+/g;

/**
 * Letters set apart put back together: within a run, the separator used most often is the one
 * between letters (a space, a dot, `_`, a new line, an emoji), any other one is between words
 * (`d-i-s-r-e-g-a-r-d y-o-u-r`, `i g n o r e   a l l`). Leet digits in a run of letters are read as letters.
 */
function unseparated(t: string): string {
  return t.replace(SEPARATED, (run) => {
    const seps = run.match(SEPARATOR)!;
    const count = new Map<string, number>();
    let main = seps[0]!;
    for (const s of seps) {
      const k = (count.get(s) ?? 0) + 1;
      count.set(s, k);
      if (k > count.get(main)!) main = s;
    }
    const word = run.replace(SEPARATOR, (s) => (s === main ? '' : ' '));
    return /[a-z].*[a-z]/.test(word) ? word.replace(/[0134578@$]/g, (ch) => LEET[ch]!) : word;
  });
}

/** Words injections are made of; their Caesar shifts (ROT13 among them) and reversed forms are anchors. */
const CORE_WORDS = ['ignore', 'instructions', 'system', 'prompt', 'forget', 'reveal', 'disregard', 'rules', 'previous', 'guidelines'];
/** [shifted word, shift]: the same words under every Caesar shift (1–25; 13 is ROT13). */
export const SHIFTED_WORDS: readonly (readonly [string, number])[] = Array.from({ length: 25 }, (_, i) => i + 1).flatMap((k) => CORE_WORDS.map((w) => [shift(w, k), k] as const));
export const REVERSED_WORDS = CORE_WORDS.map((w) => [...w].reverse().join(''));

function shift(s: string, k: number): string {
  return s.replace(/[a-z]/g, (ch) => String.fromCharCode(((ch.charCodeAt(0) - 97 + k) % 26) + 97));
}

// Payload splitting: pieces in quotes or brackets, and a sign that they are to be put together.
const PIECE = /["'“‘\[]([^"'”’\[\]\n]{1,60})["'”’\]]/g;
const COMBINE = /\+|\b(?:concatenat\w*|combin\w*|join\w*|merg\w*|put (?:them |it )?together|append\w*|fragments?|parts?|in (?:that )?order|one after (?:the )?other)\b/;

/** The quoted or bracketed pieces of a text run together, when the text says to combine them. */
function fragments(t: string): string | undefined {
  if (!COMBINE.test(t)) return undefined;
  const pieces: string[] = [];
  PIECE.lastIndex = 0;
  for (let m = PIECE.exec(t); m !== null; m = PIECE.exec(t)) pieces.push(m[1]!);
  if (pieces.length < 2) return undefined;
  // A piece may end in a space or mid-word: joined as written, and again with spaces between.
  return `${pieces.join('')}\n${pieces.join(' ')}`;
}

const HEX = /^(?:0x)?((?:[0-9a-f]{2}){12,})$/i;
const BASE64 = /^[A-Za-z0-9+/_-]{24,}={0,2}$/;
const ENTITIES_OR_U = /(?:&#x?[0-9a-f]{1,6};[^&\n]{0,20}){3,}|(?:\\u[0-9a-f]{4}[^\\\n]{0,20}){2,}/gi;

/**
 * Text hidden in encoded runs of the original text (hex, base64, base32, \x and %-escapes; bytes in
 * binary, Morse, HTML character references and \u escapes anywhere), decoded when mostly printable.
 */
export function decodedRuns(text: string): string[] {
  const out: string[] = [];
  const r = runs(text);
  for (let i = 0; i < r.length; i += 2) {
    const run = text.slice(r[i], r[i + 1]).replace(/^[^A-Za-z0-9\\%]+|[^A-Za-z0-9=]+$/g, '');
    let s: string | undefined;
    const hex = HEX.exec(run);
    // Base32's alphabet is base64's too: read as base32 first, as base64 when that is not text.
    const b32 = !hex && BASE32.test(run) ? fromBase32(run) : undefined;
    if (hex) s = Buffer.from(hex[1]!, 'hex').toString('utf8');
    else if (b32 !== undefined && printable(b32)) s = b32;
    else if (BASE64.test(run)) s = Buffer.from(run, 'base64').toString('utf8');
    else if (/\\x[0-9a-f]{2}|%[0-9a-f]{2}/i.test(run)) s = unescapeRun(run);
    if (s !== undefined && printable(s)) out.push(s);
  }
  if (text.includes('.-') || text.includes('-.')) {
    MORSE_RUN.lastIndex = 0;
    for (let m = MORSE_RUN.exec(text); m !== null; m = MORSE_RUN.exec(text)) out.push(morse(m[0]));
  }
  SPACED_HEX.lastIndex = 0;
  for (let m = SPACED_HEX.exec(text); m !== null; m = SPACED_HEX.exec(text)) {
    const s = Buffer.from(m[0].replace(/[^0-9a-f]/gi, ''), 'hex').toString('utf8');
    if (printable(s)) out.push(s);
  }
  // Letters in binary start 0100, 0101, 0110 or 0111: prose without those strings costs no scan.
  if (text.includes('0110') || text.includes('0111') || text.includes('0100')) BINARY_RUN.lastIndex = 0;
  else BINARY_RUN.lastIndex = text.length;
  for (let m = BINARY_RUN.exec(text); m !== null; m = BINARY_RUN.exec(text)) {
    const s = String.fromCharCode(...m[0].match(/[01]{8}/g)!.map((b) => parseInt(b, 2)));
    if (printable(s)) out.push(s);
  }
  if (text.includes('&#') || text.includes('\\u')) {
    ENTITIES_OR_U.lastIndex = 0;
    for (let m = ENTITIES_OR_U.exec(text); m !== null; m = ENTITIES_OR_U.exec(text)) out.push(unescapeRun(m[0]));
  }
  return out;
}

// Bytes written as eight binary digits each (`01101001 01100111 …`).
const BINARY_RUN = /(?<![01])(?:[01]{8}[ ,]?){6,}/g;
// RFC 4648 base32: upper-case letters and 2–7, padded with `=`.
const BASE32 = /^[A-Z2-7]{16,}={0,6}$/;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function fromBase32(run: string): string {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of run.replace(/=+$/, '')) {
    value = (value << 5) | BASE32_ALPHABET.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >> bits) & 0xff);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

// Bytes written as hex pairs with separators (`72 65 76 …`, `72:65:76`).
const SPACED_HEX = /(?<![0-9a-z])(?:[0-9a-f]{2}[ :,-]){7,}[0-9a-f]{2}(?![0-9a-z])/gi;
// Morse code: letters of dots and dashes, words apart by ` / ` or three spaces.
const MORSE_RUN = /(?:[.-]{1,7}(?: {1,3}| ?\/ ?)){4,}[.-]{1,7}/g;
const MORSE: Record<string, string> = {
  '.-': 'a', '-...': 'b', '-.-.': 'c', '-..': 'd', '.': 'e', '..-.': 'f', '--.': 'g', '....': 'h', '..': 'i', '.---': 'j', '-.-': 'k', '.-..': 'l', '--': 'm',
  '-.': 'n', '---': 'o', '.--.': 'p', '--.-': 'q', '.-.': 'r', '...': 's', '-': 't', '..-': 'u', '...-': 'v', '.--': 'w', '-..-': 'x', '-.--': 'y', '--..': 'z',
};

function morse(run: string): string {
  return run
    .split(/ ?\/ ?| {3}/)
    .map((w) => w.trim().split(/ +/).map((l) => MORSE[l] ?? '').join(''))
    .join(' ');
}

function unescapeRun(run: string): string {
  return run
    .replace(/\\x([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/%([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/&#x([0-9a-f]{1,6});/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d{1,7});/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/\\u([0-9a-f]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Mostly printable text (letters, digits, punctuation, spaces in any script): not random bytes. */
function printable(s: string): boolean {
  if (s.length < 8) return false;
  let ok = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if ((c >= 32 && c < 127) || c === 10 || c === 9 || (c >= 0xa0 && c !== 0xfffd)) ok++;
  }
  return ok / [...s].length > 0.9;
}
