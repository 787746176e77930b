// The Temporal Schedules of the user-ID and password review (ユーザID及びパスワードの見直し), by
// organisation: the annual review, on its profile's day and hour in Japan time, and the daily
// reminder of passwords about to expire, every morning at 08:30 in Japan (for rule sets that expire
// passwords). Both kinds are kept in step with the loaded profiles by one sync at every start of
// the process that loads them — created when missing, updated when the day moved, deleted when the
// organisation is gone or asks for none — so nobody has to remember that either is due.
import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleDescription,
  ScheduleNotFoundError,
  type ScheduleOptions,
  ScheduleOverlapPolicy,
  type ScheduleSpec,
  MONTHS,
  type Range,
} from '@temporalio/client';
import { passwordReminderScheduleId, ruleSetExpires } from '../domain/password-reminders';
import { type OrganisationProfile, passwordRuleSetOf } from '../domain/profile';
import { type ReviewPlan, reviewPlanOf, reviewScheduleId } from '../domain/review';
import type { ReviewOpenerInput } from '../workflows/review/opener';
import type { PasswordRemindersWorkflowInput } from '../workflows/review/password-reminders';

/** Japan time: the plan's day and hour are a municipality's office hours, not UTC. */
export const REVIEW_TIME_ZONE = 'Asia/Tokyo';
/** Every review schedule's id starts so; nothing else of the namespace is ever deleted by the sync. */
export const REVIEW_SCHEDULE_PREFIX = reviewScheduleId('');
/**
 * A server down on the day still starts the year's campaign when it comes back within a week
 * (the SDK's default is one minute: an outage over the morning of 1 May would skip the year).
 */
export const REVIEW_CATCHUP_WINDOW_MS = 7 * 86_400_000;
export const REVIEW_OPENER_WORKFLOW = 'reviewOpener';

/** The calendar the schedule fires on: once a year, the plan's month, day and hour, Japan time. */
export function reviewScheduleSpec(startsOn: ReviewPlan['startsOn']): ScheduleSpec {
  return {
    calendars: [{ month: MONTHS[startsOn.month - 1], dayOfMonth: startsOn.day, hour: startsOn.hour, minute: 0, second: 0, comment: 'annual user-ID review (ユーザID及びパスワードの見直し)' }],
    timezone: REVIEW_TIME_ZONE,
  };
}

/** The whole schedule of one organisation: its calendar, and the opener it starts on the worker's queue. */
export function reviewScheduleOptions(organisation: string, plan: ReviewPlan, taskQueue: string): ScheduleOptions {
  const args: [ReviewOpenerInput] = [{ organisation }];
  return {
    scheduleId: reviewScheduleId(organisation),
    spec: reviewScheduleSpec(plan.startsOn),
    action: { type: 'startWorkflow', workflowType: REVIEW_OPENER_WORKFLOW, workflowId: `review-opener/${organisation}`, taskQueue, args },
    // The opener ends within seconds, and a campaign already running for the year is refused by its id anyway.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: REVIEW_CATCHUP_WINDOW_MS },
  };
}

/** A described field's one value; undefined when it is not exactly one (a range, a step, every value). */
function single<T>(ranges: ReadonlyArray<Range<T>> | undefined): T | undefined {
  if (ranges?.length !== 1) return undefined;
  const r = ranges[0]!;
  return r.end === undefined || r.end === r.start ? r.start : undefined;
}

/** What of a schedule the sync keeps in step, as the server describes it (its own normal form). */
export function describedReviewSchedule(d: Pick<ScheduleDescription, 'spec' | 'action' | 'policies'>) {
  const c = d.spec.calendars?.length === 1 && !d.spec.intervals?.length ? d.spec.calendars[0] : undefined;
  const month = single(c?.month);
  return {
    timezone: d.spec.timezone ?? 'UTC',
    startsOn: c ? { month: month === undefined ? undefined : MONTHS.indexOf(month) + 1, day: single(c.dayOfMonth), hour: single(c.hour), minute: single(c.minute), second: single(c.second) } : undefined,
    workflowType: d.action.workflowType,
    taskQueue: d.action.taskQueue,
    args: d.action.args,
    overlap: d.policies.overlap,
    catchupWindowMs: d.policies.catchupWindow,
  };
}

/** What of a described schedule the comparisons read. */
export type DescribedSchedule = Pick<ScheduleDescription, 'spec' | 'action' | 'policies'>;

