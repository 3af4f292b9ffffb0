// Secrets: the built-in formats (Google API keys and service-account key ids,
// AWS access keys, GitHub and Slack tokens, JWTs, PEM private keys), the
// maintained rule set (secretlint.ts), the formats it lacks (secret-formats.ts),
// and credentials recognised by the name they are assigned to
// (`password = …`, `api_key: …`, "my password is …").
import { entropy } from './checksums.js';
import { placeholder, secretFormatDetectors } from './secret-formats.js';
import { secretlintDetectors } from './secretlint.js';
import { regexDetector, type Detector } from './types.js';

const GOOGLE_API_KEY = /AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g;
// A service-account key file's id sits next to its PEM key; the key itself is caught as PRIVATE_KEY.
const GOOGLE_SA_KEY_ID = /"private_key_id"\s*:\s*"([0-9a-f]{40})"/dg;
const AWS_ACCESS_KEY = /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|A3T[A-Z0-9])[A-Z2-7]{16}(?![A-Z0-9])/g;
const GITHUB_TOKEN = /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,244})(?![A-Za-z0-9_])/g;
const SLACK_TOKEN = /(?<![A-Za-z0-9-])(?:xox[abposre]-[A-Za-z0-9-]{10,250}|https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+)/g;
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])/g;
// Up to the END line, or to the end of the text: an unterminated key (a
// stream still arriving, a truncated paste) is still a key. Bounded length.
const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----[\s\S]{0,12000}?(?:-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----|$)/g;

