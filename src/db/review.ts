// A review campaign in the database: the IDs it reviews, snapshotted from the ledger when it
// begins (so a re-import during the campaign does not change what an officer is answering), the
// drafts and final answers, and each change carried out — written to the ledger with its audit
// row in one transaction, so the ledger shows who did it and when.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { DefaultOutcome, IdFlag, ReviewItemAnswer, ReviewItemFacts, ReviewItemKey, ReviewReportItem } from '../domain/review';
import type { SigningKey } from '../tokens';
import { appendAuditInTransaction } from './audit';
import { applyLedgerChange } from './ledger';
import type { Database, ReviewCampaignTable, ReviewItemTable } from './schema';

export type ReviewCampaignRow = Selectable<ReviewCampaignTable>;
export type ReviewItemRow = Selectable<ReviewItemTable>;

/** The procedure step every row of a review records. */
export const REVIEW_STEP = 'userIdReview.review';

export interface NewReviewItem {
  userId: string;
  section: string;
  personName: string;
  email: string | null;
  permissions: string[];
  facts: ReviewItemFacts;
  flags: IdFlag[];
}

export interface NewReviewCampaign {
  campaignId: string;
  organisation: string;
  kind: string;
  fiscalYear: number;
  startedBy: string;
  startedAt: Date;
  dueAt: Date;
  defaultAt: Date;
  defaultOutcome: DefaultOutcome;
}

/** Records the campaign and its IDs once: a retry (or a second start) finds them and changes nothing. */
export async function openReviewCampaign(db: Kysely<Database>, c: NewReviewCampaign, items: readonly NewReviewItem[]): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const inserted = await tx
      .insertInto('review_campaigns')
      .values({
        campaign_id: c.campaignId,
        organisation: c.organisation,
        kind: c.kind,
        fiscal_year: c.fiscalYear,
        state: 'open',
        started_by: c.startedBy,
        started_at: c.startedAt,
        due_at: c.dueAt,
        default_at: c.defaultAt,
        default_outcome: c.defaultOutcome,
      })
      .onConflict((oc) => oc.column('campaign_id').doNothing())
      .returning('campaign_id')
      .executeTakeFirst();
    if (!inserted) return;
    const sorted = [...items].sort((a, b) => (a.section === b.section ? (a.userId < b.userId ? -1 : 1) : a.section < b.section ? -1 : 1));
    for (let k = 0; k < sorted.length; k += 500) {
      await tx
        .insertInto('review_items')
        .values(
          sorted.slice(k, k + 500).map((i, n) => ({
            campaign_id: c.campaignId,
            user_id: i.userId,
            organisation: c.organisation,
            section: i.section,
            position: k + n,
            person_name: i.personName,
            email: i.email,
            permissions: JSON.stringify(i.permissions),
            facts: JSON.stringify(i.facts),
            flags: JSON.stringify(i.flags),
          })),
        )
        .execute();
    }
  });
}

export function getReviewCampaign(db: Kysely<Database>, campaignId: string): Promise<ReviewCampaignRow | undefined> {
  return db.selectFrom('review_campaigns').selectAll().where('campaign_id', '=', campaignId).executeTakeFirst();
}

export function listReviewCampaigns(db: Kysely<Database>, organisation: string): Promise<ReviewCampaignRow[]> {
  return db.selectFrom('review_campaigns').selectAll().where('organisation', '=', organisation).orderBy('started_at', 'desc').execute();
}

/** The campaign's sections with their ID counts, in order. */
export async function reviewSections(db: Kysely<Database>, campaignId: string): Promise<Array<{ section: string; ids: number; flagged: number }>> {
  const rows = await db
    .selectFrom('review_items')
    .select(['section', sql<number>`count(*)`.as('ids'), sql<number>`count(*) filter (where jsonb_array_length(flags) > 0)`.as('flagged')])
    .where('campaign_id', '=', campaignId)
    .groupBy('section')
    .orderBy('section')
    .execute();
  return rows.map((r) => ({ section: r.section, ids: Number(r.ids), flagged: Number(r.flagged) }));
}

/** What the section's officer is asked: each ID and whether it needs its own answer. */
export async function sectionItemKeys(db: Kysely<Database>, campaignId: string, section: string): Promise<ReviewItemKey[]> {
  const rows = await db.selectFrom('review_items').select(['user_id', 'flags']).where('campaign_id', '=', campaignId).where('section', '=', section).orderBy('position').execute();
  return rows.map((r) => ({ userId: r.user_id, flagged: r.flags.length > 0 }));
}

