// Sign-in on the admin port, against a real Warden and the emulator's dev
// issuer: the code flow with PKCE through the login page, the session cookie,
// the admin token, CSRF, the default policy's 403s, sign-out; and the refusal
// to start (and config check's problem) for an exposed port without sign-in.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadGateway, startGateway } from '../../src/gateway.js';
import { quietLogger } from '../helpers/logs.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { ADMIN_TOKEN, gatewayYaml, GEN, signIn, startConsoleStack, type ConsoleStack, type Session } from './stack.js';

describe('admin sign-in', () => {
  let s: ConsoleStack;
  let admin: Session;
  let reader: Session;
  before(async () => {
    s = await startConsoleStack();
    admin = await s.signIn('ada', ['warden-admins']);
    reader = await s.signIn('rob', ['warden-readers']);
  });
  after(() => s.close());

  it('the callback sets an HttpOnly, SameSite=Strict session cookie (not Secure over plain http) and the session names the person', async () => {
    const start = await fetch(`${s.admin}/auth/login?return=/%23/audit`, { redirect: 'manual' });
    assert.equal(start.status, 302);
    const to = new URL(start.headers.get('location')!);
    assert.equal(to.origin + to.pathname, `${s.emu.issuer}/authorize`);
    assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(to.searchParams.get('redirect_uri'), `${s.admin}/auth/callback`);
    const loginCookie = start.headers.getSetCookie()[0];
    assert.match(loginCookie, /^warden-login=[\w-]+; Path=\/auth\/; HttpOnly; SameSite=Lax; Max-Age=600$/);
    // The login page itself: labelled fields.
    const page = await (await fetch(to)).text();
    assert.match(page, /<label for="username">User name<\/label>/);
    assert.match(page, /<label for="groups">Groups<\/label>/);
    const form = new URLSearchParams(to.searchParams);
    form.set('username', 'carol');
    form.set('groups', 'warden-readers, analysts');
    const issued = await fetch(`${to.origin}${to.pathname}`, { method: 'POST', body: form, redirect: 'manual' });
    const back = await fetch(issued.headers.get('location')!, { headers: { cookie: loginCookie.split(';')[0] }, redirect: 'manual' });
    assert.equal(back.status, 200);
    assert.match(await back.text(), /http-equiv="refresh" content="0;url=\/#\/audit"/);
    const session = back.headers.getSetCookie().find((c) => c.startsWith('warden-session='))!;
    assert.match(session, /^warden-session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    const me = await (await fetch(`${s.admin}/api/session`, { headers: { cookie: session.split(';')[0] } })).json();
    assert.equal(me.signedIn, true);
    assert.equal(me.name, 'carol');
    assert.equal(me.principal, `${s.emu.issuer}/carol`);
    assert.deepEqual(me.groups, ['warden-readers', 'analysts']);
    assert.equal(me.can.audit, true);
    assert.equal(me.can.credentials, false);
    assert.match(me.csrf, /^[\w-]{43}$/);
  });

  it('a callback in a browser that did not start the sign-in, or replayed, is refused', async () => {
    const start = await fetch(`${s.admin}/auth/login`, { redirect: 'manual' });
    const to = new URL(start.headers.get('location')!);
    const form = new URLSearchParams(to.searchParams);
    form.set('username', 'mallory');
    form.set('groups', 'warden-admins');
    const issued = await fetch(`${to.origin}${to.pathname}`, { method: 'POST', body: form, redirect: 'manual' });
    const callback = issued.headers.get('location')!;
    const other = await fetch(callback, { headers: { cookie: 'warden-login=someone-else' }, redirect: 'manual' });
    assert.equal(other.status, 400);
    assert.match(await other.text(), /started in another browser/);
    assert.equal(other.headers.getSetCookie().length, 0);
  });

  it('open without sign-in: /healthz, /readyz, /metrics (by default), the console page; the API answers 401', async () => {
    assert.equal((await fetch(`${s.admin}/healthz`)).status, 200);
    assert.equal((await fetch(`${s.admin}/readyz`)).status, 200);
    assert.equal((await fetch(`${s.admin}/metrics`)).status, 200);
    for (const path of ['/api/traffic', '/api/audit', '/api/credentials', '/credentials']) {
      const res = await fetch(`${s.admin}${path}`);
      assert.equal(res.status, 401, path);
      assert.equal((await res.json()).error.reason, 'UNAUTHENTICATED');
    }
    const explain = await fetch(`${s.admin}/explain`, { method: 'POST', body: '{}' });
    assert.equal(explain.status, 401);
    const me = await (await fetch(`${s.admin}/api/session`)).json();
    assert.equal(me.signedIn, false);
    assert.equal(me.oidc, true);
  });

  it('the admin token (scripts, CI) may do everything; a wrong bearer token is 401', async () => {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const creds = await fetch(`${s.admin}/credentials`, { headers: auth });
    assert.equal(creds.status, 200);
    assert.equal((await creds.json()).credentials[0].name, 'vertex-sa');
    // No CSRF token needed: a bearer token is no ambient authority a page could borrow.
    const explained = await fetch(`${s.admin}/explain`, { method: 'POST', headers: auth, body: JSON.stringify({ method: 'POST', path: GEN }) });
    assert.equal(explained.status, 200);
    assert.equal((await explained.json()).decision.action, 'deny');
    const wrong = await fetch(`${s.admin}/api/credentials`, { headers: { authorization: 'Bearer not-the-token-000000000' } });
    assert.equal(wrong.status, 401);
  });

  it('a reader reads traffic, audit, usage and health, and gets 403 for credentials and explanations', async () => {
    for (const path of ['/api/traffic', '/api/audit', '/api/usage', '/api/health', '/api/audit/verify']) {
      assert.equal((await reader.fetch(path)).status, 200, path);
    }
    const creds = await reader.fetch('/api/credentials');
    assert.equal(creds.status, 403);
    const body = await creds.json();
    assert.equal(body.error.reason, 'PERMISSION_DENIED');
    assert.match(body.error.message, /no ALLOW policy matched/);
    const explain = await reader.fetch('/api/explain', { method: 'POST', headers: { 'x-csrf-token': reader.csrf }, body: JSON.stringify({ request: { method: 'POST', path: GEN } }) });
    assert.equal(explain.status, 403);
    const verify = await reader.fetch('/api/audit/verify', { method: 'POST', headers: { 'x-csrf-token': reader.csrf } });
    assert.equal(verify.status, 403);
  });

  it('a state-changing call without the session\'s CSRF token, with another session\'s, or from another origin is refused', async () => {
    const none = await admin.fetch('/api/audit/verify', { method: 'POST' });
    assert.equal(none.status, 403);
    assert.equal((await none.json()).error.reason, 'CSRF_FAILED');
    const others = await admin.fetch('/api/audit/verify', { method: 'POST', headers: { 'x-csrf-token': reader.csrf } });
    assert.equal(others.status, 403);
    const foreign = await admin.fetch('/api/audit/verify', { method: 'POST', headers: { 'x-csrf-token': admin.csrf, origin: 'http://evil.example' } });
    assert.equal(foreign.status, 403);
    const ok = await admin.fetch('/api/audit/verify', { method: 'POST', headers: { 'x-csrf-token': admin.csrf, origin: s.admin } });
    assert.equal(ok.status, 202);
  });

  it('an admin explains a typed-in request and reads credential details (never a token)', async () => {
    const creds = await admin.fetch('/api/credentials');
    assert.equal(creds.status, 200);
    const text = await creds.text();
    assert.match(text, /"source": "service_account warden@/);
    assert.doesNotMatch(text, /ya29\.|access_token|private_key/);
    const token = await s.callerToken('alice', ['ml-engineers']);
    const res = await admin.fetch('/api/explain', { method: 'POST', headers: { 'x-csrf-token': admin.csrf }, body: JSON.stringify({ request: { method: 'POST', path: GEN, token } }) });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.explanation.decision.action, 'allow');
    assert.match(body.text, /^ALLOW: allowed by ALLOW policy ml-engineers rule 0/);
  });

  it('sign-out ends the session at once (needs the CSRF token too)', async () => {
    const me = await s.signIn('temp', ['warden-readers']);
    assert.equal((await me.fetch('/auth/logout', { method: 'POST' })).status, 403);
    const out = await me.fetch('/auth/logout', { method: 'POST', headers: { 'x-csrf-token': me.csrf } });
    assert.equal(out.status, 200);
    assert.match(out.headers.getSetCookie()[0], /^warden-session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/);
    assert.equal((await me.fetch('/api/traffic')).status, 401);
    assert.equal((await (await me.fetch('/api/session')).json()).signedIn, false);
  });
});

describe('an exposed admin port without sign-in', () => {
  let dir: string;
  before(() => {
    dir = makeTempDir('warden-exposed-');
  });
  after(() => removeDir(dir));

  const config = (admin: string) => `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: w}
spec:
  admin: ${admin}
  routes: [{name: v, provider: vertex, upstream: "http://127.0.0.1:9"}]
`;

  it('config check reports it at spec.admin.host with the hint; start refuses it', async () => {
    const file = join(dir, 'exposed.yaml');
    writeFileSync(file, config('{host: 0.0.0.0, port: 0}'));
    const r = spawnSync(process.execPath, ['bin/warden.js', 'config', 'check', '-c', file], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /exposed\.yaml:5:\d+: Gateway "w" spec\.admin\.host: the admin port binds 0\.0\.0\.0, which other machines can reach, and no sign-in is configured/);
    assert.match(r.stderr, /hint: add spec\.admin\.auth \(oidc for people, tokenFile for scripts; see docs\/console\.md\), or bind the admin port to 127\.0\.0\.1/);
    await assert.rejects(loadGateway(file), /the admin port binds 0\.0\.0\.0/);
    const started = spawnSync(process.execPath, ['bin/warden.js', 'start', '-c', file], { encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(started.status, 0);
    assert.match(started.stderr, /admin port binds 0\.0\.0\.0/);
  });

  it('loopback needs no sign-in; a host given at start is checked too', async () => {
    const file = join(dir, 'loopback.yaml');
    writeFileSync(file, config('{host: 127.0.0.1, port: 0}'));
    const parts = await loadGateway(file);
    await assert.rejects(startGateway(parts, { log: quietLogger(), listen: { port: 0 }, admin: { host: '::', port: 0 } }), /admin port binds ::.*\n  hint: add spec\.admin\.auth/);
    const gw = await startGateway(await loadGateway(file), { log: quietLogger(), listen: { port: 0 }, admin: { port: 0 } });
    try {
      assert.equal((await fetch(`${gw.adminUrl}/credentials`)).status, 200);
    } finally {
      await gw.close();
    }
  });

  it('a token file that is too short or unreadable is a config problem', async () => {
    writeFileSync(join(dir, 'short'), 'abc\n');
    const file = join(dir, 'short.yaml');
    writeFileSync(file, config('{host: 0.0.0.0, port: 0, auth: {tokenFile: ./short}}'));
    await assert.rejects(loadGateway(file), /admin\.auth\.tokenFile: the admin token in .*short is shorter than 16 characters/);
    writeFileSync(file, config('{host: 0.0.0.0, port: 0, auth: {tokenFile: ./missing}}'));
    await assert.rejects(loadGateway(file), /admin\.auth\.tokenFile: ENOENT/);
  });
});

describe('protected metrics', () => {
  it('metrics: protected puts /metrics behind sign-in and policy (readers may)', async () => {
    const s = await startConsoleStack({ adminAuth: `    auth:\n      tokenFile: ./admin-token\n      metrics: protected` });
    try {
      assert.equal((await fetch(`${s.admin}/metrics`)).status, 401);
      const res = await fetch(`${s.admin}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /warden_requests_total|# HELP/);
      assert.equal((await fetch(`${s.admin}/healthz`)).status, 200);
      await assert.rejects(signIn(s.admin, 'x', []), /login answered 404/);
    } finally {
      await s.close();
    }
  });
});

describe('behind TLS (publicUrl https)', () => {
  it('the cookies are Secure (the session one __Host-), and the redirect URI is the public one', async () => {
    const s = await startConsoleStack({ adminAuth: '    auth:\n      oidc: {issuer: ISSUER, clientId: warden-console}\n      publicUrl: https://warden-admin.example.com/' });
    try {
      const start = await fetch(`${s.admin}/auth/login`, { redirect: 'manual' });
      assert.equal(start.status, 302);
      assert.match(start.headers.getSetCookie()[0], /^warden-login=[\w-]+; Path=\/auth\/; HttpOnly; SameSite=Lax; Secure; Max-Age=600$/);
      const to = new URL(start.headers.get('location')!);
      assert.equal(to.searchParams.get('redirect_uri'), 'https://warden-admin.example.com/auth/callback');
      const form = new URLSearchParams(to.searchParams);
      form.set('username', 'tls');
      form.set('groups', 'warden-readers');
      const issued = await fetch(`${to.origin}${to.pathname}`, { method: 'POST', body: form, redirect: 'manual' });
      // The browser would reach the public URL; here its path is taken to the admin port itself.
      const back = new URL(issued.headers.get('location')!);
      const callback = await fetch(`${s.admin}${back.pathname}${back.search}`, { headers: { cookie: start.headers.getSetCookie()[0].split(';')[0] }, redirect: 'manual' });
      assert.equal(callback.status, 200);
      const session = callback.headers.getSetCookie().find((c) => c.startsWith('__Host-warden-session='));
      assert.match(session!, /^__Host-warden-session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Secure; Max-Age=28800$/);
      // A state-changing call from the console's own (public) origin passes the Origin check, another does not.
      const cookie = session!.split(';')[0];
      const csrf = (await (await fetch(`${s.admin}/api/session`, { headers: { cookie } })).json()).csrf;
      const out = await fetch(`${s.admin}/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, origin: 'http://warden-admin.example.com' } });
      assert.equal(out.status, 403);
      const ok = await fetch(`${s.admin}/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, origin: 'https://warden-admin.example.com' } });
      assert.equal(ok.status, 200);
    } finally {
      await s.close();
    }
  });
});
