// End to end, as an organisation starts using the console, in Debian's Chromium: the first-run
// setup link (as `npm start` prints it) makes the first administrator, who must set up TOTP from
// the QR code page before anything else; the administrator adds a commander for Katsuragi and
// hands over the one-time link; the commander sets a password, signs in without a second factor,
// declares an incident and signs out, after which neither the Back button nor the incident's URL
// shows anything of it. A council member then answers from the email link without an account and
// sees that task only: no console, no other case data. The sign-in and TOTP pages are checked on
// a phone-width screen; screenshots stay in this test's temporary folder.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser, Page } from 'playwright-core';
import { firstAdminLink, setupUrl } from '../../src/auth/accounts';
import { totpCode } from '../../src/auth/totp';
import { verifyAuditChain } from '../../src/db/audit';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { launchChromium } from '../support/chromium';
import { linkIn, startTestStack, type TestStack } from '../support/stack';
import { devServer } from '../support/temporal';

jest.setTimeout(120_000);

const PHONE = { width: 375, height: 812 };
const ADMIN = { email: 'kanri@katsuragi.example.jp', name: '管理 太郎', password: 'amber-Tide 94 quokka 水車 lantern' };
const COMMANDER = { email: 'shiki@katsuragi.example.jp', name: '指揮 花子', password: 'violet Harbour 61 ibex 風見 kettle' };
const INCIDENT = {
  summary: '窓口端末からの不審な住基照会（E2E）',
  observed: '業務時間外に窓口端末 MD-12 から住民票コードの連続照会が記録された',
  detectedByName: '山田 一郎',
  detectedByEmail: 'yamada@katsuragi.example.jp',
};
const OTHER_SUMMARY = '別件: バックアップ媒体の所在不明';

/** Nothing wider than the screen: no sideways scrolling on a phone. */
const overflow = (page: Page) => page.evaluate<{ scrollWidth: number; innerWidth: number }>('({ scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth })');

