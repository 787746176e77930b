// The pages behind the links in task emails. GET and HEAD only show (mail scanners open every
// link); the form's POST, with its CSRF token, records the answer through the workflow's
// `decide` Update, whose id is derived from the task: a double submit records one decision.
// The answer is first held as pending on the task row: if the workflow does not answer in time
// (worker down), Temporal keeps the Update and applies it when a worker returns, so the person is
// told it was received (受付済み（処理中）), and a different answer — which Temporal would drop, the
// update id being the same — is refused.
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Logger } from '@temporalio/worker';
import { createHash, randomBytes } from 'node:crypto';
import express, { type Request, type Response, Router } from 'express';
import type { Kysely } from 'kysely';
import { insertAttachment, listTaskWorkflowAttachments } from '../../db/attachments';
import { getIncident } from '../../db/incidents';
import { isAttestationTask, mentionsClockTime } from '../../domain/containment';
import { chiefDecisionProblem } from '../../domain/contract';
import { type ChecklistAnswers, checklistAnswersProblem, type TaskChecklist } from '../../domain/task-checklist';
import { acceptsEvidence, type ChecklistFormValues, checklistAnswersFromForm, foreignEvidence, problemItem, sameChecklistAnswers } from '../checklist-form';
import { answerRefusedPage, answerRefusedTitle, approvalGateSection, checklistAnswersSection, checklistHiddenFields, checklistTaskPage, evidenceUploadSection, gatedOptions } from '../views/checklist-task';
import { EVIDENCE_MAX_BYTES, multipartBoundary, parseMultipart, safeFilename, sniffEvidenceType } from '../../domain/evidence';
import type { Database } from '../../db/schema';
import { dropPendingDecision, getTask, getTaskByTokenHash, holdPendingDecision, markDecided, type TaskRow } from '../../db/tasks';
import { decisionFormSchema, type PendingDecision, TaskState } from '../../domain/tasks';
import { assigneeHash, checkCsrf, CSRF_COOKIE, csrfField, newCsrfCookie, type SigningKey, tokenHash, verifyTaskToken, withoutTaskTokens } from '../../tokens';
import { decideUpdate } from '../../workflows/messages';
import type { RenderPage } from '../app';
import { html } from '../html';
import { allow } from '../access';
import { cookie, locals, recordingStarted, textFields } from '../http';
import type { MessageKey } from '../i18n';
import { type FormErrors, messagePage, taskDecidedPage, taskFormPage, taskMovedPage, taskPendingPage } from '../views/tasks';
import { reviewPage, reviewProblemPage } from '../views/review';
import { draftsFromForm, reviewSectionOf } from '../review-answers';
import { saveReviewDrafts, sectionDrafts, sectionItemKeys, sectionPage } from '../../db/review';
import { reviewAnswersProblem, type ReviewItemAnswer } from '../../domain/review';
import { z } from '../../domain/zod';

export interface TaskLinkDeps {
  db: Kysely<Database>;
  client: Client;
  signingKeys: readonly SigningKey[];
  renderPage: RenderPage;
  /** Each 503 is logged, with the task id (never the token). */
  logger: Logger;
  /** How long the POST waits for the workflow before saying the answer is received but still processing. */
  updateTimeoutMs?: number;
  /** The clock links expire by (tests move it with a time-skipping server). */
  now?: () => number;
}

/** IDs per page of a section's review: a phone scrolls through them; 200 IDs are four pages. */
export const REVIEW_PAGE_SIZE = 50;
const reviewQuery = z.object({
  page: z.coerce.number({ error: 'page はページ番号です / page is a page number' }).int().min(1).max(10_000).default(1),
  flagged: z.enum(['1', '0']).optional(),
});

type Resolved = { ok: true; task: TaskRow; hash: string } | { ok: false; status: number; title: MessageKey; body: MessageKey };

/** A form sent back refused: what was wrong, what was typed. */
interface RefusedForm {
  errors: FormErrors;
  values: { option?: string; note?: string };
  status: number;
  /** A checklist task's fields as sent, and the problem (with the item it is about). */
  checklist?: { values: ChecklistFormValues; problem?: { item?: string; message: string } };
}