// `password = "…"`, `api_key: …`, `AWS_SECRET_ACCESS_KEY=…`, `"client_secret": "…"`, `x-api-key: …`: the value is reported.
// The pattern starts at the separator and looks behind it for the name, so that it is tried only where
// prose has a `:` or `=`. Group 1: the keyword; 2–5: a value in double, single or back quotes, or bare.
const KEYWORD = String.raw`(?:secret|passw(?:or)?d|passwort|pwd|pass|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?key|credentials?|signing[_-]?key|encryption[_-]?key|conn(?:ection)?[_-]?str(?:ing)?)`;
const ASSIGNMENT = new RegExp(
  String.raw`(?::=|=>|[:=])(?<=(${KEYWORD})[A-Za-z0-9_.-]{0,20}["'\]]?\s{0,3}(?::=|=>|[:=]))\s{0,3}(?:"([^"\n]{6,200})"|'([^'\n]{6,200})'|\x60([^\x60\n]{6,200})\x60|([^\s"'\x60,;]{6,200}))`,
  'dgi',
);
// .NET and Java XML settings: <add key="DbPassword" value="…"/>, <entry key="api.token" value="…"/>.
const XML_SETTING = new RegExp(String.raw`\b(?:key|name)\s*=\s*"([^"]*${KEYWORD}[^"]*)"\s+value\s*=\s*"([^"\n]{6,200})"`, 'dgi');
// "my password is …", "Passwort: …", "mot de passe : …": prose that hands over a password.
const SAID = /\b(?:password|passwort|passwd|mot de passe|contraseña|contrasena|senha|parola d'ordine|wachtwoord|hasło|пароль|密码|パスワード|비밀번호)\s*(?:is|was|=|:|：|ist|est|es|é|è|é:|är|jest|это)\s*[:：]?\s*["'“]?([^\s"'”]{6,64})/dgiu;

/** A cheap test before SAID, whose case-insensitive Unicode pattern is slow over prose. */
const SAID_HINT = /[Pp](?:ass(?:w|\s?word)|ASSW)|PASS|[Mm]ot de passe|[Cc]ontrase|[Ss]enha|[Pp]arola d|[Ww]achtwoord|[Hh]asło|[Пп]арол|ПАРОЛ|密码|パスワード|비밀번호/;

/** A code reference (settings.SECRET_KEY, os.environ["X"], process.env.X, getenv(…), config.get(…)): names a secret, is not one. */
function codeReference(v: string): boolean {
  return (
    /^(?:settings|config|conf|cfg|os\.environ|os\.getenv|process\.env|import\.meta\.env|env|ENV|System\.getenv|self|this|options|opts|params|args|secrets|vars|ctx|context|request|req|Deno\.env)\b[.[(]/.test(v) ||
    (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?:\(\))?$/.test(v) && v.split('.').every(identifierWord)) || // dotted member access
    /^[A-Za-z_$][\w$.]*\(.*\)?$/.test(v) || // a call
    /^[A-Za-z_$][\w$.]*\[/.test(v) // an index
  );
}

/** A name as code spells it (snake_case, camelCase, PascalCase, UPPER_CASE), not a random string. */
function identifierWord(w: string): boolean {
  return /^[a-z_$][a-z0-9_$]*$|^[A-Z_][A-Z0-9_]*$|^[A-Za-z][a-z0-9]*(?:[A-Z][a-z0-9]+)*[A-Z]?$/.test(w.replace(/\(\)$/, ''));
}

/** Words that stand for a value rather than being one. */
const DUMMY = /^(?:none|null|nil|undefined|true|false|string|redacted|hidden|secret|password|changeme|example|sample|placeholder|x{3,}(?:[_-][\w-]*)?|todo|tbd|n\/a|required|optional|empty|default)$/i;

function kinds(v: string): number {
  return Number(/[a-z]/.test(v)) + Number(/[A-Z]/.test(v)) + Number(/\d/.test(v)) + Number(/[^A-Za-z0-9]/.test(v));
}

/** The value of an assignment to `name`: a credential, not a reference, a template or a word. */
/** `your-api-key`, `MY_TOKEN`, `yourPassword`: a name for the value, not the value (a random key may start with "my"). */
function possessiveName(v: string): boolean {
  return /^(?:your|my)/i.test(v) && identifierWord(v.replace(/-/g, '_'));
}

function credentialValue(name: string, v: string): boolean {
  if (placeholder(v) || codeReference(v) || DUMMY.test(v) || possessiveName(v) || /^(.)\1+$/.test(v)) return false;
  if (/^[\d.,_ -]+$/.test(v) && v.length < 12) return false; // a number or a version (max_tokens = 1024)
  const password = /pass|pwd/i.test(name);
  if (password) return v.length >= 8 ? kinds(v) >= 2 : kinds(v) >= 3;
  // Keys and tokens are long and random.
  return v.length >= 12 && entropy(v) >= 3 && kinds(v) >= 2;
}

function assignmentDetector(): Detector {
  return {
    type: 'SECRET_ASSIGNMENT',
    category: 'secret',
    lookBehind: 96,
    generic: true,
    find(text, out) {
      ASSIGNMENT.lastIndex = 0;
      for (let m = ASSIGNMENT.exec(text); m !== null; m = ASSIGNMENT.exec(text)) {
        const g = m[2] !== undefined ? 2 : m[3] !== undefined ? 3 : m[4] !== undefined ? 4 : 5;
        const span = m.indices![g]!;
        // An unquoted value ends before trailing punctuation of the sentence.
        let end = span[1];
        if (g === 5) while (end > span[0] && /[.)\]}>]/.test(text[end - 1]!)) end--;
        const v = text.slice(span[0], end);
        if (placeholder(text.slice(span[0], span[1]))) continue;
        if (credentialValue(m[1]!, v)) out.push({ type: 'SECRET_ASSIGNMENT', start: span[0], end });
      }
      if (text.includes('value=')) {
        XML_SETTING.lastIndex = 0;
        for (let m = XML_SETTING.exec(text); m !== null; m = XML_SETTING.exec(text)) {
          const [start, end] = m.indices![2]!;
          if (credentialValue(m[1]!, text.slice(start, end))) out.push({ type: 'SECRET_ASSIGNMENT', start, end });
        }
      }
      if (!SAID_HINT.test(text)) return;
      SAID.lastIndex = 0;
      for (let m = SAID.exec(text); m !== null; m = SAID.exec(text)) {
        const [start, end0] = m.indices![1]!;
        let end = end0;
        while (end > start && /[.,;!?)]/.test(text[end - 1]!) && kinds(text.slice(start, end - 1)) >= 2) end--;
        const v = text.slice(start, end);
        if (credentialValue('password', v)) out.push({ type: 'SECRET_ASSIGNMENT', start, end });
      }
    },
  };
}

export const secretDetectors: readonly Detector[] = [
  { ...regexDetector('GOOGLE_API_KEY', 'secret', GOOGLE_API_KEY, { quick: (t) => t.includes('AIza') }), token: true },
  regexDetector('GOOGLE_SA_KEY_ID', 'secret', GOOGLE_SA_KEY_ID, { group: 1, lookBehind: 48, quick: (t) => t.includes('private_key_id') }),
  { ...regexDetector('AWS_ACCESS_KEY', 'secret', AWS_ACCESS_KEY), token: true },
  { ...regexDetector('GITHUB_TOKEN', 'secret', GITHUB_TOKEN, { quick: (t) => t.includes('gh') || t.includes('github_pat_') }), token: true },
  { ...regexDetector('SLACK_TOKEN', 'secret', SLACK_TOKEN, { quick: (t) => t.includes('xox') || t.includes('hooks.slack.com') }), token: true },
  { ...regexDetector('JWT', 'secret', JWT, { quick: (t) => t.includes('eyJ') }), token: true },
  regexDetector('PRIVATE_KEY', 'secret', PRIVATE_KEY, { quick: (t) => t.includes('-----BEGIN') }),
  assignmentDetector(),
  ...secretlintDetectors(),
  ...secretFormatDetectors(),
];
