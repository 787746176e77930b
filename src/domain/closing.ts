// 復旧・再発防止・終結 (recover, prevent recurrence, close; issue 10 §7): what the commander
// assigns to sections (原因究明 and 再発防止策, each with a due date), when a section is reminded
// before its due date, and what a waiver of an obligation must say. Pure: the workflow imports it.
import { z } from './zod';
import { text } from './text';
import type { ProcedureStep } from './procedures';
import type { OrganisationProfile } from './profile';

export const RECOVERY_TASK_KINDS = ['cause', 'prevention'] as const;
export type RecoveryTaskKind = (typeof RECOVERY_TASK_KINDS)[number];

export const RECOVERY_TASK_LABELS: Record<RecoveryTaskKind, { ja: string; en: string; step: ProcedureStep; reportItem: 'cause' | 'prevention' }> = {
  cause: { ja: '原因究明', en: 'Cause analysis', step: 'emergency.recover', reportItem: 'cause' },
  prevention: { ja: '再発防止策', en: 'Recurrence prevention', step: 'emergency.preventRecurrence', reportItem: 'prevention' },
};

/** What the commander posts (API and console form alike) to assign a task to a section. */
export const recoveryTaskSchema = z.strictObject({
  kind: z.enum(RECOVERY_TASK_KINDS, { error: `次のいずれかにしてください: ${RECOVERY_TASK_KINDS.join(', ')}` }),
  /** 部署: the section that carries it out. */
  section: text({ max: 100 }),
  title: text({ max: 200 }),
  detail: text({ max: 4000, multiline: true, required: false }).default(''),
  /** The section's responsible person, who gets the task's link. */
  assignee: z.strictObject({
    name: text({ max: 100 }),
    email: z.email({ error: '有効なメールアドレスではありません' }),
  }),
  /** 期限: an ISO 8601 instant with its offset, in the future. */
  dueAt: z.iso.datetime({ offset: true, error: 'ISO 8601 の日時にしてください（例: 2026-12-20T17:00:00+09:00）' }),
});
export type RecoveryTaskInput = z.output<typeof recoveryTaskSchema>;

/** A waiver (免除) of one obligation: its key and why. */
export const waiverSchema = z.strictObject({
  key: z.string().regex(/^[a-z][a-z0-9-]*(:[A-Za-z0-9_-]+)*$/, { error: '義務のキーが正しくありません（例: notice:email, recovery:2, report:prefecture:first）' }),
  reason: text({ max: 1000, multiline: true }),
});
export type WaiverInput = z.output<typeof waiverSchema>;

export const closeSchema = z.strictObject({
  reason: text({ max: 1000, multiline: true, required: false }).default(''),
});

/**
 * The articles the close and the final report rest on: the profile's for `emergency.close`, else
 * the chief's, whose duty the close is (tokyo:4.3, niigata:24, jlis:9 — regulations that name no
 * close or final report still name who heads the response). The close row, the final report's row
 * and its obligation all cite the same.
 */
export function closingArticles(profile: Pick<OrganisationProfile, 'articles' | 'roles'>): string[] {
  return profile.articles['emergency.close'] ?? profile.roles.find((r) => r.role === 'chief')?.articles ?? [];
}

/**
 * To whom the final report goes: the profile's `executive` report target; a regulation that names
 * none (新潟市: no report outward, the データ保護管理者 heads the response, niigata:3, 24) sends it
 * to the executive role's holder, else to the chief — never to nobody.
 */
export function finalReportAddressee(profile: Pick<OrganisationProfile, 'reportTargets' | 'roles'>): { name: string; contacts: Array<{ name: string; email: string; title?: string }>; articles: string[] } {
  const target = profile.reportTargets.find((t) => t.kind === 'executive');
  if (target) return { name: target.name, contacts: target.contacts, articles: target.articles };
  const holder = profile.roles.find((r) => r.role === 'executive') ?? profile.roles.find((r) => r.role === 'chief');
  if (!holder) return { name: '', contacts: [], articles: [] };
  return { name: holder.position, contacts: [holder.person], articles: holder.articles ?? [] };
}

/** The source an obligation key belongs to: `report:prefecture:first` → `report`. */
export const obligationSource = (key: string): string => key.split(':')[0];

/** Shortest lead of a reminder before the due date, and the longest (a long task is reminded a day before). */
const MIN_LEAD_MS = 3_600_000;
const MAX_LEAD_MS = 24 * 3_600_000;

/**
 * When a section is reminded and when its task escalates, counted from the moment it is asked:
 * reminded a day before the due date (a quarter of the window when that is shorter, at least an
 * hour when the window allows), escalated to the commander when the due date passes.
 */
export function recoveryTaskWindow(askedAtMs: number, dueAtMs: number): { remindAfterMs: number; escalateAfterMs: number } {
  const window = Math.max(dueAtMs - askedAtMs, 60_000);
  const lead = Math.min(MAX_LEAD_MS, Math.max(Math.min(MIN_LEAD_MS, window / 2), Math.floor(window / 4)));
  return { remindAfterMs: window - lead, escalateAfterMs: window };
}

/** The obligation key of the n-th recovery task. */
export const recoveryTaskKey = (n: number) => `recovery:${n}`;
export const FINAL_REPORT_KEY = 'final-report';
