// The review schedule as built from a profile's plan (pure): the day and hour in Japan time, the
// opener on the worker's queue, a week's catch-up; and how a described schedule is compared, so
// the sync updates only what changed.
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { reviewPlanSchema } from '../../src/domain/review';
import {
  describedReviewSchedule,
  REVIEW_CATCHUP_WINDOW_MS,
  reviewScheduleOptions,
  reviewScheduleSpec,
  reviewScheduleUpToDate,
} from '../../src/temporal/review-schedule';

const plan = (startsOn?: Record<string, number>) => reviewPlanSchema.parse(startsOn ? { startsOn } : {});

/** A schedule as the server describes it: every field as ranges. */
const described = (o: { month?: string; day?: number; hour?: number; timezone?: string; taskQueue?: string; catchupWindow?: number; args?: unknown[] }) => ({
  spec: {
    timezone: o.timezone ?? 'Asia/Tokyo',
    calendars: [
      {
        second: [{ start: 0, end: 0, step: 1 }],
        minute: [{ start: 0, end: 0, step: 1 }],
        hour: [{ start: o.hour ?? 9, end: o.hour ?? 9, step: 1 }],
        dayOfMonth: [{ start: o.day ?? 1, end: o.day ?? 1, step: 1 }],
        month: [{ start: (o.month ?? 'MAY') as 'MAY', end: (o.month ?? 'MAY') as 'MAY', step: 1 }],
        year: [],
        dayOfWeek: [{ start: 'SUNDAY' as const, end: 'SATURDAY' as const, step: 1 }],
      },
    ],
  },
  action: { type: 'startWorkflow' as const, workflowType: 'reviewOpener', workflowId: 'review-opener/katsuragi', taskQueue: o.taskQueue ?? 'q', args: o.args ?? [{ organisation: 'katsuragi' }] },
  policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: o.catchupWindow ?? REVIEW_CATCHUP_WINDOW_MS, pauseOnFailure: false },
});

describe('the review schedule built from the plan', () => {
  it('by default: 1 May, 09:00, Asia/Tokyo', () => {
    expect(reviewScheduleSpec(plan().startsOn)).toEqual({
      calendars: [{ month: 'MAY', dayOfMonth: 1, hour: 9, minute: 0, second: 0, comment: expect.stringContaining('見直し') }],
      timezone: 'Asia/Tokyo',
    });
  });

  it("takes the profile's month, day and hour", () => {
    expect(reviewScheduleSpec(plan({ month: 6, day: 15, hour: 10 }).startsOn).calendars).toEqual([expect.objectContaining({ month: 'JUNE', dayOfMonth: 15, hour: 10 })]);
    expect(reviewScheduleSpec(plan({ month: 12, day: 28, hour: 0 }).startsOn).calendars).toEqual([expect.objectContaining({ month: 'DECEMBER', dayOfMonth: 28, hour: 0 })]);
    expect(reviewScheduleSpec(plan({ month: 1 }).startsOn).calendars).toEqual([expect.objectContaining({ month: 'JANUARY', dayOfMonth: 1, hour: 9 })]);
  });

  it('starts the opener for the organisation on the given queue, skipping overlaps, catching up for a week', () => {
    const o = reviewScheduleOptions('katsuragi', plan(), 'jukinet-ops');
    expect(o.scheduleId).toBe('review-schedule/katsuragi');
    expect(o.action).toEqual({ type: 'startWorkflow', workflowType: 'reviewOpener', workflowId: 'review-opener/katsuragi', taskQueue: 'jukinet-ops', args: [{ organisation: 'katsuragi' }] });
    expect(o.policies).toEqual({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 7 * 86_400_000 });
  });
});

describe('comparing a described schedule with the plan', () => {
  it('reads the one month, day and hour back from the ranges', () => {
    expect(describedReviewSchedule(described({ month: 'JUNE', day: 15, hour: 10 }))).toMatchObject({ timezone: 'Asia/Tokyo', startsOn: { month: 6, day: 15, hour: 10, minute: 0, second: 0 } });
  });

  it('a schedule as the plan asks is up to date', () => {
    expect(reviewScheduleUpToDate(described({}), 'katsuragi', plan(), 'q')).toBe(true);
    expect(reviewScheduleUpToDate(described({ month: 'JUNE', day: 15, hour: 10 }), 'katsuragi', plan({ month: 6, day: 15, hour: 10 }), 'q')).toBe(true);
  });

  it('a plan written in another key order is the same plan', () => {
    expect(reviewScheduleUpToDate(described({ month: 'JUNE', day: 15, hour: 10 }), 'katsuragi', { ...plan(), startsOn: { hour: 10, day: 15, month: 6 } }, 'q')).toBe(true);
  });

  it.each([
    ['another day', described({ day: 2 })],
    ['another hour', described({ hour: 10 })],
    ['another month', described({ month: 'APRIL' })],
    ['UTC instead of Japan time', described({ timezone: 'UTC' })],
    ['another task queue', described({ taskQueue: 'old-queue' })],
    ['the default one-minute catch-up', described({ catchupWindow: 60_000 })],
    ['another organisation in the arguments', described({ args: [{ organisation: 'niigata' }] })],
  ])('%s is not', (_what, d) => {
    expect(reviewScheduleUpToDate(d, 'katsuragi', plan(), 'q')).toBe(false);
  });

  it('a range of days (not one day) is not', () => {
    const d = described({});
    d.spec.calendars[0]!.dayOfMonth = [{ start: 1, end: 3, step: 1 }];
    expect(describedReviewSchedule(d).startsOn?.day).toBeUndefined();
    expect(reviewScheduleUpToDate(d, 'katsuragi', plan(), 'q')).toBe(false);
  });
});
