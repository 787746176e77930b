// The Temporal Schedules that start each organisation's annual review (ユーザID及びパスワードの
// 見直し) by themselves: one per organisation, on its profile's day and hour in Japan time. They
// are kept in step with the loaded profiles at every start of the process that loads them —
// created when missing, updated when the day moved, deleted when the organisation is gone — so
// nobody has to remember that the review is due.
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
import type { OrganisationProfile } from '../domain/profile';
import { type ReviewPlan, reviewPlanOf, reviewScheduleId } from '../domain/review';
import type { ReviewOpenerInput } from '../workflows/review/opener';

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

/** Whether the described schedule already does what the plan asks: then it is left alone. */
export function reviewScheduleUpToDate(d: Pick<ScheduleDescription, 'spec' | 'action' | 'policies'>, organisation: string, plan: ReviewPlan, taskQueue: string): boolean {
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

export interface ReviewScheduleSync {
  created: string[];
  updated: string[];
  unchanged: string[];
  deleted: string[];
}

/** Updates a schedule unless it is already as wanted; true when it changed it. */
async function updateIfChanged(client: Client, organisation: string, plan: ReviewPlan, taskQueue: string): Promise<boolean> {
  const handle = client.schedule.getHandle(reviewScheduleId(organisation));
  // Two processes starting together may both update: the second's conflict token is stale, so
  // it reads again, and finds the schedule as it wants it.
  for (let attempt = 1; ; attempt++) {
    const d = await handle.describe();
    if (reviewScheduleUpToDate(d, organisation, plan, taskQueue)) return false;
    const { spec, action, policies } = reviewScheduleOptions(organisation, plan, taskQueue);
    try {
      await handle.update((prev) => ({ ...prev, spec, action, policies, state: { paused: prev.state.paused, ...(prev.state.note ? { note: prev.state.note } : {}) } }));
      return true;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/**
 * Keeps the review schedules in step with the loaded profiles: creates a missing one, updates one
 * whose day, hour or target changed (and only then: the server's record of actions stays), and
 * deletes the schedules of organisations no longer loaded — only `review-schedule/…` ids on this
 * task queue, so another installation sharing the namespace keeps its own. Idempotent; a second
 * process doing the same at once finds the schedule created (AlreadyExists) and compares.
 */
export async function syncReviewSchedules(
  client: Client,
  taskQueue: string,
  profiles: Array<{ key: string; profile: OrganisationProfile }>,
): Promise<ReviewScheduleSync> {
  const out: ReviewScheduleSync = { created: [], updated: [], unchanged: [], deleted: [] };
  const loaded = new Set<string>();
  for (const { key, profile } of profiles) {
    const plan = reviewPlanOf(profile);
    const id = reviewScheduleId(key);
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
        await client.schedule.create(reviewScheduleOptions(key, plan, taskQueue));
        out.created.push(id);
        continue;
      } catch (err) {
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
        // Created meanwhile by another process: compared below like any existing one.
      }
    }
    (await updateIfChanged(client, key, plan, taskQueue)) ? out.updated.push(id) : out.unchanged.push(id);
  }
  for await (const s of client.schedule.list()) {
    if (!s.scheduleId.startsWith(REVIEW_SCHEDULE_PREFIX) || loaded.has(s.scheduleId)) continue;
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
