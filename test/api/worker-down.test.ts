// An answer given while the worker is down: Temporal admits the `decide` Update and applies it when
// the worker returns, so the page must say the answer was received (受付済み（処理中）), never that
// it was not recorded; a different second answer would be dropped by Temporal (same update id), so
// it is refused with a page naming the pending one; and the record keeps the time the person
// answered, not the time the returning worker processed it.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { sql } from 'kysely';
import { listTasks } from '../../src/db/tasks';
import { TaskState } from '../../src/domain/tasks';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { devServer } from '../support/temporal';
import { eventually, linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(180_000);

const CHAIR = 'fukuchoucho@katsuragi.example.jp';

describe('an answer given while the worker is down', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  const logged: LogEntry[] = [];

  beforeAll(async () => {
    env = await devServer();
    const logger = new DefaultLogger('WARN', (e) => logged.push(e));
    stack = await startTestStack(env, { taskQueue: `worker-down-${Date.now()}`, updateTimeoutMs: 2_000, logger });
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  it('is received, holds against a different answer, and is recorded with its own time when the worker returns', async () => {
    const declared = await stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration()) });
    const { incidentId } = await json(declared);
    const [mail] = await stack.waitForMail((m) => m.subject.includes(incidentId) && m.to.includes(CHAIR));
    const link = linkIn(mail);
    const chairTask = async () => (await listTasks(stack.appDb.db, { caseId: incidentId, assigneeEmail: CHAIR }))[0];

    await stack.stopWorker();
    const { cookie, csrf } = await openTaskPage(link);

    const answeredAt = Date.now();
    const first = await postTaskForm(link, { csrf: csrf!, option: 'attend', note: '' }, cookie);
    expect(first.status).toBe(503);
    expect(first.html).toContain('受付済み（処理中）');
    expect(first.html).toContain('出席する');
    expect(first.html).not.toContain('記録されていません');

    // Logged with the task id, never the token.
    const taskId = (await chairTask()).task_id;
    const token = link.split('/t/')[1];
    expect(logged.filter((e) => e.meta?.taskId === taskId && /\(503\)/.test(e.message))).toHaveLength(1);
    expect(JSON.stringify(logged.map((e) => [e.message, e.meta]))).not.toContain(token);

    // A different answer would be dropped by Temporal: refused, naming the answer that holds.
    const second = await postTaskForm(link, { csrf: csrf!, option: 'absent', note: '' }, cookie);
    expect(second.status).toBe(409);
    expect(second.html).toContain('受付済み（処理中）');
    expect(second.html).toContain('出席する');

    // The same answer again is no change: the same Update is sent again, and the page says the same.
    const again = await postTaskForm(link, { csrf: csrf!, option: 'attend', note: '' }, cookie);
    expect(again.status).toBe(503);
    expect(again.html).toContain('受付済み（処理中）');
    expect(logged.filter((e) => e.meta?.taskId === taskId && /\(503\)/.test(e.message))).toHaveLength(2);
    expect((await chairTask()).pending_decision).toEqual({ option: 'attend', optionLabel: '出席する', note: '', answeredAt: expect.any(String) });
    expect(Date.parse((await chairTask()).pending_decision!.answeredAt)).toBeLessThan(Date.now() - 1_000); // the first answer's time, kept

    // The page and "my tasks" say the same.
    const page = await openTaskPage(link);
    expect(page.html).toContain('受付済み（処理中）');
    expect(page.html).toContain('出席する');
    const mine = await json(await stack.fetch(`${stack.baseUrl}/api/tasks?organisation=katsuragi&assignee=${CHAIR}`));
    const listed = mine.tasks.find((x: { caseId: string }) => x.caseId === incidentId);
    expect(listed.state).toBe(TaskState.OPEN);
    expect(listed.pendingDecision).toMatchObject({ option: 'attend', optionLabel: '出席する' });
    expect((await (await stack.fetch(`${stack.baseUrl}/tasks?organisation=katsuragi&assignee=${CHAIR}`)).text())).toContain('受付済み（処理中）');
    // So does the incident: the chair is not shown as merely awaited.
    const incident = await json(await stack.fetch(`${stack.baseUrl}/api/incidents/katsuragi/${incidentId}`));
    expect(incident.council.awaited.find((a: { name: string }) => a.name === '中西 弘').pending).toEqual({ answer: 'attend', at: expect.any(String) });
    const incidentPage = await (await stack.fetch(`${stack.baseUrl}/incidents/katsuragi/${incidentId}`)).text();
    expect(incidentPage).toMatch(/中西 弘<\/td><td class="OPEN">受付済み（処理中）/);

    const restartedAt = Date.now();
    await stack.startWorker();
    const decided = await eventually(async () => {
      const x = await chairTask();
      return x.state === TaskState.DECIDED ? x : undefined;
    }, 90_000, 'the chair task to be decided');
    expect(decided.decision).toMatchObject({ option: 'attend', optionLabel: '出席する' });
    const decidedAt = new Date(decided.decision!.decidedAt).getTime();
    expect(Math.abs(decidedAt - answeredAt)).toBeLessThan(1_000);
    expect(decidedAt).toBeLessThan(restartedAt);
    expect(decided.pending_decision).toBeNull();

    const audit = await eventually(async () => {
      const rows = (await sql<{ outcome: string; at: Date }>`select outcome, at from audit_log where id = ${`${decided.task_id}/decided`}`.execute(stack.appDb.db)).rows;
      return rows[0];
    }, 30_000, 'the audit row of the decision');
    expect(audit.outcome).toContain('出席する');
    expect(audit.outcome).not.toContain('出席できない');
    expect(new Date(audit.at).getTime()).toBe(decidedAt);

    // Decided: the page shows the answer, and a late POST changes nothing.
    expect((await openTaskPage(link)).html).toContain('出席する');
    const late = await postTaskForm(link, { csrf: csrf!, option: 'absent', note: '' }, cookie);
    expect(late.status).toBe(303);
    expect((await chairTask()).decision).toMatchObject({ option: 'attend' });
  });
});