export interface SectionPage {
  items: ReviewItemRow[];
  total: number;
  flagged: number;
  drafted: number;
}

/** One page of a section's IDs for the review page; `onlyFlagged` shows those needing their own answer. */
export async function sectionPage(db: Kysely<Database>, q: { campaignId: string; section: string; offset: number; limit: number; onlyFlagged?: boolean }): Promise<SectionPage> {
  let base = db.selectFrom('review_items').where('campaign_id', '=', q.campaignId).where('section', '=', q.section);
  const counts = await base
    .select([sql<number>`count(*)`.as('total'), sql<number>`count(*) filter (where jsonb_array_length(flags) > 0)`.as('flagged'), sql<number>`count(draft)`.as('drafted')])
    .executeTakeFirstOrThrow();
  if (q.onlyFlagged) base = base.where(sql<boolean>`jsonb_array_length(flags) > 0`);
  const items = await base.selectAll().orderBy('position').offset(q.offset).limit(q.limit).execute();
  return { items, total: Number(counts.total), flagged: Number(counts.flagged), drafted: Number(counts.drafted) };
}

/** Every ID of a section, in order. */
export function sectionItems(db: Kysely<Database>, campaignId: string, section: string): Promise<ReviewItemRow[]> {
  return db.selectFrom('review_items').selectAll().where('campaign_id', '=', campaignId).where('section', '=', section).orderBy('position').execute();
}

/**
 * Saves draft answers of a section (only for IDs of that section not yet decided); a null answer
 * clears a draft. Returns how many answers were saved: a browser posts every card of the page, the
 * unanswered ones as clearings, and the page says "N 件の回答を一時保存しました" from this count.
 */
export async function saveReviewDrafts(db: Kysely<Database>, campaignId: string, section: string, drafts: ReadonlyArray<{ userId: string; draft: ReviewItemAnswer | null }>): Promise<number> {
  let saved = 0;
  await db.transaction().execute(async (tx) => {
    for (const d of drafts) {
      const r = await tx
        .updateTable('review_items')
        .set({ draft: d.draft === null ? null : JSON.stringify(d.draft) })
        .where('campaign_id', '=', campaignId)
        .where('section', '=', section)
        .where('user_id', '=', d.userId)
        .where('answer', 'is', null)
        .where('defaulted', 'is', null)
        .executeTakeFirst();
      if (d.draft !== null) saved += Number(r.numUpdatedRows);
    }
  });
  return saved;
}

/** The drafts of a section, as answers. */
export async function sectionDrafts(db: Kysely<Database>, campaignId: string, section: string): Promise<ReviewItemAnswer[]> {
  const rows = await db.selectFrom('review_items').select(['draft']).where('campaign_id', '=', campaignId).where('section', '=', section).where('draft', 'is not', null).orderBy('position').execute();
  return rows.map((r) => r.draft!);
}

/** Records a section's final answers (idempotent: an ID answered before keeps its answer). */
export async function recordSectionAnswers(
  db: Kysely<Database>,
  o: { campaignId: string; section: string; answers: readonly ReviewItemAnswer[]; decidedBy: { name: string; email: string }; decidedAt: Date; overdue: boolean },
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    for (const a of o.answers) {
      await tx
        .updateTable('review_items')
        .set({ answer: JSON.stringify(a), decided_by: JSON.stringify(o.decidedBy), decided_at: o.decidedAt, overdue: o.overdue, draft: null })
        .where('campaign_id', '=', o.campaignId)
        .where('section', '=', o.section)
        .where('user_id', '=', a.userId)
        .where('answer', 'is', null)
        .where('defaulted', 'is', null)
        .execute();
    }
  });
}

/** Nobody answered for the section: the default outcome is recorded for every ID still unanswered. */
export async function recordSectionDefault(db: Kysely<Database>, o: { campaignId: string; section: string; outcome: DefaultOutcome }): Promise<void> {
  await db
    .updateTable('review_items')
    .set({ defaulted: o.outcome })
    .where('campaign_id', '=', o.campaignId)
    .where('section', '=', o.section)
    .where('answer', 'is', null)
    .where('defaulted', 'is', null)
    .execute();
}

