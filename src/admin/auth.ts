// Who is calling the admin port: a signed-in person (session cookie), a
// script with the admin token (`Authorization: Bearer`), or nobody. Also the
// sign-in endpoints: /auth/login, /auth/callback, /auth/logout.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminAuthSpec } from '../config/schema.js';
import { durationMs } from '../config/schema.js';
import type { Principal } from '../types.js';
import { cookies, send, sendError, sendJson, setCookie } from './http.js';
import { LoginError, OidcLogin } from './oidc-login.js';
import { ADMIN_TOKEN_PRINCIPAL } from './policy.js';
import { sameSecret, Sessions, type Session } from './sessions.js';

export interface Caller {
  principal?: Principal;
  /** Set for a signed-in person: state-changing calls need its CSRF token. */
  session?: Session;
  via: 'session' | 'token' | 'none';
}

/** Tokens shorter than this are refused in the file: a guessable admin token protects nothing. */
export const MIN_TOKEN_CHARS = 16;

/** The admin token file's token, or why it cannot be used. */
export function readAdminToken(file: string): string {
  const t = readFileSync(file, 'utf8').trim();
  if (t.length < MIN_TOKEN_CHARS) throw new Error(`the admin token in ${file} is shorter than ${MIN_TOKEN_CHARS} characters`);
  if (/\s/.test(t)) throw new Error(`the admin token file ${file} holds more than one word`);
  return t;
}

export class AdminAuth {
  readonly oidc?: OidcLogin;
  private readonly sessions: Sessions;
  /** SHA-256 of the admin token, read at start (the token itself is not kept). */
  private readonly tokenHash?: string;
  private readonly secure: boolean;
  private readonly cookieName: string;

  constructor(private readonly spec: AdminAuthSpec, resolve: (p: string) => string) {
    this.sessions = new Sessions(durationMs(spec.sessionTtl));
    if (spec.oidc) this.oidc = new OidcLogin(spec.oidc, spec.oidc.clientSecretFile && resolve(spec.oidc.clientSecretFile));
    if (spec.tokenFile) this.tokenHash = sha256(readAdminToken(resolve(spec.tokenFile)));
    this.secure = spec.publicUrl?.startsWith('https:') ?? false;
    // `__Host-`: a browser takes it only Secure, from this very host, for every path (no subdomain can set it).
    this.cookieName = this.secure ? '__Host-warden-session' : 'warden-session';
  }

  get metricsOpen(): boolean {
    return this.spec.metrics === 'open';
  }

  /** The caller of an admin request. A wrong admin token is answered 401 by the caller of this (`undefined` principal, via token). */
  identify(req: IncomingMessage): Caller & { badToken?: boolean } {
    const h = req.headers.authorization;
    if (h) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
      if (this.tokenHash && m && sameSecret(sha256(m[1]), this.tokenHash)) {
        return { principal: { requestPrincipal: ADMIN_TOKEN_PRINCIPAL, issuer: 'warden', subject: 'admin-token', claims: { iss: 'warden', sub: 'admin-token' }, groups: [], methods: ['api-key'] }, via: 'token' };
      }
      return { via: 'token', badToken: true };
    }
    const session = this.sessions.get(cookies(req).get(this.cookieName));
    return session ? { principal: session.principal, session, via: 'session' } : { via: 'none' };
  }

  /** GET /auth/login?return=/path: off to the issuer. */
  async login(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    if (!this.oidc) return sendError(res, 404, 'NO_SIGN_IN', 'no OIDC sign-in is configured (spec.admin.auth.oidc); use the admin token');
    try {
      const { location, binding } = await this.oidc.begin(query.get('return') ?? '/', `${this.origin(req)}/auth/callback`);
      // Lax, not Strict: the issuer's redirect back is a navigation from another site, and must carry it.
      res.writeHead(302, { location, 'set-cookie': setCookie('warden-login', binding, { sameSite: 'Lax', secure: this.secure, path: '/auth/', maxAgeS: 600 }), 'cache-control': 'no-store' });
      res.end();
    } catch (e) {
      signInFailed(res, e);
    }
  }

  /** GET /auth/callback: the issuer's answer → a session. */
  async callback(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    if (!this.oidc) return sendError(res, 404, 'NO_SIGN_IN', 'no OIDC sign-in is configured');
    try {
      const done = await this.oidc.finish(query, cookies(req).get('warden-login'));
      const session = this.sessions.create(done.principal, done.displayName);
      // A page that moves on by itself, not a redirect: this request came from the issuer's site, and
      // a browser keeps SameSite=Strict cookies from a redirect chain begun there; the next page is ours.
      const target = escapeHtml(done.returnTo);
      send(res, 200, 'text/html; charset=utf-8', `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${target}"><title>Signed in</title><p>Signed in. <a href="${target}">Continue to the Warden console</a>.</p>`, {
        'set-cookie': [
          setCookie(this.cookieName, session.id, { sameSite: 'Strict', secure: this.secure, maxAgeS: this.sessions.ttlSeconds }),
          setCookie('warden-login', '', { sameSite: 'Lax', secure: this.secure, path: '/auth/', maxAgeS: 0 }),
        ],
        'content-security-policy': "default-src 'none'",
      });
    } catch (e) {
      signInFailed(res, e);
    }
  }

  /** POST /auth/logout (CSRF-checked by the server like every state-changing call): the session ends here and now. */
  async logout(caller: Caller, res: ServerResponse): Promise<void> {
    if (caller.session) this.sessions.end(caller.session.id);
    const endSession = await this.oidc?.endSessionUrl();
    sendJson(res, 200, { signedOut: true, endSession }, { 'set-cookie': setCookie(this.cookieName, '', { sameSite: 'Strict', secure: this.secure, maxAgeS: 0 }) });
  }

  /** This console's origin as browsers see it: spec.admin.auth.publicUrl, else the request's Host. */
  origin(req: IncomingMessage): string {
    if (this.spec.publicUrl) return this.spec.publicUrl.replace(/\/$/, '');
    return `http://${req.headers.host ?? 'localhost'}`;
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function signInFailed(res: ServerResponse, e: unknown): void {
  if (!(e instanceof LoginError)) throw e;
  send(res, 400, 'text/html; charset=utf-8', `<!doctype html><meta charset="utf-8"><title>Sign-in failed</title><h1>Sign-in failed</h1><p>${escapeHtml(e.message)}</p><p><a href="/auth/login">Try again</a></p>`, {
    'content-security-policy': "default-src 'none'",
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `warden config check` and start: the files spec.admin.auth names can be read, and the token is usable. */
export function checkAdminAuthFiles(spec: AdminAuthSpec | undefined, resolve: (p: string) => string, report: (path: (string | number)[], message: string, hint?: string) => void): void {
  if (spec?.tokenFile) {
    try {
      readAdminToken(resolve(spec.tokenFile));
    } catch (e) {
      report(['admin', 'auth', 'tokenFile'], (e as Error).message, `a file with one random token, e.g. \`openssl rand -hex 32 > FILE\``);
    }
  }
  const secret = spec?.oidc?.clientSecretFile;
  if (secret) {
    try {
      if (!readFileSync(resolve(secret), 'utf8').trim()) throw new Error(`${resolve(secret)} is empty`);
    } catch (e) {
      report(['admin', 'auth', 'oidc', 'clientSecretFile'], `cannot read the client secret: ${(e as Error).message}`, 'the OIDC client\'s secret as the issuer shows it, alone in a file');
    }
  }
}
