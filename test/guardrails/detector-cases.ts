// Each detector's own positive and negative cases: a positive names the
// finding type it must produce, a negative must produce none of that type.
// The stream property test (stream-property.test.ts) replays every positive
// through random chunkings. Secret-shaped values are generated at run time,
// so the repository holds none that a secret scanner would (rightly) flag.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface DetectorCases {
  positive: string[];
  negative: string[];
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const pick = (alphabet: string, n: number): string => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
export const alnum = (n: number): string => pick(ALNUM, n);
export const hex = (n: number): string => pick('0123456789abcdef', n);
export const upper32 = (n: number): string => pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', n);
const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** Built once per process: key generation is slow. */
let pem: string | undefined;
function pemKey(): string {
  pem ??= generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return pem;
}

export function detectorCases(): Record<string, DetectorCases> {
  const jwt = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({ sub: 'alice', exp: 1900000000 })}.${randomBytes(64).toString('base64url')}`;
  return {
    EMAIL: {
      positive: ['write to alice@example.com today', 'cc: J.Doe+billing@corp.example.co.uk'],
      negative: ['use the @staticmethod decorator', 'ping @warden_dev on the forum'],
    },
    PHONE: {
      positive: [
        'call +1 415 555 2671 tomorrow', 'office (212) 555-0199', 'UK desk +44 20 7946 0958',
        'London office 020 7946 0018', 'Berlin: 030 12345678', 'Paris 01 23 45 67 89', 'Tokyo 03-1234-5678', 'Tel.: 4155552671',
      ],
      negative: ['order 100234987 shipped', 'version 3.12.1 is out', 'ISBN 978-3-16-148410-0', 'on 2024-06-15 at 10:30', 'ids 1234 5678'],
    },
    CARD: {
      positive: ['card 4111 1111 1111 1111 exp 12/29', 'amex 378282246310005'],
      negative: ['card 4111 1111 1111 1112 fails Luhn', 'tracking 1234567890123'],
    },
    IBAN: {
      positive: ['IBAN DE89 3704 0044 0532 0130 00 please', 'pay GB82WEST12345698765432'],
      negative: ['DE89 3704 0044 0532 0130 01 fails mod 97'],
    },
    SSN: {
      positive: ['SSN 123-45-6789 on file'],
      negative: ['area 000-12-3456 is never issued', 'ISBN 978-3-16-148410-0'],
    },
    IP_ADDRESS: {
      positive: ['host 192.168.10.25 is down', 'v6 2001:db8::8a2e:370:7334 answered', 'connect to 10.0.0.1:8080'],
      negative: ['at 12:30:45 UTC', 'see Section 3.2.1.4 of the spec', 'upgrade to version 1.2.3.4 first', 'steps 1.1.1.1 then 2.1.1.1'],
    },
    GOOGLE_API_KEY: {
      positive: [`const key = "AIza${alnum(35)}";`],
      negative: ['AIza is how Google API keys start'],
    },
    GOOGLE_SA_KEY_ID: {
      positive: [`{"type": "service_account", "project_id": "demo", "private_key_id": "${hex(40)}", "client_email": "sa@demo.iam.gserviceaccount.com"}`],
      negative: ['"private_key_id": "see the key file"'],
    },
    PRIVATE_KEY: {
      positive: [`why does this fail?\n${pemKey()}`],
      negative: ['a PEM file starts with -----BEGIN CERTIFICATE-----'],
    },
    AWS_ACCESS_KEY: {
      positive: [`aws access key AKIA${upper32(16)} in the config`],
      negative: ['the prefix AKIA marks long-term keys'],
    },
    GITHUB_TOKEN: {
      positive: [`git clone https://ghp_${alnum(36)}@github.com/org/repo`],
      negative: ['tokens start with ghp_ or github_pat_'],
    },
    SLACK_TOKEN: {
      positive: [`SLACK_BOT=xoxb-${Date.now()}-${alnum(24)}`],
      negative: ['Slack bot tokens start with xoxb-'],
    },
    JWT: {
      positive: [`Authorization: Bearer ${jwt}`],
      negative: ['a JWT starts with eyJ because of {"'],
    },
    SECRET_ASSIGNMENT: {
      positive: [
        `aws_secret_access_key = ${randomBytes(24).toString('base64')}`,
        `curl -H "x-api-key: ${alnum(40)}" https://api.example.com`,
        `db_password = "${alnum(20)}"`,
        'DB_PASS=Xk9$mP2&qL!z',
        'password: P@ss#w0rd!2024',
        'my password is Tr0ub4dor&3, keep it safe',
      ],
      negative: [
        'SECRET_KEY = settings.SECRET_KEY', 'api_key = os.environ["API_KEY"]', 'token: process.env.GITHUB_TOKEN',
        'password = "${DB_PASSWORD}"', 'max_tokens = 1024', 'password: <your password>', 'client_secret = config.get("client_secret")',
      ],
    },
    AWS_SECRET_KEY: {
      // A key may end in `+` or `/`, where a pattern ending on a word boundary stops seeing it.
      positive: [`AWS_SECRET_ACCESS_KEY="${pick(ALNUM + '/+', 40)}"`, `aws_secret_access_key = ${pick(ALNUM + '/+', 39)}+`, `AWS_SECRET_ACCESS_KEY='${pick(ALNUM, 39)}/'`],
      negative: ['AWS_SECRET_ACCESS_KEY is read from the environment'],
    },
    NPM_TOKEN: { positive: [`//registry.npmjs.org/:_authToken=npm_${alnum(36)}`], negative: ['npm tokens start with npm_'] },
    URL_CREDENTIALS: {
      positive: [`redis://:${alnum(16)}@cache.internal:6379/0`, `amqp://app:${alnum(12)}@mq.example.com/vhost`],
      negative: ['redis://cache.internal:6379/0', 'amqp://app:${MQ_PASSWORD}@mq/vhost'],
    },
    DATABASE_URL: { positive: [`DATABASE_URL=postgres://admin:${alnum(14)}@db.example.com:5432/app`], negative: ['postgres://db.example.com/app has no password'] },
    SENDGRID_KEY: { positive: [`SG.${alnum(22)}.${alnum(43)}`], negative: ['SG. is the SendGrid prefix'] },
    SHOPIFY_TOKEN: { positive: [`shpat_${hex(32)}`], negative: ['shpat_ tokens'] },
    ANTHROPIC_KEY: { positive: [`ANTHROPIC_API_KEY=sk-ant-api03-${alnum(93)}AA`], negative: ['sk-ant- keys'] },
    OPENAI_KEY: { positive: [`OPENAI_API_KEY=sk-proj-${alnum(74)}T3BlbkFJ${alnum(74)}`, `key sk-proj-${alnum(48)}`], negative: ['sk-proj- is a prefix'] },
    STRIPE_KEY: { positive: [`stripe.api_key = "sk_live_${alnum(24)}"`, `rk_live_${alnum(30)}`], negative: ['pk_live_ keys are publishable; sk_live_ ones are not'] },
    GITLAB_TOKEN: { positive: [`glpat-${pick(ALNUM + '_-', 20)}`], negative: ['glpat- tokens'] },
    HUGGINGFACE_TOKEN: { positive: [`HF_TOKEN=hf_${pick('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 34)}`], negative: ['hf_hub_download is a function'] },
    AZURE_CONNECTION_STRING: {
      positive: [`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${randomBytes(64).toString('base64')};EndpointSuffix=core.windows.net`],
      negative: ['AccountKey=<key> goes here'],
    },
    GOOGLE_OAUTH_TOKEN: { positive: [`Authorization: ya29.${pick(ALNUM + '_-', 120)}`, `client_secret GOCSPX-${pick(ALNUM + '_-', 28)}`], negative: ['ya29 is not a token'] },
    BEARER_TOKEN: { positive: [`curl -H "Authorization: Bearer ${alnum(40)}" https://api.example.com`], negative: ['-H "Authorization: Bearer $TOKEN"'] },
    TELEGRAM_BOT_TOKEN: { positive: [`bot token 123456789:AA${pick(ALNUM + '_-', 33)}`], negative: ['ratio 123456789:1'] },
    DIGITALOCEAN_TOKEN: { positive: [`dop_v1_${hex(64)}`], negative: ['dop_v1_ prefix'] },
    VAULT_TOKEN: { positive: [`VAULT_TOKEN=hvs.${pick(ALNUM, 90)}`], negative: ['hvs. tokens'] },
  };
}
