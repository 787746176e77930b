// Activities of the user-ID review: open a campaign from the ledger, build each section's review
// task, record what was answered (or the default), carry changes out and record them done, and
// close with the report. Each is idempotent: the database rows are keyed by the campaign and the
// ID, the audit rows and emails by their ids, so a retry finds its work done.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { insertCaseDocument } from '../db/closing';
import { renderReviewReport, reviewReportCsv, reviewReportFileName, reviewReportXlsx } from '../documents/review-report';
import type { JapaneseFont } from '../documents/pdf';
import { appendAudit } from '../db/audit';
import { ledgerEntries } from '../db/ledger';
import { getOrganisation } from '../db/organisations';
import {
  type CarriedOutChange,
  closeReviewCampaign,
  getReviewCampaign,
  markCarriedOut,
  openReviewCampaign,
  recordSectionAnswers,
  recordSectionDefault,
  reportItemOf,
  REVIEW_STEP,
  reviewSections,
  sectionItemKeys,
  sectionItems,
} from '../db/review';
import type { Database } from '../db/schema';
import { roleHolderChain } from '../domain/council';
import { type OrganisationProfile, passwordRuleSetOf } from '../domain/profile';
import {
  campaignTimeline,
  changeOf,
  DEFAULT_OUTCOME_LABELS,
  type DefaultOutcome,
  idFlags,
  type ReviewCampaignInput,
  type ReviewItemAnswer,
  type ReviewReport,
  reviewArticles,
  remindersBefore,
  reviewPlanOf,
  sectionCounts,
  sectionReviewers,
  sectionReviewRequest,
  type SectionReviewInput,
} from '../domain/review';
import { matchMovements, targetedTimeline } from '../domain/movements';
import type { HumanTaskRequest } from '../domain/tasks';
import { type MailTransport, sendMailOnce } from '../mail';
import type { SigningKey } from '../tokens';

export interface ReviewActivityDeps {
  db: Kysely<Database>;
  mail: MailTransport;
  mailFrom: string;
  auditMacKeys: readonly SigningKey[];
  publicUrl: string;
  /** The font the report's PDF is set in. */
  pdfFont: () => JapaneseFont;
}

const actorOf = (p: { name: string; email: string }) => `${p.name} <${p.email}>`;

