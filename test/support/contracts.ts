// A contract request as a department head of Tokyo would send it, for tests: every field the
// request schema asks, valid (the corporate number's check digit included).
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema';
import type { TaskRow } from '../../src/db/tasks';
import { type ContractRequest, contractRequestSchema } from '../../src/domain/contract';
import type { ChecklistAnswers } from '../../src/domain/task-checklist';
import { decideUpdate } from '../../src/workflows/messages';
import { eventually } from './stack';

const JST_MS = 9 * 3_600_000;
/** The day in Japan `days` after the instant, YYYY-MM-DD. */
export const jstDay = (ms: number, days = 0) => new Date(ms + JST_MS + days * 86_400_000).toISOString().slice(0, 10);
/** The same day `years` later, YYYY-MM-DD (29 February becomes 28). */
export const yearsLater = (day: string, years: number) => {
  const y = Number(day.slice(0, 4)) + years;
  return day.slice(5) === '02-29' ? `${y}-02-28` : `${y}${day.slice(4)}`;
};

/** A valid request of `organisation`, starting on `startsOn` for `years` years (the last day the day before). */
export function contractRequest(organisation: string, startsOn: string, years = 3, over: Partial<ContractRequest> = {}): ContractRequest {
  const endsOn = jstDay(Date.parse(`${yearsLater(startsOn, years)}T00:00:00+09:00`), -1);
  return contractRequestSchema.parse({
    organisation,
    contractor: {
      name: '株式会社テスト情報処理',
      corporateNumber: '7000012050002',
      address: '東京都新宿区西新宿二丁目8番1号',
      contact: { name: '委託 太郎', email: 'contact@contractor.example.jp' },
    },
    business: { content: '住民基本台帳ネットワークシステムの運用保守', scope: '都サーバの監視及び障害対応' },
    data: { identityInformation: true, items: ['氏名', '住所'], volume: 14_000_000 },
    reason: '専門的な技術を要するため',
    protectionMeasures: '入退室管理、アクセス制御、従事者の誓約',
    workSite: { kind: 'dataCentre', address: '東京都内のデータセンター' },
    staff: [{ name: '保守 一郎', role: '主任技術者' }],
    subcontractors: [],
    period: { startsOn, endsOn },
    ...over,
  });
}

/** Answers a contract's tasks as their pages would, by the `decide` Update, and moves the server's clock. */
export function contractDriver(env: TestWorkflowEnvironment, db: Kysely<Database>) {
  /** The open task of a task workflow, once it is asked (of `email`, when given). */
  const openTask = (workflowId: string, email?: string) =>
    eventually(
      async () =>
        (await db
          .selectFrom('tasks')
          .selectAll()
          .where('workflow_id', '=', workflowId)
          .where('state', '=', 'OPEN')
          .$if(email !== undefined, (q) => q.where('assignee_email', '=', email!))
          .executeTakeFirst()) as TaskRow | undefined,
      60_000,
      `the open task of ${workflowId}${email ? ` for ${email}` : ''}`,
    );

  async function answer(workflowId: string, o: { option: string; note?: string; checklist?: ChecklistAnswers; email?: string }) {
    const t = await openTask(workflowId, o.email);
    return env.client.workflow.getHandle(workflowId).executeUpdate(decideUpdate, {
      args: [{ taskId: t.task_id, option: o.option, note: o.note ?? '', actor: { name: t.assignee.name, email: t.assignee.email }, ...(o.checklist ? { checklist: o.checklist } : {}) }],
      updateId: `decide/${t.task_id}/${o.option}`,
    });
  }

  /** Why an Update was refused: the validator's message (the failure's cause). */
  async function refusal(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (err) {
      if (!(err instanceof WorkflowUpdateFailedError)) throw err;
      return String(err.cause?.message);
    }
    throw new Error('the Update was not refused');
  }

  /** Sleeps the server's clock to a minute past `at`. */
  async function sleepUntil(at: number) {
    const now = await env.currentTimeMs();
    if (at > now) await env.sleep(at - now + 60_000);
  }

  return { openTask, answer, refusal, sleepUntil };
}

/**
 * Starts a contract's workflow and drives it to active — the questionnaire answered, every item
 * met, approved, the clauses located — then waits for the run that takes changes, inspections and
 * maintenance reports (continued as new). The caller terminates it (its id is the contract's).
 */
export async function driveContractToActive(env: TestWorkflowEnvironment, stack: { appDb: { db: Kysely<Database> }; config: { TEMPORAL_TASK_QUEUE: string } }, c: { contractId: string; organisation?: string }): Promise<void> {
  const id = c.contractId;
  const db = stack.appDb.db;
  const { openTask, answer } = contractDriver(env, db);
  const each = async (workflowId: string, answerOf: (key: string, n: number) => ChecklistAnswers[string]) =>
    Object.fromEntries(((await openTask(workflowId)).form?.checklist?.items ?? []).map((i, n) => [i.key, answerOf(i.key, n)]));
  const handle = await env.client.workflow.start('contractWorkflow', { workflowId: id, taskQueue: stack.config.TEMPORAL_TASK_QUEUE, args: [{ contractId: id, organisation: c.organisation ?? 'tokyo' }] });
  await answer(`${id}/round-1/questionnaire`, { option: 'submit', checklist: await each(`${id}/round-1/questionnaire`, () => ({ note: '規程と体制図のとおり' })) });
  await answer(`${id}/round-1/investigation`, { option: 'submit', checklist: await each(`${id}/round-1/investigation`, () => ({ answer: 'met' })) });
  await answer(`${id}/round-1/decision`, { option: 'approve' });
  await answer(`${id}/clauses`, { option: 'submit', checklist: await each(`${id}/clauses`, (_k, n) => ({ page: n + 1, section: `第${n + 1}条` })) });
  await eventually(
    async () => {
      const d = await handle.describe();
      const row = await db.selectFrom('contracts').select('status').where('contract_id', '=', id).executeTakeFirst();
      return d.runId !== handle.firstExecutionRunId && d.status.name === 'RUNNING' && row?.status === 'active' ? true : undefined;
    },
    60_000,
    `${id} to be active`,
  );
}
