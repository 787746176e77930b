// "My tasks": the open tasks, in the console and as `GET /api/tasks`.
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from '../../domain/zod';
import type { Database } from '../../db/schema';
import { listTasks, type TaskRow } from '../../db/tasks';
import { ORGANISATION_KEY_PATTERN } from '../../domain/articles';
import { TaskState } from '../../domain/tasks';
import type { RenderPage } from '../app';
import { locals, valid, validate } from '../http';
import { taskListPage } from '../views/tasks';

const query = z.object({
  state: z.enum(TaskState).default(TaskState.OPEN),
  assignee: z.email().optional(),
  organisation: z.string().regex(ORGANISATION_KEY_PATTERN).optional(),
});

/** A task as the API shows it: never the token hash. */
const taskJson = (x: TaskRow) => ({
  taskId: x.task_id,
  organisation: x.organisation,
  caseId: x.case_id,
  step: x.step,
  kind: x.kind,
  title: x.title,
  options: x.options,
  articles: x.articles,
  assignee: x.assignee,
  state: x.state,
  dueAt: x.due_at.toISOString(),
  remindersSent: x.reminders_sent,
  movedTo: x.moved_to,
  decision: x.decision,
  /** An answer taken but not yet applied: 受付済み（処理中）. */
  pendingDecision: x.pending_decision,
});

export function tasksRouter({ db, renderPage }: { db: Kysely<Database>; renderPage: RenderPage }): Router {
  const r = Router();
  r.get('/api/tasks', validate({ query }), async (_req, res) => {
    const q = valid<{ query: typeof query }>(res).query;
    const tasks = await listTasks(db, { state: q.state, ...(q.assignee ? { assigneeEmail: q.assignee } : {}), ...(q.organisation ? { organisation: q.organisation } : {}) });
    res.json({ tasks: tasks.map(taskJson) });
  });
  r.get('/tasks', validate({ query }), async (req, res) => {
    const { t, locale } = locals(res);
    const q = valid<{ query: typeof query }>(res).query;
    const tasks = await listTasks(db, { state: TaskState.OPEN, ...(q.assignee ? { assigneeEmail: q.assignee } : {}) });
    res.send(renderPage(req, res, t('openTasks'), taskListPage(tasks, t, locale)));
  });
  return r;
}
