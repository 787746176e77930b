// The annual user-ID review on the time-skipping server, over HTTP with real mail (Niigata: two
// sections with a データ取扱責任者 each, and one section nobody is named for). One officer saves a
// draft and submits from the review page (a flagged ID refused until answered); the other says
// nothing — reminded before the deadline, the system admin asked past it, the default outcome
// (lock) after the escalation window; with no directory configured the system admin confirms
// every change from a link; the ledger shows each done; the campaign closes with its report mail
// only then; and the year's campaign is not started twice.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { auditTrail } from '../../src/db/audit';
import { confirmLedgerImport, ledgerEntries, prepareLedgerImport } from '../../src/db/ledger';
import { getCaseDocument } from '../../src/db/closing';
import { reviewSections, sectionItems } from '../../src/db/review';
import { listTasks } from '../../src/db/tasks';
import type { LedgerField, LedgerRow } from '../../src/domain/ledger';
import { fiscalYearOf, type ReviewCampaignInput, reviewCampaignId } from '../../src/domain/review';
import type { OutboxMessage } from '../../src/embedded/outbox';
import { createTestKey } from '../support/auth';
import { linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack } from '../support/stack';
import { timeSkippingServer } from '../support/temporal';

jest.setTimeout(420_000);

const CHUO = '中央区役所区民生活課';
const HIGASHI = '東区役所区民生活課';
const HONCHO = '市民生活課'; // no データ取扱責任者 in the profile: the system admin reviews it
const FIELDS: LedgerField[] = ['userId', 'personName', 'email', 'section', 'permissions', 'issuedAt', 'lastUsedAt', 'passwordChangedAt', 'status'];

