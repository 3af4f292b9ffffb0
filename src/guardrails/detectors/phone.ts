// Phone numbers of every country, validated by libphonenumber-js (Google's
// libphonenumber metadata: the number plan of each region, `max` build, so a
// number must fit a real range, not only a length). A cheap pattern proposes
// candidates; libphonenumber decides:
//
//   +44 20 7946 0958, 0044 20 7946 0958   international: valid in the country it names
//   020 7946 0018, 03-1234-5678           national: valid in one of the configured regions
//                                         (guardrails.phone.regions, tried in order)
//   4155552671                            a bare digit run: only after a word that says phone
//
// Full-text search in libphonenumber (findPhoneNumbersInText) costs ~60 ms per
// 10 KiB here; parsing a candidate ~25 µs, and prose has few candidates.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { Detector, Match } from './types.js';

/** Regions tried for national numbers when the config names none: the most used telephone plans. */
export const DEFAULT_PHONE_REGIONS: readonly string[] = ['US', 'GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'JP', 'CN', 'IN', 'BR', 'KR', 'AU', 'RU', 'MX', 'CA'];

// Digits with the separators people write; a leading + or 00, parentheses around an area code.
const CANDIDATE = /(?<![\w+.,/:-])(?:\+|\b00)?\(?\d(?:[\d\u00a0 ().\/-]{5,22})\d(?![\w-]|[.,/:]\d)/g;
const PHONE_WORD = /(?:phone|tel|telephone|mobile|cell|cellphone|fax|call|ring|text|dial|reach|whatsapp|sms|hotline|number|nummer|numéro|número|numero|номер|telefon|téléphone|teléfono|telefono|telefone|portable|handy|móvil|celular|llámame|llama|llamar|appelez|appelle|appeler|chiamami|chiama|chiamare|ruf|anrufen|bel|ligue|zadzwoń|позвони|звоните|電話|电话|手机|携帯|전화|телефон|тел)(?:[\s.-]?(?:me|us|moi|mich|mir|mi|me at|me on|us at|us on|him|her))?(?:\s(?:on|at|al|au|le|il|an|unter|op|para|é|is|ist|est|es))?\.?\s*(?:number|nr|no|n°|nº|#)?\.?\s*[:：]?\s*$/i;
const DATE = /^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/;
const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) n++;
  return n;
}

/** Lengths of the digit groups of a written number: `020 7946 0018` → 3,4,4. */
function groups(s: string): string {
  return (s.match(/\d+/g) ?? []).map((g) => g.length).join(',');
}

/**
 * A national-notation candidate is a phone number of a region when it is valid there and written as
 * that region writes its numbers (libphonenumber's national format: `030 12345678`, `(212) 555-0199`),
 * or when a phone word says so ("Tel.: 912 345 678"): part numbers and serials grouped otherwise that
 * happen to be valid somewhere are not.
 */
function parse(candidate: string, regions: readonly CountryCode[], said: boolean): boolean {
  const intl = candidate.startsWith('+') || candidate.startsWith('00');
  if (intl) return parsePhoneNumberFromString(candidate.startsWith('00') ? `+${candidate.slice(2)}` : candidate)?.isValid() ?? false;
  const written = groups(candidate);
  for (const r of regions) {
    const n = parsePhoneNumberFromString(candidate, r);
    if (!n?.isValid()) continue;
    if (said || !/\D/.test(candidate.trim()) || groups(n.formatNational()) === written) return true;
  }
  return false;
}

/**
 * A chat request carries the whole conversation, so the same numbers are checked again on every
 * turn: verdicts are remembered (per detector, i.e. per config; bounded).
 */
const CACHE_SIZE = 4096;

export function phoneDetector(regions: readonly string[] = DEFAULT_PHONE_REGIONS): Detector {
  const codes = regions as readonly CountryCode[];
  const verdicts = new Map<string, boolean>();
  const valid = (v: string, said: boolean): boolean => {
    const key = said ? `!${v}` : v;
    let ok = verdicts.get(key);
    if (ok === undefined) {
      if (verdicts.size >= CACHE_SIZE) verdicts.clear();
      verdicts.set(key, (ok = parse(v, codes, said)));
    }
    return ok;
  };
  return {
    type: 'PHONE',
    category: 'pii',
    // The word before a bare digit run ("Tel.: ").
    lookBehind: 32,
    find(text: string, out: Match[]) {
      CANDIDATE.lastIndex = 0;
      for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
        let v = m[0];
        // Unbalanced parentheses belong to the sentence, not the number.
        let start = m.index;
        if (v.startsWith('(') && !v.includes(')')) {
          v = v.slice(1);
          start++;
        }
        const n = digitCount(v);
        if (n < 7 || n > 15 || DATE.test(v) || DOTTED_QUAD.test(v)) continue;
        const grouped = /[\u00a0 ().\/-]/.test(v);
        const marked = v.startsWith('+') || v.startsWith('00');
        const said = PHONE_WORD.test(text.slice(Math.max(0, start - 32), start));
        if (!grouped && !marked && !said) continue;
        // Mixed separators that phone numbers do not use together (1.5/2.0 figures, ranges).
        if (/\.\s|\s\./.test(v) || /\/.*\//.test(v)) continue;
        if (valid(v, said)) out.push({ type: 'PHONE', start, end: start + v.length });
      }
    },
  };
}
