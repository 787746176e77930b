// Starting a campaign: the year's on demand (the console's button, `jukinet-ops review start`, the
// API) under the same workflow id as the Schedule's opener uses, so whichever comes first runs it
// and the other is told it already runs or ran; a targeted one under its 人事異動 list's id, so the
// same list sent again — even after its campaign closed — starts nothing.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { reviewCampaignId, type ReviewCampaignInput, targetedCampaignId } from '../domain/review';
import { organisationKey } from '../workflows/messages';
import { CAMPAIGN_ID_REUSE } from '../workflows/review/opener';

export const REVIEW_CAMPAIGN_WORKFLOW = 'reviewCampaign';
/** How long a start may wait on Temporal before the caller is told it is unavailable. */
export const START_TIMEOUT_MS = 15_000;

/** The campaign's workflow id: the organisation's fiscal year, or its 人事異動 list. */
export function campaignIdOf(input: ReviewCampaignInput): string {
  if (input.kind === 'annual') return reviewCampaignId(input.organisation, input.fiscalYear);
  if (!input.listId) throw new Error('a targeted campaign needs its list id');
  return targetedCampaignId(input.organisation, input.listId);
}

/** Starts the campaign; `started: false` when it already runs or has completed. Throws when Temporal does not answer in time. */
export async function startReviewCampaign(client: Client, taskQueue: string, input: ReviewCampaignInput, o: { timeoutMs?: number } = {}): Promise<{ campaignId: string; started: boolean }> {
  const campaignId = campaignIdOf(input);
  try {
    await client.withDeadline(Date.now() + (o.timeoutMs ?? START_TIMEOUT_MS), () =>
      client.workflow.start(REVIEW_CAMPAIGN_WORKFLOW, {
        taskQueue,
        workflowId: campaignId,
        args: [input],
        workflowIdReusePolicy: input.kind === 'annual' ? CAMPAIGN_ID_REUSE : WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [{ key: organisationKey, value: input.organisation }],
      }),
    );
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { campaignId, started: false };
    throw err;
  }
  return { campaignId, started: true };
}
