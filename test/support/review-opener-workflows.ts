// The worker's workflows in the review-schedule tests: the real opener, and in place of the
// real campaign (the lead's, src/workflows/review/campaign.ts) one that gives back its input, so
// a test reads what the opener or the API started it with.
import type { ReviewCampaignInput } from '../../src/domain/review';

export { reviewOpener } from '../../src/workflows/review/opener';

export async function reviewCampaign(input: ReviewCampaignInput): Promise<ReviewCampaignInput> {
  return input;
}
