// Human tasks (人への依頼): a procedure asks a person to acknowledge, or to decide among named
// options with a reason. If the person does not act within the window, they are reminded, and
// then the task moves to the next person in the chain (the substitute / 代理者).
import { z } from './zod';
import { text } from './text';
import type { ProcedureStep } from './procedures';
import type { ApprovalBlocker } from './contract';
import type { ReviewItemAnswer, ReviewItemKey } from './review';
import type { ChecklistAnswers, TaskChecklist } from './task-checklist';
import type { RoleKey } from './roles';

/**
 * `review`: a section's user-ID review, answered per ID on its own page (see review.ts).
 * `checklist`: answered item by item, with an option (task-checklist.ts).
 */
export const TASK_KINDS = ['acknowledge', 'decide', 'review', 'checklist'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export enum TaskState {
  OPEN = 'OPEN',
  DECIDED = 'DECIDED',
  /** Escalated: the task now waits on the next person of the chain. */
  MOVED = 'MOVED',
  /** No longer asked: the procedure went another way (e.g. the level was raised past the chief's assessment). */
  WITHDRAWN = 'WITHDRAWN',
}

export interface TaskOption {
  value: string;
  label: string;
}

export interface Assignee {
  name: string;
  title: string;
  email: string;
  phone: string;
  mobile?: string;
  position: string;
  role?: RoleKey;
}

export interface HumanTaskRequest {
  caseId: string;
  organisation: string;
  step: ProcedureStep;
  articles: string[];
  kind: TaskKind;
  title: string;
  /** What is asked, in the words of the procedure (Japanese). */
  body: string;
  options: TaskOption[];
  /** Who is asked, in order: the first person, then whoever acts for them. */
  chain: Assignee[];
  remindAfterMs: number;
  escalateAfterMs: number;
  /**
   * The first person's reminders, counted from when they were asked (ascending, each before
   * escalateAfterMs); absent: one reminder at remindAfterMs. The people after them keep the one.
   */
  reminderOffsetsMs?: number[];
  /**
   * How long each person of the chain has before the task moves on (or, for the last, before each
   * further reminder); absent, or shorter than the chain: escalateAfterMs.
   */
  windowsMs?: number[];
  /** A review task: the IDs asked about; the answer carries one per ID (reviewAnswersProblem). */
  review?: { campaignId: string; section: string; items: ReviewItemKey[] };
  /** A checklist task: the items asked about; the answer carries them (checklistAnswersProblem). */
  checklist?: TaskChecklist;
  /**
   * tokyo:24.2: the investigation's blockers at the time the chief is asked. While any remains the
   * validator refuses an approval, whichever path sent it (chiefDecisionProblem).
   */
  approvalGate?: { blockers: ApprovalBlocker[] };
  /**
   * When the invitation is still undelivered after this long, the commander is alerted (the
   * profile's `contacts.deliveryAlertAfter`). Absent in requests from before it existed.
   */
  deliveryAlertAfterMs?: number;
}

/** What a task's page shows beyond its options, as the tasks table keeps it. */
export type TaskForm = Pick<HumanTaskRequest, 'checklist' | 'approvalGate'>;

/** The request's form, if it has one. */
export const taskFormOf = (r: HumanTaskRequest): TaskForm | undefined =>
  r.checklist || r.approvalGate ? { ...(r.checklist ? { checklist: r.checklist } : {}), ...(r.approvalGate ? { approvalGate: r.approvalGate } : {}) } : undefined;

export interface TaskDecision {
  taskId: string;
  option: string;
  optionLabel: string;
  note: string;
  decidedBy: { name: string; email: string };
  decidedAt: string;
  /** A review task's answers: one per ID of the section (unflagged IDs left unanswered are kept). */
  answers?: ReviewItemAnswer[];
  /** A checklist task's answers, item by item. */
  checklist?: ChecklistAnswers;
}

/**
 * An answer the API has taken but the workflow has not yet applied (the worker is down or slow):
 * Temporal holds the Update and applies it when a worker returns, so it is the answer that will
 * count. At most one per task; it is cleared when the task is decided.
 */
export interface PendingDecision {
  option: string;
  optionLabel: string;
  note: string;
  /** When the person answered (ISO 8601), as the API took it. */
  answeredAt: string;
  /**
   * A checklist task's answers as held: part of the answer (a different checklist is a different
   * answer, refused like a different option), and what a resend sends again.
   */
  checklist?: ChecklistAnswers;
}

/** How far the API's clock may run ahead of the workflow's before its answer time is not believed. */
export const ANSWER_CLOCK_SKEW_MS = 2 * 60_000;

/** Whether `s` is an ISO 8601 instant as `Date.prototype.toISOString` writes it. */
export function isIsoInstant(s: string): boolean {
  const ms = Date.parse(s);
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(s) && !Number.isNaN(ms) && new Date(ms).toISOString() === s;
}

/**
 * The time a decision is recorded with: when the person answered, as the API took it, even if the
 * workflow applies it hours later. Without one (an Update sent before answers carried their time),
 * or with one further ahead of the workflow's clock than the allowed skew, the workflow's time.
 */
export function decisionTime(answeredAt: string | undefined, workflowNowMs: number): string {
  if (answeredAt !== undefined && isIsoInstant(answeredAt) && Date.parse(answeredAt) <= workflowNowMs + ANSWER_CLOCK_SKEW_MS) return answeredAt;
  return new Date(workflowNowMs).toISOString();
}

export interface HumanTaskOutcome {
  request: { caseId: string; step: ProcedureStep };
  decision: TaskDecision;
  /** How many people of the chain were asked before the decision came. */
  asked: number;
}

export const NOTE_MAX = 2000;

/** What a task page posts: the option and a note, checked against the task's options. */
export const decisionFormSchema = z.object({
  option: text({ max: 64, required: '選択してください' }),
  note: text({ max: NOTE_MAX, multiline: true, required: false }).default(''),
});

export interface TaskDeadlines {
  remindAt: number;
  escalateAt: number;
}

/** When to remind and when to escalate, counted from the moment the person was asked. */
export function taskDeadlines(askedAtMs: number, w: { remindAfterMs: number; escalateAfterMs: number }): TaskDeadlines {
  return { remindAt: askedAtMs + w.remindAfterMs, escalateAt: askedAtMs + w.escalateAfterMs };
}

/** The window of the index-th person of the chain: their own where the request gives one. */
export const personWindowMs = (request: Pick<HumanTaskRequest, 'escalateAfterMs' | 'windowsMs'>, index: number): number => request.windowsMs?.[index] ?? request.escalateAfterMs;

/** The request as the index-th person sees it: their own window as the one to escalate after. */
export const forPerson = <R extends Pick<HumanTaskRequest, 'escalateAfterMs' | 'windowsMs'>>(request: R, index: number): R => ({ ...request, escalateAfterMs: personWindowMs(request, index) });
