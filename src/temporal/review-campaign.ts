// Starting a year's campaign on demand (the console's button, `jukinet-ops review start`, the
// API): the same workflow id as the Schedule's opener uses, so whichever comes first runs it
// and the other is told it already runs or ran.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { reviewCampaignId, type ReviewCampaignInput } from '../domain/review';
import { CAMPAIGN_ID_REUSE } from '../workflows/review/opener';

export const REVIEW_CAMPAIGN_WORKFLOW = 'reviewCampaign';
/** How long a start may wait on Temporal before the caller is told it is unavailable. */
const START_TIMEOUT_MS = 15_000;

/** Starts the campaign; `started: false` when the year's campaign already runs or has completed. */
export async function startReviewCampaign(client: Client, taskQueue: string, input: ReviewCampaignInput): Promise<{ campaignId: string; started: boolean }> {
  const campaignId = reviewCampaignId(input.organisation, input.fiscalYear);
  try {
    await client.withDeadline(Date.now() + START_TIMEOUT_MS, () =>
      client.workflow.start(REVIEW_CAMPAIGN_WORKFLOW, { taskQueue, workflowId: campaignId, args: [input], workflowIdReusePolicy: CAMPAIGN_ID_REUSE }),
    );
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { campaignId, started: false };
    throw err;
  }
  return { campaignId, started: true };
}
