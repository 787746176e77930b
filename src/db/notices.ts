// Notices to the persons concerned (通知文, kunitachi:14) and who approved them; and the persons
// to be written to (郵送), read from the notifications' rows without changing them.
import { type Kysely, sql } from 'kysely';
import type { LetterPerson } from '../documents/notice';
import type { NoticeData, NoticeFields } from '../notify/notice';
import type { Database, NoticeActor, NoticeState } from './schema';

export interface Notice {
  organisation: string;
  noticeId: string;
  incidentId: string;
  seq: number;
  fields: NoticeFields;
  content: NoticeData;
  state: NoticeState;
  createdBy: NoticeActor;
  createdAt: Date;
  approvedBy: NoticeActor | null;
  approvedAt: Date | null;
  approvalNote: string | null;
}

type Row = Awaited<ReturnType<typeof selectNotices>>[number];
const selectNotices = (db: Kysely<Database>) => db.selectFrom('notices').selectAll().execute();

function toNotice(r: Row): Notice {
  return {
    organisation: r.organisation,
    noticeId: r.notice_id,
    incidentId: r.incident_id,
    seq: r.seq,
    fields: r.fields as NoticeFields,
    content: r.content as NoticeData,
    state: r.state,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at),
    approvedBy: r.approved_by,
    approvedAt: r.approved_at ? new Date(r.approved_at) : null,
    approvalNote: r.approval_note,
  };
}

/** `INC-2026-0007-1`: the incident's id and the notice's number in it — stable, and part of the public URL. */
export const noticeIdFor = (incidentId: string, seq: number) => `${incidentId}-${seq}`;

/**
 * Stores a draft notice under the incident's next number. `build` makes the notice's content
 * from its id (the id is printed in it).
 */
export async function createNotice(
  db: Kysely<Database>,
  o: { organisation: string; incidentId: string; fields: NoticeFields; build: (noticeId: string) => NoticeData; createdBy: NoticeActor; now: Date },
): Promise<Notice> {
  return db.transaction().execute(async (tx) => {
    // Numbering per incident: two drafts at once take the lock in turn.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`notices/${o.organisation}/${o.incidentId}`}))`.execute(tx);
    const last = await tx
      .selectFrom('notices')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('organisation', '=', o.organisation)
      .where('incident_id', '=', o.incidentId)
      .executeTakeFirst();
    const seq = Number(last?.seq ?? 0) + 1;
    const noticeId = noticeIdFor(o.incidentId, seq);
    const row = await tx
      .insertInto('notices')
      .values({
        organisation: o.organisation,
        notice_id: noticeId,
        incident_id: o.incidentId,
        seq,
        fields: JSON.stringify(o.fields),
        content: JSON.stringify(o.build(noticeId)),
        state: 'DRAFT',
        created_by: JSON.stringify(o.createdBy),
        created_at: o.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toNotice(row);
  });
}

export async function getNotice(db: Kysely<Database>, organisation: string, noticeId: string): Promise<Notice | undefined> {
  const r = await db.selectFrom('notices').selectAll().where('organisation', '=', organisation).where('notice_id', '=', noticeId).executeTakeFirst();
  return r && toNotice(r);
}

export async function listNotices(db: Kysely<Database>, organisation: string, incidentId: string): Promise<Notice[]> {
  const rows = await db.selectFrom('notices').selectAll().where('organisation', '=', organisation).where('incident_id', '=', incidentId).orderBy('seq').execute();
  return rows.map(toNotice);
}

export async function approvedNotice(db: Kysely<Database>, organisation: string, incidentId: string): Promise<Notice | undefined> {
  const r = await db.selectFrom('notices').selectAll().where('organisation', '=', organisation).where('incident_id', '=', incidentId).where('state', '=', 'APPROVED').executeTakeFirst();
  return r && toNotice(r);
}

export type ApprovalResult =
  | { outcome: 'approved'; notice: Notice }
  /** Approved before (by this or another request): nothing changed. */
  | { outcome: 'already'; notice: Notice }
  /** Another notice of the incident is the approved one. */
  | { outcome: 'otherApproved'; notice: Notice; approved: Notice }
  | { outcome: 'notFound' };

/** Approves a draft, once. Who may approve (a second person) is the caller's rule. */
export async function approveNotice(db: Kysely<Database>, o: { organisation: string; noticeId: string; approvedBy: NoticeActor; note?: string; now: Date }): Promise<ApprovalResult> {
  return db.transaction().execute(async (tx) => {
    const current = await tx.selectFrom('notices').selectAll().where('organisation', '=', o.organisation).where('notice_id', '=', o.noticeId).forUpdate().executeTakeFirst();
    if (!current) return { outcome: 'notFound' };
    if (current.state === 'APPROVED') return { outcome: 'already', notice: toNotice(current) };
    const other = await tx
      .selectFrom('notices')
      .selectAll()
      .where('organisation', '=', o.organisation)
      .where('incident_id', '=', current.incident_id)
      .where('state', '=', 'APPROVED')
      .executeTakeFirst();
    if (other) return { outcome: 'otherApproved', notice: toNotice(current), approved: toNotice(other) };
    const row = await tx
      .updateTable('notices')
      .set({ state: 'APPROVED', approved_by: JSON.stringify(o.approvedBy), approved_at: o.now, approval_note: o.note ?? null })
      .where('organisation', '=', o.organisation)
      .where('notice_id', '=', o.noticeId)
      .where('state', '=', 'DRAFT')
      .returningAll()
      .executeTakeFirstOrThrow();
    return { outcome: 'approved', notice: toNotice(row) };
  });
}

/**
 * The persons to be written to: no address, or their address refused for good (the sending marks
 * them `letter`). In the order of the imported file, so a letters file's pages stay in place.
 */
export async function letterRecipients(db: Kysely<Database>, organisation: string, incidentId: string, page: { offset: number; limit: number }): Promise<LetterPerson[]> {
  const rows = await db
    .selectFrom('notification_recipients')
    .select(['person_id', 'name', 'postal_code', 'address'])
    .where('organisation', '=', organisation)
    .where('incident_id', '=', incidentId)
    .where('channel', '=', 'letter')
    .orderBy('person_id')
    .offset(page.offset)
    .limit(page.limit)
    .execute();
  return rows.map((r) => ({ personId: r.person_id, name: r.name, postalCode: r.postal_code, address: r.address }));
}

export async function countLetterRecipients(db: Kysely<Database>, organisation: string, incidentId: string): Promise<number> {
  const r = await db
    .selectFrom('notification_recipients')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('organisation', '=', organisation)
    .where('incident_id', '=', incidentId)
    .where('channel', '=', 'letter')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