export function createReviewActivities(deps: ReviewActivityDeps) {
  const { db } = deps;
  const macKey = () => deps.auditMacKeys[0];

  async function profileOf(organisation: string): Promise<OrganisationProfile> {
    const p = await getOrganisation(db, organisation);
    if (!p) throw new Error(`organisation ${organisation} is not loaded`);
    return p;
  }

  async function campaignOf(campaignId: string) {
    const c = await getReviewCampaign(db, campaignId);
    if (!c) throw new Error(`review campaign ${campaignId} is not recorded`);
    return c;
  }

  return {
    /**
     * Snapshots the organisation's IDs (all but those already revoked) with their flags, and the
     * campaign's deadlines, once; returns the sections that have IDs and the moments recorded.
     */
    async openCampaign(input: ReviewCampaignInput & { campaignId: string; startedAt: number }): Promise<{ sections: string[]; startedAt: number; dueAt: number; defaultAt: number }> {
      const profile = await profileOf(input.organisation);
      const plan = reviewPlanOf(profile);
      const startedAt = new Date(input.startedAt);
      const ruleSet = passwordRuleSetOf(profile);
      const active = (await ledgerEntries(db, input.organisation)).filter((e) => e.status !== 'revoked');
      // Targeted: only the IDs of the people the 人事異動 list moves, due before the first of them moves.
      const match = input.kind === 'targeted' ? matchMovements(active, input.movements ?? []) : undefined;
      const movementOf = new Map(match?.targets.map((t) => [t.userId, t.movement]));
      const entries = match ? active.filter((e) => movementOf.has(e.userId)) : active;
      const timeline = match ? targetedTimeline(plan, startedAt, match.targets.map((t) => t.movement)) : campaignTimeline(plan, startedAt);
      await openReviewCampaign(
        db,
        {
          campaignId: input.campaignId,
          organisation: input.organisation,
          kind: input.kind,
          fiscalYear: input.fiscalYear,
          startedBy: input.startedBy ? actorOf(input.startedBy) : 'schedule',
          startedAt,
          dueAt: timeline.dueAt,
          defaultAt: timeline.defaultAt,
          defaultOutcome: plan.defaultOutcome,
        },
        entries.map((e) => {
          const date = (s: string | null) => (s ? new Date(s) : null);
          const movement = movementOf.get(e.userId);
          return {
            userId: e.userId,
            section: e.section,
            personName: e.personName,
            email: e.email,
            permissions: e.permissions,
            facts: { issuedAt: e.issuedAt, lastUsedAt: e.lastUsedAt, passwordChangedAt: e.passwordChangedAt, status: e.status, ...(movement ? { movement } : {}) },
            flags: idFlags(
              { issuedAt: date(e.issuedAt), lastUsedAt: date(e.lastUsedAt), passwordChangedAt: date(e.passwordChangedAt), permissions: e.permissions },
              { now: startedAt, plan, ruleSet, ...(Object.hasOwn(plan.permissionTemplates, e.section) ? { template: plan.permissionTemplates[e.section] } : {}), ...(movement ? { movement: { kind: movement.kind, effectiveAt: new Date(movement.effectiveAt) } } : {}) },
            ),
          };
        }),
      );
      const campaign = await campaignOf(input.campaignId);
      const sections = await reviewSections(db, input.campaignId);
      await appendAudit(
        db,
        {
          id: `${input.campaignId}/opened`,
          at: campaign.started_at,
          caseId: input.campaignId,
          organisation: input.organisation,
          actor: campaign.started_by === 'schedule' ? 'system' : campaign.started_by,
          step: REVIEW_STEP,
          outcome: `ユーザIDの見直しを開始（${sections.length} 所属・${sections.reduce((n, s) => n + s.ids, 0)} 件、うち要確認 ${sections.reduce((n, s) => n + s.flagged, 0)} 件）`,
          articles: reviewArticles(profile),
          detail: { kind: input.kind, fiscalYear: input.fiscalYear, sections, dueAt: campaign.due_at.toISOString(), defaultAt: campaign.default_at.toISOString() },
        },
        macKey(),
      );
      return { sections: sections.map((s) => s.section), startedAt: campaign.started_at.getTime(), dueAt: campaign.due_at.getTime(), defaultAt: campaign.default_at.getTime() };
    },

    /** The section's review task: its IDs (and which need their own answer), its people and times. */
    async prepareSectionReview(s: SectionReviewInput): Promise<HumanTaskRequest> {
      const profile = await profileOf(s.organisation);
      const plan = reviewPlanOf(profile);
      const startedAt = new Date(s.startedAt);
      const [dueAt, defaultAt] = [new Date(s.dueAt), new Date(s.defaultAt)];
      return sectionReviewRequest({
        profile,
        organisation: s.organisation,
        campaignId: s.campaignId,
        kind: s.kind,
        section: s.section,
        items: await sectionItemKeys(db, s.campaignId, s.section),
        plan,
        startedAt,
        timeline: { dueAt, defaultAt, reminders: remindersBefore(plan, startedAt, dueAt) },
      });
    },

    /** Records the section's answers — or, when nobody answered, the campaign's default outcome — with its audit row. */
    async recordSectionOutcome(
      s: SectionReviewInput & { answered: { answers: ReviewItemAnswer[]; decidedBy: { name: string; email: string }; decidedAt: string } | null },
    ): Promise<void> {
      const [profile, campaign] = await Promise.all([profileOf(s.organisation), campaignOf(s.campaignId)]);
      const base = { caseId: s.campaignId, organisation: s.organisation, step: REVIEW_STEP, articles: reviewArticles(profile) };
      if (s.answered) {
        const decidedAt = new Date(s.answered.decidedAt);
        const overdue = decidedAt.getTime() > s.dueAt;
        await recordSectionAnswers(db, { campaignId: s.campaignId, section: s.section, answers: s.answered.answers, decidedBy: s.answered.decidedBy, decidedAt, overdue });
        const count = (a: ReviewItemAnswer['answer']) => s.answered!.answers.filter((x) => x.answer === a).length;
        await appendAudit(
          db,
          {
            ...base,
            id: `${s.campaignId}/${s.section}/answered`,
            at: decidedAt,
            actor: actorOf(s.answered.decidedBy),
            outcome: `${s.section}: 継続 ${count('keep')} 件・権限変更 ${count('changePermissions')} 件・廃止 ${count('revoke')} 件${overdue ? '（期限超過）' : ''}`,
            detail: { section: s.section, overdue, answers: s.answered.answers.filter((a) => a.answer !== 'keep') },
          },
          macKey(),
        );
      } else {
        const outcome = campaign.default_outcome as DefaultOutcome;
        await recordSectionDefault(db, { campaignId: s.campaignId, section: s.section, outcome });
        await appendAudit(
          db,
          {
            ...base,
            id: `${s.campaignId}/${s.section}/defaulted`,
            at: new Date(),
            actor: 'system',
            outcome: `${s.section}: 期限までに回答がなく、既定の処理（${DEFAULT_OUTCOME_LABELS[outcome].ja}）を適用`,
            detail: { section: s.section, defaultOutcome: outcome },
          },
          macKey(),
        );
      }
    },

    /** The section's revocations, locks and permission changes not yet carried out. */
    async pendingSectionChanges(s: SectionReviewInput): Promise<CarriedOutChange[]> {
      const items = await sectionItems(db, s.campaignId, s.section);
      return items
        .filter((i) => i.carried_out === null)
        .map((i) => (i.answer ? changeOf(i.user_id, i.answer) : i.defaulted ? changeOf(i.user_id, { defaulted: i.defaulted as DefaultOutcome }) : null))
        .filter((c): c is CarriedOutChange => c !== null);
    },

    /** A change the directory carried out and read back: recorded done, in the ledger too. */
    async recordDoneInDirectory(o: { organisation: string; campaignId: string; change: CarriedOutChange; dn: string }): Promise<void> {
      const profile = await profileOf(o.organisation);
      await markCarriedOut(db, { campaignId: o.campaignId, organisation: o.organisation, change: o.change, via: 'directory', by: `directory ${o.dn}`, at: new Date(), articles: reviewArticles(profile) }, macKey());
    },

    /** The system admin's task: carry out these changes on the real system and confirm. */
    async changeConfirmationRequest(s: SectionReviewInput & { changes: CarriedOutChange[] }): Promise<HumanTaskRequest> {
      const profile = await profileOf(s.organisation);
      const chain = roleHolderChain(profile, 'systemAdmin');
      const items = new Map((await sectionItems(db, s.campaignId, s.section)).map((i) => [i.user_id, i]));
      const line = (c: CarriedOutChange) => {
        const i = items.get(c.userId);
        const who = i ? `${c.userId}（${i.person_name}）` : c.userId;
        return c.action === 'changePermissions' ? `・${who}: 権限を ${c.permissions.join('・')} に変更` : `・${who}: ${c.action === 'revoke' ? '廃止（無効化）' : 'ロック'}`;
      };
      return {
        caseId: s.campaignId,
        organisation: s.organisation,
        step: 'userIdReview.review',
        articles: reviewArticles(profile),
        kind: 'acknowledge',
        title: `ユーザIDの変更の実施確認（${s.section}・${s.changes.length} 件）`,
        body: ['見直しの結果、次の変更が必要です。住基ネットの端末・サーバで実施し、実施後に「実施済み」を押してください（niigata:15.2.4、16）。', '', ...s.changes.map(line)].join('\n'),
        options: [{ value: 'done', label: '実施済み' }],
        chain,
        remindAfterMs: 86_400_000,
        escalateAfterMs: 3 * 86_400_000,
      };
    },

    /** The system admin confirmed the changes on the real system: each recorded done, in the ledger too. */
    async recordChangesConfirmed(s: SectionReviewInput & { changes: CarriedOutChange[]; by: { name: string; email: string }; at: string }): Promise<void> {
      const profile = await profileOf(s.organisation);
      for (const change of s.changes) {
        await markCarriedOut(db, { campaignId: s.campaignId, organisation: s.organisation, change, via: 'person', by: actorOf(s.by), at: new Date(s.at), articles: reviewArticles(profile) }, macKey());
      }
    },

    /**
     * Every section done: the campaign is closed, its report built from what was recorded, and
     * the system admin and the chief told.
     */
    async finishCampaign(o: { campaignId: string; organisation: string }): Promise<{ documentIds: string[]; report: ReviewReport }> {
      const profile = await profileOf(o.organisation);
      await closeReviewCampaign(db, o.campaignId, new Date());
      const campaign = await campaignOf(o.campaignId);
      const sections = await reviewSections(db, o.campaignId);
      const report: ReviewReport = {
        organisation: o.organisation,
        organisationName: profile.organisation.name,
        campaignId: o.campaignId,
        kind: campaign.kind as ReviewReport['kind'],
        fiscalYear: campaign.fiscal_year,
        startedAt: campaign.started_at.toISOString(),
        dueAt: campaign.due_at.toISOString(),
        closedAt: (campaign.closed_at ?? new Date()).toISOString(),
        defaultOutcome: campaign.default_outcome as DefaultOutcome,
        articles: reviewArticles(profile),
        regulation: profile.organisation.regulation,
        sections: await Promise.all(
          sections.map(async (s) => {
            const officer = sectionReviewers(profile, s.section).find((a) => a.role === 'sectionOfficer');
            return { section: s.section, officer: officer ? { name: officer.name, title: officer.title } : null, items: (await sectionItems(db, o.campaignId, s.section)).map(reportItemOf) };
          }),
        ),
      };
      // The report as evidence: a print-ready PDF, and the same rows as CSV and XLSX, each kept once.
      const generatedAt = new Date(report.closedAt);
      const files = [
        { ext: 'pdf' as const, kind: 'review-report', mediaType: 'application/pdf', bytes: await renderReviewReport(report, generatedAt, deps.pdfFont()) },
        { ext: 'csv' as const, kind: 'review-report-csv', mediaType: 'text/csv; charset=utf-8', bytes: reviewReportCsv(report) },
        { ext: 'xlsx' as const, kind: 'review-report-xlsx', mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', bytes: reviewReportXlsx(report) },
      ];
      const documentIds: string[] = [];
      for (const f of files) {
        const id = `${o.campaignId}/report.${f.ext}`;
        await insertCaseDocument(db, { id, organisation: o.organisation, caseId: o.campaignId, kind: f.kind, filename: reviewReportFileName(report, f.ext).filename, mediaType: f.mediaType, bytes: f.bytes, sha256: createHash('sha256').update(f.bytes).digest('hex'), at: generatedAt });
        documentIds.push(id);
      }
      const totals = sectionCounts(report.sections.flatMap((s) => s.items));
      const summary = `確認済 ${totals.reviewed}・継続 ${totals.kept}・権限変更 ${totals.changed}・廃止 ${totals.revoked}・期限超過 ${totals.overdue}・既定処理 ${totals.defaulted}`;
      await appendAudit(
        db,
        {
          id: `${o.campaignId}/closed`,
          at: new Date(report.closedAt),
          caseId: o.campaignId,
          organisation: o.organisation,
          actor: 'system',
          step: REVIEW_STEP,
          outcome: `ユーザIDの見直しを終了（${summary}）`,
          articles: reviewArticles(profile),
          detail: { totals, documents: documentIds },
        },
        macKey(),
      );
      const recipients = [roleHolderChain(profile, 'systemAdmin')[0], roleHolderChain(profile, 'chief')[0]].filter((p, i, all) => p && all.findIndex((q) => q?.email === p.email) === i);
      for (const p of recipients) {
        await sendMailOnce(db, deps.mail, deps.mailFrom, {
          key: `${o.campaignId}/report/${p!.email.toLowerCase()}`,
          to: `${p!.name} <${p!.email}>`,
          subject: `【報告】ユーザIDの見直し結果（${profile.organisation.name}・${campaign.kind === 'targeted' ? '人事異動' : `${campaign.fiscal_year}年度`}）`,
          text: [`${p!.name} 様（${p!.position}）`, '', `ユーザIDの見直しが終了しました。`, summary, '', `結果: ${deps.publicUrl}/review/${o.organisation}/campaigns/${encodeURIComponent(o.campaignId)}`, '', '-- ', 'jukinet-ops（住基ネット セキュリティ手続）'].join('\n'),
        });
      }
      return { documentIds, report };
    },
  };
}
