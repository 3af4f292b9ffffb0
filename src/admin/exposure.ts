// The admin port answers with the audit, the policies and the credential
// setup: reachable from other machines, it must ask who is calling. A config
// that binds it beyond loopback without any sign-in is refused, at start and
// by `warden config check`.
import { isIP } from 'node:net';
import type { Reporter } from '../config/load.js';
import type { AdminSpec } from '../config/schema.js';

export const UNPROTECTED_HINT = 'add spec.admin.auth (oidc for people, tokenFile for scripts; see docs/console.md), or bind the admin port to 127.0.0.1';

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`: only this machine can connect. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h) || h === '0:0:0:0:0:0:0:1';
  return false;
}

export function unprotectedMessage(host: string): string {
  return `the admin port binds ${host}, which other machines can reach, and no sign-in is configured: anyone reaching it could read the audit, the usage and the policies`;
}

/** Reports an exposed, unprotected admin port at spec.admin.host. */
export function checkAdminExposure(admin: AdminSpec, report: Reporter): void {
  if (!admin.auth && !isLoopback(admin.host)) report(['admin', 'host'], unprotectedMessage(admin.host), UNPROTECTED_HINT);
}
