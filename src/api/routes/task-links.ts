// The pages behind the links in task emails. GET and HEAD only show (mail scanners open every
// link); the form's POST, with its CSRF token, records the answer through the workflow's
// `decide` Update, whose id is derived from the task: a double submit records one decision.
import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { type Request, type Response, Router } from 'express';
import type { Kysely } from 'kysely';
import { getIncident } from '../../db/incidents';
import type { Database } from '../../db/schema';
import { getTask, getTaskByTokenHash, markDecided, type TaskRow } from '../../db/tasks';
import { decisionFormSchema, TaskState } from '../../domain/tasks';
import { assigneeHash, checkCsrf, CSRF_COOKIE, csrfField, newCsrfCookie, type SigningKey, tokenHash, verifyTaskToken } from '../../tokens';
import { decideUpdate } from '../../workflows/messages';
import type { RenderPage } from '../app';
import { cookie, locals, textFields } from '../http';
import type { MessageKey } from '../i18n';
import { type FormErrors, messagePage, taskDecidedPage, taskFormPage, taskMovedPage } from '../views/tasks';

export interface TaskLinkDeps {
  db: Kysely<Database>;
  client: Client;
  signingKeys: readonly SigningKey[];
  renderPage: RenderPage;
  /** How long the POST waits for the workflow before saying "try again". */
  updateTimeoutMs?: number;
  /** The clock links expire by (tests move it with a time-skipping server). */
  now?: () => number;
}

type Resolved = { ok: true; task: TaskRow; hash: string } | { ok: false; status: number; title: MessageKey; body: MessageKey };

export function taskLinksRouter(deps: TaskLinkDeps): Router {
  const { db, client, signingKeys, renderPage } = deps;
  const r = Router();

  async function resolve(token: string): Promise<Resolved> {
    const check = verifyTaskToken(token, signingKeys, (deps.now ?? Date.now)());
    if (!check.ok) {
      return check.reason === 'expired'
        ? { ok: false, status: 410, title: 'linkExpiredTitle', body: 'linkExpiredBody' }
        : { ok: false, status: 404, title: 'linkInvalidTitle', body: 'linkInvalidBody' };
    }
    const hash = tokenHash(token);
    const task = await getTaskByTokenHash(db, hash);
    if (!task) {
      // Signed by us but not the link this task was sent with: another task's or another person's.
      return (await getTask(db, check.task))
        ? { ok: false, status: 403, title: 'linkMismatchTitle', body: 'linkMismatchBody' }
        : { ok: false, status: 404, title: 'linkInvalidTitle', body: 'linkInvalidBody' };
    }
    if (task.task_id !== check.task || assigneeHash(task.assignee_email) !== check.assigneeHash) {
      return { ok: false, status: 403, title: 'linkMismatchTitle', body: 'linkMismatchBody' };
    }
    return { ok: true, task, hash };
  }

  const noStore = (res: Response) => {
    res.set('Cache-Control', 'no-store');
    res.set('Referrer-Policy', 'no-referrer'); // the token is in the URL
    res.set('X-Robots-Tag', 'noindex');
  };

  const fail = (req: Request, res: Response, f: Extract<Resolved, { ok: false }>) => {
    const { t } = locals(res);
    res.status(f.status).send(renderPage(req, res, t(f.title), messagePage(f.body, t)));
  };

  async function showTask(req: Request, res: Response, task: TaskRow, hash: string, form?: { errors: FormErrors; values: { option?: string; note?: string }; status: number }) {
    const { t, locale } = locals(res);
    if (task.state === TaskState.DECIDED) return res.send(renderPage(req, res, t('taskDecidedTitle'), taskDecidedPage(task, t, locale)));
    if (task.state === TaskState.MOVED) return res.send(renderPage(req, res, t('taskMovedTitle'), taskMovedPage(task, t, locale)));
    let csrfCookie = cookie(req, CSRF_COOKIE);
    if (!csrfCookie) {
      csrfCookie = newCsrfCookie();
      res.cookie(CSRF_COOKIE, csrfCookie, { httpOnly: true, sameSite: 'strict', path: '/t/', secure: req.secure });
    }
    const incident = await getIncident(db, task.organisation, task.case_id);
    res.status(form?.status ?? 200).send(
      renderPage(
        req,
        res,
        task.title,
        taskFormPage({
          task,
          ...(incident ? { caseSummary: incident.summary } : {}),
          csrf: csrfField(csrfCookie, hash, signingKeys[0]),
          t,
          locale,
          ...(form ? { errors: form.errors, values: form.values } : {}),
        }),
      ),
    );
  }

  // GET and HEAD (express answers HEAD with the GET route, without a body): read only.
  r.get('/t/:token', async (req, res) => {
    noStore(res);
    const found = await resolve(req.params.token);
    if (!found.ok) return fail(req, res, found);
    await showTask(req, res, found.task, found.hash);
  });

  r.post('/t/:token', async (req, res) => {
    noStore(res);
    const { t } = locals(res);
    const found = await resolve(req.params.token);
    if (!found.ok) return fail(req, res, found);
    const { task, hash } = found;
    // Back to this link's own page: its path only, never the request target (which may be absolute-form, naming another host).
    const self = `/t/${encodeURIComponent(req.params.token)}`;
    // Already decided or moved: nothing to record; the page says what happened.
    if (task.state !== TaskState.OPEN) return res.redirect(303, self);
    // Only text fields count: an object, an array or a nested structure is a missing field.
    const body = textFields(req.body);
    if (!checkCsrf(cookie(req, CSRF_COOKIE), body.csrf, hash, signingKeys)) {
      return fail(req, res, { ok: false, status: 403, title: 'csrfTitle', body: 'csrfBody' });
    }
    const raw = req.body as Record<string, unknown> | undefined;
    const parsed = decisionFormSchema.safeParse({ option: raw?.option ?? '', note: raw?.note ?? '' });
    const values = { option: body.option ?? '', note: body.note ?? '' };
    if (!parsed.success || !task.options.some((o) => o.value === parsed.data.option)) {
      const errors: FormErrors = {};
      for (const i of parsed.error?.issues ?? []) errors[i.path[0] as keyof FormErrors] = i.message;
      if (parsed.success) errors.option = '選択肢から選んでください';
      return showTask(req, res, task, hash, { errors, values, status: 400 });
    }
    try {
      const decision = await client.withDeadline(Date.now() + (deps.updateTimeoutMs ?? 15_000), () =>
        client.workflow.getHandle(task.workflow_id).executeUpdate(decideUpdate, {
          args: [{ taskId: task.task_id, option: parsed.data.option, note: parsed.data.note, actor: { name: task.assignee.name, email: task.assignee.email } }],
          updateId: `decide/${task.task_id}`,
        }),
      );
      // The page after the redirect shows the answer at once; the workflow's own write is idempotent.
      await markDecided(db, decision.taskId, decision);
    } catch (err) {
      // The validator refused (decided meanwhile, or moved): the page shows the state as it is.
      if (!(err instanceof WorkflowUpdateFailedError)) {
        return res.status(503).send(renderPage(req, res, t('unavailableTitle'), messagePage('unavailableBody', t)));
      }
    }
    res.redirect(303, self);
  });
  return r;
}
