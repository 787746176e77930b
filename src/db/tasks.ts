// The tasks table: the projection of every human task, read by the task pages and "my tasks".
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Assignee, PendingDecision, TaskDecision, TaskForm, TaskOption } from '../domain/tasks';
import { TaskState } from '../domain/tasks';
import type { Database, TaskTable } from './schema';

export type TaskRow = Selectable<TaskTable>;

export interface NewTask {
  taskId: string;
  caseId: string;
  organisation: string;
  workflowId: string;
  step: string;
  kind: string;
  title: string;
  body: string;
  options: TaskOption[];
  articles: string[];
  assignee: Assignee;
  dueAt: Date;
  tokenHash: string;
  tokenExpiresAt: Date;
  form?: TaskForm;
}

/** Inserts the task once; a retried activity finds it there and changes nothing. */
export async function insertTask(db: Kysely<Database>, t: NewTask): Promise<void> {
  await db
    .insertInto('tasks')
    .values({
      task_id: t.taskId,
      case_id: t.caseId,
      organisation: t.organisation,
      workflow_id: t.workflowId,
      step: t.step,
      kind: t.kind,
      title: t.title,
      body: t.body,
      options: JSON.stringify(t.options),
      articles: JSON.stringify(t.articles),
      assignee: JSON.stringify(t.assignee),
      assignee_email: t.assignee.email.toLowerCase(),
      state: TaskState.OPEN,
      due_at: t.dueAt,
      token_hash: t.tokenHash,
      token_expires_at: t.tokenExpiresAt,
      form: t.form ? JSON.stringify(t.form) : null,
    })
    .onConflict((oc) => oc.column('task_id').doNothing())
    .execute();
  await addTaskLink(db, t.taskId, t.tokenHash, t.tokenExpiresAt);
}

/** Records a further link for a task; the task keeps the newest. A retry changes nothing. */
export async function addTaskLink(db: Kysely<Database>, taskId: string, hash: string, expiresAt: Date): Promise<void> {
  await db
    .insertInto('task_links')
    .values({ token_hash: hash, task_id: taskId, expires_at: expiresAt })
    .onConflict((oc) => oc.column('token_hash').doNothing())
    .execute();
  await db
    .updateTable('tasks')
    .set({ token_hash: hash, token_expires_at: expiresAt, updated_at: new Date() })
    .where('task_id', '=', taskId)
    .where('token_expires_at', '<', expiresAt)
    .execute();
}

export function getTask(db: Kysely<Database>, taskId: string): Promise<TaskRow | undefined> {
  return db.selectFrom('tasks').selectAll().where('task_id', '=', taskId).executeTakeFirst();
}

/** The task any of whose links hashes to `hash`. */
export function getTaskByTokenHash(db: Kysely<Database>, hash: string): Promise<TaskRow | undefined> {
  return db
    .selectFrom('task_links')
    .innerJoin('tasks', 'tasks.task_id', 'task_links.task_id')
    .selectAll('tasks')
    .where('task_links.token_hash', '=', hash)
    .executeTakeFirst();
}

export async function markMoved(db: Kysely<Database>, taskId: string, to: { taskId: string; name: string; title: string }): Promise<void> {
  await db
    .updateTable('tasks')
    .set({ state: TaskState.MOVED, moved_to: JSON.stringify(to), updated_at: new Date() })
    .where('task_id', '=', taskId)
    .where('state', '=', TaskState.OPEN)
    .execute();
}

/** The open tasks of a withdrawn human task (its workflow cancelled): their links then say so. */
export async function markWithdrawn(db: Kysely<Database>, workflowId: string): Promise<void> {
  await db.updateTable('tasks').set({ state: TaskState.WITHDRAWN, updated_at: new Date() }).where('workflow_id', '=', workflowId).where('state', '=', TaskState.OPEN).execute();
}

/** Records the decision on an open task, which clears any pending answer; a second call changes nothing. */
export async function markDecided(db: Kysely<Database>, taskId: string, decision: TaskDecision): Promise<void> {
  await db
    .updateTable('tasks')
    .set({ state: TaskState.DECIDED, decision: JSON.stringify(decision), pending_decision: null, updated_at: new Date() })
    .where('task_id', '=', taskId)
    .where('state', '=', TaskState.OPEN)
    .execute();
}

/**
 * Takes an answer as pending on an open task that has none, in one statement, so that of two
 * answers sent at once exactly one is taken. False if the task is not open or already holds one.
 */
export async function holdPendingDecision(db: Kysely<Database>, taskId: string, pending: PendingDecision): Promise<boolean> {
  const r = await db
    .updateTable('tasks')
    .set({ pending_decision: JSON.stringify(pending), updated_at: new Date() })
    .where('task_id', '=', taskId)
    .where('state', '=', TaskState.OPEN)
    .where('pending_decision', 'is', null)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Drops the pending answer taken at `answeredAt` (the workflow refused it, or never got it); another one stays. */
export async function dropPendingDecision(db: Kysely<Database>, taskId: string, answeredAt: string): Promise<void> {
  await db
    .updateTable('tasks')
    .set({ pending_decision: null, updated_at: new Date() })
    .where('task_id', '=', taskId)
    .where(sql<string>`pending_decision->>'answeredAt'`, '=', answeredAt)
    .execute();
}

export async function countReminder(db: Kysely<Database>, taskId: string, reminder: number): Promise<void> {
  await db.updateTable('tasks').set({ reminders_sent: reminder, updated_at: new Date() }).where('task_id', '=', taskId).where('reminders_sent', '<', reminder).execute();
}

export function listTasks(
  db: Kysely<Database>,
  filter: { state?: TaskState; assigneeEmail?: string; organisation?: string; caseId?: string } = {},
): Promise<TaskRow[]> {
  let q = db.selectFrom('tasks').selectAll();
  if (filter.state) q = q.where('state', '=', filter.state);
  if (filter.assigneeEmail) q = q.where('assignee_email', '=', filter.assigneeEmail.toLowerCase());
  if (filter.organisation) q = q.where('organisation', '=', filter.organisation);
  if (filter.caseId) q = q.where('case_id', '=', filter.caseId);
  return q.orderBy('created_at').orderBy('task_id').execute();
}
