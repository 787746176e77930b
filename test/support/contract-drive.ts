// A contract (委託処理) run by its workflow to active on a test stack: each task answered by a
// direct `decide` Update, as its page would — the questionnaire, the investigation (all met), the
// approval, the clauses located — then waited for until the next run (continued as new) takes
// changes, inspections and maintenance reports.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TaskState } from '../../src/domain/tasks';
import type { ChecklistAnswers } from '../../src/domain/task-checklist';
import { contractWorkflow } from '../../src/workflows';
import { decideUpdate } from '../../src/workflows/messages';
import { eventually, type TestStack } from './stack';

/** Answers the open task of a human-task workflow with a direct `decide` Update. */
export async function answerTask(env: TestWorkflowEnvironment, stack: TestStack, workflowId: string, option: string, checklist?: (items: Array<{ key: string }>) => ChecklistAnswers): Promise<void> {
  const db = stack.appDb.db;
  const task = await eventually(() => db.selectFrom('tasks').selectAll().where('workflow_id', '=', workflowId).where('state', '=', TaskState.OPEN).executeTakeFirst(), 60_000, `the task of ${workflowId}`);
  const items = task.form?.checklist?.items ?? [];
  await env.client.workflow.getHandle(workflowId).executeUpdate(decideUpdate, {
    args: [{ taskId: task.task_id, option, note: '', actor: { name: task.assignee.name, email: task.assignee_email }, answeredAt: new Date().toISOString(), ...(checklist ? { checklist: checklist(items) } : {}) }],
  });
}

/** Starts the contract's workflow and drives it to active; the caller terminates it (its id is the contract's). */
export async function driveContractToActive(env: TestWorkflowEnvironment, stack: TestStack, c: { contractId: string; organisation?: string }): Promise<void> {
  const id = c.contractId;
  const handle = await env.client.workflow.start(contractWorkflow, { workflowId: id, taskQueue: stack.config.TEMPORAL_TASK_QUEUE, args: [{ contractId: id, organisation: c.organisation ?? 'tokyo' }] });
  await answerTask(env, stack, `${id}/round-1/questionnaire`, 'submit', (items) => Object.fromEntries(items.map((i) => [i.key, { note: '規程と体制図のとおり' }])));
  await answerTask(env, stack, `${id}/round-1/investigation`, 'submit', (items) => Object.fromEntries(items.map((i) => [i.key, { answer: 'met' }])));
  await answerTask(env, stack, `${id}/round-1/decision`, 'approve');
  await answerTask(env, stack, `${id}/clauses`, 'submit', (items) => Object.fromEntries(items.map((i, n) => [i.key, { page: n + 1, section: `第${n + 1}条` }])));
  await eventually(
    async () => {
      const d = await handle.describe();
      const row = await stack.appDb.db.selectFrom('contracts').select('status').where('contract_id', '=', id).executeTakeFirst();
      return d.runId !== handle.firstExecutionRunId && d.status.name === 'RUNNING' && row?.status === 'active' ? true : undefined;
    },
    60_000,
    `${id} to be active`,
  );
}
