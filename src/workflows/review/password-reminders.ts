// Every morning, started by the organisation's Schedule (`password-reminders/<org>`,
// src/temporal/review-schedule.ts): tells each holder whose password expires within two weeks
// (niigata:15.2.5-6). One activity does it; the run is for the moment the Schedule fired, so a late
// or retried run selects the same holders, and each expiry is mailed once whatever runs again.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../../activities';
import type { PasswordRemindersResult } from '../../activities/password-reminders';

export interface PasswordRemindersWorkflowInput {
  organisation: string;
}

const { sendPasswordReminders } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  // A relay down all morning: the next day's run sends what this one could not.
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes', maximumAttempts: 10 },
});

/** Set by the Schedule on what it starts: the time it fired for (not when a late worker ran it). */
const scheduledStartKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export async function passwordReminders({ organisation }: PasswordRemindersWorkflowInput): Promise<PasswordRemindersResult> {
  const at = workflowInfo().typedSearchAttributes.get(scheduledStartKey) ?? new Date();
  return sendPasswordReminders({ organisation, at: at.getTime() });
}
