// The waiver form (不要とする) on a phone (Chromium at 390 px, no JavaScript): the obligations'
// table stacks with its form, nothing runs off the screen, and an obligation waived with a reason
// shows as waived with the page's note, the reason in the case's record. Screenshots go to test-artifacts/.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { SESSION_COOKIE } from '../../src/api/access';
import { auditTrail } from '../../src/db/audit';
import { type AccessApp, seedIncident, sessionCookie, startAccessApp } from '../support/access-app';
import { createTestAccount } from '../support/auth';
import { launchChromium } from '../support/chromium';

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

describe('the waiver form on a phone', () => {
  let a: AccessApp;
  let browser: Browser;
  afterAll(async () => {
    await browser?.close();
    await a?.close();
  });

  it('fits the screen and waives an open obligation with its reason', async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    a = await startAccessApp();
    const { incident_id: id } = await seedIncident(a.db, 'kunitachi', randomUUID(), { detectedAt: '2026-11-24T01:10:00+09:00', awareAt: '2026-11-24T08:40:00+09:00' });
    const account = await createTestAccount(a.db, { email: 'commander@kunitachi.example.jp', name: '指揮 太郎', grants: [{ role: 'commander', organisation: 'kunitachi' }] });
    const session = (await sessionCookie(a, account.id)).split('=')[1];
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, javaScriptEnabled: false, locale: 'ja-JP' });
    await context.addCookies([{ name: SESSION_COOKIE, value: session, url: a.base }]);
    const page = await context.newPage();

    await page.goto(`${a.base}/incidents/kunitachi/${id}`);
    const row = page.locator('#closing ~ section tr[data-key="final-report"]');
    await row.getByLabel('不要とする理由').scrollIntoViewIfNeeded();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    // The reason field and the button are wide enough to tap.
    const box = (await row.getByRole('button', { name: '不要とする' }).boundingBox())!;
    expect(box.height).toBeGreaterThanOrEqual(40);
    expect((await row.getByLabel('不要とする理由').boundingBox())!.width).toBeGreaterThan(250);
    await page.screenshot({ path: path.join(ARTIFACTS, 'waiver-form-phone.png'), fullPage: true });

    await row.getByLabel('不要とする理由').fill('最終報告は定例の報告書に含めて提出する');
    await row.getByRole('button', { name: '不要とする' }).click();

    expect(page.url()).toMatch(new RegExp(`^${a.base}/incidents/kunitachi/${id}\\?closingDone=.+#closing$`));
    await expect(page.getByRole('status').textContent()).resolves.toBe('不要としました: 最終報告（首長への報告書）');
    const after = page.locator('#closing ~ section tr[data-key="final-report"]');
    expect(await after.textContent()).toContain('免除');
    expect(await after.locator('form').count()).toBe(0);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(ARTIFACTS, 'waiver-done-phone.png'), fullPage: true });
    const trail = await auditTrail(a.db, 'kunitachi', id);
    expect(trail.find((r) => r.id.endsWith('/waiver/final-report'))).toMatchObject({ actor: expect.stringContaining('指揮 太郎'), outcome: expect.stringContaining('最終報告は定例の報告書に含めて提出する') });
  });
});
