// The public notice page (公表, kunitachi:14) as a resident opens it: Debian's Chromium on a
// phone-sized screen, JavaScript off, not signed in. The page fits the screen, carries the
// approved notice and nothing of the console. A screenshot is kept in test-artifacts/.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { type AccessApp, seedIncident, startAccessApp } from '../support/access-app';
import { launchChromium } from '../support/chromium';
import { seedApprovedNotice } from '../support/notices';

jest.setTimeout(120_000);

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

describe('the public notice page on a phone', () => {
  let a: AccessApp;
  let browser: Browser;
  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    a = await startAccessApp();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await a?.close();
  });

  it('shows the approved notice, fitting a 390 px screen', async () => {
    const incident = await seedIncident(a.db, 'kunitachi', randomUUID(), { kind: 'leak', summary: '住民票の写しの誤送付' });
    const noticeId = await seedApprovedNotice(a.db, 'kunitachi', incident.incident_id);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, javaScriptEnabled: false, locale: 'ja-JP' });
    const page = await context.newPage();
    const response = await page.goto(`${a.base}/public/kunitachi/notices/${noticeId}`);
    expect(response?.status()).toBe(200);
    await expect(page.locator('h1').textContent()).resolves.toBe('住民票の写しの誤送付に関するお詫びとお知らせ');
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('事象の発生原因');
    expect(text).toContain('042-576-2111');
    expect(text).not.toContain('作成 一郎');
    expect(await page.locator('nav').count()).toBe(0);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(ARTIFACTS, 'public-notice.png'), fullPage: true });
    await context.close();
  });
});