/** Whether the described schedule already does what the plan asks: then it is left alone. */
export function reviewScheduleUpToDate(d: DescribedSchedule, organisation: string, plan: ReviewPlan, taskQueue: string): boolean {
  const wanted = reviewScheduleOptions(organisation, plan, taskQueue);
  const want = {
    timezone: REVIEW_TIME_ZONE,
    // Field by field, in the order describedReviewSchedule gives them (the comparison is of JSON).
    startsOn: { month: plan.startsOn.month, day: plan.startsOn.day, hour: plan.startsOn.hour, minute: 0, second: 0 },
    workflowType: REVIEW_OPENER_WORKFLOW,
    taskQueue,
    args: wanted.action.args,
    overlap: ScheduleOverlapPolicy.SKIP,
    catchupWindowMs: REVIEW_CATCHUP_WINDOW_MS,
  };
  return JSON.stringify(describedReviewSchedule(d)) === JSON.stringify(want);
}

// ---- the daily password reminder ----------------------------------------------------------------

/** Every morning before the office opens (08:30 Japan time), so a holder reads it on arriving. */
export const PASSWORD_REMINDER_TIME = { hour: 8, minute: 30 } as const;
/** Every reminder schedule's id starts so. */
export const PASSWORD_REMINDER_SCHEDULE_PREFIX = passwordReminderScheduleId('');
/**
 * A day: a server down in the morning still reminds when it comes back that day; a longer outage
 * skips to the next morning, whose run finds the same holders (their reminders are still unsent).
 */
export const PASSWORD_REMINDER_CATCHUP_WINDOW_MS = 86_400_000;
export const PASSWORD_REMINDER_WORKFLOW = 'passwordReminders';

/** The whole reminder schedule of one organisation: every day at 08:30 Japan time, the workflow on the worker's queue. */
export function passwordReminderScheduleOptions(organisation: string, taskQueue: string): ScheduleOptions {
  const args: [PasswordRemindersWorkflowInput] = [{ organisation }];
  return {
    scheduleId: passwordReminderScheduleId(organisation),
    spec: {
      calendars: [{ hour: PASSWORD_REMINDER_TIME.hour, minute: PASSWORD_REMINDER_TIME.minute, second: 0, comment: 'password expiry reminders (パスワード有効期限の事前通知)' }],
      timezone: REVIEW_TIME_ZONE,
    },
    action: { type: 'startWorkflow', workflowType: PASSWORD_REMINDER_WORKFLOW, workflowId: `password-reminders/${organisation}`, taskQueue, args },
    // A run takes seconds; the one of yesterday still running is a stuck one, not to be doubled.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: PASSWORD_REMINDER_CATCHUP_WINDOW_MS },
  };
}

/** True when a described calendar field is every value (absent, or its one range from first to last). */
function every<T>(ranges: ReadonlyArray<Range<T>> | undefined, first: T, last: T): boolean {
  if (!ranges?.length) return true;
  const r = ranges.length === 1 ? ranges[0]! : undefined;
  return r !== undefined && r.start === first && (r.end ?? r.start) === last && (r.step ?? 1) === 1;
}

/** Whether the described schedule already fires every day at 08:30 Japan time for the organisation on the queue. */
export function passwordReminderScheduleUpToDate(d: DescribedSchedule, organisation: string, taskQueue: string): boolean {
  const c = d.spec.calendars?.length === 1 ? d.spec.calendars[0]! : undefined;
  const daily = c !== undefined && every(c.month, MONTHS[0], MONTHS[11]) && every(c.dayOfMonth, 1, 31) && every(c.dayOfWeek, 'SUNDAY', 'SATURDAY') && !c.year?.length;
  const want = {
    timezone: REVIEW_TIME_ZONE,
    // The order describedReviewSchedule gives; month and day are undefined (every), left out of the JSON.
    startsOn: { hour: PASSWORD_REMINDER_TIME.hour, minute: PASSWORD_REMINDER_TIME.minute, second: 0 },
    workflowType: PASSWORD_REMINDER_WORKFLOW,
    taskQueue,
    args: passwordReminderScheduleOptions(organisation, taskQueue).action.args,
    overlap: ScheduleOverlapPolicy.SKIP,
    catchupWindowMs: PASSWORD_REMINDER_CATCHUP_WINDOW_MS,
  };
  return daily && JSON.stringify(describedReviewSchedule(d)) === JSON.stringify(want);
}

// ---- keeping them in step with the profiles ---------------------------------------------------------

/** A kind of Schedule each organisation has by its profile; the one sync handles every kind alike. */
export interface ProfileScheduleKind {
  /** Every id of the kind starts so: the sync deletes no other schedule. */
  prefix: string;
  /** The schedule the profile asks for; null when it asks for none (one left over is deleted). */
  options(organisation: string, profile: OrganisationProfile, taskQueue: string): ScheduleOptions | null;
  /** Whether the described schedule already is as the profile asks: then it is left alone. */
  upToDate(d: DescribedSchedule, organisation: string, profile: OrganisationProfile, taskQueue: string): boolean;
}

