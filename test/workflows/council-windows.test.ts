// The response windows on the time-skipping server: the real 15- and 30-minute windows of
// Katsuragi's profile pass in seconds. The chair (副町長) is reminded, then the person who acts
// for an absent chair (管財情報課長, katsuragi:3.3) is asked, and presides.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { auditTrail } from '../../src/db/audit';
import { listTasks } from '../../src/db/tasks';
import { IncidentStatus } from '../../src/domain/incidents';
import { TaskState } from '../../src/domain/tasks';
import { json } from '../support/http';
import { timeSkippingServer } from '../support/temporal';
import { eventually, linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack, waitForIncidentStatus } from '../support/stack';
import { declaration } from '../support/declarations';
import type { OutboxMessage } from '../../src/embedded/outbox';

jest.setTimeout(120_000);

describe('council windows on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  // The API checks link expiry by a clock that follows the server's skipped time.
  let skew = 0;
  const followServerClock = async () => {
    skew = (await env.currentTimeMs()) - Date.now();
  };

  beforeAll(async () => {
    env = await timeSkippingServer();
    stack = await startTestStack(env, { taskQueue: `windows-${Date.now()}`, config: { TASK_LINK_TTL: '1h' }, now: () => Date.now() + skew });
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  it('reminds the chair after 15 minutes and asks the acting chair after 30, who then presides', async () => {
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration()) });
    const created = await json(r);
    expect(r.status).toBe(201);
    const { incidentId } = created;
    const chairTasks = () => listTasks(stack.appDb.db, { caseId: incidentId, assigneeEmail: 'fukuchoucho@katsuragi.example.jp' });
    await eventually(async () => ((await chairTasks()).length === 1 ? true : undefined), 30_000, 'the chair task');
    const [firstAsk] = await stack.waitForMail((m) => m.to.includes('fukuchoucho@') && m.subject.startsWith('【要回答】'));

    await env.sleep('15 minutes');
    const [reminder] = await stack.waitForMail((m) => m.to.includes('fukuchoucho@') && m.subject.startsWith('【再送】'));
    // A fresh link; the first one still works too.
    expect(linkIn(reminder)).not.toBe(linkIn(firstAsk));
    await followServerClock();
    for (const link of [linkIn(firstAsk), linkIn(reminder)]) expect((await openTaskPage(link)).csrf).toBeDefined();
    expect((await chairTasks())[0].state).toBe(TaskState.OPEN);

    await env.sleep('15 minutes');
    const [actingAsk] = await stack.waitForMail((m) => m.to.includes('kanzaijoho-kacho@katsuragi.example.jp') && m.subject.includes('招集') && m.text.includes('代わってお願いします'));
    expect(actingAsk.text).toContain('中西 弘（副町長）から期限までに回答がなかったため');
    expect((await chairTasks())[0].state).toBe(TaskState.MOVED);

    await followServerClock();
    // The chair opens the original link late: it says who has the task now, and changes nothing.
    const late = await openTaskPage(linkIn(firstAsk));
    expect(late.status).toBe(200);
    expect(late.html).toContain('この依頼は移管されました');
    expect(late.csrf).toBeUndefined();

    const page = await openTaskPage(linkIn(actingAsk));
    expect((await postTaskForm(linkIn(actingAsk), { option: 'attend', note: '職務を代行します', csrf: page.csrf! }, page.cookie)).status).toBe(303);

    await waitForIncidentStatus(stack, 'katsuragi', incidentId, IncidentStatus.AWAITING_CONTAINMENT_DECISION);
    const trail = await auditTrail(stack.appDb.db, 'katsuragi', incidentId);
    const chairRow = trail.find((a) => a.outcome.startsWith('議長:'))!;
    expect(chairRow.outcome).toMatch(/（職務代行）$/);
    expect(chairRow.articles).toContain('katsuragi:3.3');
    expect(trail.some((a) => a.outcome.includes('督促（1回目）'))).toBe(true);
    expect(trail.some((a) => a.outcome.includes('から期限内に回答がなく') && a.outcome.includes('管財情報課長'))).toBe(true);
  });

  it("walks the chair's whole stand-in chain: after the acting chair's window, the acting chair's own stand-in is asked", async () => {
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration()) });
    const { incidentId } = await json(r);
    expect(r.status).toBe(201);
    const ofThis = (to: string) => (m: { to: string; subject: string; text: string }) => m.to.includes(to) && m.subject.includes(incidentId) && m.text.includes('代わってお願いします');
    await eventually(async () => ((await listTasks(stack.appDb.db, { caseId: incidentId, assigneeEmail: 'fukuchoucho@katsuragi.example.jp' })).length === 1 ? true : undefined), 30_000, 'the chair task');

    await env.sleep('30 minutes');
    await stack.waitForMail(ofThis('kanzaijoho-kacho@katsuragi.example.jp'));
    await env.sleep('30 minutes');
    // 情報係長 also stands in for 森本's council seat: the chair's own task is on the chair's workflow.
    const chairTask = await eventually(
      async () => (await listTasks(stack.appDb.db, { caseId: incidentId, assigneeEmail: 'kanzaijoho-kakaricho@katsuragi.example.jp' })).find((t) => t.workflow_id.includes('/council/chair-')),
      30_000,
      "the chair's task for the third of the chain",
    );
    const asks = await stack.waitForMail(ofThis('kanzaijoho-kakaricho@katsuragi.example.jp'), 2);
    const third = asks.find((m) => linkIn(m).includes(`.${chairTask.task_id}.`))!;
    expect(third.text).toContain('議長として');
    expect(third.text).toContain('森本 亮（管財情報課長）から期限までに回答がなかったため');
  });

  it('a reminder sent after the first link expired carries a link that works', async () => {
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration()) });
    expect(r.status).toBe(201);
    const { incidentId } = await json(r);
    const last = 'kanzaijoho-kakaricho@katsuragi.example.jp';
    // The last of the chair's chain (情報係長) stands in for a council member too: the chair's task
    // is the one on the chair's workflow.
    const chairTaskOfLast = async () =>
      (await listTasks(stack.appDb.db, { caseId: incidentId, assigneeEmail: last })).find((t) => t.workflow_id.endsWith('/chair-1'));
    const mailFor = (taskId: string, subject: string) => (m: OutboxMessage) => m.subject.startsWith(subject) && linkIn(m).includes(`.${taskId}.`);

    // Nobody answers; after 60 minutes the last of the chain is asked (link valid 1 hour), reminded
    // at 75 minutes, and again each 30 minutes once the chain has run out (120, 150, …).
    await stack.waitForMail((m) => m.to.includes('fukuchoucho@') && m.text.includes(incidentId));
    await env.sleep('30 minutes');
    await env.sleep('30 minutes');
    const task = await eventually(chairTaskOfLast, 30_000, "the last stand-in's task");
    const [lastAsk] = await stack.waitForMail(mailFor(task.task_id, '【要回答】'));
    await env.sleep('60 minutes');
    const [, latest] = await stack.waitForMail(mailFor(task.task_id, '【再送'), 2);
    await env.sleep('5 minutes');
    await followServerClock();

    // 125 minutes on: the first link (sent at 60, valid 1 hour) has expired and says what to do.
    const expired = await openTaskPage(linkIn(lastAsk!));
    expect(expired.status).toBe(410);
    expect(expired.html).toContain('いちばん新しいメールのリンク');
    // The newest reminder's link works, and the answer is recorded.
    const page = await openTaskPage(linkIn(latest!));
    expect(page.status).toBe(200);
    expect((await postTaskForm(linkIn(latest!), { option: 'attend', note: '', csrf: page.csrf! }, page.cookie)).status).toBe(303);
    expect((await chairTaskOfLast())?.state).toBe(TaskState.DECIDED);
  });
});
