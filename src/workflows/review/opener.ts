// The year's first step, started by the organisation's Schedule (src/temporal/review-schedule.ts):
// it names the fiscal year and starts that year's campaign as a child under the workflow id of
// organisation and year, then ends — the campaign outlives it (ABANDON). The Schedule firing
// twice (a manual trigger, a catch-up after an outage) or a campaign already started from the
// console finds the id taken: nothing is started twice.
import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import { fiscalYearOf, reviewCampaignId, type ReviewCampaignInput } from '../../domain/review';

export interface ReviewOpenerInput {
  organisation: string;
}

export interface ReviewOpenerResult {
  started: boolean;
  campaignId: string;
  fiscalYear: number;
}

/** Set by the Schedule on what it starts: the time it fired for (not when a late worker ran it). */
const scheduledStartKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * A completed campaign is not run again for its year; one that failed or was terminated may be
 * (the same rule the console's and the CLI's start follow, src/temporal/review-campaign.ts).
 */
export const CAMPAIGN_ID_REUSE = WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY;

export async function reviewOpener({ organisation }: ReviewOpenerInput): Promise<ReviewOpenerResult> {
  // The fiscal year of the moment the Schedule fired: a catch-up days later (a campaign set for
  // late March, caught up in April) still opens the year it was due in.
  const at = workflowInfo().typedSearchAttributes.get(scheduledStartKey) ?? new Date();
  const fiscalYear = fiscalYearOf(at);
  const campaignId = reviewCampaignId(organisation, fiscalYear);
  const input: ReviewCampaignInput = { organisation, kind: 'annual', fiscalYear, startedBy: null };
  try {
    // Awaiting the start, not the result: the campaign runs for weeks on its own.
    await startChild('reviewCampaign', {
      workflowId: campaignId,
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: CAMPAIGN_ID_REUSE,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { started: false, campaignId, fiscalYear };
    throw err;
  }
  return { started: true, campaignId, fiscalYear };
}
