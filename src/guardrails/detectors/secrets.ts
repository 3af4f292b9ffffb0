// Secrets: credentials with a recognisable shape (Google API keys and
// service-account key ids, AWS access keys, GitHub and Slack tokens, JWTs, PEM
// private keys) and generic `key = value` assignments whose value looks random.
import { entropy } from './checksums.js';
import { regexDetector, type Detector } from './types.js';

const GOOGLE_API_KEY = /AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g;
// A service-account key file's id sits next to its PEM key; the key itself is caught as PRIVATE_KEY.
const GOOGLE_SA_KEY_ID = /"private_key_id"\s*:\s*"([0-9a-f]{40})"/dg;
const AWS_ACCESS_KEY = /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Z0-9])/g;
const GITHUB_TOKEN = /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,244})(?![A-Za-z0-9_])/g;
const SLACK_TOKEN = /(?<![A-Za-z0-9-])(?:xox[abposre]-[A-Za-z0-9-]{10,250}|https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+)/g;
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])/g;
// Up to the END line, or to the end of the text: an unterminated key (a
// stream still arriving, a truncated paste) is still a key. Bounded length.
const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----[\s\S]{0,12000}?(?:-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----|$)/g;
// `password = "…"`, `api_key: …`, `AWS_SECRET_ACCESS_KEY=…`: the value is reported.
const ASSIGNMENT =
  /(?<![A-Za-z0-9])[A-Za-z0-9_.-]{0,40}(?:secret|passw(?:or)?d|pwd|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret|credential)[A-Za-z0-9_.-]{0,20}["']?\s{0,3}[:=]\s{0,3}["']?([A-Za-z0-9/+_=.~-]{16,200})/dgi;

/** Random enough to be a secret, not a word or an identifier: ≥ 3.5 bits per character and two kinds of character. */
function looksRandom(v: string): boolean {
  if (entropy(v) < 3.5) return false;
  const kinds = Number(/[a-z]/.test(v)) + Number(/[A-Z]/.test(v)) + Number(/\d/.test(v)) + Number(/[^A-Za-z0-9]/.test(v));
  return kinds >= 2;
}

export const secretDetectors: readonly Detector[] = [
  regexDetector('GOOGLE_API_KEY', 'secret', GOOGLE_API_KEY, { quick: (t) => t.includes('AIza') }),
  regexDetector('GOOGLE_SA_KEY_ID', 'secret', GOOGLE_SA_KEY_ID, { group: 1, lookBehind: 48, quick: (t) => t.includes('private_key_id') }),
  regexDetector('AWS_ACCESS_KEY', 'secret', AWS_ACCESS_KEY),
  regexDetector('GITHUB_TOKEN', 'secret', GITHUB_TOKEN, { quick: (t) => t.includes('gh') || t.includes('github_pat_') }),
  regexDetector('SLACK_TOKEN', 'secret', SLACK_TOKEN, { quick: (t) => t.includes('xox') || t.includes('hooks.slack.com') }),
  regexDetector('JWT', 'secret', JWT, { quick: (t) => t.includes('eyJ') }),
  regexDetector('PRIVATE_KEY', 'secret', PRIVATE_KEY, { quick: (t) => t.includes('-----BEGIN') }),
  regexDetector('SECRET_ASSIGNMENT', 'secret', ASSIGNMENT, { group: 1, lookBehind: 96, check: looksRandom }),
];
