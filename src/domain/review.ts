// ユーザID及びパスワードの見直し (Procedure 2): the rules of the annual review that do not depend on
// where the ledger lives — when the year's campaign starts (Japan time, on the fiscal year), which
// campaign a moment belongs to, and what each user ID is flagged for when a section officer
// reviews it (niigata:15.2.2-6, niigata:16). Pure: the campaign workflow and the review page both
// read them.
import { asAssignee, roleHolderChain } from './council';
import { boundedDuration, parseDuration } from './duration';
import { passwordExpiry, type PasswordRuleSetName } from './password-policy';
import type { OrganisationProfile } from './profile';
import type { Assignee, HumanTaskRequest } from './tasks';
import { z } from './zod';

const JST_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

/**
 * 会計年度 (地方自治法第208条): 1 April to 31 March, named by the year it begins in. A campaign is
 * one per organisation and fiscal year.
 */
export function fiscalYearOf(at: Date): number {
  const local = new Date(at.getTime() + JST_MS);
  return local.getUTCMonth() >= 3 ? local.getUTCFullYear() : local.getUTCFullYear() - 1;
}

/** The workflow id of an organisation's campaign for a fiscal year: a second start of it is refused by Temporal. */
export const reviewCampaignId = (organisation: string, fiscalYear: number): string => `review/${organisation}/FY${fiscalYear}`;

/** The id of the Temporal Schedule that starts an organisation's campaign every year. */
export const reviewScheduleId = (organisation: string): string => `review-schedule/${organisation}`;

/** What a section officer may answer for one user ID. */
export const REVIEW_ANSWERS = ['keep', 'changePermissions', 'revoke'] as const;
export type ReviewAnswer = (typeof REVIEW_ANSWERS)[number];

/**
 * What happens to an ID nobody answered for once the deadline and the escalation have passed:
 * `lock` (default) stops its use and can be undone — an unreviewed ID keeps no access it may not
 * need (niigata:15.2.2), and nothing is deleted on silence; `revoke` deletes it; `keepAndFlag`
 * keeps it, flagged in the report.
 */
export const DEFAULT_OUTCOMES = ['lock', 'revoke', 'keepAndFlag'] as const;
export type DefaultOutcome = (typeof DEFAULT_OUTCOMES)[number];

const DAY_BOUNDS = { min: '1d', max: '90d' } as const;

/** The profile's `review` block; every field has the default a municipality would choose. */
export const reviewPlanSchema = z.strictObject({
  /**
   * When the year's campaign starts, Japan time: by default 1 May, 09:00 — the fiscal year has
   * begun and April's personnel changes are in the ledger. Days past the 28th are refused, so
   * every month has the day.
   */
  startsOn: z
    .strictObject({
      month: z.number().int().min(1).max(12).default(5),
      day: z.number().int().min(1).max(28).default(1),
      hour: z.number().int().min(0).max(23).default(9),
    })
    .default({ month: 5, day: 1, hour: 9 }),
  /** How long a section officer has to answer. */
  responseWindow: boundedDuration(DAY_BOUNDS).default('14d'),
  /** Reminders before the deadline. */
  remindBefore: z.array(boundedDuration(DAY_BOUNDS)).max(5).default(['7d', '1d']),
  /** After the deadline, how long the system admin has before the default outcome applies. */
  escalationWindow: boundedDuration(DAY_BOUNDS).default('7d'),
  defaultOutcome: z.enum(DEFAULT_OUTCOMES).default('lock'),
  /** An ID unused this long is flagged dormant (休眠). */
  dormantAfter: boundedDuration({ min: '7d', max: '730d' }).default('90d'),
  /**
   * 権限の標準: per section, the permissions its work needs (niigata:15.2.2, 16.1.2); an ID holding
   * more is flagged. A section not listed is not judged.
   */
  permissionTemplates: z.record(z.string().trim().min(1).max(200), z.array(z.string().trim().min(1).max(100)).max(100)).default({}),
});
export type ReviewPlan = z.infer<typeof reviewPlanSchema>;
export const DEFAULT_REVIEW_PLAN: ReviewPlan = reviewPlanSchema.parse({});