describe('the annual user-ID review (Niigata)', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let skew = 0;

  beforeAll(async () => {
    env = await timeSkippingServer();
    stack = await startTestStack(env, { taskQueue: `review-${Date.now()}`, config: { TASK_LINK_TTL: '60d' }, now: () => Date.now() + skew, updateTimeoutMs: 60_000 });
    const now = await env.currentTimeMs();
    const day = (d: number) => new Date(now - d * 86_400_000).toISOString();
    const row = (n: number, userId: string, section: string, over: Partial<LedgerRow> = {}): LedgerRow => ({
      line: n + 1,
      userId,
      personName: `職員 ${userId}`,
      email: `${userId.toLowerCase()}@niigata.example.jp`,
      section,
      permissions: ['照会'],
      issuedAt: day(400),
      lastUsedAt: day(3),
      passwordChangedAt: day(30),
      status: 'active',
      operatorCard: null,
      verificationRegistered: false,
      verificationRegisteredAt: null,
      ...over,
    });
    const rows = [
      row(1, 'C001', CHUO),
      row(2, 'C002', CHUO, { lastUsedAt: day(200) }), // dormant: needs its own answer
      row(3, 'C003', CHUO, { permissions: ['照会', '更新'] }), // wider than the section's template
      row(4, 'H001', HIGASHI),
      row(5, 'H002', HIGASHI, { permissions: ['更新'] }),
      row(6, 'S001', HONCHO),
      row(7, 'X001', HONCHO, { status: 'revoked' }), // revoked before: not reviewed
    ];
    const db = stack.appDb.db;
    const imp = await prepareLedgerImport(db, { id: 'seed', organisation: 'niigata', source: { format: 'csv', rows: rows.length }, rows, columns: FIELDS, createdBy: 'test', now: new Date(now) });
    await confirmLedgerImport(db, { organisation: 'niigata', id: imp.id, actor: 'test', now: new Date(now), articles: [] }, stack.auditMacKeys[0]);
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  const mailTo = (email: string, subject: string) => (m: OutboxMessage) => m.to.includes(email) && m.subject.includes(subject);

  it('asks each section, reminds, escalates, applies the default, has every change confirmed, and reports', async () => {
    const now = await env.currentTimeMs();
    skew = now - Date.now();
    const db = stack.appDb.db;
    const fiscalYear = fiscalYearOf(new Date(now));
    const campaignId = reviewCampaignId('niigata', fiscalYear);
    const input: ReviewCampaignInput = { organisation: 'niigata', kind: 'annual', fiscalYear, startedBy: null };
    const handle = await env.client.workflow.start('reviewCampaign', { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowId: campaignId, args: [input] });
    // The year's campaign once: a second start is refused by its id.
    await expect(env.client.workflow.start('reviewCampaign', { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowId: campaignId, args: [input] })).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);

    // One email per section with IDs: the two officers, and the system admin for the section nobody heads.
    const [chuoMail] = await stack.waitForMail(mailTo('chuo-kuminseikatsu-kacho@niigata.example.jp', CHUO), 1, 60_000);
    await stack.waitForMail(mailTo('higashi-kuminseikatsu-kacho@niigata.example.jp', HIGASHI), 1, 60_000);
    const [adminMail] = await stack.waitForMail(mailTo('shiminseikatsu-kacho@niigata.example.jp', HONCHO), 1, 60_000);
    expect(chuoMail.text).toContain('ユーザID 3 件');
    expect(chuoMail.text).toContain('うち 2 件は要確認');

    // 中央区: the page lists the three IDs, the dormant one flagged.
    const link = linkIn(chuoMail);
    const page = await openTaskPage(link);
    expect(page.status).toBe(200);
    for (const id of ['C001', 'C002', 'C003']) expect(page.html).toContain(id);
    expect(page.html).toContain('長期間未使用');
    // C003 holds 更新, beyond the section's standard permissions (the profile's permissionTemplates).
    expect(page.html).toContain('職務に必要な範囲を超える権限');
    expect(page.html).toContain('対象 3 件（要確認 2 件');
    // Submitting before the flagged ID has its answer is refused, naming it.
    const early = await postTaskForm(link, { csrf: page.csrf!, option: 'submit' }, page.cookie);
    expect(early.status).toBe(400);
    expect(early.html).toContain('C002');
    // A bad page number is a 400 naming the field.
    expect((await fetch(`${link}?page=zero`)).status).toBe(400);
    // A draft: revoke the dormant one, change another's permissions (the first left unanswered: kept).
    const fieldsOf = new Map([...page.html.matchAll(/name="u_(\d+)" value="([^"]+)"/g)].map((m) => [m[2], m[1]]));
    const draft = await postTaskForm(
      `${link}/review`,
      {
        csrf: page.csrf!,
        page: '1',
        [`u_${fieldsOf.get('C002')}`]: 'C002',
        [`a_${fieldsOf.get('C002')}`]: 'revoke',
        [`r_${fieldsOf.get('C002')}`]: '退職済み',
        [`u_${fieldsOf.get('C003')}`]: 'C003',
        [`a_${fieldsOf.get('C003')}`]: 'changePermissions',
        [`p_${fieldsOf.get('C003')}`]: '照会',
        [`r_${fieldsOf.get('C003')}`]: '更新業務から外れた',
      },
      page.cookie,
    );
    expect(draft.status).toBe(200);
    expect(draft.html).toContain('2 件の回答を一時保存しました');
    const submitted = await postTaskForm(link, { csrf: page.csrf!, option: 'submit' }, page.cookie);
    expect(submitted.status).toBe(303);
    expect((await openTaskPage(link)).html).toContain('見直し結果を提出');

    // The system admin's own section: keep everything.
    const adminPage = await openTaskPage(linkIn(adminMail));
    expect((await postTaskForm(linkIn(adminMail), { csrf: adminPage.csrf!, option: 'submit' }, adminPage.cookie)).status).toBe(303);

    // 中央区's two changes go to the system admin to confirm (no directory configured).
    const [confirmChuo] = await stack.waitForMail(mailTo('shiminseikatsu-kacho@niigata.example.jp', `ユーザIDの変更の実施確認（${CHUO}`), 1, 60_000);
    expect(confirmChuo.text).toContain('C002（職員 C002）: 廃止');
    expect(confirmChuo.text).toContain('C003（職員 C003）: 権限を 照会 に変更');
    // The system admin does them on the real system and confirms from the link.
    const confirmPage = await openTaskPage(linkIn(confirmChuo));
    expect(confirmPage.html).toContain('実施済み');
    expect((await postTaskForm(linkIn(confirmChuo), { csrf: confirmPage.csrf!, option: 'done', note: '' }, confirmPage.cookie)).status).toBe(303);

    // 東区 says nothing: reminded 7 days and 1 day before the deadline.
    await env.sleep('8 days');
    await stack.waitForMail((m) => m.subject.startsWith('【再送') && m.subject.includes(HIGASHI), 1, 60_000);
    await env.sleep('6 days');
    await stack.waitForMail((m) => m.subject.startsWith('【再送') && m.subject.includes(HIGASHI), 2, 60_000);
    // Past the deadline the system admin is asked in the officer's stead.
    await env.sleep('1 day');
    await stack.waitForMail((m) => m.to.includes('shiminseikatsu-kacho@niigata.example.jp') && m.subject.includes(HIGASHI) && m.text.includes('代わってお願いします'), 1, 60_000);
    // The system admin's deadline is when the default applies: 7 days from being asked, not the officer's 14.
    const adminTask = (await listTasks(db, { caseId: campaignId, assigneeEmail: 'shiminseikatsu-kacho@niigata.example.jp' })).find((t) => t.title.includes(HIGASHI) && t.kind === 'review')!;
    expect(adminTask.due_at.getTime() - adminTask.asked_at!.getTime()).toBe(7 * 86_400_000);
    // Past the escalation window: nobody answered, the default (lock) applies, and its changes wait for the admin too.
    await env.sleep('7 days');
    const [confirmHigashi] = await stack.waitForMail(mailTo('shiminseikatsu-kacho@niigata.example.jp', `ユーザIDの変更の実施確認（${HIGASHI}`), 1, 60_000);
    expect(confirmHigashi.text).toContain('H001（職員 H001）: ロック');
    const withdrawn = (await listTasks(db, { caseId: campaignId })).filter((t) => t.state === 'WITHDRAWN');
    expect(withdrawn.length).toBeGreaterThan(0);
    // Withdrawn means ended: nobody is reminded of it any more.
    expect((await env.client.workflow.getHandle(withdrawn[0].workflow_id).describe()).status.name).toBe('CANCELLED');

    // Not closed while any change is pending.
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await stack.mail()).some((m) => m.subject.includes('【報告】ユーザIDの見直し結果'))).toBe(false);

    skew = (await env.currentTimeMs()) - Date.now();
    const p = await openTaskPage(linkIn(confirmHigashi));
    expect((await postTaskForm(linkIn(confirmHigashi), { csrf: p.csrf!, option: 'done', note: '' }, p.cookie)).status).toBe(303);
    const outcome = await handle.result();
    // The report is kept as evidence: PDF, CSV and XLSX.
    expect(outcome.reportDocumentIds).toEqual([`${campaignId}/report.pdf`, `${campaignId}/report.csv`, `${campaignId}/report.xlsx`]);
    const pdf = await getCaseDocument(db, `${campaignId}/report.pdf`);
    expect(Buffer.from(pdf!.bytes).subarray(0, 5).toString()).toBe('%PDF-');
    // The console shows the campaign, each section, and the report to download.
    const consolePage = await (await stack.fetch(`${stack.baseUrl}/review/niigata/campaigns/${encodeURIComponent(campaignId)}`)).text();
    expect(consolePage).toContain('終了');
    expect(consolePage).toContain(HIGASHI);
    expect(consolePage).toContain('2 / 2');
    const download = await stack.fetch(`${stack.baseUrl}/review/niigata/campaigns/${encodeURIComponent(campaignId)}/report/pdf`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toContain('application/pdf');
    expect((await stack.fetch(`${stack.baseUrl}/review/niigata/campaigns/${encodeURIComponent(campaignId)}/report/doc`)).status).toBe(400);
    expect((await stack.fetch(`${stack.baseUrl}/review/tokyo/campaigns/${encodeURIComponent(campaignId)}`)).status).toBe(404);
    const status = await (await stack.fetch(`${stack.baseUrl}/api/review/niigata/campaigns/${encodeURIComponent(campaignId)}`)).json();
    expect(status).toMatchObject({ state: 'closed', documents: expect.arrayContaining([expect.objectContaining({ ext: 'xlsx' })]) });
    expect((await (await stack.fetch(`${stack.baseUrl}/review/niigata`)).text())).toContain(campaignId);
    const bySection = new Map(outcome.sections.map((s: { section: string; answered: boolean; changes: number }) => [s.section, [s.answered, s.changes]]));
    expect(bySection).toEqual(
      new Map([
        [CHUO, [true, 2]],
        [HIGASHI, [false, 2]],
        [HONCHO, [true, 0]],
      ]),
    );

    // The ledger shows each change, with who did it.
    const ledger = new Map((await ledgerEntries(db, 'niigata')).map((e) => [e.userId, e]));
    expect(ledger.get('C001')).toMatchObject({ status: 'active', permissions: ['照会'] });
    expect(ledger.get('C002')).toMatchObject({ status: 'revoked' });
    expect(ledger.get('C003')).toMatchObject({ status: 'active', permissions: ['照会'] });
    expect(ledger.get('H001')).toMatchObject({ status: 'locked' });
    expect(ledger.get('H002')).toMatchObject({ status: 'locked' });
    const chuo = await sectionItems(db, campaignId, CHUO);
    expect(chuo.find((i) => i.user_id === 'C002')).toMatchObject({ answer: { answer: 'revoke', reason: '退職済み' }, decided_by: { email: 'chuo-kuminseikatsu-kacho@niigata.example.jp' }, carried_out: { via: 'person', by: expect.stringContaining('shiminseikatsu-kacho@niigata.example.jp') } });
    expect(chuo.find((i) => i.user_id === 'C001')).toMatchObject({ answer: { answer: 'keep' } });
    expect((await sectionItems(db, campaignId, HIGASHI)).every((i) => i.defaulted === 'lock' && i.answer === null)).toBe(true);

    // The report goes to the system admin and the chief.
    const reports = await stack.waitForMail((m) => m.subject.includes('【報告】ユーザIDの見直し結果'), 2, 60_000);
    expect(reports.map((m) => m.to).join(' ')).toContain('shiminseikatsu-bucho@niigata.example.jp');
    expect(reports[0].text).toContain('廃止 1');
    const trail = await auditTrail(db, 'niigata', campaignId);
    expect(trail.some((a) => a.outcome.includes('既定の処理（ロック）'))).toBe(true);
    // Each at its time (the workflows' own timers; activities run on the wall clock here): the officer
    // reminded 7 and 1 days before the 14-day deadline and moved to the system admin at it; the
    // default applied 7 days after the deadline (21 days from the start).
    const DAY = 86_400_000;
    const timers = async (workflowId: string) =>
      (await env.client.workflow.getHandle(workflowId).fetchHistory()).events!.filter((e) => e.timerStartedEventAttributes).map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds) * 1000);
    const higashi = (await reviewSections(db, campaignId)).findIndex((x) => x.section === HIGASHI) + 1;
    expect((await timers(`${campaignId}/section-${higashi}/review`)).slice(0, 3)).toEqual([7 * DAY, 6 * DAY, 1 * DAY]);
    const [untilDefault] = await timers(`${campaignId}/section-${higashi}`);
    expect(Math.abs(untilDefault - 21 * DAY)).toBeLessThan(60_000);
    expect(trail.filter((a) => a.id.includes('/carried-out/'))).toHaveLength(4);
    expect(trail.every((a) => a.articles.length > 0)).toBe(true);
  });

  it('reviews the IDs of a 人事異動 list before the transfer takes effect', async () => {
    const now = await env.currentTimeMs();
    skew = now - Date.now();
    const db = stack.appDb.db;
    // (The server's clock may have run far ahead once the first campaign ended: the key is valid at its time.)
    // H002 (locked by the year's review, still an ID) moves to another section in five days.
    const effective = new Date(now + 5 * 86_400_000);
    const jst = new Date(effective.getTime() + 9 * 3_600_000);
    const date = `${jst.getUTCFullYear()}/${jst.getUTCMonth() + 1}/${jst.getUTCDate()}`;
    const csv = `ユーザID,氏名,異動区分,発令日,異動先\r\nH002,職員 H002,異動,${date},北区役所区民生活課\r\n`;
    const r = await fetch(`${stack.baseUrl}/api/review/niigata/targeted`, { method: 'POST', headers: { authorization: await createTestKey(db, 'admin', 'niigata', Math.ceil(skew / 86_400_000) + 30), 'content-type': 'text/csv' }, body: csv });
    expect(r.status).toBe(202);
    const started = (await r.json()) as { campaignId: string; targets: number };
    expect(started.targets).toBe(1);
    const handle = env.client.workflow.getHandle(started.campaignId);

    const [mail] = await stack.waitForMail(mailTo('higashi-kuminseikatsu-kacho@niigata.example.jp', '人事異動に伴うユーザIDの見直し'), 1, 60_000);
    expect(mail.text).toContain('ユーザID 1 件');
    const tasks = await listTasks(db, { caseId: started.campaignId });
    // Due before the day the person moves (00:00 Japan time of the effective date), not in 14 days.
    const due = tasks[0].due_at.getTime();
    expect(due).toBeLessThanOrEqual(Date.UTC(jst.getUTCFullYear(), jst.getUTCMonth(), jst.getUTCDate()) - 9 * 3_600_000);
    const page = await openTaskPage(linkIn(mail));
    expect(page.html).toContain('異動');
    expect(page.html).toContain('北区役所区民生活課');
    const n = /name="u_(\d+)" value="H002"/.exec(page.html)![1];
    expect((await postTaskForm(`${linkIn(mail)}/review`, { csrf: page.csrf!, page: '1', [`u_${n}`]: 'H002', [`a_${n}`]: 'revoke', [`r_${n}`]: '異動により不要' }, page.cookie)).status).toBe(200);
    expect((await postTaskForm(linkIn(mail), { csrf: page.csrf!, option: 'submit' }, page.cookie)).status).toBe(303);
    const [confirm] = await stack.waitForMail(mailTo('shiminseikatsu-kacho@niigata.example.jp', `ユーザIDの変更の実施確認（${HIGASHI}・1 件）`), 1, 60_000);
    const c = await openTaskPage(linkIn(confirm));
    expect((await postTaskForm(linkIn(confirm), { csrf: c.csrf!, option: 'done', note: '' }, c.cookie)).status).toBe(303);
    await handle.result();
    expect((await ledgerEntries(db, 'niigata')).find((e) => e.userId === 'H002')).toMatchObject({ status: 'revoked' });
    // Only the section with a moving person is asked: 中央区's officer gets no email for this campaign.
    expect((await stack.mail()).filter((m) => m.subject.includes('人事異動に伴う')).every((m) => !m.to.includes('chuo-kuminseikatsu-kacho'))).toBe(true);
    const [item] = await sectionItems(db, started.campaignId, HIGASHI);
    expect(item.flags).toContain('transferred');
  });
});
