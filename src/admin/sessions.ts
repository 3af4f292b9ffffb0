// Signed-in people's sessions: kept in this process's memory, named by a
// random id in an HttpOnly, SameSite=Strict cookie, each with its own CSRF
// token, ended by sign-out or after the configured lifetime. Being in memory,
// a session can be revoked at once; it lives on one replica (reach the admin
// port of one pod, as `kubectl port-forward` does) and ends with the process.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../types.js';

export interface Session {
  id: string;
  principal: Principal;
  /** What the console shows: the name or e-mail claim, else the subject. */
  displayName: string;
  /** Sent back in `x-csrf-token` with every state-changing call. */
  csrf: string;
  expiresAt: number;
}

/** Sessions beyond this many push out the oldest: a flood of sign-ins cannot fill the memory. */
const MAX_SESSIONS = 10_000;

export class Sessions {
  private readonly byId = new Map<string, Session>();

  constructor(private readonly ttlMs: number) {}

  create(principal: Principal, displayName: string): Session {
    const s: Session = { id: token(), principal, displayName, csrf: token(), expiresAt: Date.now() + this.ttlMs };
    if (this.byId.size >= MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value!);
    this.byId.set(s.id, s);
    return s;
  }

  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    if (s.expiresAt <= Date.now()) {
      this.byId.delete(id);
      return undefined;
    }
    return s;
  }

  end(id: string): void {
    this.byId.delete(id);
  }

  get ttlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }
}

/** 32 random bytes, base64url: unguessable ids, CSRF tokens, OAuth state and PKCE verifiers. */
export function token(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares two secrets without telling, by timing, how much of them matched. */
export function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
