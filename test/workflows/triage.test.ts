// Triage on the time-skipping server, through the API as the commander uses it: a level that
// convenes nobody is the chief's to assess and close (each seed profile); a declaration on a
// holiday calls the night/holiday contacts first; a level raised mid-incident convenes the
// council; the level change refuses a level off the scale and anyone but a commander.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { auditTrail } from '../../src/db/audit';
import { getOrganisation } from '../../src/db/organisations';
import { listTasks } from '../../src/db/tasks';
import { IncidentStatus } from '../../src/domain/incidents';
import { TaskState } from '../../src/domain/tasks';
import { createTestKey, fetchWith } from '../support/auth';
import { runCliAsync } from '../support/cli';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { eventually, linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack, waitForIncidentStatus } from '../support/stack';
import { timeSkippingServer } from '../support/temporal';

jest.setTimeout(180_000);

/** A Tuesday morning, office hours everywhere: no night calls. */
const WORKING_HOURS = { detectedAt: '2026-11-24T09:50:00+09:00', awareAt: '2026-11-24T10:00:00+09:00' };

const SEEDS: Array<{ organisation: string; kind: string; email: string }> = [
  { organisation: 'katsuragi', kind: 'misconduct', email: 'sato@katsuragi.example.jp' },
  { organisation: 'kunitachi', kind: 'misconduct', email: 'sato@kunitachi.example.jp' },
  { organisation: 'niigata', kind: 'failure', email: 'sato@niigata.example.jp' },
  { organisation: 'tokyo', kind: 'failure', email: 'sato@metro.tokyo.example.jp' },
  { organisation: 'jlis', kind: 'failure', email: 'sato@j-lis.example.jp' },
];

