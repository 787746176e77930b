// "My tasks": the open tasks, in the console and as `GET /api/tasks`.
import { type Response, Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from '../../domain/zod';
import type { Database } from '../../db/schema';
import { listTasks, type TaskRow } from '../../db/tasks';
import { ORGANISATION_KEY_PATTERN } from '../../domain/articles';
import { TaskState } from '../../domain/tasks';
import type { RenderPage } from '../app';
import type { AccessRole } from '../../domain/access';
import { allow, principal, requireRole } from '../access';
import { HttpError, locals, valid, validate } from '../http';
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

/** Who may list every task of an organisation (with names and emails), not only their own. */
const TASK_OVERSEERS: readonly AccessRole[] = ['commander', 'operator', 'auditor'];

export function tasksRouter({ db, renderPage }: { db: Kysely<Database>; renderPage: RenderPage }): Router {
  const r = Router();

  /**
   * Without `organisation`: the signed-in person's own tasks (by assignee email). With it: that
   * organisation's tasks, for its commanders, operators and auditors (an API key names one).
   */
  async function tasksFor(res: Response, q: z.output<typeof query>, state: TaskState) {
    const p = principal(res);
    if (q.organisation) {
      requireRole(res, TASK_OVERSEERS, q.organisation);
      return listTasks(db, { state, organisation: q.organisation, ...(q.assignee ? { assigneeEmail: q.assignee } : {}) });
    }
    if (!p.email) throw new HttpError(400, 'organisation_required', 'organisation: an API key lists the tasks of one organisation (?organisation=…)', [{ path: 'query.organisation', message: 'required for an API key' }]);
    if (q.assignee && q.assignee.toLowerCase() !== p.email) {
      throw new HttpError(400, 'organisation_required', 'assignee: another person\'s tasks are listed within an organisation (?organisation=…)', [{ path: 'query.organisation', message: 'required with assignee' }]);
    }
    return listTasks(db, { state, assigneeEmail: p.email });
  }

  r.get('/api/tasks', allow.signedIn(), validate({ query }), async (_req, res) => {
    const q = valid<{ query: typeof query }>(res).query;
    res.json({ tasks: (await tasksFor(res, q, q.state)).map(taskJson) });
  });
  r.get('/tasks', allow.signedIn(), validate({ query }), async (req, res) => {
    const { t, locale } = locals(res);
    const q = valid<{ query: typeof query }>(res).query;
    res.send(renderPage(req, res, t('openTasks'), taskListPage(await tasksFor(res, q, TaskState.OPEN), t, locale)));
  });
  return r;
}
