// The statutory reports of each case (報告) and the versions generated, approved and sent: the
// statutoryReports workflow writes them through its activities, the incident page and the close
// gate read them. A version's bytes are those the reviewer approved and the targets received.
import type { Kysely, Selectable } from 'kysely';
import { REPORT_KIND_LABELS, type ReportKind } from '../documents/incident-report';
import type { Obligation } from '../domain/obligations';
import type { ReportClock } from '../domain/report-clocks';
import type { Database, ReportTable, ReportVersionTable } from './schema';

export type ReportRow = Selectable<ReportTable>;
export type ReportVersionRow = Selectable<ReportVersionTable>;

export interface ReportRef {
  organisation: string;
  caseId: string;
  key: string;
}

/** Records the clocks; a clock recorded before keeps its state, and takes the new deadline unless waived. */
export async function upsertReportClocks(db: Kysely<Database>, o: { organisation: string; caseId: string; clocks: readonly ReportClock[] }): Promise<void> {
  for (const c of o.clocks) {
    await db
      .insertInto('reports')
      .values({
        organisation: o.organisation,
        case_id: o.caseId,
        key: c.key,
        target: c.target,
        target_name: c.targetName,
        kind: c.kind,
        due_at: new Date(c.dueAt),
        rule: c.rule,
        articles: JSON.stringify(c.articles),
        state: 'open',
        waived: null as never,
      })
      .onConflict((oc) => oc.columns(['organisation', 'case_id', 'key']).doUpdateSet({ due_at: new Date(c.dueAt), rule: c.rule }).where('reports.state', '!=', 'waived'))
      .execute();
  }
}

const byRef = (r: ReportRef) => (qb: any) => qb.where('organisation', '=', r.organisation).where('case_id', '=', r.caseId).where('key', '=', r.key);

export function getReport(db: Kysely<Database>, r: ReportRef): Promise<ReportRow | undefined> {
  return db.selectFrom('reports').selectAll().where('organisation', '=', r.organisation).where('case_id', '=', r.caseId).where('key', '=', r.key).executeTakeFirst();
}

/** The case's reports, by deadline. */
export function listReports(db: Kysely<Database>, o: { organisation: string; caseId: string }): Promise<ReportRow[]> {
  return db.selectFrom('reports').selectAll().where('organisation', '=', o.organisation).where('case_id', '=', o.caseId).orderBy('due_at').orderBy('key').execute();
}

/** A version awaits review; a report sent before stays sent (an amendment under way). */
export async function markReviewing(db: Kysely<Database>, r: ReportRef, version: number): Promise<void> {
  await db.updateTable('reports').set({ version }).$call(byRef(r)).execute();
  await db.updateTable('reports').set({ state: 'review' }).$call(byRef(r)).where('state', '=', 'open').execute();
}

export async function markEscalated(db: Kysely<Database>, r: ReportRef, at: Date): Promise<void> {
  await db.updateTable('reports').set({ escalated_at: at }).$call(byRef(r)).where('escalated_at', 'is', null).execute();
}

export async function markReportWaived(db: Kysely<Database>, r: ReportRef, waived: { reason: string; by: { name: string; email: string }; at: string }): Promise<void> {
  await db.updateTable('reports').set({ state: 'waived', waived: JSON.stringify(waived) }).$call(byRef(r)).where('state', '!=', 'sent').execute();
}

/** The version as generated for review; a retry finds it and generates nothing new. */
export async function insertReportVersion(
  db: Kysely<Database>,
  v: ReportRef & { version: number; filename: string; sha256: string; bytes: Uint8Array; note?: string },
): Promise<ReportVersionRow> {
  await db
    .insertInto('report_versions')
    .values({
      organisation: v.organisation,
      case_id: v.caseId,
      key: v.key,
      version: v.version,
      filename: v.filename,
      size: v.bytes.length,
      sha256: v.sha256,
      bytes: v.bytes,
      note: v.note ?? null,
      approved_by: null as never,
      recipients: null as never,
    })
    .onConflict((oc) => oc.columns(['organisation', 'case_id', 'key', 'version']).doNothing())
    .execute();
  return (await getReportVersion(db, v, v.version))!;
}

export function getReportVersion(db: Kysely<Database>, r: ReportRef, version: number): Promise<ReportVersionRow | undefined> {
  return db
    .selectFrom('report_versions')
    .selectAll()
    .where('organisation', '=', r.organisation)
    .where('case_id', '=', r.caseId)
    .where('key', '=', r.key)
    .where('version', '=', version)
    .executeTakeFirst();
}

/** The versions of a case's reports, without their bytes, oldest first. */
export function listReportVersions(db: Kysely<Database>, o: { organisation: string; caseId: string }) {
  return db
    .selectFrom('report_versions')
    .select(['key', 'version', 'filename', 'size', 'sha256', 'note', 'approved_by', 'sent_at', 'recipients', 'created_at'])
    .where('organisation', '=', o.organisation)
    .where('case_id', '=', o.caseId)
    .orderBy('created_at')
    .orderBy('key')
    .orderBy('version')
    .execute();
}

/** The version went to every contact: the evidence row, and the report is done. */
export async function markVersionSent(db: Kysely<Database>, r: ReportRef, o: { version: number; approvedBy: { name: string; email: string; at: string }; recipients: string[]; sentAt: Date }): Promise<void> {
  await db
    .updateTable('report_versions')
    .set({ approved_by: JSON.stringify(o.approvedBy), recipients: JSON.stringify(o.recipients), sent_at: o.sentAt })
    .$call(byRef(r))
    .where('version', '=', o.version)
    .where('sent_at', 'is', null)
    .execute();
  await db.updateTable('reports').set({ state: 'sent', sent_at: o.sentAt }).$call(byRef(r)).where('state', '!=', 'waived').execute();
}

/** The label of a report, as the checklist and a refused close show it: `和歌山県知事への第1報`. */
export function reportLabel(r: Pick<ReportRow, 'target_name' | 'kind'>): string {
  return `${r.target_name}への${REPORT_KIND_LABELS[r.kind as ReportKind]?.ja ?? r.kind}`;
}

/** The case's reports as obligations of the close gate: done once sent, waived when waived. */
export async function reportObligations(db: Kysely<Database>, o: { organisation: string; caseId: string }): Promise<Obligation[]> {
  return (await listReports(db, o)).map((r) => ({
    key: r.key,
    label: reportLabel(r),
    step: 'emergency.report',
    articles: r.articles,
    state: r.state === 'sent' ? 'done' : r.state === 'waived' ? 'waived' : 'open',
    dueAt: r.due_at.toISOString(),
  }));
}
