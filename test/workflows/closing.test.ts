// 復旧・再発防止・終結 (issue 10 §7) on the time-skipping server, over HTTP with real mail: after the
// containment decision (here: not to cut off), the commander assigns a cause analysis to a
// section with a due date; the section is reminded before it and, when it passes, the task moves
// to the commander. The close is refused (409, each blocker by key; the CLI names them and exits
// 1) until the final report has gone to the mayor and the overdue task is waived with a reason by
// someone allowed to; then the incident closes, and its evidence bundle downloads and verifies.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { auditTrail } from '../../src/db/audit';
import { listCaseDocuments, listRecoveryTasks } from '../../src/db/closing';
import { getOrganisation } from '../../src/db/organisations';
import { IncidentStatus } from '../../src/domain/incidents';
import { assessingCommander } from '../../src/domain/triage';
import type { OutboxMessage } from '../../src/embedded/outbox';
import { verifyEvidenceBundle } from '../../src/evidence/bundle';
import { runCliAsync } from '../support/cli';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { eventually, linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack, waitForIncidentStatus } from '../support/stack';
import { timeSkippingServer } from '../support/temporal';

jest.setTimeout(300_000);

async function recordHistory(name: string, workflowId: string, history: temporal.api.history.v1.IHistory) {
  const dir = path.join(__dirname, '..', 'fixtures', 'histories');
  fs.writeFileSync(path.join(dir, `${name}.history.bin`), temporal.api.history.v1.History.encode(history).finish());
  const ids = JSON.parse(fs.readFileSync(path.join(dir, 'workflow-ids.json'), 'utf8')) as Record<string, string>;
  fs.writeFileSync(path.join(dir, 'workflow-ids.json'), JSON.stringify({ ...ids, [name]: workflowId }, null, 2) + '\n');
}

const MAYOR = 'shicho@kunitachi.example.jp';
const SECTION = { name: '高橋 一郎', email: 'takahashi@kunitachi.example.jp' };