/** The organisation's review plan: its profile's `review` block, else the defaults. */
export const reviewPlanOf = (profile: { review?: ReviewPlan }): ReviewPlan => profile.review ?? DEFAULT_REVIEW_PLAN;

/** The first start of the campaign strictly after `after`: that day and hour in Japan. */
export function nextCampaignStart(startsOn: ReviewPlan['startsOn'], after: Date): Date {
  const local = new Date(after.getTime() + JST_MS);
  for (let year = local.getUTCFullYear(); ; year++) {
    const at = new Date(Date.UTC(year, startsOn.month - 1, startsOn.day, startsOn.hour) - JST_MS);
    if (at.getTime() > after.getTime()) return at;
  }
}

/** The campaign's deadline, reminders and the moment the default outcome applies, from its start. */
export function campaignTimeline(plan: ReviewPlan, startedAt: Date): { dueAt: Date; reminders: Date[]; defaultAt: Date } {
  const due = startedAt.getTime() + parseDuration(plan.responseWindow)!;
  const reminders = plan.remindBefore
    .map((d) => due - parseDuration(d)!)
    .filter((at) => at > startedAt.getTime())
    .sort((a, b) => a - b)
    .map((at) => new Date(at));
  return { dueAt: new Date(due), reminders: [...new Set(reminders.map((d) => d.getTime()))].map((t) => new Date(t)), defaultAt: new Date(due + parseDuration(plan.escalationWindow)!) };
}

/** The reminders before a deadline (the plan's remindBefore), those after the start, in order. */
export function remindersBefore(plan: Pick<ReviewPlan, 'remindBefore'>, startedAt: Date, dueAt: Date): Date[] {
  const at = plan.remindBefore.map((d) => dueAt.getTime() - parseDuration(d)!).filter((t) => t > startedAt.getTime());
  return [...new Set(at)].sort((a, b) => a - b).map((t) => new Date(t));
}

/** Why an ID needs its own answer rather than "keep all unflagged". */
export const ID_FLAGS = ['dormant', 'passwordExpired', 'widerThanTemplate', 'transferred', 'retired'] as const;
export type IdFlag = (typeof ID_FLAGS)[number];

export const ID_FLAG_LABELS: Record<IdFlag, { ja: string; en: string; reference: string }> = {
  dormant: { ja: '長期間未使用', en: 'Dormant', reference: 'niigata:15.2.4' },
  passwordExpired: { ja: 'パスワードの有効期間切れ', en: 'Password past its validity', reference: 'niigata:15.2.5' },
  widerThanTemplate: { ja: '職務に必要な範囲を超える権限', en: 'Permissions wider than the role needs', reference: 'niigata:15.2.2' },
  transferred: { ja: '異動', en: 'Transferred', reference: 'niigata:16' },
  retired: { ja: '退職', en: 'Retired', reference: 'niigata:16' },
};

/** What the review knows of one user ID (a ledger row, whatever stores it). */
export interface ReviewedId {
  lastUsedAt?: Date | null;
  /** Issued: an ID never used counts as unused from its issue. */
  issuedAt?: Date | null;
  passwordChangedAt?: Date | null;
  permissions: readonly string[];
}

export interface FlagContext {
  now: Date;
  plan: Pick<ReviewPlan, 'dormantAfter'>;
  ruleSet: PasswordRuleSetName;
  /** The permissions the holder's job needs (the role's template); absent: not judged. */
  template?: readonly string[];
  /** A transfer or retirement of the holder from the 人事異動 list. */
  movement?: { kind: 'transfer' | 'retirement'; effectiveAt: Date };
}

/** The flags of one ID, in the order of ID_FLAGS; none means "keep" may be answered for it in bulk. */
export function idFlags(id: ReviewedId, c: FlagContext): IdFlag[] {
  const flags = new Set<IdFlag>();
  const used = id.lastUsedAt ?? id.issuedAt;
  if (used && c.now.getTime() - used.getTime() >= parseDuration(c.plan.dormantAfter)!) flags.add('dormant');
  if (id.passwordChangedAt && passwordExpiry(c.ruleSet, id.passwordChangedAt, c.now).expired) flags.add('passwordExpired');
  if (c.template && id.permissions.some((p) => !c.template!.includes(p))) flags.add('widerThanTemplate');
  if (c.movement) flags.add(c.movement.kind === 'transfer' ? 'transferred' : 'retired');
  return ID_FLAGS.filter((f) => flags.has(f));
}

