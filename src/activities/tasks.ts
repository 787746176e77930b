// Activities of the human-task workflow: record the task, email its link, remind, move it to the
// next person, record the decision. Each is idempotent: a retry finds its work done.
import { Context } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import { appendAudit } from '../db/audit';
import { getAlert, invitationKey, markAsked, recordAlert } from '../db/delivery';
import { getIncident } from '../db/incidents';
import { getOrganisation } from '../db/organisations';
import type { AlertNotice, Database } from '../db/schema';
import { addTaskLink, countReminder, getTask, insertTask, markDecided, markMoved } from '../db/tasks';
import { deliveryAlertRecipients, undeliveredInvitationMessage } from '../domain/alerts';
import { composeTaskMail, type TaskMailPurpose } from '../domain/task-mail';
import { type Assignee, forPerson, type HumanTaskRequest, type TaskDecision, taskDeadlines, taskFormOf } from '../domain/tasks';
import { caseSubject } from '../domain/incidents';
import { describeSmtpError, type MailTransport, type OutgoingMail, sendMailOnce, type SendOptions } from '../mail';
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
  /** Alerts are also POSTed here as JSON (an office's SMS or chat gateway). */
  alertWebhookUrl?: string;
  /** Overrides of the in-progress mark's timing (tests). */
  send?: Omit<SendOptions, 'heartbeat'>;
}

/** Heartbeats when running as an activity (a long send stays alive; a dead worker is noticed within the heartbeat timeout). */
function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // called outside an activity (a test): nothing to tell
  }
}

