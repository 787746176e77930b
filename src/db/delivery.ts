// Mail delivery as the record shows it: invitations not yet accepted by the relay (with the last
// SMTP error), mail undelivered for a while (for `doctor`), and the alerts raised about them.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { AlertNotice, AlertTable, Database } from './schema';

export type AlertRow = Selectable<AlertTable>;

/** The idempotency key of a task's invitation in sent_mail. */
export const invitationKey = (taskId: string) => `${taskId}/request`;

/** Stamps the task as asked when its invitation was delivered, and its due time from then; a retry changes nothing. */
export async function markAsked(db: Kysely<Database>, taskId: string, askedAt: Date, dueAt: Date): Promise<void> {
  await db.updateTable('tasks').set({ asked_at: askedAt, due_at: dueAt, updated_at: new Date() }).where('task_id', '=', taskId).where('asked_at', 'is', null).execute();
}

export interface UndeliveredInvitation {
  taskId: string;
  assignee: { name: string; position: string; email: string };
  /** When the task was recorded and the first send attempted. */
  since: Date;
  attempts: number;
  lastError: string | null;
  lastErrorAt: Date | null;
}

/** The open tasks of a case whose invitation has not reached the relay yet. */
export async function undeliveredInvitations(db: Kysely<Database>, organisation: string, caseId: string): Promise<UndeliveredInvitation[]> {
  const rows = await db
    .selectFrom('tasks')
    .leftJoin('sent_mail', (j) => j.on('sent_mail.key', '=', sql<string>`tasks.task_id || '/request'`))
    .select(['tasks.task_id', 'tasks.assignee', 'tasks.created_at', 'sent_mail.attempts', 'sent_mail.last_error', 'sent_mail.last_error_at'])
    .where('tasks.organisation', '=', organisation)
    .where('tasks.case_id', '=', caseId)
    .where('tasks.state', '=', 'OPEN')
    .where('tasks.asked_at', 'is', null)
    .orderBy('tasks.created_at')
    .execute();
  return rows.map((r) => ({
    taskId: r.task_id,
    assignee: { name: r.assignee.name, position: r.assignee.position, email: r.assignee.email },
    since: r.created_at,
    attempts: r.attempts ?? 0,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at,
  }));
}

export interface UndeliveredMail {
  key: string;
  recipient: string;
  subject: string;
  since: Date;
  attempts: number;
  lastError: string | null;
}

/** Every mail not accepted by the relay for longer than `olderThanMs`, oldest first. */
export async function undeliveredMail(db: Kysely<Database>, olderThanMs: number, now = Date.now()): Promise<UndeliveredMail[]> {
  const rows = await db
    .selectFrom('sent_mail')
    .select(['key', 'recipient', 'subject', 'created_at', 'attempts', 'last_error'])
    .where('sent_at', 'is', null)
    .where('created_at', '<', new Date(now - olderThanMs))
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({ key: r.key, recipient: r.recipient, subject: r.subject, since: r.created_at, attempts: r.attempts, lastError: r.last_error }));
}

/** Records an alert once per id; a second call updates whom it was told to. */
export async function recordAlert(
  db: Kysely<Database>,
  a: { id: string; kind: string; organisation: string; caseId: string; taskId?: string; message: string; notified: AlertNotice[] },
): Promise<void> {
  await db
    .insertInto('alerts')
    .values({ id: a.id, kind: a.kind, organisation: a.organisation, case_id: a.caseId, task_id: a.taskId ?? null, message: a.message, notified: JSON.stringify(a.notified) })
    .onConflict((oc) => oc.column('id').doUpdateSet({ notified: JSON.stringify(a.notified) }))
    .execute();
}

export function getAlert(db: Kysely<Database>, id: string): Promise<AlertRow | undefined> {
  return db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Alerts still standing: about an invitation that is still undelivered. Once the mail is
 * delivered the alert stays in the record (and the audit log) but no longer shows as a banner.
 */
export function standingAlerts(db: Kysely<Database>, filter: { organisation?: string; caseId?: string } = {}): Promise<AlertRow[]> {
  let q = db
    .selectFrom('alerts')
    .leftJoin('tasks', 'tasks.task_id', 'alerts.task_id')
    .selectAll('alerts')
    .where((eb) => eb.or([eb('alerts.task_id', 'is', null), eb.and([eb('tasks.asked_at', 'is', null), eb('tasks.state', '=', 'OPEN')])]));
  if (filter.organisation) q = q.where('alerts.organisation', '=', filter.organisation);
  if (filter.caseId) q = q.where('alerts.case_id', '=', filter.caseId);
  return q.orderBy('alerts.raised_at', 'desc').execute();
}