/** Days an ID has gone unused, for the review page (undefined when nothing is known). */
export function daysUnused(id: Pick<ReviewedId, 'lastUsedAt' | 'issuedAt'>, now: Date): number | undefined {
  const used = id.lastUsedAt ?? id.issuedAt;
  return used ? Math.floor((now.getTime() - used.getTime()) / DAY_MS) : undefined;
}

// ---------------------------------------------------------------------------------------------
// The campaign as the workflows, the review page, the report and the directory adapter share it.

/** An annual campaign (one per organisation and fiscal year) or a targeted one (a 人事異動 list). */
export const CAMPAIGN_KINDS = ['annual', 'targeted'] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];

/** One line of a 人事異動 list: a person who moves (異動) or leaves (退職) on a date. */
export interface Movement {
  /** The person's user ID when the list names it; else they are found by email, then by name. */
  userId?: string;
  personName: string;
  email?: string;
  kind: 'transfer' | 'retirement';
  /** The effective date (発令日), ISO 8601: the person's IDs are reviewed before it. */
  effectiveAt: string;
  /** The section the person moves to, for a transfer. */
  toSection?: string;
}

/** The workflow id of a targeted campaign: one per organisation and 人事異動 list (its hash). */
export const targetedCampaignId = (organisation: string, listId: string): string => `review/${organisation}/targeted/${listId}`;

export interface ReviewCampaignInput {
  organisation: string;
  kind: CampaignKind;
  fiscalYear: number;
  /** Who started it; null when the Schedule did. */
  startedBy: { name: string; email: string } | null;
  /** Targeted: the list's id (targetedCampaignId) and its movements. */
  listId?: string;
  movements?: Movement[];
}

/** What a section officer answered for one ID (the final answer or a saved draft). */
export interface ReviewItemAnswer {
  userId: string;
  answer: ReviewAnswer;
  /** changePermissions: the permission set after the change. */
  permissions?: string[];
  /** Required unless the answer is keep. */
  reason: string;
}

/** One ID of a closed campaign, as the report shows it. */
export interface ReviewReportItem {
  userId: string;
  personName: string;
  permissions: string[];
  flags: IdFlag[];
  /** The section officer's answer; null when nobody answered. */
  answer: ReviewAnswer | null;
  /** changePermissions: the permissions after. */
  newPermissions: string[] | null;
  reason: string;
  decidedBy: { name: string; email: string } | null;
  decidedAt: string | null;
  /** Answered after the deadline (during the escalation). */
  overdue: boolean;
  /** Nobody answered: the profile's default outcome applied. */
  defaulted: DefaultOutcome | null;
  /** How a revocation, lock or permission change was carried out, by whom and when; null for keep. */
  carriedOut: { via: 'directory' | 'person'; by: string; at: string } | null;
}

export interface ReviewReportSection {
  section: string;
  /** The section's データ取扱責任者 as the profile names them; null when none is named (the system admin reviewed). */
  officer: { name: string; title: string } | null;
  items: ReviewReportItem[];
}

export interface ReviewReport {
  organisation: string;
  organisationName: string;
  campaignId: string;
  kind: CampaignKind;
  fiscalYear: number;
  startedAt: string;
  dueAt: string;
  closedAt: string;
  defaultOutcome: DefaultOutcome;
  sections: ReviewReportSection[];
  /** The articles the report cites (the profile's `userIdReview.review`); absent: niigata:15.2.4 and niigata:16. */
  articles?: string[];
  /** The organisation's regulation (profile `organisation.regulation`), named before its own articles. */
  regulation?: string;
}

export interface SectionCounts {
  reviewed: number;
  kept: number;
  changed: number;
  revoked: number;
  overdue: number;
  defaulted: number;
}

