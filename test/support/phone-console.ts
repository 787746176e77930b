// A commander of Kunitachi on a phone, signed in to the console of an access app, with one incident
// seeded: what the phone-sized form tests start from.
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { SESSION_COOKIE } from '../../src/api/access';
import { type AccessApp, seedIncident, sessionCookie } from './access-app';
import { createTestAccount } from './auth';
import { launchChromium, PHONE } from './chromium';

export async function commanderOnPhone(a: AccessApp): Promise<{ browser: Browser; page: Page; incidentId: string }> {
  const { incident_id: incidentId } = await seedIncident(a.db, 'kunitachi', randomUUID(), { detectedAt: '2026-11-24T01:10:00+09:00', awareAt: '2026-11-24T08:40:00+09:00' });
  const account = await createTestAccount(a.db, { email: 'commander@kunitachi.example.jp', name: '指揮 太郎', grants: [{ role: 'commander', organisation: 'kunitachi' }] });
  const session = (await sessionCookie(a, account.id)).split('=')[1];
  const browser = await launchChromium();
  const context = await browser.newContext(PHONE);
  await context.addCookies([{ name: SESSION_COOKIE, value: session, url: a.base }]);
  return { browser, page: await context.newPage(), incidentId };
}