const WEBHOOK_TIMEOUT_MS = 10_000;

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
    return send({ key, to: `${assignee.name} <${assignee.email}>`, ...m });
  }

  const send = (m: OutgoingMail) => sendMailOnce(db, deps.mail, deps.mailFrom, m, { ...deps.send, heartbeat });

  /** POSTs an alert to the webhook; the outcome, never a throw. */
  async function postWebhook(url: string, body: unknown): Promise<AlertNotice> {
    const to = new URL(url).origin;
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
      return r.ok ? { channel: 'webhook', to, ok: true } : { channel: 'webhook', to, ok: false, error: `HTTP ${r.status}` };
    } catch (err) {
      return { channel: 'webhook', to, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  return {
    /**
     * Records the task for the index-th person of the chain and emails them its link. The person is
     * asked when the relay accepts the mail: the task's asked and due times and the audit row are
     * stamped then, and that time (ms) is returned.
     */
    async openTask(o: { request: HumanTaskRequest; taskId: string; workflowId: string; index: number; askedAt: number }): Promise<number> {
      const { taskId, index } = o;
      // The deadlines this person is given: their own window where the chain sets one.
      const request = forPerson(o.request, index);
      const assignee = request.chain[index];
      // The link is signed from the workflow's time, so every retry signs the very same link.
      const expiresAt = expiryFor(o.askedAt);
      const token = sign(taskId, assignee, expiresAt);
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
        // Until the mail is delivered; then counted from the delivery.
        dueAt: new Date(taskDeadlines(o.askedAt, request).escalateAt),
        tokenHash: tokenHash(token),
        tokenExpiresAt: new Date(expiresAt),
        ...(taskFormOf(request) ? { form: taskFormOf(request) } : {}),
      });
      const { sentAt } = await email(
        request,
        // The mail states the window counted from this attempt: never later than the one recorded.
        { token, assignee, dueAt: taskDeadlines(Date.now(), request).escalateAt, expiresAt },
        { kind: 'request', ...(index > 0 ? { movedFrom: request.chain[index - 1] } : {}) },
        invitationKey(taskId),
      );
      await markAsked(db, taskId, sentAt, new Date(taskDeadlines(sentAt.getTime(), request).escalateAt));
      await appendAudit(db, {
        id: `${taskId}/asked`,
        at: sentAt,
        caseId: request.caseId,
        organisation: request.organisation,
        actor: 'system',
        step: request.step,
        outcome: `${assignee.position} ${assignee.name} に依頼: ${request.title}${index > 0 ? '（代理）' : ''}`,
        articles: request.articles,
        detail: { taskId, assignee: assignee.email, chainIndex: index },
      }, deps.auditMacKeys[0]);
      return sentAt.getTime();
    },

    /**
     * The index-th person's invitation is still not delivered after the profile's
     * `contacts.deliveryAlertAfter`: tells the incident's commander, the system administrator and
     * the night/holiday contacts — by the alert webhook (ALERT_WEBHOOK_URL) and by email (which
     * may go through the failing relay too) — and records the alert (audit row, console banner).
     * Does nothing if the mail got through meanwhile. A channel that fails is recorded, not retried.
     */
    async alertUndeliveredInvitation(o: { request: HumanTaskRequest; taskId: string; index: number }): Promise<void> {
      const { request, taskId } = o;
      const task = await getTask(db, taskId);
      if (!task || task.asked_at) return;
      const id = `${taskId}/undelivered`;
      // Told already (a retry after the channels were tried): once is enough.
      if (((await getAlert(db, id))?.notified.length ?? 0) > 0) return;
      const assignee = request.chain[o.index];
      const mail = await db.selectFrom('sent_mail').select(['last_error', 'created_at']).where('key', '=', invitationKey(taskId)).executeTakeFirst();
      const [profile, incident] = await Promise.all([getOrganisation(db, request.organisation), getIncident(db, request.organisation, request.caseId)]);
      const recipients = profile ? deliveryAlertRecipients(profile, incident?.detected_by, assignee) : [];
      const message = undeliveredInvitationMessage({ assignee, title: request.title, sinceMs: (mail?.created_at ?? task.created_at).getTime(), lastError: mail?.last_error ?? null });
      const consoleUrl = `${deps.publicUrl}/incidents/${request.organisation}/${request.caseId}`;
      // The record first: whatever the channels do, the console shows the alert.
      await recordAlert(db, { id, kind: 'invitation-undelivered', organisation: request.organisation, caseId: request.caseId, taskId, message, notified: [] });
      await appendAudit(db, {
        id,
        at: new Date(),
        caseId: request.caseId,
        organisation: request.organisation,
        actor: 'system',
        step: request.step,
        outcome: `警報: ${message}`,
        articles: request.articles,
        detail: { taskId, assignee: assignee.email, lastError: mail?.last_error ?? null, notified: recipients.map((r) => r.email) },
      }, deps.auditMacKeys[0]);
      const notified: AlertNotice[] = [];
      if (deps.alertWebhookUrl) {
        notified.push(
          await postWebhook(deps.alertWebhookUrl, {
            kind: 'invitation-undelivered',
            organisation: request.organisation,
            caseId: request.caseId,
            taskId,
            message,
            assignee: { name: assignee.name, position: assignee.position, email: assignee.email, phone: assignee.phone, ...(assignee.mobile ? { mobile: assignee.mobile } : {}) },
            undeliveredSince: (mail?.created_at ?? task.created_at).toISOString(),
            lastError: mail?.last_error ?? null,
            contacts: recipients,
            console: consoleUrl,
          }),
        );
      }
      const results = await Promise.allSettled(
        recipients.map((r) =>
          send({
            key: `${id}/${r.email.toLowerCase()}`,
            to: `${r.name} <${r.email}>`,
            subject: caseSubject(request.caseId, `【警報】依頼メール未達: ${assignee.name}（${request.title}）`),
            text: [`${r.name} 様（${r.position}）`, '', message, '', `連絡先: ${assignee.name}（${assignee.position}）${assignee.phone}${assignee.mobile ? ` / 携帯 ${assignee.mobile}` : ''}`, '', `状況: ${consoleUrl}`, '', '-- ', 'jukinet-ops（住基ネット セキュリティ手続）'].join('\n'),
          }),
        ),
      );
      results.forEach((r, i) =>
        notified.push(r.status === 'fulfilled' ? { channel: 'email', to: recipients[i].email, ok: true } : { channel: 'email', to: recipients[i].email, ok: false, error: describeSmtpError(r.reason) }),
      );
      await recordAlert(db, { id, kind: 'invitation-undelivered', organisation: request.organisation, caseId: request.caseId, taskId, message, notified });
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
      const { sentAt } = await email(o.request, { token, assignee: task.assignee, dueAt: task.due_at.getTime(), expiresAt }, { kind: 'reminder', reminder: o.reminder }, `${o.taskId}/reminder-${o.reminder}`);
      await countReminder(db, o.taskId, o.reminder);
      await appendAudit(db, {
        id: `${o.taskId}/reminder-${o.reminder}`,
        at: sentAt,
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

    /**
     * お知らせ: tells people something that asks no answer (the executive's instruction to the
     * chief; a decision the council did not ratify), each once per key, with the incident's page.
     */
    async informPeople(o: { key: string; organisation: string; caseId: string; to: Array<{ name: string; email: string; title?: string }>; title: string; lines: string[] }): Promise<void> {
      for (const p of o.to) {
        await send({
          key: `inform/${o.key}/${p.email.toLowerCase()}`,
          to: `${p.name} <${p.email}>`,
          subject: caseSubject(o.caseId, `【お知らせ】${o.title}`),
          text: [`${p.name} 様${p.title ? `（${p.title}）` : ''}`, '', ...o.lines, '', `状況: ${deps.publicUrl}/incidents/${o.organisation}/${o.caseId}`, '', '-- ', 'jukinet-ops（住基ネット セキュリティ手続）'].join('\n'),
        });
      }
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
