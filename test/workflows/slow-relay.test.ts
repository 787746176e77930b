// A relay slower than the mail activity's timeout, on the dev server: the server times the
// attempt out and retries it while the first attempt is still in the relay's DATA. The retry
// finds the send in progress and does not send again: one copy per recipient. The production
// timeouts (5 minutes, heartbeat 30 s) are scaled down to seconds by a test interceptor.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { listTasks } from '../../src/db/tasks';
import { parseDuration, DURATION_BOUNDS } from '../../src/domain/duration';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { startTestRelay, type TestRelay } from '../support/relay';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { devServer } from '../support/temporal';

jest.setTimeout(120_000);

describe('a relay slower than the mail activity’s timeout', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let relay: TestRelay;

  beforeAll(async () => {
    env = await devServer();
    stack = await startTestStack(env, {
      taskQueue: `slow-relay-${Date.now()}`,
      smtp: async (dir) => (relay = await startTestRelay(dir)),
      workflowInterceptors: [require.resolve('../fixtures/short-mail-timeouts')],
      // A running send heartbeats and refreshes its mark well within the shortened heartbeat timeout.
      activities: { send: { beatMs: 500 } },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  it('keeps the SMTP timeout under the mail activities’ 5-minute start-to-close timeout', () => {
    expect(parseDuration(DURATION_BOUNDS.smtpTimeout.max)!).toBeLessThan(5 * 60_000);
  });

  it('sends each invitation once although every attempt outlives its 3-second timeout', async () => {
    relay.holdDataMs = 7_000;
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration()) });
    expect(r.status).toBe(201);
    const { incidentId } = await json(r);
    const tasks = await eventually(async () => {
      const all = await listTasks(stack.appDb.db, { caseId: incidentId });
      return all.length === 5 && all.every((t) => t.asked_at) ? all : undefined;
    }, 90_000, 'every invitation delivered');

    // Every openTask was retried while its first attempt sat in the relay.
    const keys = tasks.map((t) => `${t.task_id}/request`);
    for (const t of tasks) {
      // The server writes a retried activity's start when it completes.
      const started = await eventually(async () => {
        const history = await env.client.workflow.getHandle(t.workflow_id).fetchHistory();
        return history.events!.find((e) => e.activityTaskStartedEventAttributes)?.activityTaskStartedEventAttributes ?? undefined;
      }, 30_000, `openTask of ${t.workflow_id} to complete`);
      expect(started.attempt).toBeGreaterThanOrEqual(2);
    }
    // Once no attempt is marked as sending and the relay holds nothing, every copy has landed …
    await eventually(async () => {
      const marked = await stack.appDb.db.selectFrom('sent_mail').select('key').where('key', 'in', keys).where('attempt_id', 'is not', null).execute();
      return marked.length === 0 && relay.inFlight === 0 ? true : undefined;
    }, 60_000, 'every send to settle');
    // … and each recipient got one copy.
    const recipients = tasks.map((t) => t.assignee.email).sort();
    const invitations = (await stack.mail()).filter((m) => m.subject.includes(incidentId));
    expect(invitations.map((m) => /<([^>]+)>/.exec(m.to)?.[1] ?? m.to).sort()).toEqual(recipients);
    expect(relay.accepted.sort()).toEqual(recipients);
  });
});
