// Credential formats that secretlint's recommended preset does not cover (or
// covers with a pattern that misses valid keys),
// written from each vendor's published token format (a fixed prefix, a
// length, an alphabet). A distinctive prefix keeps them nearly free of false
// positives; each is tried only when its prefix is in the text.
import { regexDetector, type Detector } from './types.js';

interface Format {
  type: string;
  /** Literal(s) the token contains: the detector runs only when one is present. */
  prefix: string[];
  re: RegExp;
}

const B = '(?<![A-Za-z0-9_-])'; // not inside a longer token
const E = '(?![A-Za-z0-9_-])';
const re = (s: string) => new RegExp(`${B}(?:${s})${E}`, 'g');

const FORMATS: readonly Format[] = [
  { type: 'STRIPE_KEY', prefix: ['_live_', '_test_', 'whsec_'], re: re('(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{20,247}|whsec_[A-Za-z0-9+/=]{32,}') },
  { type: 'GITLAB_TOKEN', prefix: ['gl', 'GR1348941'], re: re('gl(?:pat|dt|rt|cbt|soat|ffct|oas|imt|agent|ptt|ft)-[0-9A-Za-z_.-]{20,}|GR1348941[0-9A-Za-z_-]{20,}') },
  { type: 'HUGGINGFACE_TOKEN', prefix: ['hf_', 'api_org_'], re: re('(?:hf_|api_org_)[A-Za-z0-9]{30,40}') },
  { type: 'GOOGLE_OAUTH_TOKEN', prefix: ['ya29.', '1//0', 'GOCSPX-'], re: re('ya29\\.[0-9A-Za-z_.-]{20,}|1//0[0-9A-Za-z_-]{40,}|GOCSPX-[0-9A-Za-z_-]{28}') },
  { type: 'TWILIO_KEY', prefix: ['SK', 'AC'], re: re('SK[0-9a-f]{32}') },
  { type: 'DIGITALOCEAN_TOKEN', prefix: ['_v1_'], re: re('do[opr]_v1_[a-f0-9]{64}') },
  { type: 'PYPI_TOKEN', prefix: ['pypi-'], re: re('pypi-AgE[A-Za-z0-9_-]{50,}') },
  { type: 'DOCKER_TOKEN', prefix: ['dckr_'], re: re('dckr_(?:pat|oat)_[A-Za-z0-9_-]{20,}') },
  { type: 'VAULT_TOKEN', prefix: ['hvs.', 'hvb.', 'hvr.'], re: re('hv[sbr]\\.[A-Za-z0-9_-]{24,}') },
  { type: 'DATABRICKS_TOKEN', prefix: ['dapi', 'dose'], re: re('dapi[a-f0-9]{32}(?:-\\d)?') },
  { type: 'POSTMAN_KEY', prefix: ['PMAK-'], re: re('PMAK-[a-f0-9]{24}-[a-f0-9]{34}') },
  { type: 'ATLASSIAN_TOKEN', prefix: ['ATATT', 'ATCTT'], re: re('AT[AC]TT3[A-Za-z0-9_=-]{100,}') },
  { type: 'GRAFANA_TOKEN', prefix: ['glsa_', 'glc_'], re: re('glsa_[A-Za-z0-9]{32}_[a-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}={0,2}') },
  { type: 'NEWRELIC_KEY', prefix: ['NRAK-', 'NRII-', 'NRJS-'], re: re('NR(?:AK|II|JS)-[A-Za-z0-9]{19,32}') },
  { type: 'SENTRY_TOKEN', prefix: ['sntr'], re: re('sntr[ysu]_[A-Za-z0-9+/=_-]{40,}') },
  { type: 'MAILGUN_KEY', prefix: ['key-'], re: re('key-[0-9a-f]{32}') },
  { type: 'MAILCHIMP_KEY', prefix: ['-us'], re: re('[0-9a-f]{32}-us\\d{1,2}') },
  { type: 'DISCORD_TOKEN', prefix: ['discord', '.'], re: re('[MNO][A-Za-z0-9_-]{23,27}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,40}|https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/\\d+/[A-Za-z0-9_-]{30,}') },
  { type: 'TELEGRAM_BOT_TOKEN', prefix: [':AA'], re: re('\\d{8,10}:AA[A-Za-z0-9_-]{33}') },
  { type: 'SQUARE_TOKEN', prefix: ['sq0', 'EAAA'], re: re('sq0(?:atp|csp|idp)-[0-9A-Za-z_-]{22,43}|EAAA[A-Za-z0-9_-]{60}') },
  { type: 'ALIBABA_KEY', prefix: ['LTAI'], re: re('LTAI[A-Za-z0-9]{12,20}') },
  { type: 'HEROKU_KEY', prefix: ['HRKU-'], re: re('HRKU-[A-Za-z0-9_-]{20,}') },
  { type: 'AGE_SECRET_KEY', prefix: ['AGE-SECRET-KEY-1'], re: /AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}/g },
  { type: 'OPENAI_KEY', prefix: ['sk-'], re: re('sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{40,}|sk-[A-Za-z0-9]{48}') },
  { type: 'ANTHROPIC_KEY', prefix: ['sk-ant-'], re: re('sk-ant-(?:api|admin|sid)\\d\\d-[A-Za-z0-9_-]{32,}') },
  { type: 'AZURE_AD_CLIENT_SECRET', prefix: ['Q~'], re: re('[A-Za-z0-9_~.]{3}\\dQ~[A-Za-z0-9_~.-]{31,34}') },
  // secretlint's SendGrid rule ends on a word boundary, so a key whose last character is `-` or `_` went unseen.
  { type: 'SENDGRID_KEY', prefix: ['SG.'], re: re('SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}') },
  { type: 'TWITTER_BEARER_TOKEN', prefix: ['AAAAAAAAAAAAAAAAAAAAA'], re: /A{22}[A-Za-z0-9%]{30,}/g },
];

