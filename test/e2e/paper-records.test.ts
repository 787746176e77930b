// The paper-records form on a phone (Chromium at 390 px, no JavaScript): each line's fields stack
// with their labels and nothing runs off the screen; a line filled in and sent lands in the
// incident's timeline at the time it happened. Screenshots go to test-artifacts/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { type AccessApp, startAccessApp } from '../support/access-app';
import { commanderOnPhone } from '../support/phone-console';

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

describe('the paper-records form on a phone', () => {
  let a: AccessApp;
  let browser: Browser;
  afterAll(async () => {
    await browser?.close();
    await a?.close();
  });

  it('fits the screen, takes a line, and shows it in the timeline at its real time', async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    a = await startAccessApp();
    const phone = await commanderOnPhone(a);
    browser = phone.browser;
    const { page, incidentId: id } = phone;

    await page.goto(`${a.base}/incidents/kunitachi/${id}`);
    await page.getByRole('link', { name: '紙の記録を入力' }).click();
    expect(page.url()).toBe(`${a.base}/incidents/kunitachi/${id}/paper-records`);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(ARTIFACTS, 'paper-records-form-phone.png'), fullPage: true });

    await page.locator('#step_0').selectOption('emergency.contain');
    await page.locator('#occurredAt_0').fill('2026-11-24T10:15');
    await page.locator('#actor_0').fill('中島 哲也');
    await page.locator('#what_0').fill('LAN ケーブルを抜き、二人で切離しを確認');
    await page.getByRole('button', { name: '記録する' }).click();

    expect(page.url()).toBe(`${a.base}/incidents/kunitachi/${id}`);
    const row = page.locator('tr', { hasText: 'LAN ケーブルを抜き' });
    await expect(row.textContent()).resolves.toContain('2026');
    expect(await row.textContent()).toMatch(/10:15/);
    expect(await row.textContent()).toContain('紙の記録: 入力 指揮 太郎');
    await page.screenshot({ path: path.join(ARTIFACTS, 'paper-records-timeline-phone.png'), fullPage: true });
  });
});
