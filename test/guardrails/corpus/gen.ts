// Secret-shaped values, generated at run time from a fixed seed: the corpus
// is the same on every run, and the repository holds no string that a secret
// scanner would (rightly) report.
import { generateKeyPairSync } from 'node:crypto';

let state = 0x5eed1234;
function next(): number {
  // mulberry32
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export const from = (alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
export const alnum = (n: number) => from(LOWER + UPPER + DIGITS, n);
export const lower = (n: number) => from(LOWER + DIGITS, n);
export const letters = (n: number) => from(LOWER + UPPER, n);
export const hex = (n: number) => from('0123456789abcdef', n);
export const upper = (n: number) => from(UPPER + DIGITS, n);
export const b32 = (n: number) => from('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', n);
export const b64 = (n: number) => from(LOWER + UPPER + DIGITS + '+/', n);
export const urlsafe = (n: number) => from(LOWER + UPPER + DIGITS + '-_', n);
export const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

let pems: { ec: string; rsa: string; openssh: string } | undefined;
export function keys(): { ec: string; rsa: string; openssh: string } {
  if (!pems) {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    // OpenSSH's own armour around a body of the right alphabet (the format is what is recognised).
    const openssh = `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA${b64(46)}\n${b64(70)}\n${b64(70)}\n-----END OPENSSH PRIVATE KEY-----\n`;
    pems = { ec, rsa, openssh };
  }
  return pems;
}