export type CarriedOutChange = { userId: string; action: 'revoke' | 'lock' } | { userId: string; action: 'changePermissions'; permissions: string[] };

/**
 * A change done — in the directory, or confirmed by the system admin on the real system: the
 * item says so, the ledger shows the new status or permissions, and the audit log has its row,
 * in one transaction. A second call for the same change does nothing.
 */
export async function markCarriedOut(
  db: Kysely<Database>,
  o: { campaignId: string; organisation: string; change: CarriedOutChange; via: 'directory' | 'person'; by: string; at: Date; articles: string[] },
  macKey: SigningKey,
): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const done = await tx
      .updateTable('review_items')
      .set({ carried_out: JSON.stringify({ via: o.via, by: o.by, at: o.at.toISOString() }) })
      .where('campaign_id', '=', o.campaignId)
      .where('user_id', '=', o.change.userId)
      .where('carried_out', 'is', null)
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) === 0) return false;
    const c = o.change;
    const ledger = await applyLedgerChange(tx, {
      organisation: o.organisation,
      userId: c.userId,
      ...(c.action === 'changePermissions' ? { permissions: c.permissions } : { status: c.action === 'revoke' ? 'revoked' : 'locked' }),
      actor: o.by,
      now: o.at,
    });
    const what = c.action === 'changePermissions' ? `の権限を ${c.permissions.join('・')} に変更` : c.action === 'revoke' ? 'を廃止' : 'をロック';
    await appendAuditInTransaction(
      tx,
      [
        {
          id: `${o.campaignId}/carried-out/${c.userId}`,
          at: o.at,
          caseId: o.campaignId,
          organisation: o.organisation,
          actor: o.by,
          step: REVIEW_STEP,
          outcome: `ユーザID ${c.userId} ${what}（${o.via === 'directory' ? 'ディレクトリに反映・読み戻し確認済み' : 'システム管理者が実施を確認'}）`,
          articles: o.articles,
          detail: { change: c, via: o.via, ledger },
        },
      ],
      macKey,
    );
    return true;
  });
}

export async function closeReviewCampaign(db: Kysely<Database>, campaignId: string, at: Date): Promise<void> {
  await db.updateTable('review_campaigns').set({ state: 'closed', closed_at: at }).where('campaign_id', '=', campaignId).where('state', '=', 'open').execute();
}

/** The report's row of one item. */
export function reportItemOf(r: ReviewItemRow): ReviewReportItem {
  return {
    userId: r.user_id,
    personName: r.person_name,
    permissions: r.permissions,
    flags: r.flags,
    answer: r.answer?.answer ?? null,
    newPermissions: r.answer?.answer === 'changePermissions' ? (r.answer.permissions ?? []) : null,
    reason: r.answer?.reason ?? '',
    decidedBy: r.decided_by,
    decidedAt: r.decided_at ? r.decided_at.toISOString() : null,
    overdue: r.overdue,
    defaulted: (r.defaulted as DefaultOutcome | null) ?? null,
    carriedOut: r.carried_out,
  };
}

export interface SectionProgress {
  section: string;
  ids: number;
  flagged: number;
  answered: number;
  defaulted: number;
  /** Revocations, locks and permission changes decided, and of those done. */
  changes: number;
  changesDone: number;
}

/** Where each section of a campaign stands, for the console. */
export async function campaignProgress(db: Kysely<Database>, campaignId: string): Promise<SectionProgress[]> {
  const rows = await db.selectFrom('review_items').select(['section', 'flags', 'answer', 'defaulted', 'carried_out']).where('campaign_id', '=', campaignId).orderBy('position').execute();
  const by = new Map<string, SectionProgress>();
  for (const r of rows) {
    const p = by.get(r.section) ?? { section: r.section, ids: 0, flagged: 0, answered: 0, defaulted: 0, changes: 0, changesDone: 0 };
    p.ids++;
    if (r.flags.length > 0) p.flagged++;
    if (r.answer) p.answered++;
    if (r.defaulted) p.defaulted++;
    const change = r.answer ? r.answer.answer !== 'keep' : r.defaulted !== null && r.defaulted !== 'keepAndFlag';
    if (change) {
      p.changes++;
      if (r.carried_out) p.changesDone++;
    }
    by.set(r.section, p);
  }
  return [...by.values()];
}
