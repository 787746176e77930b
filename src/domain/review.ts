// ユーザID及びパスワードの見直し (Procedure 2): the rules of the annual review that do not depend on
// where the ledger lives — when the year's campaign starts (Japan time, on the fiscal year), which
// campaign a moment belongs to, and what each user ID is flagged for when a section officer
// reviews it (niigata:15.2.2-6, niigata:16). Pure: the campaign workflow and the review page both
// read them.
import { boundedDuration, parseDuration } from './duration';
import { passwordExpiry, type PasswordRuleSetName } from './password-policy';
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
