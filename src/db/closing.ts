// What closing a case reads and writes: the recovery tasks assigned to sections, the waivers of
// obligations, and the documents the system generated for the case (kept as sent).
import { type Kysely, type Selectable, sql } from 'kysely';
import type { CaseDocumentTable, Database, ObligationWaiverTable, RecoveryTaskTable } from './schema';

export type RecoveryTaskRow = Selectable<RecoveryTaskTable>;
export type WaiverRow = Selectable<ObligationWaiverTable>;
export type CaseDocumentInfo = Omit<Selectable<CaseDocumentTable>, 'bytes'>;

type CaseRef = { organisation: string; caseId: string };

/** Records a task once (a retried activity finds it). */
export async function insertRecoveryTask(
  db: Kysely<Database>,
  t: CaseRef & { n: number; kind: 'cause' | 'prevention'; section: string; title: string; detail: string; assignee: { name: string; email: string }; dueAt: Date; assignedBy: string; workflowId: string },
): Promise<void> {
  await db
    .insertInto('recovery_tasks')
    .values({
      organisation: t.organisation,
      case_id: t.caseId,
      n: t.n,
      kind: t.kind,
      section: t.section,
      title: t.title,
      detail: t.detail,
      assignee: JSON.stringify(t.assignee),
      due_at: t.dueAt,
      assigned_by: t.assignedBy,
      workflow_id: t.workflowId,
      state: 'OPEN',
    })
    .onConflict((oc) => oc.columns(['organisation', 'case_id', 'n']).doNothing())
    .execute();
}

export async function finishRecoveryTask(db: Kysely<Database>, ref: CaseRef & { n: number }, o: { state: 'DONE' | 'WITHDRAWN'; result?: string; at: Date }): Promise<void> {
  await db
    .updateTable('recovery_tasks')
    .set({ state: o.state, result: o.result ?? null, done_at: o.at })
    .where('organisation', '=', ref.organisation)
    .where('case_id', '=', ref.caseId)
    .where('n', '=', ref.n)
    .where('state', '=', 'OPEN')
    .execute();
}

export async function listRecoveryTasks(db: Kysely<Database>, ref: CaseRef): Promise<RecoveryTaskRow[]> {
  return db.selectFrom('recovery_tasks').selectAll().where('organisation', '=', ref.organisation).where('case_id', '=', ref.caseId).orderBy('n').execute();
}

/** Stores a waiver; false when the key was already waived (the first waiver stands). */
export async function insertWaiver(db: Kysely<Database>, w: CaseRef & { key: string; reason: string; waivedBy: string; at: Date }): Promise<boolean> {
  const r = await db
    .insertInto('obligation_waivers')
    .values({ organisation: w.organisation, case_id: w.caseId, key: w.key, reason: w.reason, waived_by: w.waivedBy, waived_at: w.at })
    .onConflict((oc) => oc.columns(['organisation', 'case_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  return r !== undefined;
}

export async function listWaivers(db: Kysely<Database>, ref: CaseRef): Promise<WaiverRow[]> {
  return db.selectFrom('obligation_waivers').selectAll().where('organisation', '=', ref.organisation).where('case_id', '=', ref.caseId).orderBy('waived_at').execute();
}

/** Keeps a generated document once per id (a retried activity renders the same id). */
export async function insertCaseDocument(db: Kysely<Database>, d: CaseRef & { id: string; kind: string; filename: string; mediaType: string; bytes: Uint8Array; sha256: string; at: Date }): Promise<void> {
  await db
    .insertInto('case_documents')
    .values({ id: d.id, organisation: d.organisation, case_id: d.caseId, kind: d.kind, filename: d.filename, media_type: d.mediaType, size: d.bytes.length, sha256: d.sha256, bytes: d.bytes, created_at: d.at })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export async function getCaseDocument(db: Kysely<Database>, id: string): Promise<Selectable<CaseDocumentTable> | undefined> {
  return db.selectFrom('case_documents').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listCaseDocuments(db: Kysely<Database>, ref: CaseRef): Promise<CaseDocumentInfo[]> {
  return db
    .selectFrom('case_documents')
    .select(['id', 'organisation', 'case_id', 'kind', 'filename', 'media_type', 'size', 'sha256', 'created_at'])
    .where('organisation', '=', ref.organisation)
    .where('case_id', '=', ref.caseId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Where the notice to the persons stands, for its obligations. */
export async function noticeCounts(db: Kysely<Database>, ref: CaseRef): Promise<{ persons: number; emailsUnsent: number; letters: number; lettersUnprinted: number }> {
  const r = await db
    .selectFrom('notification_recipients')
    .select([
      sql<string>`count(*)`.as('persons'),
      sql<string>`count(*) filter (where channel = 'email' and state in ('PENDING', 'SENDING'))`.as('emails_unsent'),
      sql<string>`count(*) filter (where channel = 'letter')`.as('letters'),
      sql<string>`count(*) filter (where channel = 'letter' and letter_printed_at is null)`.as('letters_unprinted'),
    ])
    .where('organisation', '=', ref.organisation)
    .where('incident_id', '=', ref.caseId)
    .executeTakeFirstOrThrow();
  return { persons: Number(r.persons), emailsUnsent: Number(r.emails_unsent), letters: Number(r.letters), lettersUnprinted: Number(r.letters_unprinted) };
}

/** Marks letters as put in a print file (the notices' letter PDFs call this): their notice is then done. */
export async function markLettersPrinted(db: Kysely<Database>, ref: CaseRef, personIds: readonly number[], at: Date): Promise<void> {
  if (personIds.length === 0) return;
  await db
    .updateTable('notification_recipients')
    .set({ letter_printed_at: at })
    .where('organisation', '=', ref.organisation)
    .where('incident_id', '=', ref.caseId)
    .where('person_id', 'in', [...personIds])
    .where('letter_printed_at', 'is', null)
    .execute();
}