/** The report's counts of one section: an ID is reviewed when answered; a defaulted `keepAndFlag` counts as kept too. */
export function sectionCounts(items: readonly ReviewReportItem[]): SectionCounts {
  const c: SectionCounts = { reviewed: 0, kept: 0, changed: 0, revoked: 0, overdue: 0, defaulted: 0 };
  for (const i of items) {
    if (i.answer !== null) c.reviewed++;
    if (i.overdue) c.overdue++;
    if (i.defaulted !== null) c.defaulted++;
    const outcome = i.answer ?? (i.defaulted === 'keepAndFlag' ? 'keep' : i.defaulted === 'revoke' ? 'revoke' : null);
    if (outcome === 'keep') c.kept++;
    else if (outcome === 'changePermissions') c.changed++;
    else if (outcome === 'revoke') c.revoked++;
  }
  return c;
}

/** What the review page shows of an ID besides its permissions, as the ledger had it at the campaign's start. */
export interface ReviewItemFacts {
  issuedAt: string | null;
  lastUsedAt: string | null;
  passwordChangedAt: string | null;
  status: 'active' | 'locked' | 'revoked';
  /** Targeted campaigns: the holder's transfer or retirement. */
  movement?: Movement;
}

/** What a section officer is asked about one ID: its id and whether it needs its own answer. */
export interface ReviewItemKey {
  userId: string;
  flagged: boolean;
}

export const REASON_MAX = 500;

/**
 * Why a section's answers cannot be submitted yet, or null when they can: every flagged ID has its
 * own answer, every answer is for an ID of the section (once), a change names the permissions
 * after it, and an answer other than keep gives its reason. Unflagged IDs without an answer are
 * kept ("keep all unflagged"). The page and the workflow's validator apply the same rule.
 */
export function reviewAnswersProblem(items: readonly ReviewItemKey[], answers: readonly ReviewItemAnswer[]): string | null {
  const known = new Map(items.map((i) => [i.userId, i]));
  const seen = new Set<string>();
  for (const a of answers) {
    if (!known.has(a.userId)) return `${a.userId}: この見直しの対象ではありません / not in this review`;
    if (seen.has(a.userId)) return `${a.userId}: 回答が重複しています / answered twice`;
    seen.add(a.userId);
    if (!(REVIEW_ANSWERS as readonly string[]).includes(a.answer)) return `${a.userId}: 回答が不正です / unknown answer`;
    if (a.answer !== 'keep' && a.reason.trim() === '') return `${a.userId}: 理由を入力してください / a reason is required`;
    if (a.reason.length > REASON_MAX) return `${a.userId}: 理由が長すぎます / reason too long`;
    if (a.answer === 'changePermissions' && (!a.permissions || a.permissions.length === 0)) return `${a.userId}: 変更後の権限を入力してください / name the permissions after the change`;
  }
  const missing = items.filter((i) => i.flagged && !seen.has(i.userId));
  if (missing.length > 0) return `要確認のIDに回答がありません / flagged IDs need their own answer: ${missing.slice(0, 5).map((m) => m.userId).join(', ')}${missing.length > 5 ? ` ほか${missing.length - 5}件` : ''}`;
  return null;
}

/** The section's final answers: each given answer, and keep for every unflagged ID left unanswered. */
export function completeAnswers(items: readonly ReviewItemKey[], answers: readonly ReviewItemAnswer[]): ReviewItemAnswer[] {
  const given = new Map(answers.map((a) => [a.userId, a]));
  return items.map((i) => given.get(i.userId) ?? { userId: i.userId, answer: 'keep', reason: '' });
}

/** What carrying out an answer asks of the directory (or of the system admin); null for keep. */
export function changeOf(userId: string, outcome: { answer: ReviewAnswer; permissions?: string[] } | { defaulted: DefaultOutcome }): { userId: string; action: 'revoke' | 'lock' } | { userId: string; action: 'changePermissions'; permissions: string[] } | null {
  if ('defaulted' in outcome) return outcome.defaulted === 'keepAndFlag' ? null : { userId, action: outcome.defaulted };
  if (outcome.answer === 'keep') return null;
  if (outcome.answer === 'revoke') return { userId, action: 'revoke' };
  return { userId, action: 'changePermissions', permissions: [...new Set(outcome.permissions ?? [])].sort() };
}

// ---------------------------------------------------------------------------------------------
// Who is asked, and the task that asks them.

/**
 * Who reviews a section's IDs: its データ取扱責任者 (niigata:5, 16), then — past the deadline —
 * the system admin (escalation). A section no officer is named for goes to the system admin.
 */
