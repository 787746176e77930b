// The contracts' pages on a phone (Chromium at 390 px, no JavaScript): the list, one contract with
// its findings, checklists and timeline, and the calendar fit the screen, each row stacked with its
// labels; an overdue action stands out. Screenshots go to test-artifacts/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SESSION_COOKIE } from '../../src/api/access';
import { generateSigningKey } from '../../src/tokens';
import { type AccessApp, sessionCookie, startAccessApp } from '../support/access-app';
import { createTestAccount } from '../support/auth';
import { launchChromium, PHONE } from '../support/chromium';
import { dayFromNow, type SeededContract, seedActiveContract, seedContract } from '../support/contract-seeds';

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');
const T = 'tokyo';

describe('the contracts’ pages on a phone', () => {
  let a: AccessApp;
  let browser: Browser;
  let page: Page;
  let active: SeededContract;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    a = await startAccessApp();
    active = await seedActiveContract(a.db, generateSigningKey('a1'), { name: '藤田 圭', email: 'shinkokikaku-kacho@metro.tokyo.example.jp' });
    await seedContract(a.db, '調査中株式会社', dayFromNow(30));
    const account = await createTestAccount(a.db, { email: 'kakaricho@metro.tokyo.example.jp', name: '委託 係長', grants: [{ role: 'member', organisation: T }] });
    browser = await launchChromium();
    const context = await browser.newContext(PHONE);
    await context.addCookies([{ name: SESSION_COOKIE, value: (await sessionCookie(a, account.id)).split('=')[1], url: a.base }]);
    page = await context.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await a?.close();
  });

  const fits = async () => expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

  it('the list: each contract a card with its labels, the overdue actions in red; on to the contract', async () => {
    await page.goto(`${a.base}/contracts/${T}`);
    await fits();
    const row = page.locator(`tr[data-contract="${active.number}"]`);
    expect(await row.textContent()).toContain('期限超過の是正措置2');
    expect(await page.evaluate(`getComputedStyle(document.querySelector('tr[data-contract="${active.number}"] .overdue')).color`)).toBe('rgb(179, 38, 30)');
    await page.screenshot({ path: path.join(ARTIFACTS, 'contracts-list-phone.png'), fullPage: true });
    await row.getByRole('link', { name: active.number }).click();
    expect(page.url()).toBe(`${a.base}/contracts/${T}/${active.number}`);
  });

  it('one contract: status, suspended scope, findings, checklists and timeline fit; the inspection form is there', async () => {
    await page.goto(`${a.base}/contracts/${T}/${active.number}`);
    await fits();
    expect(await page.locator('#suspended-scopes').textContent()).toContain('作業場所');
    expect(await page.locator('#findings tr[data-finding="periodic-1-safeguards"]').textContent()).toContain('USB メモリの持出し記録がない');
    await page.locator('details[data-checklist="inspection/periodic-1"] summary').click();
    expect(await page.locator('details[data-checklist="inspection/periodic-1"]').textContent()).toContain('不適合');
    await expect(page.getByRole('button', { name: '随時検査を依頼' }).isVisible()).resolves.toBe(true);
    await fits();
    await page.screenshot({ path: path.join(ARTIFACTS, 'contracts-detail-phone.png'), fullPage: true });
  });

  it('the calendar: month by month', async () => {
    await page.goto(`${a.base}/contracts/${T}/calendar`);
    await fits();
    expect(await page.locator('#calendar h2').count()).toBe(12);
    expect(await page.locator('#calendar').textContent()).toContain('株式会社アクティブ（第1回 定期検査）');
    await page.screenshot({ path: path.join(ARTIFACTS, 'contracts-calendar-phone.png'), fullPage: true });
  });
});
