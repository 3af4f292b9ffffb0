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
      positive: ['call +1 415 555 2671 tomorrow', 'office (212) 555-0199', 'UK desk +44 20 7946 0958'],
      negative: ['order 100234987 shipped', 'version 3.12.1 is out', 'ISBN 978-3-16-148410-0'],
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
      positive: ['host 192.168.10.25 is down', 'v6 2001:db8::8a2e:370:7334 answered'],
      negative: ['at 12:30:45 UTC'],
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
        `aws_secret_access_key = ${randomBytes(30).toString('base64')}`,
        `curl -H "x-api-key: sk-ant-api03-${alnum(40)}" https://api.example.com`,
        `db_password = "${alnum(20)}"`,
      ],
      negative: ['SECRET_KEY = settings.SECRET_KEY', 'api_key = os.environ["API_KEY"]', 'token: process.env.GITHUB_TOKEN'],
    },
  };
}
