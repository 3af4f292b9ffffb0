// Personal data: e-mail addresses, phone numbers (phone.ts, libphonenumber),
// payment cards (Luhn and a known issuer prefix), IBANs (mod 97), US social
// security numbers, IPv4 and IPv6 addresses. Patterns ask for the separators
// people write so that plain numbers (ids, amounts, timestamps) are not
// mistaken for personal data.
import { isIPv6 } from 'node:net';
import { ibanValid, luhn } from './checksums.js';
import { DEFAULT_PHONE_REGIONS, phoneDetector } from './phone.js';
import { regexDetector, type Detector, type Match } from './types.js';

// An address around each `@`: the local part before it, the domain after (anchored at the `@`, so prose costs nothing).
const LOCAL = /[A-Za-z0-9._%+-]$/;
const DOMAIN = /@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/y;

function emailDetector(): Detector {
  return {
    type: 'EMAIL',
    category: 'pii',
    lookBehind: 8,
    token: false,
    find(text: string, out: Match[]) {
      for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
        let start = at;
        while (start > 0 && at - start < 64 && LOCAL.test(text[start - 1]!)) start--;
        while (start < at && !/[A-Za-z0-9]/.test(text[start]!)) start++; // starts with a letter or digit
        if (start === at) continue;
        DOMAIN.lastIndex = at;
        const d = DOMAIN.exec(text);
        if (d) out.push({ type: 'EMAIL', start, end: at + d[0].length });
      }
    },
  };
}

// 13–19 digits, optionally grouped by single spaces or dashes.
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
// Visa, Mastercard (51–55, 2221–2720), Amex, Discover, JCB, Diners, UnionPay, Maestro.
const CARD_PREFIX = /^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5|4[4-9]|2)|35|30[0-5]|36|38|5[06-8])/;

const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])/g;

// Dashed only; 000, 666 and 9xx areas, 00 groups and 0000 serials are never issued.
const SSN = /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g;

const IPV4 = /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]*\d)/g;
const IPV6 = /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g;

function digits(s: string): string {
  return s.replace(/[^\d]/g, '');
}

// Words before a dotted number that make it a version or a section, not an address.
const NUMBERED = /(?:\bv|\bver|version|versions|release|rel|section|sect|sec|§|chapter|ch|clause|article|art|para|paragraph|step|rule|figure|fig|table|item|build|patch|update|upgrade|python|node|java|sdk|rfc|iso|iec|spec|standard|appendix|annex|no|nr)\.?\s*$/i;
// Words that say a dotted quad of small numbers is an address after all ("connect to 10.0.0.1").
const NETWORKED = /\b(?:ip|ips|ipv4|host|hosts|server|address|addr|gateway|gw|dns|subnet|route|router|ping|ssh|connect|connecting|proxy|endpoint|vm|machine|interface|eth\d|listen|bind|firewall|allow|deny|block|from|to|at|via|src|dst|peer|client|nameserver)\b[^.\n]{0,12}$/i;

/** An IPv4 address, unless prose makes it a version or a section number (`Section 3.2.1.4`, `v1.2.3.4`). */
function ipv4Detector(): Detector {
  return {
    type: 'IP_ADDRESS',
    category: 'pii',
    lookBehind: 32,
    find(text: string, out: Match[]) {
      if (!text.includes('.')) return;
      IPV4.lastIndex = 0;
      for (let m = IPV4.exec(text); m !== null; m = IPV4.exec(text)) {
        const before = text.slice(Math.max(0, m.index - 32), m.index);
        if (NUMBERED.test(before)) continue;
        const after = text.slice(m.index + m[0].length, m.index + m[0].length + 2);
        const small = m[0].split('.').every((o) => Number(o) <= 20);
        if (small && !NETWORKED.test(before) && !/^[:/]\d/.test(after)) continue;
        out.push({ type: 'IP_ADDRESS', start: m.index, end: m.index + m[0].length });
      }
    },
  };
}

/** `phoneRegions`: regions tried for national phone numbers (config `guardrails.phone.regions`). */
export function piiDetectors(phoneRegions: readonly string[] = DEFAULT_PHONE_REGIONS): Detector[] {
  return [
  emailDetector(),
  regexDetector('CARD', 'pii', CARD, { check: (v) => CARD_PREFIX.test(digits(v)) && luhn(v) }),
  regexDetector('IBAN', 'pii', IBAN, { check: ibanValid }),
  regexDetector('SSN', 'pii', SSN, { quick: (t) => t.includes('-') }),
  ipv4Detector(),
  regexDetector('IP_ADDRESS', 'pii', IPV6, {
    quick: (t) => t.includes(':'),
    // `::` alone and clock times are not addresses worth a finding.
    check: (v) => v.length > 2 && isIPv6(v),
  }),
  // After the others: a number that is also a card or an SSN is reported as that.
  phoneDetector(phoneRegions),
  ];
}