// Azure storage / Service Bus / Event Hubs / Cosmos connection strings: the key after its name.
const AZURE_KEY = /(?:AccountKey|SharedAccessKey|PrimaryKey|SecondaryKey|AccessKey)\s*=\s*([A-Za-z0-9+/]{20,}={0,2})/dg;
const AZURE_SAS = /[?&]sig=([A-Za-z0-9%+/]{30,}(?:%3D|=){0,2})/dg;

// Credentials in any URL (`redis://:pw@host`, `amqp://user:pw@host`), the password only;
// secretlint's rules cover http(s)/ftp and three databases, this every scheme.
const URL_PASSWORD = /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@]{0,100}:([^\s@/]{3,200})@[A-Za-z0-9._-]+/dg;
/** `${DB_PASSWORD}`, `<password>`, `****`, `$PASS`: a template, not a credential. */
export function placeholder(v: string): boolean {
  return /^(?:\$\{[^}]*\}|\{\{[^}]*\}\}|\{[^}]*\}|<[^>]*>|\[[^\]]*\]|%[A-Za-z_]+%|\$\(?[A-Za-z_][A-Za-z0-9_]*\)?|\*+|x+|X+|\.{3,}|…)$/.test(v);
}

// An AWS secret access key after its name. secretlint's rule ends on a word
// boundary, so a key whose last character is `+` or `/` (1 in 32) went unseen.
const AWS_SECRET = /\b(?:AWS|aws|Aws)?_?(?:SECRET|secret|Secret)_?(?:ACCESS|access|Access)_?(?:KEY|key|Key)["']?\s*[:=]{1,2}>?\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/dg;

// `Authorization: Bearer …` / `Basic …` / `token …` in a header line or a curl command.
const AUTH_HEADER = /\bAuthorization["']?\s*[:=]\s*["']?(?:Bearer|Basic|Token|token|bearer|Bot|ApiKey)\s+([A-Za-z0-9._~+/=-]{16,2048})/dgi;

export function secretFormatDetectors(): Detector[] {
  const out: Detector[] = FORMATS.map((f) => ({ ...regexDetector(f.type, 'secret', f.re, { quick: (t) => f.prefix.some((p) => t.includes(p)) }), token: true }));
  out.push(
    regexDetector('AWS_SECRET_KEY', 'secret', AWS_SECRET, { group: 1, lookBehind: 64, quick: (t) => /secret/i.test(t) }),
    regexDetector('AZURE_CONNECTION_STRING', 'secret', AZURE_KEY, { group: 1, lookBehind: 24, quick: (t) => t.includes('Key') }),
    { ...regexDetector('AZURE_CONNECTION_STRING', 'secret', AZURE_SAS, { group: 1, lookBehind: 8, quick: (t) => t.includes('sig=') }), token: true },
    { ...regexDetector('URL_CREDENTIALS', 'secret', URL_PASSWORD, { group: 1, lookBehind: 128, quick: (t) => t.includes('://') && t.includes('@'), check: (v) => !placeholder(v) }), generic: true, token: true },
    { ...regexDetector('BEARER_TOKEN', 'secret', AUTH_HEADER, { group: 1, lookBehind: 40, quick: (t) => /authorization/i.test(t), check: (v) => !placeholder(v) && !/^\$/.test(v) }), generic: true },
  );
  return out;
}
