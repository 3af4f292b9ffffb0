// The dev issuer's sign-in for people: an authorization endpoint whose page
// asks for a user name and groups (no password: anyone at this machine may
// be anyone, which is the point of a demo), and the authorization_code grant
// (PKCE S256 required) that turns its code into an ID token.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendOAuthError, sendText } from './http.js';
import { DEFAULT_AUDIENCE, mintIssuerJwt } from './oidc.js';
import { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, type EmulatorState } from './state.js';

const CODE_TTL_MS = 60_000;
const TOKEN_TTL_S = 3600;
const USER = /^[\w.@+-]{1,64}$/;
const GROUP = /^[\w.@:/+-]{1,64}$/;

/** The parameters an authorization request carries through the login page. */
const CARRIED = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method'] as const;

/** GET /oidc/authorize: the login page; POST: its form, answered with a redirect carrying the code. */
export async function handleAuthorize(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const params = req.method === 'POST' ? new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8')) : url.searchParams;
  const bad = checkRequest(params);
  if (bad) return sendText(res, 400, `invalid authorization request: ${bad}\n`);
  if (req.method !== 'POST') return sendText(res, 200, loginPage(params), { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
  const user = (params.get('username') ?? '').trim();
  const groups = (params.get('groups') ?? '').split(/[,\s]+/).filter(Boolean);
  if (!USER.test(user) || !groups.every((g) => GROUP.test(g))) {
    return sendText(res, 200, loginPage(params, 'A user name (letters, digits, . _ @ + -) and groups separated by commas.'), { 'content-type': 'text/html; charset=utf-8' });
  }
  const code = randomBytes(24).toString('base64url');
  state.authCodes.set(code, {
    clientId: params.get('client_id')!,
    redirectUri: params.get('redirect_uri')!,
    codeChallenge: params.get('code_challenge')!,
    nonce: params.get('nonce') ?? undefined,
    scope: params.get('scope') ?? 'openid',
    sub: user,
    groups,
    expiresAt: Date.now() + CODE_TTL_MS,
  });
  const back = new URL(params.get('redirect_uri')!);
  back.searchParams.set('code', code);
  if (params.get('state')) back.searchParams.set('state', params.get('state')!);
  res.writeHead(302, { location: back.toString(), 'cache-control': 'no-store' });
  res.end();
}

function checkRequest(p: URLSearchParams): string | undefined {
  if (p.get('response_type') !== 'code') return 'response_type must be code';
  if (!p.get('client_id')) return 'client_id is missing';
  const redirect = p.get('redirect_uri') ?? '';
  if (!/^https?:\/\//.test(redirect) || !URL.canParse(redirect)) return 'redirect_uri must be an http(s) URL';
  if (!p.get('code_challenge') || p.get('code_challenge_method') !== 'S256') return 'PKCE is required: code_challenge with code_challenge_method S256';
  return undefined;
}

/** grant_type=authorization_code at the token endpoint. */
export async function redeemCode(state: EmulatorState, res: ServerResponse, params: Map<string, string>, client: { id?: string; secret?: string }): Promise<void> {
  const code = state.authCodes.get(params.get('code') ?? '');
  // Once only, whatever happens next.
  if (code) state.authCodes.delete(params.get('code')!);
  for (const [k, c] of state.authCodes) if (c.expiresAt < Date.now()) state.authCodes.delete(k);
  if (!code || code.expiresAt < Date.now()) return sendOAuthError(res, 400, 'invalid_grant', 'unknown, used or expired authorization code');
  const clientId = client.id ?? params.get('client_id');
  if (clientId !== code.clientId) return sendOAuthError(res, 400, 'invalid_grant', 'the code was issued to another client');
  // The dev client is confidential; any other client id is a public client (PKCE is its proof).
  if (clientId === OIDC_CLIENT_ID && client.secret !== OIDC_CLIENT_SECRET) return sendOAuthError(res, 401, 'invalid_client', 'client authentication failed');
  if (params.get('redirect_uri') !== code.redirectUri) return sendOAuthError(res, 400, 'invalid_grant', 'redirect_uri differs from the authorization request');
  const verifier = params.get('code_verifier') ?? '';
  if (createHash('sha256').update(verifier).digest('base64url') !== code.codeChallenge) return sendOAuthError(res, 400, 'invalid_grant', 'code_verifier does not match the code_challenge');
  const claims = { name: code.sub, preferred_username: code.sub, azp: clientId, auth_time: Math.floor(Date.now() / 1000) };
  const idToken = await mintIssuerJwt(state, { sub: code.sub, groups: code.groups, aud: clientId, ttlSeconds: TOKEN_TTL_S, claims: { ...claims, ...(code.nonce ? { nonce: code.nonce } : {}) } });
  const accessToken = await mintIssuerJwt(state, { sub: code.sub, groups: code.groups, aud: DEFAULT_AUDIENCE, ttlSeconds: TOKEN_TTL_S, claims: { scope: code.scope, client_id: clientId, azp: clientId } });
  const payload = JSON.stringify({ access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: TOKEN_TTL_S, scope: code.scope });
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(payload), 'cache-control': 'no-store' });
  res.end(payload);
}

function loginPage(p: URLSearchParams, problem?: string): string {
  const hidden = CARRIED.map((k) => (p.get(k) === null ? '' : `<input type="hidden" name="${k}" value="${esc(p.get(k)!)}">`)).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign in — Warden dev issuer</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;min-height:100vh;display:grid;place-items:center;background:#f3f4f6;color:#111}
main{background:#fff;padding:2rem 2.5rem;border-radius:10px;box-shadow:0 2px 12px #0002;width:24rem}
h1{font-size:1.3rem;margin:0 0 .25rem}p{margin:.25rem 0 1rem;color:#444}
label{display:block;font-weight:600;margin-top:1rem}input[type=text]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #888;border-radius:6px}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font:inherit;font-weight:600;background:#1d4ed8;color:#fff;border:0;border-radius:6px;cursor:pointer}
button:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.hint{font-size:.85rem;color:#555}.problem{color:#b91c1c}
@media (prefers-color-scheme:dark){body{background:#111827;color:#eee}main{background:#1f2937}p,.hint{color:#ccc}input[type=text]{background:#111827;color:#eee}}
</style></head>
<body><main>
<h1>Warden dev issuer</h1>
<p>Signing in to <strong>${esc(p.get('client_id') ?? '')}</strong>. No password: this issuer is for demos and tests only.</p>
${problem ? `<p class="problem" role="alert">${esc(problem)}</p>` : ''}
<form method="post" action="authorize">
${hidden}
<label for="username">User name</label>
<input type="text" id="username" name="username" required autocomplete="username" autofocus value="${esc(p.get('username') ?? '')}">
<label for="groups">Groups</label>
<input type="text" id="groups" name="groups" aria-describedby="groups-hint" value="${esc(p.get('groups') ?? '')}">
<div class="hint" id="groups-hint">Separated by commas. The demo's console: <code>warden-admins</code> may do everything, <code>warden-readers</code> may read.</div>
<button type="submit">Sign in</button>
</form>
</main></body></html>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
