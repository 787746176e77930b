// The persons concerned by an incident and their notices (本人通知, kunitachi:14). Each row is its
// person's idempotency record: claimed by one sending attempt at a time, marked SENT the moment the
// relay accepts, and never claimed again once SENT.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { PersonRow } from '../notify/persons-csv';
import type { Database, NotificationRecipientTable } from './schema';

/** Rows per INSERT: 1,000 rows × 10 columns stays far below PostgreSQL's 65,535 parameters. */
const INSERT_BATCH = 1_000;

export type RecipientRow = NotificationRecipientTable & { attempts: number; created_at: Date };

export class NotificationsStartedError extends Error {
  constructor(public readonly started: number) {
    super(`${started} 件の通知が送信済みまたは送信中のため、対象者を置き換えられません / ${started} notices are already sent or being sent; the list cannot be replaced`);
    this.name = 'NotificationsStartedError';
  }
}

export interface ImportResult {
  importId: string;
  total: number;
  email: number;
  letter: number;
}

/**
 * Stores an incident's persons, replacing an earlier list as long as no notice has gone out yet
 * (a corrected file is simply imported again). All or nothing, in one transaction.
 */
export async function importRecipients(db: Kysely<Database>, o: { organisation: string; incidentId: string; importId: string; persons: readonly PersonRow[] }): Promise<ImportResult> {
  return db.transaction().execute(async (tx) => {
    const scope = tx.selectFrom('notification_recipients').where('organisation', '=', o.organisation).where('incident_id', '=', o.incidentId);
    const started = await scope.select((eb) => eb.fn.countAll<string>().as('n')).where('state', '!=', 'PENDING').executeTakeFirstOrThrow();
    if (Number(started.n) > 0) throw new NotificationsStartedError(Number(started.n));
    await tx.deleteFrom('notification_recipients').where('organisation', '=', o.organisation).where('incident_id', '=', o.incidentId).execute();
    // One INSERT per 1,000 rows, each column as one array parameter (unnest): ten parameters per
    // statement instead of ten thousand, which PGlite parses far faster.
    let email = 0;
    for (let i = 0; i < o.persons.length; i += INSERT_BATCH) {
      const chunk = o.persons.slice(i, i + INSERT_BATCH);
      email += chunk.filter((p) => p.email).length;
      await sql`
        INSERT INTO notification_recipients (organisation, incident_id, person_id, import_id, line, name, postal_code, address, email, channel, state)
        SELECT ${o.organisation}, ${o.incidentId}, v.person_id, ${o.importId}, v.line, v.name, v.postal_code, v.address, v.email,
               CASE WHEN v.email IS NULL THEN 'letter' ELSE 'email' END, 'PENDING'
          FROM unnest(${chunk.map((_, j) => i + j + 1)}::int[], ${chunk.map((p) => p.line)}::int[], ${chunk.map((p) => p.name)}::text[],
                      ${chunk.map((p) => p.postalCode)}::text[], ${chunk.map((p) => p.address)}::text[], ${chunk.map((p) => p.email)}::text[])
               AS v(person_id, line, name, postal_code, address, email)`.execute(tx);
    }
    return { importId: o.importId, total: o.persons.length, email, letter: o.persons.length - email };
  });
}

/** What a sending attempt needs of a claimed person: who, where to, and how often tried. */
export type ClaimedRecipient = Pick<RecipientRow, 'person_id' | 'name' | 'email' | 'attempts'>;

/**
 * Takes up to `limit` email rows for one attempt: first SENDING ones whose attempt has not
 * refreshed its mark since `staleBefore` (a killed worker's), then PENDING ones, lowest person
 * first. Two statements, each an index range of one state read in person order: a single query
 * with `state = 'PENDING' OR (state = 'SENDING' AND …)` was planned as a scan of the incident's
 * rows from its first person, stepping over every row already SENT, so each claim grew longer
 * as the sending went on (quadratic at 100,000 persons). Each returns only the columns a message
 * needs: on PGlite, turning every column of 500 rows into JavaScript (dates, addresses) cost about
 * as much as the update itself, on the event loop the SMTP connections share.
 */
export async function claimRecipients(
  db: Kysely<Database>,
  o: { organisation: string; incidentId: string; attemptId: string; limit: number; now: Date; staleBefore: Date },
): Promise<ClaimedRecipient[]> {
  const claim = async (state: RawBuilder<unknown>, limit: number) =>
    (
      await sql<ClaimedRecipient>`
    UPDATE notification_recipients r
       SET state = 'SENDING', attempt_id = ${o.attemptId}, seen_at = ${o.now}, attempts = r.attempts + 1
      FROM (SELECT organisation, incident_id, person_id FROM notification_recipients
             WHERE organisation = ${o.organisation} AND incident_id = ${o.incidentId} AND channel = 'email' AND ${state}
             ORDER BY person_id
             LIMIT ${limit}
             FOR UPDATE SKIP LOCKED) c
     WHERE r.organisation = c.organisation AND r.incident_id = c.incident_id AND r.person_id = c.person_id
    RETURNING r.person_id, r.name, r.email, r.attempts`.execute(db)
    ).rows;
  const stale = await claim(sql`state = 'SENDING' AND seen_at < ${o.staleBefore}`, o.limit);
  const pending = stale.length < o.limit ? await claim(sql`state = 'PENDING'`, o.limit - stale.length) : [];
  return [...stale, ...pending].sort((a, b) => a.person_id - b.person_id);
}

type Key = { organisation: string; incidentId: string; personId: number };
const row = (db: Kysely<Database>, k: Key) =>
  db.updateTable('notification_recipients').where('organisation', '=', k.organisation).where('incident_id', '=', k.incidentId).where('person_id', '=', k.personId);

