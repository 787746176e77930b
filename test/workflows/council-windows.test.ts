// The response windows on the time-skipping server: the real 15- and 30-minute windows of
// Katsuragi's profile pass in seconds. The chair (副町長) is reminded, then the person who acts
// for an absent chair (管財情報課長, katsuragi:3.3) is asked, and presides.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { auditTrail } from '../../src/db/audit';
import { listTasks } from '../../src/db/tasks';
import { IncidentStatus } from '../../src/domain/incidents';
import { TaskState } from '../../src/domain/tasks';
import { incidentStatusQuery } from '../../src/workflows/messages';
import { json } from '../support/http';
import { timeSkippingServer } from '../support/temporal';
import { eventually, linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack } from '../support/stack';
import { declaration } from '../support/declarations';

jest.setTimeout(120_000);

describe('council windows on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    env = await timeSkippingServer();
    stack = await startTestStack(env, { taskQueue: `windows-${Date.now()}` });
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  it('reminds the chair after 15 minutes and asks the acting chair after 30, who then presides', async () => {
    const r = await fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration()) });
    const created = await json(r);
    expect(r.status).toBe(201);
    const { incidentId, workflowId } = created;
    const chairTasks = () => listTasks(stack.appDb.db, { caseId: incidentId, assigneeEmail: 'fukuchoucho@katsuragi.example.jp' });
    await eventually(async () => ((await chairTasks()).length === 1 ? true : undefined), 30_000, 'the chair task');
    const [firstAsk] = await stack.waitForMail((m) => m.to.includes('fukuchoucho@') && m.subject.startsWith('【要回答】'));

    await env.sleep('15 minutes');
    const [reminder] = await stack.waitForMail((m) => m.to.includes('fukuchoucho@') && m.subject.startsWith('【再送】'));
    expect(linkIn(reminder)).toBe(linkIn(firstAsk)); // the same link, still valid
    expect((await chairTasks())[0].state).toBe(TaskState.OPEN);

    await env.sleep('15 minutes');
    const [actingAsk] = await stack.waitForMail((m) => m.to.includes('kanzaijoho-kacho@katsuragi.example.jp') && m.subject.includes('招集') && m.text.includes('代わってお願いします'));
    expect(actingAsk.text).toContain('中西 弘（副町長）から期限までに回答がなかったため');
    expect((await chairTasks())[0].state).toBe(TaskState.MOVED);

    // The chair opens the original link late: it says who has the task now, and changes nothing.
    const late = await openTaskPage(linkIn(firstAsk));
    expect(late.status).toBe(200);
    expect(late.html).toContain('この依頼は移管されました');
    expect(late.csrf).toBeUndefined();

    const page = await openTaskPage(linkIn(actingAsk));
    expect((await postTaskForm(linkIn(actingAsk), { option: 'attend', note: '職務を代行します', csrf: page.csrf! }, page.cookie)).status).toBe(303);

    const handle = env.client.workflow.getHandle(workflowId);
    await eventually(async () => ((await handle.query(incidentStatusQuery)) === IncidentStatus.AWAITING_CONTAINMENT_DECISION ? true : undefined), 30_000, 'containment wait');
    const trail = await auditTrail(stack.appDb.db, 'katsuragi', incidentId);
    const chairRow = trail.find((a) => a.outcome.startsWith('議長:'))!;
    expect(chairRow.outcome).toMatch(/（職務代行）$/);
    expect(chairRow.articles).toContain('katsuragi:3.3');
    expect(trail.some((a) => a.outcome.includes('督促（1回目）'))).toBe(true);
    expect(trail.some((a) => a.outcome.includes('から期限内に回答がなく') && a.outcome.includes('管財情報課長'))).toBe(true);
  });

  it("walks the chair's whole stand-in chain: after the acting chair's window, the acting chair's own stand-in is asked", async () => {
    const r = await fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration()) });
    const { incidentId } = await json(r);
    expect(r.status).toBe(201);
    const ofThis = (to: string) => (m: { to: string; subject: string; text: string }) => m.to.includes(to) && m.subject.includes(incidentId) && m.text.includes('代わってお願いします');
    await eventually(async () => ((await listTasks(stack.appDb.db, { caseId: incidentId, assigneeEmail: 'fukuchoucho@katsuragi.example.jp' })).length === 1 ? true : undefined), 30_000, 'the chair task');

    await env.sleep('30 minutes');
    await stack.waitForMail(ofThis('kanzaijoho-kacho@katsuragi.example.jp'));
    await env.sleep('30 minutes');
    const [third] = await stack.waitForMail(ofThis('kanzaijoho-kakaricho@katsuragi.example.jp'));
    expect(third.text).toContain('森本 亮（管財情報課長）から期限までに回答がなかったため');
  });
});
