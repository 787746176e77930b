// The waiver form (不要とする) on a phone (Chromium at 390 px, no JavaScript): the obligations'
// table stacks with its form, nothing runs off the screen, and an obligation waived with a reason
// shows as waived with the page's note, the reason in the case's record. Screenshots go to test-artifacts/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { auditTrail } from '../../src/db/audit';
import { type AccessApp, startAccessApp } from '../support/access-app';
import { commanderOnPhone } from '../support/phone-console';

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
    const phone = await commanderOnPhone(a);
    browser = phone.browser;
    const { page, incidentId: id } = phone;

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
