// End to end, as a council member lives it: an incident is declared over HTTP; the invitation
// arrives over real SMTP; the link from its plain-text part opens in Debian's Chromium on a
// phone-sized screen with JavaScript off; the form records the answer once, however often it is
// sent; the timeline shows it. Screenshots of the task page and the timeline are kept in
// test-artifacts/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { verifyAuditChain } from '../../src/db/audit';
import { listTasks } from '../../src/db/tasks';
import { TaskState } from '../../src/domain/tasks';
import { createTestAccount } from '../support/auth';
import { launchChromium } from '../support/chromium';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { devServer } from '../support/temporal';
import { linkIn, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(180_000);

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

describe('a council member acknowledges from the email, in Chromium', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let browser: Browser;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    env = await devServer();
    stack = await startTestStack(env, { taskQueue: `e2e-${Date.now()}` });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await env?.teardown();
  });

  it('records one answer from the plain-text link and shows it on the timeline', async () => {
    const declared = await stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration()) });
    expect(declared.status).toBe(201);
    const { incidentId, organisation } = await json(declared);

    const mails = await stack.waitForMail((m) => m.subject.includes(incidentId), 5);
    const mail = mails.find((m) => m.to.includes('jumin-fukushi-kacho@'))!;
    expect(mail.html).toBeUndefined(); // plain text only: nothing to lose in a conversion
    const link = linkIn(mail);
    const member = async () => (await listTasks(stack.appDb.db, { caseId: incidentId, assigneeEmail: 'jumin-fukushi-kacho@katsuragi.example.jp' }))[0];
    const history = async () => (await env.client.workflow.getHandle((await member()).workflow_id).fetchHistory()).events?.length;
    const historyBefore = await history();

    // A phone, no JavaScript.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, javaScriptEnabled: false, locale: 'ja-JP' });
    const page = await context.newPage();
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    await expect(page.locator('h1').textContent()).resolves.toContain('セキュリティ会議の招集');
    await page.screenshot({ path: path.join(ARTIFACTS, 'task-page.png'), fullPage: true });
    // The page fits the phone: nothing wider than the screen.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

    // Opening the link changed nothing.
    expect((await member()).state).toBe(TaskState.OPEN);
    expect(await history()).toBe(historyBefore);

    await page.getByLabel('出席する').check();
    await page.locator('#note').fill('10時から出席します');
    const posted = page.waitForRequest((r) => r.method() === 'POST');
    await page.getByRole('button', { name: '回答する' }).click();
    const sent = await posted;
    await page.waitForLoadState();
    await expect(page.locator('.notice').textContent()).resolves.toContain('出席する');
    expect((await member()).decision).toMatchObject({ option: 'attend', note: '10時から出席します' });

    // Going back does not bring the form again (the page is not cached): it shows the answer.
    await page.goBack();
    expect(await page.getByRole('button', { name: '回答する' }).count()).toBe(0);
    await expect(page.locator('.notice').textContent()).resolves.toContain('出席する');
    // And the very same POST, replayed with the browser's cookies, records nothing more.
    const replay = await context.request.post(link, {
      data: sent.postData()!,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      maxRedirects: 0,
    });
    expect(replay.status()).toBe(303); // the very same request: shown the recorded answer, nothing recorded
    await page.goto(link);
    await expect(page.locator('.notice').textContent()).resolves.toContain('出席する');
    const decided = (await sql<{ n: number }>`select count(*)::int as n from audit_log where step = 'emergency.conveneCouncil' and actor like '%jumin-fukushi-kacho%'`.execute(stack.appDb.db)).rows[0].n;
    expect(decided).toBe(1);
    expect((await member()).decision?.option).toBe('attend');

    // The timeline, on a desktop screen, in the console.
    const desk = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const refused: string[] = [];
    desk.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) refused.push(m.text());
    });
    // The console is for people who signed in: a Katsuragi auditor reads the timeline.
    const auditor = await createTestAccount(stack.appDb.db, { email: 'kansa@katsuragi.example.jp', grants: [{ organisation: 'katsuragi', role: 'auditor' }] });
    await desk.goto(`${stack.baseUrl}/incidents/${organisation}/${incidentId}`);
    await desk.waitForURL((u) => u.pathname === '/login');
    await desk.locator('#login').fill(auditor.email);
    await desk.locator('#password').fill(auditor.password);
    await desk.getByRole('button', { name: 'サインイン' }).click();
    await desk.waitForURL((u) => u.pathname === `/incidents/${organisation}/${incidentId}`);
    // The Content-Security-Policy lets the page's own stylesheet apply, and the browser refused nothing.
    expect(await desk.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(246, 247, 249)');
    expect(refused).toEqual([]);
    const timeline = await desk.locator('main').textContent();
    expect(timeline).toContain('検知を記録');
    expect(timeline).toContain('出席する（10時から出席します）');
    expect(timeline).toContain('回答済み');
    expect(timeline).toContain('回答待ち');
    await desk.screenshot({ path: path.join(ARTIFACTS, 'timeline.png'), fullPage: true });
    expect(fs.statSync(path.join(ARTIFACTS, 'timeline.png')).size).toBeGreaterThan(10_000);
    expect(await verifyAuditChain(stack.appDb.db, { macKeys: stack.auditMacKeys })).toMatchObject({ ok: true, problems: [] });
  });
});