/** The relay accepted the message: whichever attempt sent it, the person is notified. */
export async function markSent(db: Kysely<Database>, k: Key, o: { messageId: string; sentAt: Date }): Promise<void> {
  await row(db, k).set({ state: 'SENT', sent_at: o.sentAt, message_id: o.messageId, attempt_id: null, last_error: null }).where('state', '!=', 'SENT').execute();
}

/**
 * Several acceptances in one statement: a batch's sender marks whatever the relay accepted while
 * the previous mark was being written (group commit), so no mark waits for a timer.
 */
export async function markSentMany(db: Kysely<Database>, scope: { organisation: string; incidentId: string }, marks: readonly { personId: number; messageId: string; sentAt: Date }[]): Promise<void> {
  if (marks.length === 0) return;
  await sql`
    UPDATE notification_recipients r
       SET state = 'SENT', sent_at = v.sent_at, message_id = v.message_id, attempt_id = NULL, last_error = NULL
      FROM unnest(${marks.map((m) => m.personId)}::int[], ${marks.map((m) => m.messageId)}::text[], ${marks.map((m) => m.sentAt.toISOString())}::timestamptz[]) AS v(person_id, message_id, sent_at)
     WHERE r.organisation = ${scope.organisation} AND r.incident_id = ${scope.incidentId} AND r.person_id = v.person_id AND r.state <> 'SENT'
       -- Repeated as = ANY so that the primary key finds the rows: a join alone scans the incident.
       AND r.person_id = ANY(${marks.map((m) => m.personId)}::int[])`.execute(db);
}

/** A refusal that may pass (relay down, 4xx): back to PENDING for a later attempt. Only this attempt's row. */
export async function releaseRecipient(db: Kysely<Database>, k: Key, attemptId: string, error?: string): Promise<void> {
  await row(db, k)
    .set({ state: 'PENDING', attempt_id: null, ...(error ? { last_error: error } : {}) })
    .where('state', '=', 'SENDING')
    .where('attempt_id', '=', attemptId)
    .execute();
}

/** The address was refused for good (5xx on the recipient): the person gets a letter instead. */
export async function markFailed(db: Kysely<Database>, k: Key, attemptId: string, error: string): Promise<void> {
  await row(db, k).set({ state: 'FAILED', channel: 'letter', attempt_id: null, last_error: error }).where('state', '=', 'SENDING').where('attempt_id', '=', attemptId).execute();
}

/**
 * The attempt is alive: its SENDING rows are not taken over. Given the incident, the rows are
 * found in its SENDING index range (the batches in flight) instead of a scan of all its persons.
 */
export async function refreshAttempt(db: Kysely<Database>, attemptId: string, now: Date, scope?: { organisation: string; incidentId: string }): Promise<void> {
  let q = db.updateTable('notification_recipients').set({ seen_at: now }).where('attempt_id', '=', attemptId).where('state', '=', 'SENDING');
  if (scope) q = q.where('organisation', '=', scope.organisation).where('incident_id', '=', scope.incidentId).where('channel', '=', 'email');
  await q.execute();
}

export interface NotificationCounts {
  total: number;
  email: { total: number; sent: number; sending: number; pending: number };
  /** Persons to be written to: no address, or their address failed. */
  letter: { total: number; noAddress: number; emailFailed: number };
  /** Emails refused for good (their persons are in `letter`). */
  failed: number;
  /** Emails still to send (pending or in flight). */
  remaining: number;
  /** Sent in the last `rateWindowMs`, for the ETA. */
  recentlySent: number;
  lastSentAt: Date | null;
}

export async function notificationCounts(db: Kysely<Database>, organisation: string, incidentId: string, o: { now: Date; rateWindowMs: number }): Promise<NotificationCounts> {
  const since = new Date(o.now.getTime() - o.rateWindowMs);
  const groups = await db
    .selectFrom('notification_recipients')
    .select(['channel', 'state'])
    .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.max('sent_at').as('last_sent_at'), sql<string>`count(*) filter (where sent_at >= ${since})`.as('recent')])
    .where('organisation', '=', organisation)
    .where('incident_id', '=', incidentId)
    .groupBy(['channel', 'state'])
    .execute();
  const n = (channel: string, state?: string) => groups.filter((g) => g.channel === channel && (!state || g.state === state)).reduce((s, g) => s + Number(g.n), 0);
  const sent = n('email', 'SENT');
  const sending = n('email', 'SENDING');
  const pending = n('email', 'PENDING');
  const failed = n('letter', 'FAILED');
  const lastSent = groups.map((g) => g.last_sent_at as Date | null).filter((d): d is Date => d !== null);
  return {
    total: groups.reduce((s, g) => s + Number(g.n), 0),
    email: { total: sent + sending + pending, sent, sending, pending },
    letter: { total: n('letter'), noAddress: n('letter') - failed, emailFailed: failed },
    failed,
    remaining: sending + pending,
    recentlySent: groups.reduce((s, g) => s + Number(g.recent), 0),
    lastSentAt: lastSent.length > 0 ? new Date(Math.max(...lastSent.map((d) => new Date(d).getTime()))) : null,
  };
}

/** Emails still to send, for the workflow's loop. */
export async function remainingEmails(db: Kysely<Database>, organisation: string, incidentId: string): Promise<number> {
  const r = await db
    .selectFrom('notification_recipients')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('organisation', '=', organisation)
    .where('incident_id', '=', incidentId)
    .where('channel', '=', 'email')
    .where('state', 'in', ['PENDING', 'SENDING'])
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
