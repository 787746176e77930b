// The persons concerned by an incident and their notices (本人通知, kunitachi:14). Each row is its
// person's idempotency record: held by one sending attempt at a time (its lease), marked SENT the
// moment the relay accepts, and never claimed again once SENT.
import { type Kysely, sql } from 'kysely';
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
    const held = await tx.selectFrom('notification_leases').select((eb) => eb.fn.countAll<string>().as('n')).where('organisation', '=', o.organisation).where('incident_id', '=', o.incidentId).executeTakeFirstOrThrow();
    if (Number(started.n) > 0 || Number(held.n) > 0) throw new NotificationsStartedError(Number(started.n) || Number(held.n));
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

/** What a sending attempt needs of a claimed person: who, and where to. */
export type ClaimedRecipient = Pick<RecipientRow, 'person_id' | 'name' | 'email'>;

/**
 * Takes up to `limit` email persons for one attempt: the lowest PENDING ones that no living
 * attempt holds. The hold is one lease row per attempt (the range of person ids it took,
 * refreshed while it lives), not a mark on each person's row: a person's row is written once,
 * when the relay accepted its email. On PGlite the claim's update of 500 rows (a new version of
 * each row and of its index entries) cost about three times the read it now is, on the event loop
 * the SMTP connections share.
 *
 * One claim at a time per incident (an advisory lock held to the commit), so each sees the leases
 * of those before it. A lease whose attempt has not refreshed it since `staleBefore` is a dead
 * attempt's: it is dropped, and its persons not yet SENT are claimable again. Rows marked SENDING
 * by a worker from before leases (0019) are given back the same way once stale.
 */
export async function claimRecipients(
  db: Kysely<Database>,
  o: { organisation: string; incidentId: string; attemptId: string; limit: number; now: Date; staleBefore: Date },
): Promise<ClaimedRecipient[]> {
  return db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`notify/${o.organisation}/${o.incidentId}`}))`.execute(tx);
    await tx.deleteFrom('notification_leases').where('organisation', '=', o.organisation).where('incident_id', '=', o.incidentId).where('seen_at', '<', o.staleBefore).execute();
    await tx
      .updateTable('notification_recipients')
      .set({ state: 'PENDING', attempt_id: null })
      .where('organisation', '=', o.organisation)
      .where('incident_id', '=', o.incidentId)
      .where('channel', '=', 'email')
      .where('state', '=', 'SENDING')
      .where('seen_at', '<', o.staleBefore)
      .execute();
    // The PENDING index range in person order, stepping over the persons a living lease holds
    // (at most the batches in flight). The leases are read first and their ranges written into
    // the statement: as a NOT EXISTS, each row stepped over cost an index search of the leases,
    // most of the claim's time on PGlite.
    const held = await tx.selectFrom('notification_leases').select(['first_person', 'last_person']).where('organisation', '=', o.organisation).where('incident_id', '=', o.incidentId).execute();
    const free = held.length === 0 ? sql`` : sql`AND NOT (${sql.join(held.map((l) => sql`person_id BETWEEN ${l.first_person} AND ${l.last_person}`), sql` OR `)})`;
    const rows = (
      await sql<ClaimedRecipient>`
      SELECT person_id, name, email FROM notification_recipients
       WHERE organisation = ${o.organisation} AND incident_id = ${o.incidentId} AND channel = 'email' AND state = 'PENDING'
         ${free}
       ORDER BY person_id
       LIMIT ${o.limit}`.execute(tx)
    ).rows;
    if (rows.length === 0) return [];
    // The range may span another lease's persons: they stay excluded by that lease as well.
    await tx
      .insertInto('notification_leases')
      .values({ organisation: o.organisation, incident_id: o.incidentId, attempt_id: o.attemptId, first_person: rows[0].person_id, last_person: rows[rows.length - 1].person_id, seen_at: o.now })
      .execute();
    return rows;
  });
}

/**
 * The attempt is done: its persons not SENT (not reached, or refused for a while) are free for
 * the next claim. Only once every acceptance of the attempt has its SENT mark written.
 */
export async function releaseLease(db: Kysely<Database>, attemptId: string): Promise<void> {
  await db.deleteFrom('notification_leases').where('attempt_id', '=', attemptId).execute();
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

/**
 * A refusal that may pass (relay down, 4xx): the error kept on the person's row; the person is
 * claimable again once the attempt's lease is released. (A row SENDING under this attempt, from
 * before leases, goes back to PENDING.)
 */
export async function releaseRecipient(db: Kysely<Database>, k: Key, attemptId: string, error?: string): Promise<void> {
  await row(db, k)
    .set({ state: 'PENDING', attempt_id: null, ...(error ? { last_error: error } : {}) })
    .where((eb) => eb.or([eb('state', '=', 'PENDING'), eb.and([eb('state', '=', 'SENDING'), eb('attempt_id', '=', attemptId)])]))
    .execute();
}

/** The address was refused for good (5xx on the recipient): the person gets a letter instead. Never a person already SENT. */
export async function markFailed(db: Kysely<Database>, k: Key, attemptId: string, error: string): Promise<void> {
  await row(db, k)
    .set({ state: 'FAILED', channel: 'letter', attempt_id: null, last_error: error })
    .where((eb) => eb.or([eb('state', '=', 'PENDING'), eb.and([eb('state', '=', 'SENDING'), eb('attempt_id', '=', attemptId)])]))
    .execute();
}

/** The attempt is alive: its lease is not taken for a dead attempt's. One row, whatever the batch's size. */
export async function refreshAttempt(db: Kysely<Database>, attemptId: string, now: Date): Promise<void> {
  await db.updateTable('notification_leases').set({ seen_at: now }).where('attempt_id', '=', attemptId).execute();
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
  // In flight: the PENDING persons a lease holds (and SENDING rows from before leases).
  const held = await leasedPending(db, organisation, incidentId);
  const sending = n('email', 'SENDING') + held;
  const pending = n('email', 'PENDING') - held;
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

/** PENDING persons held by a lease: being sent now (or by an attempt that died, until its lease is stale). */
async function leasedPending(db: Kysely<Database>, organisation: string, incidentId: string): Promise<number> {
  const r = await sql<{ n: string }>`
    SELECT count(*) AS n FROM notification_recipients r
     WHERE organisation = ${organisation} AND incident_id = ${incidentId} AND channel = 'email' AND state = 'PENDING'
       AND EXISTS (SELECT 1 FROM notification_leases l
                    WHERE l.organisation = r.organisation AND l.incident_id = r.incident_id
                      AND r.person_id BETWEEN l.first_person AND l.last_person)`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
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
