// Attachments (添付): evidence files kept in the database with their SHA-256, so the evidence
// bundle and the audit rows can name exactly the bytes that were uploaded.
import type { Kysely } from 'kysely';
import type { Database } from './schema';

export interface AttachmentInfo {
  id: string;
  taskId: string;
  filename: string;
  mediaType: string;
  size: number;
  sha256: string;
}

export interface NewAttachment extends AttachmentInfo {
  organisation: string;
  caseId: string;
  bytes: Uint8Array;
  uploadedBy: string;
}

export async function insertAttachment(db: Kysely<Database>, a: NewAttachment): Promise<void> {
  await db
    .insertInto('attachments')
    .values({
      id: a.id,
      organisation: a.organisation,
      case_id: a.caseId,
      task_id: a.taskId,
      filename: a.filename,
      media_type: a.mediaType,
      size: a.size,
      sha256: a.sha256,
      bytes: a.bytes,
      uploaded_by: a.uploadedBy,
    })
    .execute();
}

const INFO = ['id', 'task_id', 'filename', 'media_type', 'size', 'sha256'] as const;
const toInfo = (r: { id: string; task_id: string; filename: string; media_type: string; size: number; sha256: string }): AttachmentInfo => ({
  id: r.id,
  taskId: r.task_id,
  filename: r.filename,
  mediaType: r.media_type,
  size: r.size,
  sha256: r.sha256,
});

/** The attachments of these tasks of a case, oldest first. */
export async function listTaskAttachments(db: Kysely<Database>, o: { organisation: string; caseId: string; taskIds: string[] }): Promise<AttachmentInfo[]> {
  if (o.taskIds.length === 0) return [];
  const rows = await db
    .selectFrom('attachments')
    .select(INFO)
    .where('organisation', '=', o.organisation)
    .where('case_id', '=', o.caseId)
    .where('task_id', 'in', o.taskIds)
    .orderBy('uploaded_at')
    .orderBy('id')
    .execute();
  return rows.map(toInfo);
}

/**
 * The attachments of one human task across the people it went to (each has a task row of its
 * own, the same workflow id): a stand-in picks up the evidence the first person uploaded.
 */
export async function listTaskWorkflowAttachments(db: Kysely<Database>, o: { organisation: string; caseId: string; workflowId: string }): Promise<AttachmentInfo[]> {
  const rows = await db
    .selectFrom('attachments')
    .select(INFO)
    .where('organisation', '=', o.organisation)
    .where('case_id', '=', o.caseId)
    .where('task_id', 'in', db.selectFrom('tasks').select('task_id').where('workflow_id', '=', o.workflowId))
    .orderBy('uploaded_at')
    .orderBy('id')
    .execute();
  return rows.map(toInfo);
}

/** One attachment of a case with its bytes, or undefined. */
export async function getAttachment(db: Kysely<Database>, o: { organisation: string; caseId: string; id: string }): Promise<(AttachmentInfo & { bytes: Uint8Array }) | undefined> {
  const row = await db
    .selectFrom('attachments')
    .select([...INFO, 'bytes'])
    .where('organisation', '=', o.organisation)
    .where('case_id', '=', o.caseId)
    .where('id', '=', o.id)
    .executeTakeFirst();
  return row ? { ...toInfo(row), bytes: row.bytes } : undefined;
}

/**
 * Removes a file that no record refers to: the minutes of a council decision the workflow refused
 * (not convened, closed). Stored files that a record names are never changed.
 */
export async function deleteUnreferencedAttachment(db: Kysely<Database>, o: { organisation: string; caseId: string; id: string }): Promise<void> {
  await db.deleteFrom('attachments').where('organisation', '=', o.organisation).where('case_id', '=', o.caseId).where('id', '=', o.id).execute();
}