describe('signing in, in Chromium: first administrator with TOTP, a commander, and a council member without an account', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let browser: Browser;
  let shots: string;

  beforeAll(async () => {
    shots = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-e2e-sign-in-'));
    env = await devServer();
    stack = await startTestStack(env, { taskQueue: `e2e-sign-in-${Date.now()}` });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await env?.teardown();
    if (shots && !process.env.KEEP_E2E_SCREENSHOTS) fs.rmSync(shots, { recursive: true, force: true });
  });

  it('first administrator → commander declares and signs out → council member answers from the email link', async () => {
    // ---- First run: nobody has an account; the start prints a one-time link. ----
    const token = await firstAdminLink({ db: stack.appDb.db, auditMacKey: stack.auditMacKeys[0], now: () => new Date() });
    expect(token).toBeDefined();
    const firstRun = setupUrl(stack.baseUrl, token!);

    const adminContext = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'ja-JP' });
    const admin = await adminContext.newPage();

    // The sign-in page on a phone.
    expect((await admin.goto(`${stack.baseUrl}/login`))?.status()).toBe(200);
    await expect(admin.locator('h1').textContent()).resolves.toContain('サインイン');
    await admin.screenshot({ path: path.join(shots, 'sign-in-375.png'), fullPage: true });
    const signInFit = await overflow(admin);
    expect(signInFit.scrollWidth).toBeLessThanOrEqual(signInFit.innerWidth);
    // The password field is as wide as the email field above it (a full-width field to tap).
    expect((await admin.locator('#password').boundingBox())!.width).toBe((await admin.locator('#login').boundingBox())!.width);

    // The setup link: email, name, password.
    expect((await admin.goto(firstRun))?.status()).toBe(200);
    await admin.locator('#email').fill(ADMIN.email);
    await admin.locator('#name').fill(ADMIN.name);
    await admin.locator('#password').fill(ADMIN.password);
    await admin.locator('#confirm').fill(ADMIN.password);
    await admin.getByRole('button', { name: 'パスワードを設定' }).click();

    // An administrator cannot go on without a second factor.
    await admin.waitForURL((u) => u.pathname === '/account/totp');
    await expect(admin.locator('h1').textContent()).resolves.toContain('2 要素認証の設定');
    expect(await admin.locator('header form[action="/logout"]').count()).toBe(0); // not signed in yet
    await admin.getByRole('button', { name: '設定を始める' }).click();
    await admin.waitForLoadState();
    const qr = admin.locator('.qr svg');
    expect(await qr.count()).toBe(1); // inline SVG: no script, no image from elsewhere
    const qrBox = (await qr.boundingBox())!;
    expect(qrBox.width).toBeGreaterThan(100);
    const secret = (await admin.locator('code[data-secret]').getAttribute('data-secret'))!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await admin.screenshot({ path: path.join(shots, 'totp-enrol-375.png'), fullPage: true });
    const enrolFit = await overflow(admin);
    expect(enrolFit.scrollWidth).toBeLessThanOrEqual(enrolFit.innerWidth);
    expect(qrBox.x + qrBox.width).toBeLessThanOrEqual(PHONE.width);

    // The authenticator app's code.
    await admin.locator('#code').fill(totpCode(secret, Date.now()));
    await admin.getByRole('button', { name: '確認して有効にする' }).click();
    await admin.waitForLoadState();
    await expect(admin.locator('h1').textContent()).resolves.toContain('リカバリーコード');
    expect(await admin.locator('ul.codes li').count()).toBeGreaterThanOrEqual(8);
    await admin.getByRole('link', { name: '続ける' }).click();
    await admin.waitForURL((u) => u.pathname === '/');
    expect(await admin.locator('header form[action="/logout"]').count()).toBe(1); // the console, signed in

    // ---- The administrator adds a commander for Katsuragi. ----
    await admin.getByRole('link', { name: 'アカウント', exact: true }).click();
    await admin.waitForURL((u) => u.pathname === '/admin/accounts');
    await admin.locator('#email').fill(COMMANDER.email);
    await admin.locator('#name').fill(COMMANDER.name);
    await admin.locator('#role').selectOption('commander');
    await admin.locator('#organisation').selectOption('katsuragi');
    const created = admin.waitForResponse((r) => r.url().endsWith('/admin/accounts') && r.request().method() === 'POST');
    await admin.getByRole('button', { name: '追加して設定リンクを発行' }).click();
    expect((await created).status()).toBe(201);
    await admin.waitForLoadState();
    const invite = (await admin.locator('#issued-link code').textContent())!.trim();
    expect(invite).toMatch(/^https?:\/\/[^/]+\/setup\/\S+$/);
    await expect(admin.locator(`tr[data-account="${COMMANDER.email}"]`).textContent()).resolves.toContain('commander@katsuragi');
    await adminContext.close();

    // ---- The commander, in another browser: the link, a password, signing in. ----
    const origin = new URL(invite).origin;
    const commanderContext = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'ja-JP' });
    const commander = await commanderContext.newPage();
    expect((await commander.goto(invite))?.status()).toBe(200);
    await expect(commander.locator('main').textContent()).resolves.toContain(COMMANDER.email);
    await commander.locator('#password').fill(COMMANDER.password);
    await commander.locator('#confirm').fill(COMMANDER.password);
    await commander.getByRole('button', { name: 'パスワードを設定' }).click();
    await commander.waitForURL((u) => u.pathname === '/'); // no TOTP for a commander of Katsuragi
    // Signing in again from the sign-in page, as on any later day.
    await commanderContext.clearCookies();
    await commander.goto(`${origin}/incidents/new`);
    await commander.waitForURL((u) => u.pathname === '/login');
    expect(new URL(commander.url()).searchParams.get('next')).toBe('/incidents/new');
    await commander.locator('#login').fill(COMMANDER.email);
    await commander.locator('#password').fill(COMMANDER.password);
    await commander.getByRole('button', { name: 'サインイン' }).click();
    await commander.waitForURL((u) => u.pathname === '/incidents/new');

    // Another Katsuragi case, declared over the API: the council member must not see it.
    const other = await stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration({ summary: OTHER_SUMMARY })) });
    expect(other.status).toBe(201);
    const otherId = (await json(other)).incidentId as string;

    // The declaration form.
    await commander.locator('#organisation').selectOption('katsuragi');
    await commander.locator('#kind').selectOption('misconduct');
    await commander.locator('#threatLevel').selectOption('3');
    await commander.locator('#summary').fill(INCIDENT.summary);
    await commander.locator('#observed').fill(INCIDENT.observed);
    await commander.locator('#detectedByName').fill(INCIDENT.detectedByName);
    await commander.locator('#detectedByEmail').fill(INCIDENT.detectedByEmail);
    await commander.locator('#detectedAt').fill('2026-11-30T22:10');
    await commander.locator('#awareAt').fill('2026-12-01T08:40');
    await commander.getByRole('button', { name: '宣言する' }).click();
    await commander.waitForURL((u) => /^\/incidents\/katsuragi\/INC-\d{4}-\d{4}$/.test(u.pathname));
    const incidentUrl = commander.url();
    const incidentId = incidentUrl.split('/').pop()!;
    expect(incidentId).not.toBe(otherId);
    await expect(commander.locator('h1').textContent()).resolves.toContain(INCIDENT.summary);
    await expect(commander.locator('main').textContent()).resolves.toContain(INCIDENT.observed);
    const session = (await commanderContext.cookies()).find((c) => c.name === 'jo_session')!;
    expect(session).toBeDefined();

    // ---- Signing out. ----
    await commander.getByRole('button', { name: 'サインアウト' }).click();
    await commander.waitForURL((u) => u.pathname === '/login');
    expect((await commanderContext.cookies()).some((c) => c.name === 'jo_session')).toBe(false);

    // Back: not the incident from the cache, but the sign-in page (the reload is sent to /login).
    await commander.goBack();
    await commander.waitForLoadState();
    expect(new URL(commander.url()).pathname).toBe('/login');
    const shownAfterBack = (await commander.locator('body').textContent()) ?? '';
    expect(shownAfterBack).not.toContain(INCIDENT.summary);
    expect(shownAfterBack).not.toContain(INCIDENT.observed);
    expect(await commander.locator('header form[action="/logout"]').count()).toBe(0);

    // The incident's URL, asked directly: to the sign-in page, in the browser and without it.
    const direct = await commanderContext.request.get(incidentUrl, { maxRedirects: 0 });
    expect(direct.status()).toBe(303);
    expect(direct.headers().location).toMatch(/^\/login\?next=/);
    expect(await direct.text()).not.toContain(INCIDENT.summary);
    // The old session id is worth nothing now: the server ended it, not only the browser.
    const replayed = await fetch(incidentUrl, { redirect: 'manual', headers: { cookie: `jo_session=${session.value}` } });
    expect(replayed.status).toBe(303);
    expect(replayed.headers.get('location')).toMatch(/^\/login\?next=/);
    await commander.goto(incidentUrl);
    expect(new URL(commander.url()).pathname).toBe('/login');
    expect(await commander.locator('body').textContent()).not.toContain(INCIDENT.summary);
    await commanderContext.close();

    // ---- A council member answers from the email, without an account. ----
    const mails = await stack.waitForMail((m) => m.subject.includes(incidentId), 5);
    const mail = mails.find((m) => m.to.includes('jumin-fukushi-kacho@'))!;
    const link = linkIn(mail);
    const othersInvited = mails.map((m) => m.to).filter((to) => !to.includes('jumin-fukushi-kacho@'));
    expect(othersInvited.length).toBeGreaterThan(0);

    const memberContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, javaScriptEnabled: false, locale: 'ja-JP' });
    const member = await memberContext.newPage();
    expect((await member.goto(link))?.status()).toBe(200);
    await expect(member.locator('h1').textContent()).resolves.toContain('セキュリティ会議の招集');
    // No console: no navigation, no links into it, no sign-out.
    expect(await member.locator('header nav').count()).toBe(0);
    for (const href of ['/incidents', '/organisations', '/tasks', '/outbox', '/admin']) {
      expect(await member.locator(`a[href^="${href}"]`).count()).toBe(0);
    }
    expect(await member.locator('form[action="/logout"]').count()).toBe(0);
    // The task's summary of its case, and nothing else of it or of other cases.
    const text = (await member.locator('body').textContent()) ?? '';
    expect(text).toContain(incidentId);
    expect(text).toContain(INCIDENT.summary);
    for (const hidden of [INCIDENT.observed, INCIDENT.detectedByName, INCIDENT.detectedByEmail, otherId, OTHER_SUMMARY, ...othersInvited]) {
      expect(text).not.toContain(hidden);
    }
    await member.getByLabel('出席する').check();
    await member.getByRole('button', { name: '回答する' }).click();
    await member.waitForLoadState();
    await expect(member.locator('.notice').textContent()).resolves.toContain('出席する');
    expect(await member.locator('header nav').count()).toBe(0);
    await memberContext.close();

    expect(fs.statSync(path.join(shots, 'sign-in-375.png')).size).toBeGreaterThan(5_000);
    expect(fs.statSync(path.join(shots, 'totp-enrol-375.png')).size).toBeGreaterThan(5_000);
    expect(await verifyAuditChain(stack.appDb.db, { macKeys: stack.auditMacKeys })).toMatchObject({ ok: true, problems: [] });
  });
});
