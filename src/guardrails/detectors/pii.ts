// Personal data: e-mail addresses, phone numbers, payment cards (Luhn and a
// known issuer prefix), IBANs (mod 97), US social security numbers, IPv4 and
// IPv6 addresses. Patterns ask for the separators people write so that plain
// numbers (ids, amounts, timestamps) are not mistaken for personal data.
import { isIPv6 } from 'node:net';
import { ibanValid, luhn } from './checksums.js';
import { regexDetector, type Detector } from './types.js';

const EMAIL = /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g;

// International (+CC …) or grouped national numbers: (555) 123-4567, 555-123-4567, +44 20 7946 0958.
const PHONE = /(?<![\w+.-])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{2,6}){1,4}|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}[.-]\d{3}[.-]\d{4})(?![\w.-]*\d)/g;

// 13–19 digits, optionally grouped by single spaces or dashes.
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
// Visa, Mastercard (51–55, 2221–2720), Amex, Discover, JCB, Diners, UnionPay, Maestro.
const CARD_PREFIX = /^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5|4[4-9]|2)|35|30[0-5]|36|38|5[06-8])/;

const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])/g;

// Dashed only; 000, 666 and 9xx areas, 00 groups and 0000 serials are never issued.
const SSN = /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g;

const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]*\d)/g;
const IPV6 = /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g;

function digits(s: string): string {
  return s.replace(/[^\d]/g, '');
}

export const piiDetectors: readonly Detector[] = [
  regexDetector('EMAIL', 'pii', EMAIL, { quick: (t) => t.includes('@') }),
  regexDetector('PHONE', 'pii', PHONE, {
    check: (v) => {
      const n = digits(v).length;
      return n >= 9 && n <= 15;
    },
  }),
  regexDetector('CARD', 'pii', CARD, { check: (v) => CARD_PREFIX.test(digits(v)) && luhn(v) }),
  regexDetector('IBAN', 'pii', IBAN, { check: ibanValid }),
  regexDetector('SSN', 'pii', SSN, { quick: (t) => t.includes('-') }),
  regexDetector('IP_ADDRESS', 'pii', IPV4, { quick: (t) => t.includes('.') }),
  regexDetector('IP_ADDRESS', 'pii', IPV6, {
    quick: (t) => t.includes(':'),
    // `::` alone and clock times are not addresses worth a finding.
    check: (v) => v.length > 2 && isIPv6(v),
  }),
];
