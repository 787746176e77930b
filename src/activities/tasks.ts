// Activities of the human-task workflow: record the task, email its link, remind, move it to the
// next person, record the decision. Each is idempotent: a retry finds its work done.
import type { Kysely } from 'kysely';
import { appendAudit } from '../db/audit';
import { getOrganisation } from '../db/organisations';
import type { Database } from '../db/schema';
import { addTaskLink, countReminder, getTask, insertTask, markDecided, markMoved } from '../db/tasks';
import { composeTaskMail, type TaskMailPurpose } from '../domain/task-mail';
import { type Assignee, type HumanTaskRequest, type TaskDecision, taskDeadlines } from '../domain/tasks';
import { type MailTransport, sendMailOnce } from '../mail';
import { type SigningKey, signTaskToken, tokenHash } from '../tokens';

export interface TaskActivityDeps {
  db: Kysely<Database>;
  mail: MailTransport;
  mailFrom: string;
  /** The first key signs. */
  signingKeys: readonly SigningKey[];
  /** The first MACs new audit rows. */
  auditMacKeys: readonly SigningKey[];
  /** Links are `${publicUrl}/t/<token>`. */
  publicUrl: string;
  linkTtlMs: number;
}

const personActor = (p: { name: string; email: string }) => `${p.name} <${p.email}>`;

export function createTaskActivities(deps: TaskActivityDeps) {
  const { db } = deps;

  const expiryFor = (askedAt: number) => Math.floor((askedAt + deps.linkTtlMs) / 1000) * 1000;
  const sign = (taskId: string, assignee: Assignee, expiresAt: number, key = deps.signingKeys[0]) =>
    signTaskToken({ task: taskId, assignee: assignee.email, expiresAt }, key);
  const url = (token: string) => `${deps.publicUrl}/t/${token}`;

  const organisationName = async (key: string) => (await getOrganisation(db, key))?.organisation.name ?? key;

  async function email(
    request: HumanTaskRequest,
    o: { token: string; assignee: Assignee; dueAt: number; expiresAt: number },
    purpose: TaskMailPurpose,
    key: string,
  ) {
    const { assignee } = o;
    const m = composeTaskMail({
      request,
      assignee,
      organisationName: await organisationName(request.organisation),
      link: url(o.token),
      dueAt: o.dueAt,
      expiresAt: o.expiresAt,
      purpose,
    });
    return sendMailOnce(db, deps.mail, deps.mailFrom, { key, to: `${assignee.name} <${assignee.email}>`, ...m });
  }

  return {
    /** Records the task for the index-th person of the chain and emails them its link. */
    async openTask(o: { request: HumanTaskRequest; taskId: string; workflowId: string; index: number; askedAt: number }): Promise<void> {
      const { request, taskId, index, askedAt } = o;
      const assignee = request.chain[index];
      const expiresAt = expiryFor(askedAt);
      const token = sign(taskId, assignee, expiresAt);
      const dueAt = taskDeadlines(askedAt, request).escalateAt;
      await insertTask(db, {
        taskId,
        caseId: request.caseId,
        organisation: request.organisation,
        workflowId: o.workflowId,
        step: request.step,
        kind: request.kind,
        title: request.title,
        body: request.body,
        options: request.options,
        articles: request.articles,
        assignee,
        dueAt: new Date(dueAt),
        tokenHash: tokenHash(token),
        tokenExpiresAt: new Date(expiresAt),
      });
      await email(
        request,
        { token, assignee, dueAt, expiresAt },
        { kind: 'request', ...(index > 0 ? { movedFrom: request.chain[index - 1] } : {}) },
        `${taskId}/request`,
      );
      await appendAudit(db, {
        id: `${taskId}/asked`,
        at: new Date(askedAt),
        caseId: request.caseId,
        organisation: request.organisation,
        actor: 'system',
        step: request.step,
        outcome: `${assignee.position} ${assignee.name} に依頼: ${request.title}${index > 0 ? '（代理）' : ''}`,
        articles: request.articles,
        detail: { taskId, assignee: assignee.email, chainIndex: index },
      }, deps.auditMacKeys[0]);
    },

    /**
     * Reminds the person with a fresh link, valid for a full TTL from `at` (the workflow's time, so a
     * retry signs the very same link); the links sent before keep working until their own expiry.
     * A person back from a long holiday can always answer an open task from the newest email.
     */
    async remindTask(o: { request: HumanTaskRequest; taskId: string; reminder: number; at?: number }): Promise<void> {
      const task = await getTask(db, o.taskId);
      if (!task) throw new Error(`task ${o.taskId} not found`);
      // Reminders scheduled before links were renewed carry no `at`: they keep the newest link's expiry.
      const expiresAt = o.at === undefined ? task.token_expires_at.getTime() : expiryFor(o.at);
      const token = sign(o.taskId, task.assignee, expiresAt);
      await addTaskLink(db, o.taskId, tokenHash(token), new Date(expiresAt));
      await email(o.request, { token, assignee: task.assignee, dueAt: task.due_at.getTime(), expiresAt }, { kind: 'reminder', reminder: o.reminder }, `${o.taskId}/reminder-${o.reminder}`);
      await countReminder(db, o.taskId, o.reminder);
      await appendAudit(db, {
        id: `${o.taskId}/reminder-${o.reminder}`,
        at: new Date(),
        caseId: o.request.caseId,
        organisation: o.request.organisation,
        actor: 'system',
        step: o.request.step,
        outcome: `${task.assignee.name} に督促（${o.reminder}回目）`,
        articles: o.request.articles,
        detail: { taskId: o.taskId },
      }, deps.auditMacKeys[0]);
    },

    /** Marks a task as moved to the next person; its old link then says so. */
    async moveTask(o: { request: HumanTaskRequest; fromTaskId: string; toTaskId: string; to: Assignee }): Promise<void> {
      const from = await getTask(db, o.fromTaskId);
      await markMoved(db, o.fromTaskId, { taskId: o.toTaskId, name: o.to.name, title: o.to.title });
      await appendAudit(db, {
        id: `${o.fromTaskId}/moved`,
        at: new Date(),
        caseId: o.request.caseId,
        organisation: o.request.organisation,
        actor: 'system',
        step: o.request.step,
        outcome: `${from?.assignee.name ?? '担当者'} から期限内に回答がなく、${o.to.position} ${o.to.name} に移管`,
        articles: o.request.articles,
        detail: { fromTaskId: o.fromTaskId, toTaskId: o.toTaskId },
      }, deps.auditMacKeys[0]);
    },

    async recordDecision(o: { request: HumanTaskRequest; decision: TaskDecision }): Promise<void> {
      const { request, decision } = o;
      await markDecided(db, decision.taskId, decision);
      await appendAudit(db, {
        id: `${decision.taskId}/decided`,
        at: new Date(decision.decidedAt),
        caseId: request.caseId,
        organisation: request.organisation,
        actor: personActor(decision.decidedBy),
        step: request.step,
        outcome: `${decision.decidedBy.name}: ${decision.optionLabel}${decision.note ? `（${decision.note}）` : ''}`,
        articles: request.articles,
        detail: { taskId: decision.taskId, option: decision.option },
      }, deps.auditMacKeys[0]);
    },
  };
}
