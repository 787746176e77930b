// Statutory reports on the time-skipping server: the 確報's reminder a month out passes in
// seconds; a 第1報 left unsent past the end of the day escalates; a report approved from its task
// link goes to every contact of the target with the PDF attached, is kept with its SHA-256 and
// audited with the target's articles; an amendment is approved and sent again.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { simpleParser } from 'mailparser';
import { auditTrail } from '../../src/db/audit';
import { getReport, getReportVersion, listReports, reportObligations } from '../../src/db/reports';
import type { OutboxMessage } from '../../src/embedded/outbox';
import { json } from '../support/http';
import { timeSkippingServer } from '../support/temporal';
import { eventually, linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack } from '../support/stack';
import { declaration } from '../support/declarations';
import { statutoryReportsWorkflowId, waiveReportUpdate } from '../../src/workflows/report-messages';

jest.setTimeout(240_000);

const CHIEF = 'fukushicho@kunitachi.example.jp';
const JLIS = 'zenkoku-center-toban@j-lis.example.jp';

describe('statutory reports on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let skew = 0;
  const followServerClock = async () => {
    skew = (await env.currentTimeMs()) - Date.now();
  };

  // Each test has its own time-skipping server: one test's Updates and timers cannot hold back another's skipped time.
  beforeEach(async () => {
    skew = 0;
    env = await timeSkippingServer();
    stack = await startTestStack(env, { taskQueue: `reports-${Date.now()}`, config: { TASK_LINK_TTL: '60d' }, now: () => Date.now() + skew, updateTimeoutMs: 60_000 });
  });
  const declared: string[] = [];
  afterEach(async () => {
    for (const id of declared.splice(0)) await env.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  /** Declared now (the server's time, which the earlier tests of this file may have moved on). */
  async function declare(over: Record<string, unknown>) {
    await followServerClock();
    const now = Math.min(await env.currentTimeMs(), Date.now());
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(declaration({ detectedAt: new Date(now - 120_000).toISOString(), awareAt: new Date(now - 60_000).toISOString(), ...over })),
    });
    const body = await json(r);
    expect(r.status).toBe(201);
    declared.push(body.workflowId);
    return body.incidentId as string;
  }

  const approve = async (m: OutboxMessage, option = 'approve', note = '') => {
    await followServerClock();
    const page = await openTaskPage(linkIn(m));
    expect(page.csrf).toBeDefined();
    expect((await postTaskForm(linkIn(m), { option, note, csrf: page.csrf! }, page.cookie)).status).toBe(303);
  };

  const attachmentsOf = async (m: OutboxMessage) => (await simpleParser(fs.readFileSync(path.join(stack.outbox.dir, `${m.id}.eml`)))).attachments;

  it('a report approved from its link goes to the target with the PDF attached; an amendment is approved and sent again', async () => {
    const incidentId = await declare({ organisation: 'kunitachi', kind: 'leak', threatLevel: 2, detectedBy: { name: '市民課 佐藤', email: 'sato@kunitachi.example.jp' } });
    const ref = { organisation: 'kunitachi', caseId: incidentId, key: 'report:jlis:first' };
    const reviewOf = (what: string) => (m: OutboxMessage) => m.to.includes(CHIEF) && m.subject.startsWith('【要回答】') && m.subject.includes(what) && m.subject.includes(incidentId);

    // No PPC clock without a ground; the facts learnt later start it, counted from awareness.
    const clocks = await eventually(async () => {
      const rows = await listReports(stack.appDb.db, { organisation: 'kunitachi', caseId: incidentId });
      return rows.length > 0 ? rows : undefined;
    }, 30_000, 'the clocks');
    // Listed by deadline, which depends on the hour the test runs (office hours): compared as a set.
    expect(clocks.map((r) => r.key).sort()).toEqual(['report:executive:first', 'report:jlis:first', 'report:jlis:second']);
    const bad = await stack.fetch(`${stack.baseUrl}/api/incidents/kunitachi/${incidentId}/facts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ personsAffected: -3 }) });
    expect(bad.status).toBe(400);
    expect((await json(bad)).issues.map((i: { path: string }) => i.path)).toEqual(['body.personsAffected']);
    const facts = await stack.fetch(`${stack.baseUrl}/api/incidents/kunitachi/${incidentId}/facts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ personsAffected: 300 }) });
    const factsBody = await json(facts);
    expect([facts.status, factsBody.error]).toEqual([200, undefined]);
    expect(factsBody.started.map((c: { key: string }) => c.key)).toEqual(['report:ppc:preliminary', 'report:ppc:final']);
    const ppc = await eventually(async () => getReport(stack.appDb.db, { organisation: 'kunitachi', caseId: incidentId, key: 'report:ppc:final' }), 30_000, 'the PPC clock');
    const incident = await json(await stack.fetch(`${stack.baseUrl}/api/incidents/kunitachi/${incidentId}`));
    expect(ppc.due_at.getTime()).toBeGreaterThan(Date.parse(incident.awareAt) + 29 * 86_400_000);

    // J-LIS's 第1報 is due today: its review is asked at once.
    // (The executive's 第1報 is asked at the same moment: wait for J-LIS's own.)
    const [ask] = await stack.waitForMail((m) => reviewOf('第1報の承認')(m) && m.subject.includes('地方公共団体情報システム機構'), 1, 60_000);
    expect(ask.text).toContain(`/incidents/kunitachi/${incidentId}/reports/report%3Ajlis%3Afirst/1.pdf`);
    await approve(ask);

    const [sent] = await stack.waitForMail((m) => m.to.includes(JLIS) && m.subject.startsWith('【報告】') && m.subject.includes(incidentId), 1, 60_000);
    expect(sent.subject).toContain('第1報');
    const [pdf] = await attachmentsOf(sent);
    expect(pdf.contentType).toBe('application/pdf');
    expect(pdf.content.subarray(0, 5).toString()).toBe('%PDF-');
    const kept = (await getReportVersion(stack.appDb.db, ref, 1))!;
    expect(createHash('sha256').update(pdf.content).digest('hex')).toBe(kept.sha256);
    expect(kept.recipients).toEqual([JLIS]);
    const sentRow = await eventually(async () => (await auditTrail(stack.appDb.db, 'kunitachi', incidentId)).find((a) => a.id.endsWith('report:jlis:first/v1/sent')), 30_000, 'the audit row');
    expect(sentRow.step).toBe('emergency.report');
    expect(sentRow.articles).toContain('kunitachi:10.3');
    expect(sentRow.detail.sha256).toBe(kept.sha256);
    expect((await reportObligations(stack.appDb.db, { organisation: 'kunitachi', caseId: incidentId })).find((o) => o.key === 'report:jlis:first')?.state).toBe('done');

    // 訂正: a new version, approved again, sent again — once.
    const amend = await stack.fetch(`${stack.baseUrl}/api/incidents/kunitachi/${incidentId}/reports/report:jlis:first/amend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: '本人の数を訂正', findings: { cause: '送付先の入力誤り' } }),
    });
    expect(amend.status).toBe(202);
    expect(await json(amend)).toEqual({ key: 'report:jlis:first', version: 2 });
    const [ask2] = await stack.waitForMail((m) => reviewOf('第2版')(m) && m.subject.includes('地方公共団体情報システム機構'), 1, 60_000);
    await approve(ask2);
    const [resent] = await stack.waitForMail((m) => m.to.includes(JLIS) && m.subject.includes('訂正') && m.subject.includes(incidentId), 1, 60_000);
    expect(resent.text).toContain('本人の数を訂正');
    const [pdf2] = await attachmentsOf(resent);
    expect(pdf2.filename).toMatch(/_v2\.pdf$/);
    expect(createHash('sha256').update(pdf2.content).digest('hex')).toBe((await getReportVersion(stack.appDb.db, ref, 2))!.sha256);
    expect((await stack.mail()).filter((m) => m.to.includes(JLIS) && m.subject.includes(incidentId))).toHaveLength(2);
  });

  it('escalates a 第1報 still unsent at the end of the day to the reviewer’s chain and the executive', async () => {
    const incidentId = await declare({});
    const overdue = (to: string) => (m: OutboxMessage) => m.to.includes(to) && m.subject.startsWith('【期限超過】') && m.subject.includes(incidentId) && m.subject.includes('和歌山県知事への第1報');
    const first = await eventually(async () => getReport(stack.appDb.db, { organisation: 'katsuragi', caseId: incidentId, key: 'report:prefecture:first' }), 30_000, 'the 第1報 clock');
    await env.sleep(first.due_at.getTime() - (await env.currentTimeMs()) + 60_000);
    await stack.waitForMail(overdue('fukuchoucho@katsuragi.example.jp'), 1, 60_000);
    await stack.waitForMail(overdue('chocho@katsuragi.example.jp'), 1, 60_000);
    const escalatedAt = await eventually(async () => (await getReport(stack.appDb.db, { organisation: 'katsuragi', caseId: incidentId, key: 'report:prefecture:first' }))?.escalated_at ?? undefined, 30_000, 'escalated');
    expect(escalatedAt).toBeInstanceOf(Date);
    const trail = await auditTrail(stack.appDb.db, 'katsuragi', incidentId);
    expect(trail.find((a) => a.id.endsWith('report:prefecture:first/overdue'))?.articles).toContain('katsuragi:4.2');
    // The page counts down (and past) each deadline, Japanese first.
    await followServerClock();
    const page = await (await stack.fetch(`${stack.baseUrl}/incidents/katsuragi/${incidentId}`)).text();
    expect(page).toContain('法定報告と期限');
    const row = /<tr data-key="report:prefecture:first">(.*?)<\/tr>/s.exec(page)![1];
    expect(row).toContain('和歌山県知事');
    expect(row).toContain('第1報');
    expect(row).toMatch(/<time datetime="2026-[^"]+">期限超過 [^<]+<\/time>/);
    expect(row).toContain('期限超過を通知済み');
    const second = /<tr data-key="report:prefecture:second">(.*?)<\/tr>/s.exec(page)![1];
    expect(second).toMatch(/<time datetime="[^"]+">(\d+時間)?(\d+分)?<\/time>/);
  });

  it('reminds of the PPC 確報 a day before its 30-day deadline, without waiting 30 days; the other reports waived', async () => {
    const incidentId = await declare({ organisation: 'kunitachi', kind: 'leak', threatLevel: 2, facts: { personsAffected: 300, myNumber: true } });
    const final = await eventually(async () => getReport(stack.appDb.db, { organisation: 'kunitachi', caseId: incidentId, key: 'report:ppc:final' }), 30_000, 'the 確報 clock');
    // The other reports are waived (as the close step would): only the 確報's clock runs through the month.
    const reports = env.client.workflow.getHandle(statutoryReportsWorkflowId(declared.at(-1)!));
    for (const key of ['report:executive:first', 'report:jlis:first', 'report:jlis:second', 'report:ppc:preliminary']) {
      await expect(reports.executeUpdate(waiveReportUpdate, { args: [{ key, reason: 'テストのため不要', by: { name: '杉山 誠', email: CHIEF } }] })).resolves.toEqual({ key, state: 'waived' });
    }
    await expect(reports.executeUpdate(waiveReportUpdate, { args: [{ key: 'report:jlis:first', reason: '二度目', by: { name: '杉山 誠', email: CHIEF } }] })).rejects.toThrow();
    expect((await reportObligations(stack.appDb.db, { organisation: 'kunitachi', caseId: incidentId })).map((o) => o.state)).toEqual(['waived', 'waived', 'waived', 'waived', 'open']);
    const dueIn = final.due_at.getTime() - (await env.currentTimeMs());
    expect(dueIn).toBeGreaterThan(29 * 86_400_000);
    // Up to a little past the reminder 24 h before. (The waived reports' review tasks were
    // withdrawn: each ends only once its own invitation's send has, or the server would stop
    // skipping time.) A month skipped fires every other task's reminders and escalations too: on a
    // loaded machine their mails queue before this one, and the month takes minutes of wall time
    // (in one full-suite run on this machine more than the 8 minutes this test had before).
    await env.sleep(dueIn - 24 * 3_600_000 + 60_000);
    const [reminder] = await stack.waitForMail((m) => m.to.includes(CHIEF) && m.subject.startsWith('【期限まで1日】') && m.subject.includes(incidentId) && m.subject.includes('確報'), 1, 420_000);
    expect(reminder.text).toContain('個人情報保護委員会への確報');
    // No escalation yet: the deadline is still a day away.
    expect((await stack.mail()).some((m) => m.subject.startsWith('【期限超過】') && m.subject.includes(incidentId) && m.subject.includes('確報'))).toBe(false);
  }, 900_000);
});
