// The web console in a real browser (Debian's chromium, driven by
// playwright-core) against a real Warden, the emulator and its dev issuer:
// sign in through the issuer's login page; a request made with fetch shows up
// in Live traffic, pushed; the audit finds it by request id; a refused
// record's explanation reads; the usage chart draws its data; verification
// runs; a reader cannot reach an admin-only action (403) and a CSRF-less POST
// is refused; sign out. With WARDEN_SCREENSHOTS=DIR, each view is saved there
// as a PNG at 1280x800 (docs/console.md shows them).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { until } from '../helpers/process.js';
import { GEN, startConsoleStack, TRAIN, type ConsoleStack } from './stack.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SHOTS = process.env.WARDEN_SCREENSHOTS;
const VIEWPORT = { width: 1280, height: 800 };

const LIMITS = `  limits:
    rules:
      - {name: per-group, by: [group], requests: {limit: 100, per: 1h}, tokens: {limit: 5000, per: 1h}}
`;

describe('web console in a browser', () => {
  let s: ConsoleStack;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;

  const call = async (path: string, sub: string, groups: string[], requestId: string, body: unknown) => {
    const token = await s.callerToken(sub, groups);
    return fetch(`${s.gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': requestId }, body: JSON.stringify(body) });
  };
  const prompt = { contents: [{ role: 'user', parts: [{ text: 'Hello console' }] }] };
  const shot = async (p: Page, name: string) => {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await p.screenshot({ path: join(SHOTS, `${name}.png`) });
  };

  /** Signs in through the dev issuer's login page, as a person does. */
  const signIn = async (ctx: BrowserContext, user: string, groups: string): Promise<Page> => {
    const p = await ctx.newPage();
    await p.goto(`${s.admin}/`);
    await p.getByRole('link', { name: 'Sign in' }).click();
    await p.waitForURL(/\/oidc\/authorize/);
    await p.getByLabel('User name').fill(user);
    await p.getByLabel('Groups').fill(groups);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('user').waitFor();
    assert.equal(await p.getByTestId('user').textContent(), user);
    return p;
  };

  before(async () => {
    s = await startConsoleStack({ extra: LIMITS, policies: `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: analysts-gemini}
spec:
  rules:
    - when: [{key: "request.auth.claims[groups]", values: [analysts]}, {key: request.model, values: ["gemini*"]}]
` });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    admin = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'light' });
    page = await signIn(admin, 'ada', 'warden-admins');
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  it('signs in through the issuer\'s login page: the session cookie is HttpOnly and SameSite=Strict', async () => {
    const cookie = (await admin.cookies()).find((c) => c.name === 'warden-session')!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(await page.evaluate('document.cookie'), '', 'no script can read it');
  });

  it('a request made outside the browser appears in Live traffic, pushed', async () => {
    await page.goto(`${s.admin}/#/live`);
    await page.getByRole('status').filter({ hasText: 'connected' }).waitFor();
    for (let i = 0; i < 3; i++) assert.equal((await call(GEN, 'warm', ['ml-engineers'], `warm-${i}`, prompt)).status, 200);
    const id = `live-${Date.now()}`;
    const sent = Date.now();
    assert.equal((await call(GEN, 'alice', ['ml-engineers'], id, prompt)).status, 200);
    const row = page.locator(`tr[data-request-id="${id}"]`);
    await row.waitFor({ timeout: 3000 });
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[1], 'alice');
    assert.equal(cells[2], 'ml-engineers');
    assert.equal(cells[4], 'gemini-2.0-flash');
    assert.equal(cells[5], 'generateContent');
    assert.equal(cells[6], 'allow');
    assert.equal(cells[7], '200');
    assert.match(cells[9], /^\d+$/);
    console.log(`# live: the record showed ${Date.now() - sent} ms after the request was sent`);
    // Pause holds new rows back, resume shows them.
    await page.getByRole('button', { name: 'Pause' }).click();
    const held = `held-${Date.now()}`;
    await call(GEN, 'alice', ['ml-engineers'], held, prompt);
    await page.getByRole('button', { name: 'Resume (1 new)' }).waitFor();
    assert.equal(await page.locator(`tr[data-request-id="${held}"]`).count(), 0);
    await page.getByRole('button', { name: /Resume/ }).click();
    await page.locator(`tr[data-request-id="${held}"]`).waitFor();
    // A filter.
    await page.getByLabel('Decision').selectOption('deny');
    assert.equal(await page.locator(`tr[data-request-id="${held}"]`).count(), 0);
    await page.getByLabel('Decision').selectOption('');
    await shot(page, 'live');
  });

  it('the audit finds a request by its id and shows the whole record', async () => {
    const id = `audit-${Date.now()}`;
    assert.equal((await call(GEN, 'alice', ['ml-engineers'], id, prompt)).status, 200);
    await page.goto(`${s.admin}/#/audit`);
    // The SQLite store has it once the writer's batch is committed (100 ms): search until it shows.
    await until(async () => {
      await page.getByLabel('Request id').fill(id);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('status').filter({ hasText: /records?, newest first/ }).waitFor();
      return (await page.locator(`tr[data-request-id="${id}"]`).count()) === 1;
    }, 'the record in the audit store', 5000, 25);
    await page.getByRole('button', { name: `Show record ${id}` }).click();
    const detail = page.locator('aside.detail');
    await detail.getByRole('heading', { name: `Request ${id}` }).waitFor();
    const text = await detail.textContent();
    assert.match(text!, /POST \/v1\/projects\/emulator-project\/locations\/us-central1\/publishers\/google\/models\/gemini-2\.0-flash:generateContent → 200/);
    assert.match(text!, /credentialvertex-sa/);
    assert.match(text!, /hash[0-9a-f]{64}/);
    await shot(page, 'audit');
  });

  it('a refused record opens its explanation', async () => {
    const id = `refused-${Date.now()}`;
    assert.equal((await call(TRAIN, 'bob', ['analysts'], id, { displayName: 'train' })).status, 403);
    await page.goto(`${s.admin}/#/audit?requestId=${id}`);
    await until(async () => {
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('status').filter({ hasText: /records?, newest first/ }).waitFor();
      return (await page.locator(`tr[data-request-id="${id}"]`).count()) === 1;
    }, 'the refused record', 5000, 25);
    await page.getByRole('button', { name: `Show record ${id}` }).click();
    await page.getByRole('link', { name: 'Explain this decision' }).click();
    const result = page.getByTestId('explanation');
    await result.waitFor();
    const verdict = await result.locator('.verdict').textContent();
    assert.equal(verdict, 'DENY: no ALLOW policy matched');
    const text = await result.textContent();
    assert.match(text!, /Recorded: deny, status 403/);
    assert.match(text!, /analysts-gemini.*rule 0 wants request\.model in \[gemini\*\]/);
    assert.match(text!, /ml-engineers.*rule 0 wants request\.auth\.claims\[groups\] in \[ml-engineers\]/);
    await shot(page, 'explain');
  });

  it('the usage chart draws the requests per group', async () => {
    await page.goto(`${s.admin}/#/usage`);
    const chart = page.getByTestId('chart-requests');
    await chart.locator('canvas').waitFor();
    assert.ok(Number(await chart.getAttribute('data-points')) > 0, 'the chart has data points');
    assert.match((await chart.getAttribute('data-series'))!, /ml-engineers/);
    // Pixels of the first series' colour (#2563eb) on the canvas: the line is drawn, not just the axes.
    const drawn = await chart.locator('canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 0x25) < 24 && Math.abs(d[i + 1] - 0x63) < 24 && Math.abs(d[i + 2] - 0xeb) < 24 && d[i + 3] > 200) n++;
      return n;
    });
    assert.ok(drawn > 20, `series pixels on the canvas: ${drawn}`);
    // Quota use against the limit.
    const quota = page.getByRole('table', { name: 'Quota use against limits' });
    assert.match((await quota.textContent())!, /per-grouprequests100 per 1hgroup ml-engineers/);
    await shot(page, 'usage');
  });

  it('credentials and health: each credential\'s state and expiry, never a token; verification runs from the audit view', async () => {
    await page.goto(`${s.admin}/#/health`);
    await page.getByTestId('readiness').filter({ hasText: 'ready' }).waitFor();
    const creds = await page.getByRole('table', { name: 'Upstream credentials' }).textContent();
    assert.match(creds!, /vertex-saservice_account warden@emulator-project\.iam\.gserviceaccount\.comvalid/);
    assert.doesNotMatch(await page.content(), /ya29\.|eyJhbGciOi/);
    assert.match((await page.getByRole('table', { name: 'Trusted issuers' }).textContent())!, new RegExp(`${s.emu.issuer}.*ok`));
    await shot(page, 'health');
    await page.goto(`${s.admin}/#/audit`);
    await page.getByRole('button', { name: 'Verify now' }).click();
    await page.getByTestId('verify-status').filter({ hasText: /OK \d+ records in 1 chain/ }).waitFor({ timeout: 15_000 });
  });

  it('a reader cannot reach admin-only actions (403), and a CSRF-less POST is refused', async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'dark' });
    try {
      const reader = await signIn(ctx, 'rob', 'warden-readers');
      await reader.goto(`${s.admin}/#/explain`);
      await reader.getByRole('alert').filter({ hasText: 'You may not see this view' }).waitFor();
      await shot(reader, 'reader-dark');
      // As a string: the test's own compiled functions carry helpers the page does not have.
      const answers = await reader.evaluate(`(async () => {
        const csrf = (await (await fetch('/api/session')).json()).csrf;
        const post = (path, headers) => fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"requestId":"x"}' }).then((r) => r.status);
        return {
          credentials: (await fetch('/api/credentials')).status,
          explain: await post('/api/explain', { 'x-csrf-token': csrf }),
          verify: await post('/api/audit/verify', { 'x-csrf-token': csrf }),
          audit: (await fetch('/api/audit')).status,
        };
      })()`);
      assert.deepEqual(answers, { credentials: 403, explain: 403, verify: 403, audit: 200 });
    } finally {
      await ctx.close();
    }
    // The admin may verify, but not without the session's CSRF token.
    const csrfless = await page.evaluate(`fetch('/api/audit/verify', { method: 'POST' }).then(async (r) => [r.status, (await r.json()).error.reason])`);
    assert.deepEqual(csrfless, [403, 'CSRF_FAILED']);
  });

  it('signs out: the console asks to sign in again and the API answers 401', async () => {
    await page.goto(`${s.admin}/#/live`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(`fetch('/api/traffic').then((r) => r.status)`), 401);
    assert.equal((await admin.cookies()).find((c) => c.name === 'warden-session'), undefined);
  });
});