describe('triage by the threat level', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    env = await timeSkippingServer();
    stack = await startTestStack(env, { taskQueue: `triage-${Date.now()}` });
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  const declare = async (over: Record<string, unknown>) => {
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration(over)) });
    const body = await json(r);
    expect(r.status).toBe(201);
    return body.incidentId as string;
  };
  const changeLevel = (organisation: string, incidentId: string, body: unknown, f: typeof fetch = stack.fetch) =>
    f(`${stack.baseUrl}/api/incidents/${organisation}/${incidentId}/threat-level`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const profileOf = async (key: string) => (await getOrganisation(stack.appDb.db, key))!;
  const chiefOf = async (key: string) => (await profileOf(key)).roles.find((r) => r.role === 'chief')!.person;

  it.each(SEEDS)('$organisation: the lowest level convenes nobody; the chief assesses and closes', async ({ organisation, kind, email }) => {
    const profile = await profileOf(organisation);
    const lowest = profile.threatLevels[0].level;
    const mailBefore = (await stack.mail()).length;
    const incidentId = await declare({ organisation, kind, threatLevel: lowest, detectedBy: { name: '佐藤 花子', email }, ...WORKING_HOURS });
    await waitForIncidentStatus(stack, organisation, incidentId, IncidentStatus.MONITORING);
    const chief = await chiefOf(organisation);
    const [ask] = await stack.waitForMail((m) => m.to.includes(chief.email) && m.subject.includes(incidentId) && m.subject.includes('評価・監視の上、終結してよいか'));

    const page = await openTaskPage(linkIn(ask));
    expect(page.html).toContain('評価・監視の結果、終結する');
    expect((await postTaskForm(linkIn(ask), { option: 'close', note: '監視の結果、脅威なし', csrf: page.csrf! }, page.cookie)).status).toBe(303);
    const closed = await waitForIncidentStatus(stack, organisation, incidentId, IncidentStatus.CLOSED);

    // Nobody else was asked: no council call, no night call, one task only.
    const tasks = await listTasks(stack.appDb.db, { organisation, caseId: incidentId });
    expect(tasks.map((t) => [t.step, t.assignee.email])).toEqual([['emergency.close', chief.email]]);
    // Incident numbers are per organisation: the mail since this declaration is all the chief's.
    expect((await stack.mail()).slice(mailBefore).filter((m) => !m.to.includes(chief.email))).toEqual([]);
    const row = closed.timeline.find((a: { step: string }) => a.step === 'emergency.close');
    expect(row.outcome).toContain('終結');
    expect(row.articles.length).toBeGreaterThan(0);
    expect(closed.timeline.some((a: { step: string }) => a.step === 'emergency.conveneCouncil')).toBe(false);
  });

  it('on a holiday (勤労感謝の日) the night/holiday contacts are called first, before the council; the top level awaits containment at once (katsuragi:4.2)', async () => {
    const incidentId = await declare({ threatLevel: 3, detectedAt: '2026-11-23T01:10:00+09:00', awareAt: '2026-11-23T08:40:00+09:00' });
    const profile = await profileOf('katsuragi');
    const firstContact = profile.contacts.nightHoliday[0];
    const [call] = await stack.waitForMail((m) => m.to.includes(firstContact.email) && m.subject.includes(incidentId) && m.subject.includes('夜間・休日の第一報'));
    expect(call.text).toContain('勤労感謝の日');
    await stack.waitForMail((m) => m.to.includes('fukuchoucho@') && m.subject.includes(incidentId) && m.subject.includes('招集'));
    const trail = await auditTrail(stack.appDb.db, 'katsuragi', incidentId);
    const first = trail.find((a) => a.outcome.startsWith('閉庁時（勤労感謝の日）'))!;
    const convene = trail.find((a) => a.step === 'emergency.conveneCouncil')!;
    expect(first.seq).toBeLessThan(convene.seq);
    expect(first.articles).toEqual(profile.articles['emergency.detect']);
    expect(first.outcome).toContain(`${firstContact.position} ${firstContact.name}`);
    // The containment decision is awaited while the council gathers.
    const view = await waitForIncidentStatus(stack, 'katsuragi', incidentId, IncidentStatus.AWAITING_CONTAINMENT_DECISION);
    expect(view.council.awaited.length).toBeGreaterThan(0);
  });

  it('a level raised mid-incident convenes the council that was not convened (kunitachi), by the CLI and the API', async () => {
    const incidentId = await declare({ organisation: 'kunitachi', threatLevel: 1, detectedBy: { name: '佐藤 花子', email: 'sato@kunitachi.example.jp' }, ...WORKING_HOURS });
    await waitForIncidentStatus(stack, 'kunitachi', incidentId, IncidentStatus.MONITORING);
    await eventually(async () => ((await listTasks(stack.appDb.db, { organisation: 'kunitachi', caseId: incidentId })).length === 1 ? true : undefined), 30_000, 'the chief’s task');

    // L2 convenes nobody either (kunitachi:10.1): the chief keeps assessing.
    const key = (await createTestKey(stack.appDb.db, 'commander', 'kunitachi')).replace(/^Bearer /, '');
    const cli = await runCliAsync(['incident', 'raise-level', '--organisation', 'kunitachi', '--incident', incidentId, '--level', '2', '--reason', '同種の通信が他の端末でも見つかった', '--api', stack.baseUrl], {
      JUKINET_OPS_API_KEY: key,
    });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain(`Threat level of ${incidentId}: L1 → L2`);
    expect((await waitForIncidentStatus(stack, 'kunitachi', incidentId, IncidentStatus.MONITORING)).threatLevel).toBe(2);

    const r = await changeLevel('kunitachi', incidentId, { level: 3, reason: '本人確認情報の漏えいのおそれ' });
    const body = await json(r);
    expect(r.status).toBe(200);
    expect(body).toMatchObject({ previous: 2, level: 3, convenesCouncil: true, incident: { threatLevel: 3 } });

    await stack.waitForMail((m) => m.subject.includes(incidentId) && m.subject.includes('招集'));
    const view = await waitForIncidentStatus(stack, 'kunitachi', incidentId, IncidentStatus.CONVENING_COUNCIL);
    expect(view.threatLevel).toBe(3);
    const raised = view.timeline.find((a: { outcome: string }) => a.outcome.startsWith('脅威度を L2 から L3'));
    expect(raised.outcome).toContain('本人確認情報の漏えいのおそれ');
    expect(raised.articles).toEqual(expect.arrayContaining((await profileOf('kunitachi')).articles['emergency.conveneCouncil']!));
    expect(view.timeline.some((a: { outcome: string }) => a.outcome.startsWith('脅威度を L1 から L2'))).toBe(true);
    // The chief's question is withdrawn: its workflow cancelled, its link saying so.
    const assess = await eventually(
      async () => (await listTasks(stack.appDb.db, { organisation: 'kunitachi', caseId: incidentId })).find((t) => t.step === 'emergency.close' && t.state === TaskState.WITHDRAWN),
      30_000,
      'the assessment task to be withdrawn',
    );
    const chief = await chiefOf('kunitachi');
    const [ask] = await stack.waitForMail((m) => m.to.includes(chief.email) && m.subject.includes(incidentId) && m.subject.includes('評価・監視'));
    const withdrawn = await openTaskPage(linkIn(ask));
    expect(withdrawn.html).toContain('この依頼は取り下げられました');
    expect(withdrawn.csrf).toBeUndefined();
    await eventually(
      async () => ((await env.client.workflow.getHandle(assess.workflow_id).describe()).status.name === 'CANCELLED' ? true : undefined),
      30_000,
      'the assessment to be withdrawn',
    );
  });

  it('the level change refuses a level off the scale (400 body.level), no reason, and anyone but a commander of the organisation', async () => {
    const incidentId = await declare({ organisation: 'niigata', threatLevel: 1, detectedBy: { name: '佐藤 花子', email: 'sato@niigata.example.jp' }, ...WORKING_HOURS });
    await waitForIncidentStatus(stack, 'niigata', incidentId, IncidentStatus.MONITORING);

    const off = await changeLevel('niigata', incidentId, { level: 4, reason: '確認' });
    expect(off.status).toBe(400);
    expect((await json(off)).issues).toEqual([{ path: 'body.level', message: 'この組織の脅威度は 1, 2, 3 のいずれかです' }]);
    const same = await changeLevel('niigata', incidentId, { level: 1, reason: '確認' });
    expect(same.status).toBe(400);
    expect((await json(same)).issues[0].path).toBe('body.level');
    const noReason = await changeLevel('niigata', incidentId, { level: 2 });
    expect(noReason.status).toBe(400);
    expect((await json(noReason)).issues[0].path).toBe('body.reason');

    // An auditor reads the incident but may not change it; a commander elsewhere does not see it.
    expect((await changeLevel('niigata', incidentId, { level: 2, reason: '確認' }, fetchWith(stack.auth.auditor))).status).toBe(403);
    const elsewhere = fetchWith(await createTestKey(stack.appDb.db, 'commander', 'tokyo'));
    expect([403, 404]).toContain((await changeLevel('niigata', incidentId, { level: 2, reason: '確認' }, elsewhere)).status);
    // Nothing changed.
    const view = await json(await stack.fetch(`${stack.baseUrl}/api/incidents/niigata/${incidentId}`));
    expect(view.threatLevel).toBe(1);
    expect(view.timeline.some((a: { outcome: string }) => a.outcome.startsWith('脅威度を'))).toBe(false);
  });

  it('the incident page shows a commander the level form: CSRF checked, an off-scale level shown back, a change applied', async () => {
    const incidentId = await declare({ organisation: 'tokyo', kind: 'failure', threatLevel: 1, detectedBy: { name: '佐藤 花子', email: 'sato@metro.tokyo.example.jp' }, ...WORKING_HOURS });
    await waitForIncidentStatus(stack, 'tokyo', incidentId, IncidentStatus.MONITORING);
    const url = `${stack.baseUrl}/incidents/tokyo/${incidentId}`;
    const page = await stack.fetch(url);
    const html = await page.text();
    expect(html).toContain(`action="/incidents/tokyo/${incidentId}/threat-level"`);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1];
    const post = (form: Record<string, string>, withCookie = cookie) =>
      stack.fetch(`${url}/threat-level`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: withCookie }, body: new URLSearchParams(form).toString() });

    expect((await post({ csrf, level: '2', reason: '確認' }, '')).status).toBe(403);
    const off = await post({ csrf, level: '9', reason: '拡大のおそれ' });
    expect(off.status).toBe(400);
    const offPage = await off.text();
    expect(offPage).toContain('body.level');
    expect(offPage).toContain('拡大のおそれ'); // the reason typed is kept
    const ok = await post({ csrf, level: '3', reason: '運用に支障' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/incidents/tokyo/${incidentId}`);
    const view = await waitForIncidentStatus(stack, 'tokyo', incidentId, IncidentStatus.CONVENING_COUNCIL);
    expect(view.threatLevel).toBe(3);
    expect(await (await stack.fetch(url)).text()).toContain('脅威度 L3');

    // An auditor sees the incident but not the form.
    const asAuditor = await (await fetchWith(stack.auth.auditor)(url)).text();
    expect(asAuditor).toContain(incidentId);
    expect(asAuditor).not.toContain('/threat-level"');
  });
});