export const REVIEW_SCHEDULE_KIND: ProfileScheduleKind = {
  prefix: REVIEW_SCHEDULE_PREFIX,
  options: (organisation, profile, taskQueue) => reviewScheduleOptions(organisation, reviewPlanOf(profile), taskQueue),
  upToDate: (d, organisation, profile, taskQueue) => reviewScheduleUpToDate(d, organisation, reviewPlanOf(profile), taskQueue),
};

/** Only where the organisation's rule set expires passwords: under NIST's there is nothing to remind of. */
export const PASSWORD_REMINDER_SCHEDULE_KIND: ProfileScheduleKind = {
  prefix: PASSWORD_REMINDER_SCHEDULE_PREFIX,
  options: (organisation, profile, taskQueue) => (ruleSetExpires(passwordRuleSetOf(profile)) ? passwordReminderScheduleOptions(organisation, taskQueue) : null),
  upToDate: (d, organisation, _profile, taskQueue) => passwordReminderScheduleUpToDate(d, organisation, taskQueue),
};

export const PROFILE_SCHEDULE_KINDS: readonly ProfileScheduleKind[] = [REVIEW_SCHEDULE_KIND, PASSWORD_REMINDER_SCHEDULE_KIND];

export interface ReviewScheduleSync {
  created: string[];
  updated: string[];
  unchanged: string[];
  deleted: string[];
}

/** Updates a schedule unless it is already as wanted; true when it changed it. */
async function updateIfChanged(client: Client, kind: ProfileScheduleKind, wanted: ScheduleOptions, organisation: string, profile: OrganisationProfile, taskQueue: string): Promise<boolean> {
  const handle = client.schedule.getHandle(wanted.scheduleId);
  // Two processes starting together may both update: the second's conflict token is stale, so
  // it reads again, and finds the schedule as it wants it.
  for (let attempt = 1; ; attempt++) {
    const d = await handle.describe();
    if (kind.upToDate(d, organisation, profile, taskQueue)) return false;
    const { spec, action, policies } = wanted;
    try {
      await handle.update((prev) => ({ ...prev, spec, action, policies, state: { paused: prev.state.paused, ...(prev.state.note ? { note: prev.state.note } : {}) } }));
      return true;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/**
 * Keeps the organisations' schedules of every kind (the annual review's `review-schedule/…`, the
 * daily `password-reminders/…`) in step with the loaded profiles: creates a missing one, updates
 * one whose day, hour or target changed (and only then: the server's record of actions stays),
 * and deletes those of organisations no longer loaded or whose profile asks for none — only ids
 * of the kinds' prefixes on this task queue, so another installation sharing the namespace keeps
 * its own. Idempotent; a second process doing the same at once finds the schedule created
 * (AlreadyExists) and compares. The lists name the schedules of every kind, an organisation's together.
 */
export async function syncReviewSchedules(
  client: Client,
  taskQueue: string,
  profiles: Array<{ key: string; profile: OrganisationProfile }>,
  kinds: readonly ProfileScheduleKind[] = PROFILE_SCHEDULE_KINDS,
): Promise<ReviewScheduleSync> {
  const out: ReviewScheduleSync = { created: [], updated: [], unchanged: [], deleted: [] };
  const loaded = new Set<string>();
  for (const { key, profile } of profiles) {
    for (const kind of kinds) {
      const wanted = kind.options(key, profile, taskQueue);
      if (!wanted) continue;
      const id = wanted.scheduleId;
      loaded.add(id);
      let exists = true;
      try {
        await client.schedule.getHandle(id).describe();
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
        exists = false;
      }
      if (!exists) {
        try {
          await client.schedule.create(wanted);
          out.created.push(id);
          continue;
        } catch (err) {
          if (!(err instanceof ScheduleAlreadyRunning)) throw err;
          // Created meanwhile by another process: compared below like any existing one.
        }
      }
      (await updateIfChanged(client, kind, wanted, key, profile, taskQueue)) ? out.updated.push(id) : out.unchanged.push(id);
    }
  }
  for await (const s of client.schedule.list()) {
    if (!kinds.some((k) => s.scheduleId.startsWith(k.prefix)) || loaded.has(s.scheduleId)) continue;
    const handle = client.schedule.getHandle(s.scheduleId);
    try {
      if ((await handle.describe()).action.taskQueue !== taskQueue) continue;
      await handle.delete();
      out.deleted.push(s.scheduleId);
    } catch (err) {
      // Deleted by another process meanwhile (the list is eventually consistent too).
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
  return out;
}