/** The checklist a task is answered with, if it is a checklist task. */
const checklistOf = (task: TaskRow): TaskChecklist | undefined => (task.kind === 'checklist' ? (task.form?.checklist ?? undefined) : undefined);

export function taskLinksRouter(deps: TaskLinkDeps): Router {
  const { db, client, signingKeys, logger } = deps;
  // The link is the credential for this one task: its pages show no console navigation, even to
  // someone signed in, and nothing of the case beyond the task's own summary.
  const renderPage: RenderPage = (req, res, title, body) => deps.renderPage(req, res, title, body, { bare: true });
  const clock = deps.now ?? Date.now;
  const r = Router();

  async function resolve(token: string): Promise<Resolved> {
    const check = verifyTaskToken(token, signingKeys, clock());
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

  /** The form token for this link, setting the cookie it is bound to if the browser has none. */
  function csrfFor(req: Request, res: Response, hash: string): string {
    let csrfCookie = cookie(req, CSRF_COOKIE);
    if (!csrfCookie) {
      csrfCookie = newCsrfCookie();
      res.cookie(CSRF_COOKIE, csrfCookie, { httpOnly: true, sameSite: 'strict', path: '/t/', secure: req.secure });
    }
    return csrfField(csrfCookie, hash, signingKeys[0]);
  }

  /** The held answer: 受付済み（処理中）, refused when a different one was sent. */
  function showPending(req: Request, res: Response, task: TaskRow, hash: string, pending: PendingDecision, o: { status: number; refused?: boolean }) {
    const { t, locale } = locals(res);
    const title = o.refused ? t('pendingRefusedTitle') : t('pendingTitle');
    const hiddenFields = pending.checklist ? checklistHiddenFields(pending.checklist) : undefined;
    // A checklist's held answer is its items: shown as they were sent, not just the button pressed.
    const checklist = checklistOf(task);
    const held = pending.checklist && checklist ? checklistAnswersSection(checklist, pending.checklist, locale) : undefined;
    res
      .status(o.status)
      .send(renderPage(req, res, title, taskPendingPage({ task, pending, csrf: csrfFor(req, res, hash), t, locale, ...(o.refused ? { refused: true } : {}), ...(hiddenFields ? { hiddenFields } : {}), ...(held ? { held } : {}) })));
  }

  async function showTask(req: Request, res: Response, task: TaskRow, hash: string, form?: RefusedForm) {
    const { t, locale } = locals(res);
    if (task.state === TaskState.DECIDED) {
      // A checklist's answer is its items: shown under the decision, as recorded.
      const answered = checklistOf(task);
      const recorded = answered && task.decision?.checklist ? checklistAnswersSection(answered, task.decision.checklist, locale) : '';
      return res.send(renderPage(req, res, t('taskDecidedTitle'), html`${taskDecidedPage(task, t, locale)}${recorded}`));
    }
    if (task.state === TaskState.MOVED) return res.send(renderPage(req, res, t('taskMovedTitle'), taskMovedPage(task, t, locale)));
    if (task.state === TaskState.WITHDRAWN) return res.send(renderPage(req, res, t('taskWithdrawnTitle'), messagePage('taskWithdrawnBody', t)));
    if (task.pending_decision) return showPending(req, res, task, hash, task.pending_decision, { status: 200 });
    if (task.kind === 'review') return showReview(req, res, task, hash, form ? { error: Object.values(form.errors)[0], status: form.status } : {});
    const csrf = csrfFor(req, res, hash);
    const self = `/t/${encodeURIComponent(String(req.params.token))}`;
    const checklist = checklistOf(task);
    if (checklist) {
      const files = await attachmentsOf(task);
      // A refused form comes back as sent; a first visit shows nothing ticked.
      const problem = form?.checklist?.problem ?? (form ? { message: Object.values(form.errors).find((e) => e !== undefined) ?? '' } : undefined);
      return res
        .status(form?.status ?? 200)
        .send(
          renderPage(
            req,
            res,
            task.title,
            checklistTaskPage({ task, checklist, csrf, self, files, locale, ...(form?.checklist ? { values: form.checklist.values } : {}), ...(problem?.message ? { problem } : {}) }),
          ),
        );
    }
    const incident = await getIncident(db, task.organisation, task.case_id);
    const evidence = isAttestationTask(task) ? { files: await attachmentsOf(task), action: `${self}/evidence` } : undefined;
    // 委託処理's decisions take evidence too (a corrective action's photos), with their own words.
    const evidenceSection =
      !evidence && acceptsEvidence(task) ? evidenceUploadSection({ files: await attachmentsOf(task), action: `${self}/evidence`, csrf, locale, kind: 'decide' }) : undefined;
    // tokyo:24.2: the chief sees what blocks an approval, and is not offered one while anything does.
    const gate = task.form?.approvalGate;
    res.status(form?.status ?? 200).send(
      renderPage(
        req,
        res,
        task.title,
        taskFormPage({
          task,
          ...(incident ? { caseSummary: incident.summary } : {}),
          csrf,
          t,
          locale,
          ...(form ? { errors: form.errors, values: form.values } : {}),
          ...(evidence ? { evidence } : {}),
          ...(evidenceSection ? { evidenceSection } : {}),
          ...(gate ? { before: approvalGateSection(gate.blockers, locale), disabledOptions: gatedOptions(gate.blockers, locale) } : {}),
        }),
      ),
    );
  }

  /** A section review's page: the IDs of the asked page, with their drafts. */
  async function showReview(req: Request, res: Response, task: TaskRow, hash: string, o: { error?: string; status?: number; saved?: number; page?: number; onlyFlagged?: boolean }) {
    const { locale } = locals(res);
    const section = await reviewSectionOf(db, task);
    if (!section) return fail(req, res, { ok: false, status: 404, title: 'linkInvalidTitle', body: 'linkInvalidBody' });
    const q = reviewQuery.safeParse(req.method === 'GET' ? req.query : {});
    if (!q.success) {
      const i = q.error.issues[0];
      return res.status(400).send(renderPage(req, res, task.title, reviewProblemPage(`${String(i.path[0])}: ${i.message}`)));
    }
    const pageNumber = o.page ?? q.data.page;
    const onlyFlagged = o.onlyFlagged ?? q.data.flagged === '1';
    const page = await sectionPage(db, { campaignId: task.case_id, section, offset: (pageNumber - 1) * REVIEW_PAGE_SIZE, limit: REVIEW_PAGE_SIZE, onlyFlagged });
    res.status(o.status ?? 200).send(
      renderPage(
        req,
        res,
        task.title,
        reviewPage({
          task,
          section,
          page,
          pageNumber,
          pageSize: REVIEW_PAGE_SIZE,
          onlyFlagged,
          csrf: csrfFor(req, res, hash),
          self: `/t/${encodeURIComponent(String(req.params.token))}`,
          now: new Date(clock()),
          locale,
          ...(o.error ? { error: o.error } : {}),
          ...(o.saved !== undefined ? { savedCount: o.saved } : {}),
        }),
      ),
    );
  }

  /** A section review's final answer: the saved drafts, complete (every flagged ID answered), or the problem. */
  async function reviewAnswers(task: TaskRow): Promise<{ answers: ReviewItemAnswer[] } | { problem: string }> {
    const section = await reviewSectionOf(db, task);
    if (!section) return { problem: 'この見直しの所属が見つかりません / the section of this review was not found' };
    const [keys, answers] = await Promise.all([sectionItemKeys(db, task.case_id, section), sectionDrafts(db, task.case_id, section)]);
    const problem = reviewAnswersProblem(keys, answers);
    return problem ? { problem } : { answers };
  }

  // The whole task's files: those uploaded before it moved to this person count too.
  const attachmentsOf = (task: TaskRow) => listTaskWorkflowAttachments(db, { organisation: task.organisation, caseId: task.case_id, workflowId: task.workflow_id });

  // GET and HEAD (express answers HEAD with the GET route, without a body): read only.
  r.get('/t/:token', allow.taskLink(), async (req, res) => {
    noStore(res);
    const found = await resolve(String(req.params.token));
    if (!found.ok) return fail(req, res, found);
    await showTask(req, res, found.task, found.hash);
  });

  r.post('/t/:token', allow.taskLink(), async (req, res) => {
    noStore(res);
    const { t, locale } = locals(res);
    const found = await resolve(String(req.params.token));
    if (!found.ok) return fail(req, res, found);
    const { task, hash } = found;
    // Back to this link's own page: its path only, never the request target (which may be absolute-form, naming another host).
    const self = `/t/${encodeURIComponent(String(req.params.token))}`;
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
    // A checklist task: its answers are the items' fields, parsed before anything else is looked at.
    const checklist = checklistOf(task);
    const form = checklist ? checklistAnswersFromForm(checklist, raw) : undefined;
    const refused = (status: number, problem: { item?: string; message: string; field?: 'option' | 'note' }, row = task): Promise<unknown> =>
      showTask(req, res, row, hash, {
        errors: { [problem.field ?? 'option']: problem.message },
        values,
        status,
        ...(form ? { checklist: { values: form.values, problem: { ...(problem.item ? { item: problem.item } : {}), message: problem.message } } } : {}),
      });
    if (!parsed.success || !task.options.some((o) => o.value === parsed.data.option)) {
      const errors: FormErrors = {};
      for (const i of parsed.error?.issues ?? []) errors[i.path[0] as keyof FormErrors] = i.message;
      if (parsed.success) errors.option = '選択肢から選んでください';
      return showTask(req, res, task, hash, { errors, values, status: 400, ...(form ? { checklist: { values: form.values, problem: { message: Object.values(errors)[0] ?? '' } } } : {}) });
    }
    let answers: ChecklistAnswers | undefined;
    if (checklist && form) {
      if (!form.ok) {
        // While an answer is held, a form that does not parse is not that answer: refused below as a different one.
        if (!task.pending_decision) return refused(400, form);
      } else answers = form.answers;
      if (answers && !task.pending_decision) {
        // The one rule the workflow's validator applies too, then the files: each ticked one must be this task's own.
        const problem = checklistAnswersProblem(checklist, answers);
        if (problem) return refused(400, { ...(problemItem(checklist, problem) ? { item: problemItem(checklist, problem) } : {}), message: problem });
        const foreign = foreignEvidence(answers, await attachmentsOf(task));
        if (foreign) {
          const item = checklist.items.find((i) => i.key === foreign.item)!;
          return refused(400, { item: item.key, message: `${item.label.ja}（${item.key}）: この依頼に添付されていない証跡です / not a file attached to this task: ${foreign.sha256.slice(0, 12)}…` });
        }
      }
    }
    // tokyo:24.2: the page refuses what the workflow's validator would, before anything is held.
    const gate = task.form?.approvalGate;
    if (gate && !task.pending_decision) {
      const problem = chiefDecisionProblem({ answer: parsed.data.option, reasons: parsed.data.note }, gate.blockers, locale);
      if (problem) return refused(400, { message: problem, field: parsed.data.option === 'approve' ? 'option' : 'note' });
    }
    // An attestation counts only with its evidence: the file is there before the answer is sent.
    if (isAttestationTask(task) && !task.pending_decision) {
      if ((await attachmentsOf(task)).length === 0) return showTask(req, res, task, hash, { errors: { option: t('evidenceRequired') }, values, status: 400 });
      if (!mentionsClockTime(parsed.data.note)) return showTask(req, res, task, hash, { errors: { note: t('evidenceTimeRequired') }, values, status: 400 });
    }
    // A section review: its answers are the drafts saved from its page, checked before anything is held.
    let reviewed: ReviewItemAnswer[] | undefined;
    if (task.kind === 'review') {
      const r = await reviewAnswers(task);
      if ('problem' in r) return showTask(req, res, task, hash, { errors: { option: r.problem }, values, status: 400 });
      reviewed = r.answers;
    }
    const option = task.options.find((o) => o.value === parsed.data.option)!;
    const answer: PendingDecision = {
      option: option.value,
      optionLabel: option.label,
      note: parsed.data.note,
      answeredAt: new Date(clock()).toISOString(),
      ...(answers ? { checklist: answers } : {}),
    };
    // Hold the answer before sending it: once sent, Temporal may apply it whatever happens to this request.
    // From here on a lost database connection may leave the answer held: the 503 page says so.
    recordingStarted(res);
    let pending = task.pending_decision;
    if (!pending) {
      if (await holdPendingDecision(db, task.task_id, answer)) pending = answer;
      else {
        // Another answer came first, or the task was decided or moved meanwhile.
        pending = (await getTask(db, task.task_id))?.pending_decision ?? null;
        if (!pending) return res.redirect(303, self);
      }
    }
    // Temporal keeps the first answer (one update id per task): a different one would be lost.
    if (pending.option !== answer.option || pending.note !== answer.note || (checklist && !sameChecklistAnswers(pending.checklist, answer.checklist))) {
      return showPending(req, res, task, hash, pending, { status: 409, refused: true });
    }
    const ids = { taskId: task.task_id, workflowId: task.workflow_id };
    try {
      // The held answer, sent again as it was the first time if this is a resend.
      const decision = await client.withDeadline(Date.now() + (deps.updateTimeoutMs ?? 15_000), () =>
        client.workflow.getHandle(task.workflow_id).executeUpdate(decideUpdate, {
          args: [
            {
              taskId: task.task_id,
              option: pending.option,
              note: pending.note,
              actor: { name: task.assignee.name, email: task.assignee.email },
              answeredAt: pending.answeredAt,
              ...(reviewed ? { answers: reviewed } : {}),
              ...(pending.checklist ? { checklist: pending.checklist } : {}),
            },
          ],
          updateId: `decide/${task.task_id}`,
        }),
      );
      // The page after the redirect shows the answer at once; the workflow's own write is idempotent.
      await markDecided(db, decision.taskId, decision);
    } catch (err) {
      const error = withoutTaskTokens(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      if (err instanceof WorkflowUpdateFailedError) {
        // The validator refused: this answer will never apply. Decided meanwhile (this very answer
        // sent twice, or another path), the page shows the decision; otherwise it says why, as
        // the workflow put it — a rule the page did not know (400), or the task moved on (409).
        await dropPendingDecision(db, task.task_id, pending.answeredAt);
        const now = await getTask(db, task.task_id);
        if (now?.state !== TaskState.DECIDED) {
          const message = withoutTaskTokens(err.cause?.message ?? err.message);
          logger.info('Task answer refused by the workflow', { ...ids, error: message });
          if (now?.state === TaskState.OPEN && !/already decided|has moved/.test(message)) {
            return refused(400, { ...(checklist && problemItem(checklist, message) ? { item: problemItem(checklist, message) } : {}), message }, now);
          }
          return res.status(409).send(renderPage(req, res, answerRefusedTitle(locale), answerRefusedPage({ message, self, locale })));
        }
      } else if (err instanceof WorkflowNotFoundError) {
        // No such workflow: nothing was admitted, and the answer is truly not recorded.
        await dropPendingDecision(db, task.task_id, pending.answeredAt);
        logger.error('Task answer not recorded: the task workflow does not exist (503)', { ...ids, error });
        return res.status(503).send(renderPage(req, res, t('unavailableTitle'), messagePage('unavailableBody', t)));
      } else {
        // Timed out or Temporal unreachable: the Update may well be admitted and applied when a
        // worker returns. The answer is held; say so, never "not recorded".
        logger.warn('Task answer received but not yet applied: the workflow did not answer in time (503)', { ...ids, error });
        return showPending(req, res, task, hash, pending, { status: 503 });
      }
    }
    res.redirect(303, self);
  });
  // A section review's draft: the page's answers saved, nothing sent to the workflow. Only while
  // the task is open and no answer is held (a held answer is the drafts as they were sent).
  r.post('/t/:token/review', allow.taskLink(), async (req, res) => {
    noStore(res);
    const found = await resolve(String(req.params.token));
    if (!found.ok) return fail(req, res, found);
    const { task, hash } = found;
    const self = `/t/${encodeURIComponent(String(req.params.token))}`;
    if (task.kind !== 'review') return fail(req, res, { ok: false, status: 404, title: 'linkInvalidTitle', body: 'linkInvalidBody' });
    if (task.state !== TaskState.OPEN || task.pending_decision) return res.redirect(303, self);
    const body = textFields(req.body);
    if (!checkCsrf(cookie(req, CSRF_COOKIE), body.csrf, hash, signingKeys)) {
      return fail(req, res, { ok: false, status: 403, title: 'csrfTitle', body: 'csrfBody' });
    }
    const where = reviewQuery.safeParse({ page: body.page ?? '1', flagged: body.flagged });
    const at = where.success ? { page: where.data.page, onlyFlagged: where.data.flagged === '1' } : {};
    const form = draftsFromForm(body);
    if (!form.ok) return showReview(req, res, task, hash, { ...at, error: `${form.field}: ${form.message}`, status: 400 });
    const section = await reviewSectionOf(db, task);
    if (!section) return fail(req, res, { ok: false, status: 404, title: 'linkInvalidTitle', body: 'linkInvalidBody' });
    const saved = await saveReviewDrafts(db, task.case_id, section, form.drafts);
    await showReview(req, res, task, hash, { ...at, saved });
  });

  // An attestation's evidence (a photo or a log): multipart from the task page's second form,
  // at most 10 MB, its type read from the bytes, kept with its SHA-256. Only while the task is open.
  r.post(
    '/t/:token/evidence',
    allow.taskLink(),
    express.raw({ type: 'multipart/form-data', limit: EVIDENCE_MAX_BYTES + 64 * 1024 }),
    async (req, res) => {
      noStore(res);
      const found = await resolve(String(req.params.token));
      if (!found.ok) return fail(req, res, found);
      const { task, hash } = found;
      const self = `/t/${encodeURIComponent(String(req.params.token))}`;
      if (!acceptsEvidence(task)) return fail(req, res, { ok: false, status: 404, title: 'evidenceRejectedTitle', body: 'evidenceNotHereBody' });
      if (task.state !== TaskState.OPEN || task.pending_decision) return res.redirect(303, self);
      const boundary = multipartBoundary(req.headers['content-type']);
      const parts = boundary && Buffer.isBuffer(req.body) ? parseMultipart(req.body, boundary) : undefined;
      if (!parts) return fail(req, res, { ok: false, status: 400, title: 'evidenceRejectedTitle', body: 'evidenceTypeBody' });
      const csrf = parts.find((p) => p.name === 'csrf' && p.filename === undefined)?.data.toString('utf8');
      if (!checkCsrf(cookie(req, CSRF_COOKIE), csrf, hash, signingKeys)) {
        return fail(req, res, { ok: false, status: 403, title: 'csrfTitle', body: 'csrfBody' });
      }
      const file = parts.find((p) => p.name === 'file' && p.filename !== undefined);
      if (!file || file.data.length === 0) return fail(req, res, { ok: false, status: 400, title: 'evidenceRejectedTitle', body: 'evidenceTypeBody' });
      if (file.data.length > EVIDENCE_MAX_BYTES) return fail(req, res, { ok: false, status: 413, title: 'evidenceRejectedTitle', body: 'evidenceTooLargeBody' });
      const mediaType = sniffEvidenceType(file.data);
      if (!mediaType) return fail(req, res, { ok: false, status: 415, title: 'evidenceRejectedTitle', body: 'evidenceTypeBody' });
      const sha256 = createHash('sha256').update(file.data).digest('hex');
      await insertAttachment(db, {
        id: randomBytes(12).toString('hex'),
        organisation: task.organisation,
        caseId: task.case_id,
        taskId: task.task_id,
        filename: safeFilename(file.filename!),
        mediaType,
        size: file.data.length,
        sha256,
        bytes: file.data,
        uploadedBy: `${task.assignee.name} <${task.assignee.email}>`,
      });
      logger.info('Evidence attached to a task', { taskId: task.task_id, sha256, size: file.data.length, mediaType });
      res.redirect(303, self);
    },
  );
  return r;
}