describe('recover, prevent, close (kunitachi)', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    env = await timeSkippingServer();
    stack = await startTestStack(env, { taskQueue: `closing-${Date.now()}` });
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  const answer = async (m: OutboxMessage, option: string, note: string) => {
    const page = await openTaskPage(linkIn(m));
    return postTaskForm(linkIn(m), { option, note, csrf: page.csrf! }, page.cookie);
  };
  const as = (auth: string) => (url: string, init: RequestInit = {}) => fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: auth } });
  const post = (f: (url: string, init?: RequestInit) => Promise<Response>, url: string, body: unknown) => f(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('assigns a task, escalates it when overdue, refuses the close until the final report is sent and the task waived, then closes with a verifiable bundle', async () => {
    const commander = stack.fetch;
    const admin = as(stack.auth.admin);
    const auditor = as(stack.auth.auditor);
    const r = await post(commander, `${stack.baseUrl}/api/incidents`, declaration({ organisation: 'kunitachi', kind: 'leak', threatLevel: 3, detectedBy: { name: '佐藤 花子', email: 'sato@kunitachi.example.jp' } }));
    expect(r.status).toBe(201);
    const { incidentId } = await json(r);
    const api = `${stack.baseUrl}/api/incidents/kunitachi/${incidentId}`;
    const ofThis = (subject: string, to: string) => (m: OutboxMessage) => m.to.includes(to) && m.subject.includes(subject) && m.subject.includes(incidentId);

    // Before recovery there is nothing to assign.
    const early = await post(commander, `${api}/recovery-tasks`, { kind: 'cause', section: '市民課', title: '誤交付の原因', assignee: SECTION, dueAt: new Date(Date.now() + 86_400_000).toISOString() });
    expect(early.status).toBe(409);
    expect((await json(early)).error).toBe('not_recovered');

    const [chairAsk] = await stack.waitForMail(ofThis('招集', 'fukushicho@kunitachi.example.jp'));
    expect((await answer(chairAsk, 'attend', '')).status).toBe(303);
    const [decide] = await stack.waitForMail(ofThis('切離しの判断', MAYOR));
    expect((await answer(decide, 'doNotContain', '窓口での誤交付であり住基ネットの切離しは不要')).status).toBe(303);
    await waitForIncidentStatus(stack, 'kunitachi', incidentId, IncidentStatus.RECOVERED);

    // The evidence bundle is for a closed case only.
    expect((await auditor(`${api}/evidence-bundle`)).status).toBe(409);

    // Assigning: the commander only; each field named when wrong.
    const task = { kind: 'cause', section: '市民課', title: '誤交付の原因究明', detail: '交付手順と確認の記録を調べる', assignee: SECTION, dueAt: new Date(Date.now() + 2 * 86_400_000).toISOString() };
    expect((await post(auditor, `${api}/recovery-tasks`, task)).status).toBe(403);
    const past = await post(commander, `${api}/recovery-tasks`, { ...task, dueAt: '2020-01-01T00:00:00+09:00' });
    expect(past.status).toBe(400);
    expect((await json(past)).issues).toEqual([expect.objectContaining({ path: 'body.dueAt' })]);
    const noSection = await post(commander, `${api}/recovery-tasks`, { ...task, section: '' });
    expect(noSection.status).toBe(400);
    expect((await json(noSection)).issues.map((i: { path: string }) => i.path)).toEqual(['body.section']);
    const assigned = await post(commander, `${api}/recovery-tasks`, task);
    expect(assigned.status).toBe(201);
    expect(await json(assigned)).toMatchObject({ n: 1, key: 'recovery:1' });
    await stack.waitForMail(ofThis('原因究明: 誤交付の原因究明', SECTION.email));

    // Overdue: reminded before the due date, then moved to the commander (the chief) after it.
    await env.sleep('50 hours');
    await stack.waitForMail(ofThis('誤交付の原因究明', SECTION.email), 2);
    const profile = (await getOrganisation(stack.appDb.db, 'kunitachi'))!;
    const chief = assessingCommander(profile)[0];
    const [moved] = await stack.waitForMail(ofThis('誤交付の原因究明', chief.email));
    expect(moved.text).toContain('代わって');
    const trail = await auditTrail(stack.appDb.db, 'kunitachi', incidentId);
    expect(trail.map((a) => a.outcome)).toEqual(expect.arrayContaining([expect.stringContaining('原因究明を市民課（高橋 一郎）に指示'), expect.stringMatching(/督促/), expect.stringMatching(/移管/)]));
    expect(trail.find((a) => a.outcome.startsWith('原因究明を市民課'))).toMatchObject({ step: 'emergency.recover' });

    // The statutory reports are obligations too: waived here (their clocks stop in the reports'
    // workflow), so what follows is about recovery and the final report.
    const reports = ((await json(await auditor(`${api}/obligations`))).obligations as Array<{ key: string; state: string }>).filter((o) => o.key.startsWith('report:'));
    expect(reports.length).toBeGreaterThan(0);
    for (const r of reports.filter((o) => o.state === 'open')) {
      expect((await post(commander, `${api}/waivers`, { key: r.key, reason: '紙で報告済み' })).status).toBe(201);
    }
    const waivedReports = (await eventually(async () => {
      const o = ((await json(await auditor(`${api}/obligations`))).obligations as Array<{ key: string; state: string }>).filter((x) => x.key.startsWith('report:'));
      return o.every((x) => x.state !== 'open') ? o : undefined;
    })) as Array<{ key: string; state: string }>;
    expect(waivedReports.map((o) => o.state)).not.toContain('open');
    expect((await post(commander, `${api}/waivers`, { key: reports[0].key, reason: 'again' })).status).toBe(409);

    // The close is refused, each blocker by key and name.
    const obligations = await json(await auditor(`${api}/obligations`));
    expect(obligations.blockers.map((b: { key: string }) => b.key)).toEqual(['recovery:1', 'final-report']);
    const refused = await post(commander, `${api}/close`, { reason: '対応完了' });
    expect(refused.status).toBe(409);
    const body = await json(refused);
    expect(body.blockers.map((b: { key: string }) => b.key)).toEqual(['recovery:1', 'final-report']);
    expect(body.issues.map((i: { path: string }) => i.path)).toEqual(['obligations.recovery:1', 'obligations.final-report']);
    expect(body.blockers[0].label).toContain('原因究明（市民課）');

    // The console: the incident page lists the obligations and gives the commander the forms; a
    // prevention task assigned there is done by the section from its link, its result recorded for the reports.
    const pageRes = await commander(`${stack.baseUrl}/incidents/kunitachi/${incidentId}`);
    const page = await pageRes.text();
    expect(page).toContain('終結の条件');
    expect(page).toContain('recovery:1');
    expect(page).toContain(`action="/incidents/kunitachi/${incidentId}/recovery-tasks"`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1];
    const cookie = (pageRes.headers.get('set-cookie') ?? '').split(';')[0];
    const jstLocal = (ms: number) => new Date(ms + 9 * 3_600_000).toISOString().slice(0, 16);
    const form = (fields: Record<string, string>) =>
      fetch(`${stack.baseUrl}/incidents/kunitachi/${incidentId}/recovery-tasks`, {
        method: 'POST',
        redirect: 'manual',
        headers: { authorization: stack.auth.commander, cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf, kind: 'prevention', section: '市民課', title: '交付時の二重確認', detail: '', assigneeName: SECTION.name, assigneeEmail: SECTION.email, ...fields }).toString(),
      });
    const bad = await form({ dueAt: 'soon' });
    expect(bad.status).toBe(303);
    expect(decodeURIComponent(bad.headers.get('location')!)).toContain('body.dueAt');
    const viaForm = await form({ dueAt: jstLocal(Date.now() + 10 * 86_400_000) });
    expect(viaForm.status).toBe(303);
    expect(viaForm.headers.get('location')).toBe(`/incidents/kunitachi/${incidentId}#closing`);
    const [prevention] = await stack.waitForMail(ofThis('再発防止策: 交付時の二重確認', SECTION.email));
    expect((await answer(prevention, 'done', '交付時に二名で確認する手順を定めた')).status).toBe(303);
    const done = await eventually(async () => {
      const o = (await json(await auditor(`${api}/obligations`))).obligations as Array<{ key: string; state: string }>;
      return o.find((x) => x.key === 'recovery:2' && x.state === 'done') ? o : undefined;
    });
    expect(done.map((o) => o.key).filter((k) => !k.startsWith('report:'))).toEqual(['recovery:1', 'recovery:2', 'final-report']);
    const result = (await auditTrail(stack.appDb.db, 'kunitachi', incidentId)).find((a) => a.outcome.startsWith('再発防止策完了'));
    expect(result).toMatchObject({ step: 'emergency.preventRecurrence', detail: { reportItems: { prevention: '交付時に二名で確認する手順を定めた' } } });

    // The final report to the mayor, with its SHA-256 kept.
    const issued = await post(commander, `${api}/final-report`, {});
    expect(issued.status).toBe(201);
    const report = await json(issued);
    expect(report).toMatchObject({ edition: 1, recipients: [MAYOR] });
    const [mail] = await stack.waitForMail((m) => m.to.includes(MAYOR) && m.subject.includes(`最終報告書（${incidentId}）`));
    expect(mail.text).toContain(report.sha256);
    const docs = await listCaseDocuments(stack.appDb.db, { organisation: 'kunitachi', caseId: incidentId });
    expect(docs).toEqual([expect.objectContaining({ kind: 'final-report', sha256: report.sha256, media_type: 'application/pdf' })]);

    // The CLI names what is left and exits 1.
    const key = (auth: string) => auth.replace(/^Bearer /, '');
    const cli = await runCliAsync(['incident', 'close', 'kunitachi', incidentId, '--api', stack.baseUrl], { JUKINET_OPS_API_KEY: key(stack.auth.commander) });
    expect(cli.stderr).toContain('✘ recovery:1: 原因究明（市民課）: 誤交付の原因究明');
    expect(cli.stderr).not.toContain('final-report');
    expect(cli.status).toBe(1);

    // Waivers: by an admin or the commander, never an auditor; the key must be an open obligation of the case.
    expect((await post(auditor, `${api}/waivers`, { key: 'recovery:1', reason: '調査は外部委託に切替え' })).status).toBe(403);
    const unknown = await post(admin, `${api}/waivers`, { key: 'recovery:7', reason: 'x' });
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).issues[0].path).toBe('body.key');
    const badSource = await post(admin, `${api}/waivers`, { key: 'nothing:1', reason: 'x' });
    expect(badSource.status).toBe(400);
    expect((await json(badSource)).issues[0].path).toBe('body.key');
    const noReason = await post(admin, `${api}/waivers`, { key: 'recovery:1', reason: '' });
    expect(noReason.status).toBe(400);
    expect((await json(noReason)).issues[0].path).toBe('body.reason');
    expect((await post(admin, `${api}/waivers`, { key: 'final-report', reason: 'x' })).status).toBe(409); // done already
    const waived = await post(admin, `${api}/waivers`, { key: 'recovery:1', reason: '調査は外部委託に切替え（別途契約）' });
    expect(waived.status).toBe(201);
    expect(await json(waived)).toMatchObject({ key: 'recovery:1', state: 'waived' });
    expect((await post(admin, `${api}/waivers`, { key: 'recovery:1', reason: 'again' })).status).toBe(409);

    // Now the close goes through, from the CLI.
    const closed = await runCliAsync(['incident', 'close', 'kunitachi', incidentId, '--reason', '再発防止策を確認', '--api', stack.baseUrl], { JUKINET_OPS_API_KEY: key(stack.auth.commander) });
    expect(closed.stdout).toContain(`Closed: ${incidentId}`);
    expect(closed.status).toBe(0);
    await waitForIncidentStatus(stack, 'kunitachi', incidentId, IncidentStatus.CLOSED);
    expect((await listRecoveryTasks(stack.appDb.db, { organisation: 'kunitachi', caseId: incidentId }))[0].state).toBe('WITHDRAWN');
    expect((await post(commander, `${api}/close`, {})).status).toBe(409);
    const final = await auditTrail(stack.appDb.db, 'kunitachi', incidentId);
    expect(final.find((a) => a.outcome.startsWith('義務を免除'))).toMatchObject({ actor: expect.stringContaining('admin'), detail: { obligation: 'recovery:1', reason: '調査は外部委託に切替え（別途契約）' } });
    expect(final.find((a) => a.outcome.startsWith('終結（再発防止策を確認）'))).toMatchObject({ step: 'emergency.close', articles: profile.articles['emergency.close'] });
    const handle = env.client.workflow.getHandle(`emergency-response/kunitachi/${incidentId}`);
    await handle.result();
    // `RECORD_HISTORIES=closing` keeps this run's history for test/workflows/replay.test.ts (a deliberate, versioned change only).
    if (process.env.RECORD_HISTORIES === 'closing') await recordHistory('emergency-response-closed', handle.workflowId, await handle.fetchHistory());

    // The evidence bundle: auditors, commanders and admins; it verifies with the MAC keys.
    const bundle = await auditor(`${api}/evidence-bundle`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('application/gzip');
    const bytes = Buffer.from(await bundle.arrayBuffer());
    const checked = verifyEvidenceBundle(bytes, { macKeys: stack.auditMacKeys });
    expect(checked).toMatchObject({ ok: true, problems: [] });
    expect(checked.manifest!.files.filter((f) => f.kind === 'document').map((f) => f.sha256)).toEqual([report.sha256]);
    expect(checked.auditRows).toBe(final.length);
  });
});
