// 会議の審議 (the council deliberates): what the security council decided, by whom, when and why,
// with its minutes (議事録); the executive's instruction to the chief (kunitachi:10.1 市長は統括責任者
// に…指示する); and 事後承認 — a decision one person took first, in urgency, put to the council
// afterwards (kunitachi:10.2 重大な脅威…会議の審議を経る; research/incident-anchors.md §4.2). The
// workflow (src/workflows/emergency/council.ts) carries these out; these are their pure parts.
import { pastInstant } from './incidents';
import { text } from './text';
import type { Assignee, TaskOption } from './tasks';
import { z } from './zod';

/** What the council's decision says and why; the time it was taken (default: when it is recorded). */
export const councilDecisionSchema = z.strictObject({
  /** 決定事項: what was decided. */
  decision: text({ max: 2000, multiline: true }),
  /** 理由: why. */
  reason: text({ max: 4000, multiline: true }),
  /** When the council decided (it may be recorded later, after the meeting). */
  decidedAt: pastInstant.optional(),
  /** Who presided, when not the one the council call secured (the meeting was held by phone, or in a room). */
  presidedBy: text({ max: 100 }).optional(),
});
export type CouncilDecisionBody = z.output<typeof councilDecisionSchema>;

/** The minutes (議事録) of a decision: an attachment kept with its SHA-256. */
export interface CouncilMinutes {
  attachmentId: string;
  filename: string;
  mediaType: string;
  size: number;
  sha256: string;
}

/** The executive's answer: the instruction of kunitachi:10.1; the note adds what the executive orders besides. */
export const INSTRUCT_OPTIONS: TaskOption[] = [{ value: 'instruct', label: '速やかに状況を把握し、必要な措置を講ずるよう指示する' }];

/** 事後承認 by the council: ratified, or not (with the council's note). */
export const COUNCIL_RATIFY_OPTIONS: TaskOption[] = [
  { value: 'ratify', label: '事後承認する' },
  { value: 'notRatified', label: '承認しない' },
];

/**
 * Why a decision must be ratified afterwards:
 * - `beforeCouncilMet`: it was taken before the council met (the top level awaits containment at
 *   once, katsuragi:4.2, while the council gathers), though the threat is one the council must
 *   deliberate (kunitachi:10.2);
 * - `standIn`: the profile lets a stand-in decide with approval afterwards
 *   (`containment.approvalAfterwards`), and a stand-in did.
 */
export type RatificationReason = 'beforeCouncilMet' | 'standIn';

export interface UrgentDecisionFacts {
  /** When the decision was taken (ISO 8601). */
  decidedAt: string;
  /** When the council met (its chair, or whoever acts for the chair, attended); absent while it has not. */
  councilMetAt?: string;
  /** The profile's `containment.approvalAfterwards`. */
  approvalAfterwards: boolean;
  /** How many of the deciders' chain were asked before the decision came (2 or more: a stand-in decided). */
  asked: number;
}

/** Why the council must ratify the decision afterwards (empty: it need not). */
export function ratificationReasons(f: UrgentDecisionFacts): RatificationReason[] {
  const reasons: RatificationReason[] = [];
  if (f.councilMetAt === undefined || Date.parse(f.decidedAt) < Date.parse(f.councilMetAt)) reasons.push('beforeCouncilMet');
  if (f.approvalAfterwards && f.asked > 1) reasons.push('standIn');
  return reasons;
}

export const RATIFICATION_REASON_LABELS: Record<RatificationReason, string> = {
  beforeCouncilMet: '会議の開催前に緊急に判断されたため',
  standIn: '代理者が判断したため（事後承認の定めによる）',
};

/**
 * Who is asked to ratify: whoever presided over the council, then the chair's chain (the chair and
 * whoever acts for the chair), each once.
 */
export function ratifierChain(presiding: Assignee | undefined, chairChain: readonly Assignee[]): Assignee[] {
  const chain = presiding ? [presiding, ...chairChain] : [...chairChain];
  return chain.filter((a, i) => chain.findIndex((b) => b.email.toLowerCase() === a.email.toLowerCase()) === i);
}

/** The instruction as recorded: the executive's words, else the instruction the article gives. */
export const instructionText = (note: string) => note.trim() || INSTRUCT_OPTIONS[0].label;

/** Whether the profile asks its executive to instruct the chief: it names an executive and an article for the step. */
export function instructsChief(profile: { roles: Array<{ role: string }>; articles: Partial<Record<string, string[]>> }): boolean {
  return profile.roles.some((r) => r.role === 'executive') && (profile.articles['emergency.instruct']?.length ?? 0) > 0;
}