export function sectionReviewers(profile: OrganisationProfile, section: string): Assignee[] {
  const officer = profile.roles.find((r) => r.role === 'sectionOfficer' && r.section === section);
  const admin = roleHolderChain(profile, 'systemAdmin')[0];
  const first = officer ? asAssignee(officer.person, officer.position, 'sectionOfficer') : undefined;
  return [first, admin].filter((a): a is Assignee => a !== undefined && (a === first || a.email.toLowerCase() !== first?.email.toLowerCase()));
}

/** The articles the review rests on: the profile's, else the model regulation's. */
export const reviewArticles = (profile: Pick<OrganisationProfile, 'articles'>): string[] => profile.articles['userIdReview.review'] ?? ['niigata:15.2.4', 'niigata:16'];

export const SUBMIT_OPTION = { value: 'submit', label: '見直し結果を提出' } as const;

/** The review task of one section: reminders before the deadline, the system admin past it. */
export function sectionReviewRequest(o: {
  profile: OrganisationProfile;
  organisation: string;
  campaignId: string;
  kind: CampaignKind;
  section: string;
  items: ReviewItemKey[];
  plan: ReviewPlan;
  startedAt: Date;
  timeline: { dueAt: Date; reminders: Date[]; defaultAt: Date };
}): HumanTaskRequest {
  const start = o.startedAt.getTime();
  const window = o.timeline.dueAt.getTime() - start;
  const escalation = o.timeline.defaultAt.getTime() - o.timeline.dueAt.getTime();
  const flagged = o.items.filter((i) => i.flagged).length;
  return {
    caseId: o.campaignId,
    organisation: o.organisation,
    step: 'userIdReview.review',
    articles: reviewArticles(o.profile),
    kind: 'review',
    title: `${o.kind === 'targeted' ? '人事異動に伴う' : ''}ユーザIDの見直し（${o.section}）`,
    body: [
      `${o.section} のユーザID ${o.items.length} 件について、継続・権限変更・廃止を回答してください。`,
      flagged > 0 ? `うち ${flagged} 件は要確認（長期間未使用、パスワードの有効期間切れ、異動・退職など）で、個別の回答が必要です。` : '要確認のIDはありません。',
      `回答がないまま期限を過ぎるとシステム管理者に移管され、さらに期限を過ぎると既定の処理（${DEFAULT_OUTCOME_LABELS[o.plan.defaultOutcome].ja}）が行われます。`,
    ].join('\n'),
    options: [{ ...SUBMIT_OPTION }],
    chain: sectionReviewers(o.profile, o.section),
    reminderOffsetsMs: o.timeline.reminders.map((d) => d.getTime() - start).filter((ms) => ms > 0 && ms < window),
    // The system admin, asked at the deadline, is reminded a day before the default outcome applies.
    remindAfterMs: Math.max(escalation - DAY_MS, Math.min(escalation, 3_600_000)),
    escalateAfterMs: window,
    // The officer has the response window; the system admin, asked at the deadline, the escalation window.
    windowsMs: [window, escalation],
    review: { campaignId: o.campaignId, section: o.section, items: o.items },
  };
}

export const DEFAULT_OUTCOME_LABELS: Record<DefaultOutcome, { ja: string; en: string }> = {
  lock: { ja: 'ロック', en: 'lock' },
  revoke: { ja: '廃止', en: 'revoke' },
  keepAndFlag: { ja: '継続（要確認として報告）', en: 'keep and flag' },
};

export const REVIEW_ANSWER_LABELS: Record<ReviewAnswer, { ja: string; en: string }> = {
  keep: { ja: '継続', en: 'Keep' },
  changePermissions: { ja: '権限変更', en: 'Change permissions' },
  revoke: { ja: '廃止', en: 'Revoke' },
};

/** One section's review, as the campaign starts it (moments in ms). */
export interface SectionReviewInput {
  campaignId: string;
  organisation: string;
  kind: CampaignKind;
  section: string;
  startedAt: number;
  dueAt: number;
  defaultAt: number;
}

export interface SectionReviewOutcome {
  section: string;
  /** Someone answered (else the default outcome applied). */
  answered: boolean;
  /** Revocations, locks and permission changes carried out. */
  changes: number;
  /** Of those, confirmed by the system admin rather than done in the directory. */
  confirmedByPerson: number;
}
