// The incident page's forms for what the API already did, on the time-skipping server over HTTP
// with real mail: facts learnt later (判明した事実) start the PPC's clocks and the page says which;
// an open obligation is waived (不要とする) with a reason; a sent report is amended (訂正して再送)
// and a new version goes for approval. Each form: POST then 303 back to the page, a bad input a
// note on it, a missing or wrong CSRF field refused, a role without the right refused and shown no form.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { auditTrail } from '../../src/db/audit';
import { getReport, getReportVersion, listReports } from '../../src/db/reports';
import type { OutboxMessage } from '../../src/embedded/outbox';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { eventually, linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack } from '../support/stack';
import { launchChromium } from '../support/chromium';
import { timeSkippingServer } from '../support/temporal';

jest.setTimeout(240_000);

const CHIEF = 'fukushicho@kunitachi.example.jp';
const JLIS = 'zenkoku-center-toban@j-lis.example.jp';
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

describe('the incident page’s report and waiver forms (kunitachi)', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let skew = 0;
  let workflowId = '';

  beforeAll(async () => {
    env = await timeSkippingServer();
    stack = await startTestStack(env, { taskQueue: `incident-forms-${Date.now()}`, now: () => Date.now() + skew, updateTimeoutMs: 60_000 });
  });
  afterAll(async () => {
    if (workflowId) await env.client.workflow.getHandle(workflowId).terminate('test over').catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  /** The page as a browser without JavaScript has it: its HTML, its form token and the cookie that goes with it. */
  async function open(path: string, auth = stack.auth.commander) {
    const r = await fetch(`${stack.baseUrl}${path}`, { headers: { authorization: auth }, redirect: 'manual' });
    const html = await r.text();
    const cookie = r.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    return { status: r.status, html, cookie, csrf: /name="csrf" value="([^"]+)"/.exec(html)?.[1] };
  }
  /** Posts a console form; `csrf: undefined` leaves the field out. */
  async function submit(path: string, fields: Record<string, string>, o: { cookie: string; csrf: string | undefined; auth?: string }) {
    const r = await fetch(`${stack.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { authorization: o.auth ?? stack.auth.commander, cookie: o.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...(o.csrf !== undefined ? { csrf: o.csrf } : {}), ...fields }).toString(),
    });
    return { status: r.status, location: r.headers.get('location') ?? '' };
  }
  /** The note the page shows after a form's redirect: [class, text]. */
  const noteOf = (html: string) => {
    const m = /<p class="(fail|notice)" role="(?:alert|status)">([^<]*)<\/p>/.exec(html);
    return m ? [m[1], m[2].replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&')] : undefined;
  };

  it('records facts, waives an obligation and amends a sent report from the page, refusing bad input, a bad CSRF field and the wrong role', async () => {
    skew = (await env.currentTimeMs()) - Date.now();
    const now = Math.min(await env.currentTimeMs(), Date.now());
    const declared = await stack.fetch(`${stack.baseUrl}/api/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        declaration({ organisation: 'kunitachi', kind: 'leak', threatLevel: 2, detectedBy: { name: '市民課 佐藤', email: 'sato@kunitachi.example.jp' }, detectedAt: new Date(now - 120_000).toISOString(), awareAt: new Date(now - 60_000).toISOString() }),
      ),
    });
    expect(declared.status).toBe(201);
    const { incidentId, workflowId: wf } = await json(declared);
    workflowId = wf;
    const pagePath = `/incidents/kunitachi/${incidentId}`;
    const api = `${stack.baseUrl}/api/incidents/kunitachi/${incidentId}`;
    const ref = { organisation: 'kunitachi', caseId: incidentId };
    await eventually(async () => ((await listReports(stack.appDb.db, ref)).length === 3 ? true : undefined), 30_000, 'the clocks');

    // The commander sees the forms: a waiver for each open obligation, the facts; nothing sent yet to amend.
    const page = await open(pagePath);
    expect(page.status).toBe(200);
    expect(page.csrf).toBeDefined();
    const form = { cookie: page.cookie, csrf: page.csrf };
    expect(page.html).toContain(`action="/incidents/kunitachi/${incidentId}/facts"`);
    const executiveRow = /<tr data-key="report:executive:first"><td>[^]*?<\/tr>/.exec(page.html.slice(page.html.indexOf('id="closing"')))![0];
    expect(executiveRow).toContain(`action="/incidents/kunitachi/${incidentId}/waivers"`);
    expect(executiveRow).toContain('name="reason"');
    expect(executiveRow).toContain('不要とする');
    expect(page.html).not.toContain('class="amend"');
    // An auditor reads the page, without a form to waive, amend or record.
    const audited = await open(pagePath, stack.auth.auditor);
    expect(audited.status).toBe(200);
    expect(audited.html).toContain('法定報告と期限');
    for (const action of ['/waivers"', '/facts"', '/amend"']) expect(audited.html).not.toContain(action);

    // --- 判明した事実 ---
    const facts = `${pagePath}/facts`;
    const bad = await submit(facts, { personsAffected: '-3', sensitiveData: '', propertyDamage: '', wrongfulPurpose: '', myNumber: '' }, form);
    expect(bad.status).toBe(303);
    expect(bad.location).toMatch(new RegExp(`^${pagePath}\\?reports=.+#reports$`));
    expect(noteOf((await open(bad.location)).html)).toEqual(['fail', expect.stringContaining('body.personsAffected')]);
    const nothing = await submit(facts, { personsAffected: '', sensitiveData: '', propertyDamage: '', wrongfulPurpose: '', myNumber: '' }, form);
    expect(noteOf((await open(nothing.location)).html)).toEqual(['fail', expect.stringContaining('事実を一つ以上')]);
    expect((await submit(facts, { personsAffected: '300' }, { ...form, csrf: undefined })).status).toBe(403);
    expect((await submit(facts, { personsAffected: '300' }, { ...form, csrf: `${page.csrf}x` })).status).toBe(403);
    expect((await submit(facts, { personsAffected: '300' }, { ...form, auth: stack.auth.auditor })).status).toBe(403);
    expect(await getReport(stack.appDb.db, { ...ref, key: 'report:ppc:final' })).toBeUndefined();
    const learnt = await submit(facts, { personsAffected: '300', sensitiveData: '', propertyDamage: 'no', wrongfulPurpose: '', myNumber: '' }, form);
    expect(learnt.status).toBe(303);
    expect(learnt.location).toMatch(new RegExp(`^${pagePath}\\?reportsDone=.+#reports$`));
    const [cls, told] = noteOf((await open(learnt.location)).html)!;
    expect(cls).toBe('notice');
    expect(told).toMatch(/^判明した事実を記録しました。始まった報告の期限: 個人情報保護委員会 速報（期限 [^）]+）、個人情報保護委員会 確報（期限 [^）]+）$/);
    const ppc = await eventually(async () => getReport(stack.appDb.db, { ...ref, key: 'report:ppc:final' }), 30_000, 'the PPC clock');
    expect(ppc.state).toBe('open');

    // --- 不要とする ---
    const waivers = `${pagePath}/waivers`;
    const noReason = await submit(waivers, { key: 'report:executive:first', reason: '' }, form);
    expect(noReason.status).toBe(303);
    expect(noReason.location).toMatch(new RegExp(`^${pagePath}\\?closing=.+#closing$`));
    expect(noteOf((await open(noReason.location)).html)).toEqual(['fail', expect.stringContaining('body.reason')]);
    const notOurs = await submit(waivers, { key: 'recovery:9', reason: '誤り' }, form);
    expect(noteOf((await open(notOurs.location)).html)).toEqual(['fail', expect.stringContaining('recovery:9')]);
    expect((await submit(waivers, { key: 'report:executive:first', reason: '市長へは口頭で報告済み' }, { ...form, csrf: undefined })).status).toBe(403);
    expect((await submit(waivers, { key: 'report:executive:first', reason: '市長へは口頭で報告済み' }, { ...form, csrf: 'forged' })).status).toBe(403);
    expect((await submit(waivers, { key: 'report:executive:first', reason: '市長へは口頭で報告済み' }, { ...form, auth: stack.auth.auditor })).status).toBe(403);
    const waived = await submit(waivers, { key: 'report:executive:first', reason: '市長へは口頭で報告済み' }, form);
    expect(waived.status).toBe(303);
    expect(waived.location).toMatch(new RegExp(`^${pagePath}\\?closingDone=.+#closing$`));
    expect(noteOf((await open(waived.location)).html)).toEqual(['notice', expect.stringMatching(/^不要としました: .*第1報/)]);
    const obligations = await eventually(async () => {
      const o = (await json(await fetch(`${api}/obligations`, { headers: { authorization: stack.auth.auditor } }))).obligations as Array<{ key: string; state: string }>;
      return o.find((x) => x.key === 'report:executive:first')?.state === 'waived' ? o : undefined;
    }, 30_000, 'the waiver');
    expect(obligations.find((x) => x.key === 'report:jlis:first')?.state).toBe('open');
    const row = (await getReport(stack.appDb.db, { ...ref, key: 'report:executive:first' }))!;
    expect(row.waived).toMatchObject({ reason: '市長へは口頭で報告済み' });
    // Waived, it has no form any more.
    const afterWaiver = (await open(pagePath)).html;
    expect(/<tr data-key="report:executive:first"><td>[^]*?<\/tr>/.exec(afterWaiver.slice(afterWaiver.indexOf('id="closing"')))![0]).not.toContain('<form');

    // --- 訂正して再送 ---
    // J-LIS's 第1報 approved from its link and sent; then the page offers its amendment.
    const [ask] = await stack.waitForMail((m: OutboxMessage) => m.to.includes(CHIEF) && m.subject.startsWith('【要回答】') && m.subject.includes('第1報の承認') && m.subject.includes('地方公共団体情報システム機構') && m.subject.includes(incidentId), 1, 60_000);
    skew = (await env.currentTimeMs()) - Date.now();
    const task = await openTaskPage(linkIn(ask));
    expect((await postTaskForm(linkIn(ask), { option: 'approve', note: '', csrf: task.csrf! }, task.cookie)).status).toBe(303);
    await eventually(async () => ((await getReport(stack.appDb.db, { ...ref, key: 'report:jlis:first' }))?.state === 'sent' ? true : undefined), 60_000, 'the 第1報 sent');
    const sentPage = await open(pagePath);
    const amendForm = /<details class="amend" data-key="report:jlis:first">[^]*?<\/form><\/details>/.exec(sentPage.html)![0];
    const amendPath = `${pagePath}/reports/report%3Ajlis%3Afirst/amend`;
    expect(amendForm).toContain(`action="${amendPath}"`);
    expect(amendForm).toContain('訂正して再送');
    expect(amendForm).toContain('name="findings.cause"');
    const amendWith = { cookie: sentPage.cookie, csrf: sentPage.csrf };
    const noNote = await submit(amendPath, { note: '', 'findings.cause': '送付先の入力誤り' }, amendWith);
    expect(noNote.status).toBe(303);
    expect(noteOf((await open(noNote.location)).html)).toEqual(['fail', expect.stringContaining('body.note')]);
    expect((await submit(amendPath, { note: '本人の数を訂正' }, { ...amendWith, csrf: undefined })).status).toBe(403);
    expect((await submit(amendPath, { note: '本人の数を訂正' }, { ...amendWith, auth: stack.auth.auditor })).status).toBe(403);
    expect(await getReport(stack.appDb.db, { ...ref, key: 'report:jlis:first' })).toMatchObject({ version: 1 });
    const amended = await submit(amendPath, { note: '本人の数を訂正', 'findings.cause': '送付先の入力誤り', 'findings.prevention': '' }, amendWith);
    expect(amended.status).toBe(303);
    expect(noteOf((await open(amended.location)).html)).toEqual(['notice', '訂正版（第2版）を作成しました。承認の後に再送されます。']);
    await stack.waitForMail((m: OutboxMessage) => m.to.includes(CHIEF) && m.subject.includes('第2版') && m.subject.includes('地方公共団体情報システム機構') && m.subject.includes(incidentId), 1, 60_000);
    expect(await getReport(stack.appDb.db, { ...ref, key: 'report:jlis:first' })).toMatchObject({ version: 2 });
    // The finding given on the form is printed in the new version, as the API's amendment prints it.
    const v2 = (await getReportVersion(stack.appDb.db, { ...ref, key: 'report:jlis:first' }, 2))!;
    const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', '-', '-'], { input: Buffer.from(v2.bytes), encoding: 'utf8' }).replace(/[ \u3000]+/g, '');
    expect(text).toContain('送付先の入力誤り');
    // The facts and the waiver are in the case's record, by the commander who used the forms.
    const trail = await auditTrail(stack.appDb.db, 'kunitachi', incidentId);
    expect(trail.some((a) => (a.detail as { reportItems?: { personCount?: number } } | undefined)?.reportItems?.personCount === 300)).toBe(true);
    expect(trail.some((a) => a.outcome.includes('市長へは口頭で報告済み'))).toBe(true);
    // Only the first version has been sent so far: the J-LIS duty officer has one mail.
    expect((await stack.mail()).filter((m) => m.to.includes(JLIS) && m.subject.includes(incidentId))).toHaveLength(1);

    // On a phone (Chromium at 390 px, no JavaScript) the reports' forms fit the screen, the amendment unfolded.
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, javaScriptEnabled: false, locale: 'ja-JP', extraHTTPHeaders: { authorization: stack.auth.commander } });
      const phone = await context.newPage();
      await phone.goto(`${stack.baseUrl}${pagePath}`);
      await phone.locator('details.amend[data-key="report:jlis:first"] > summary').click();
      await phone.getByLabel('訂正・追加の内容').first().scrollIntoViewIfNeeded();
      expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      expect((await phone.getByLabel('本人の数', { exact: true }).boundingBox())!.width).toBeGreaterThan(250);
      await phone.screenshot({ path: path.join(ARTIFACTS, 'report-forms-phone.png'), fullPage: true });
      await phone.locator('#reports ~ section').first().screenshot({ path: path.join(ARTIFACTS, 'report-forms-section-phone.png') });
    } finally {
      await browser.close();
    }
  });
});
