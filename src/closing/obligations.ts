// What an incident may not close without, gathered from every source (issue 10 §7): the notice to
// the persons concerned, the recovery tasks and the final report, and the statutory
// reports. Each source lists its own obligations; waivers are applied here, once, so a
// source never needs to know about them. Adding a source is one line in OBLIGATION_SOURCES.
import type { Kysely } from 'kysely';
import { listCaseDocuments, listRecoveryTasks, listWaivers, noticeCounts } from '../db/closing';
import { reportObligations } from '../db/reports';
import type { Database } from '../db/schema';
import { closingArticles, FINAL_REPORT_KEY, RECOVERY_TASK_LABELS, recoveryTaskKey } from '../domain/closing';
import type { Obligation } from '../domain/obligations';
import type { OrganisationProfile } from '../domain/profile';

export interface ObligationScope {
  organisation: string;
  caseId: string;
  profile: OrganisationProfile;
}

/** One source of obligations: given the case, what it requires and where each stands. */
export type ObligationSource = (db: Kysely<Database>, scope: ObligationScope) => Promise<Obligation[]>;

const articles = (profile: OrganisationProfile, step: Obligation['step']) => profile.articles[step] ?? [];

/**
 * 本人通知 (kunitachi:14), once persons have been imported: open while emails remain unsent
 * (pending or in flight — a failed address has become a letter), and, apart, while letters remain
 * that were never put in a print file. No persons imported: nothing is owed here (a leak's notice
 * then shows as missing through its report, and the commander may still be asked to waive).
 */
export const noticeObligations: ObligationSource = async (db, { organisation, caseId, profile }) => {
  const n = await noticeCounts(db, { organisation, caseId });
  if (n.persons === 0) return [];
  const a = articles(profile, 'emergency.notifyPersons');
  const out: Obligation[] = [
    { key: 'notice:email', label: `本人通知（メール）: 未送信 ${n.emailsUnsent} 件`, step: 'emergency.notifyPersons', articles: a, state: n.emailsUnsent === 0 ? 'done' : 'open' },
  ];
  if (n.letters > 0) {
    out.push({ key: 'notice:letters', label: `本人通知（郵送）: 未印刷 ${n.lettersUnprinted} / ${n.letters} 件`, step: 'emergency.notifyPersons', articles: a, state: n.lettersUnprinted === 0 ? 'done' : 'open' });
  }
  return out;
};

/** 原因究明・再発防止策: each task assigned to a section, done when its section reported the result; and the final report. */
export const recoveryObligations: ObligationSource = async (db, { organisation, caseId, profile }) => {
  const [tasks, documents] = await Promise.all([listRecoveryTasks(db, { organisation, caseId }), listCaseDocuments(db, { organisation, caseId })]);
  const out: Obligation[] = tasks
    .filter((t) => t.state !== 'WITHDRAWN')
    .map((t) => {
      const kind = RECOVERY_TASK_LABELS[t.kind];
      return {
        key: recoveryTaskKey(t.n),
        label: `${kind.ja}（${t.section}）: ${t.title}`,
        step: kind.step,
        articles: articles(profile, kind.step),
        state: t.state === 'DONE' ? 'done' : 'open',
        dueAt: t.due_at.toISOString(),
      };
    });
  out.push({
    key: FINAL_REPORT_KEY,
    label: '最終報告（首長への報告書）',
    step: 'emergency.close',
    articles: closingArticles(profile),
    state: documents.some((d) => d.kind === 'final-report') ? 'done' : 'open',
  });
  return out;
};

/** Every source, in the order the checklist shows them. */
export const OBLIGATION_SOURCES: readonly ObligationSource[] = [
  (db, s) => reportObligations(db, s),
  noticeObligations,
  recoveryObligations,
];

/** The case's obligations from every source, with waivers applied (a waived open one no longer blocks). */
export async function gatherObligations(db: Kysely<Database>, scope: ObligationScope, sources: readonly ObligationSource[] = OBLIGATION_SOURCES): Promise<Obligation[]> {
  const [lists, waivers] = await Promise.all([Promise.all(sources.map((s) => s(db, scope))), listWaivers(db, scope)]);
  const waived = new Set(waivers.map((w) => w.key));
  return lists.flat().map((o) => (o.state === 'open' && waived.has(o.key) ? { ...o, state: 'waived' as const } : o));
}
