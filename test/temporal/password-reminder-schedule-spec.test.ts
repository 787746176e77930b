// The daily password-reminder schedule as built for an organisation (pure): 08:30 every day in
// Japan time, the reminder workflow on the worker's queue, overlaps skipped, a day's catch-up;
// none where the rule set expires nothing (NIST); and how a described schedule is compared, so
// the sync updates only what changed.
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { OrganisationProfile } from '../../src/domain/profile';
import {
  PASSWORD_REMINDER_SCHEDULE_KIND,
  passwordReminderScheduleOptions,
  passwordReminderScheduleUpToDate,
  PROFILE_SCHEDULE_KINDS,
  REVIEW_SCHEDULE_KIND,
} from '../../src/temporal/review-schedule';

/** A daily schedule as the server describes it: every field as ranges. */
const described = (o: { hour?: number; minute?: number; days?: [number, number]; timezone?: string; taskQueue?: string; catchupWindow?: number; workflowType?: string; args?: unknown[] } = {}) => ({
  spec: {
    timezone: o.timezone ?? 'Asia/Tokyo',
    calendars: [
      {
        second: [{ start: 0, end: 0, step: 1 }],
        minute: [{ start: o.minute ?? 30, end: o.minute ?? 30, step: 1 }],
        hour: [{ start: o.hour ?? 8, end: o.hour ?? 8, step: 1 }],
        dayOfMonth: [{ start: o.days?.[0] ?? 1, end: o.days?.[1] ?? 31, step: 1 }],
        month: [{ start: 'JANUARY' as const, end: 'DECEMBER' as const, step: 1 }],
        year: [],
        dayOfWeek: [{ start: 'SUNDAY' as const, end: 'SATURDAY' as const, step: 1 }],
      },
    ],
  },
  action: { type: 'startWorkflow' as const, workflowType: o.workflowType ?? 'passwordReminders', workflowId: 'password-reminders/niigata', taskQueue: o.taskQueue ?? 'q', args: o.args ?? [{ organisation: 'niigata' }] },
  policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: o.catchupWindow ?? 86_400_000, pauseOnFailure: false },
});

const profile = (passwordPolicy?: 'juki' | 'nist') => ({ signIn: passwordPolicy ? { totpRequired: false, passwordPolicy } : undefined }) as unknown as OrganisationProfile;

describe('the password-reminder schedule', () => {
  it('fires every day at 08:30 Asia/Tokyo, starting the reminders of the organisation, skipping overlaps, catching up for a day', () => {
    expect(passwordReminderScheduleOptions('niigata', 'jukinet-ops')).toEqual({
      scheduleId: 'password-reminders/niigata',
      spec: { calendars: [{ hour: 8, minute: 30, second: 0, comment: expect.stringContaining('パスワード') }], timezone: 'Asia/Tokyo' },
      action: { type: 'startWorkflow', workflowType: 'passwordReminders', workflowId: 'password-reminders/niigata', taskQueue: 'jukinet-ops', args: [{ organisation: 'niigata' }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 86_400_000 },
    });
  });

  it('exists for the regulation’s rule set (the default too), not for NIST’s, which expires nothing', () => {
    expect(PASSWORD_REMINDER_SCHEDULE_KIND.options('niigata', profile('juki'), 'q')?.scheduleId).toBe('password-reminders/niigata');
    expect(PASSWORD_REMINDER_SCHEDULE_KIND.options('niigata', profile(), 'q')?.scheduleId).toBe('password-reminders/niigata');
    expect(PASSWORD_REMINDER_SCHEDULE_KIND.options('niigata', profile('nist'), 'q')).toBeNull();
  });

  it('is one of the kinds the sync keeps, beside the review’s, each under its own prefix', () => {
    expect(PROFILE_SCHEDULE_KINDS).toEqual([REVIEW_SCHEDULE_KIND, PASSWORD_REMINDER_SCHEDULE_KIND]);
    expect(PROFILE_SCHEDULE_KINDS.map((k) => k.prefix)).toEqual(['review-schedule/', 'password-reminders/']);
  });

  it('a schedule as wanted is up to date', () => {
    expect(passwordReminderScheduleUpToDate(described(), 'niigata', 'q')).toBe(true);
    expect(PASSWORD_REMINDER_SCHEDULE_KIND.upToDate(described(), 'niigata', profile('juki'), 'q')).toBe(true);
  });

  it.each([
    ['another hour', described({ hour: 9 })],
    ['another minute', described({ minute: 0 })],
    ['some days of the month only', described({ days: [1, 15] })],
    ['UTC instead of Japan time', described({ timezone: 'UTC' })],
    ['another task queue', described({ taskQueue: 'old-queue' })],
    ['the default one-minute catch-up', described({ catchupWindow: 60_000 })],
    ['another workflow', described({ workflowType: 'reviewOpener' })],
    ['another organisation in the arguments', described({ args: [{ organisation: 'katsuragi' }] })],
  ])('%s is not', (_what, d) => {
    expect(passwordReminderScheduleUpToDate(d, 'niigata', 'q')).toBe(false);
  });
});
