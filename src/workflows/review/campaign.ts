// ユーザID及びパスワードの見直し (Procedure 2): a campaign — the year's, started by the Schedule or
// on demand, or one targeted by a 人事異動 list — reviews the organisation's user IDs as the
// ledger holds them at its start: one review per section (a child each, so a large organisation
// stays far under any history limit), and when every section is done and every change carried
// out, the report to the system admin and the chief, kept as evidence.
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../../activities';
import type { ReviewCampaignInput, SectionReviewOutcome } from '../../domain/review';
import { sectionReview } from './section';

const { openCampaign, finishCampaign } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

export interface ReviewCampaignOutcome {
  campaignId: string;
  sections: SectionReviewOutcome[];
  reportDocumentIds: string[];
}

export async function reviewCampaign(input: ReviewCampaignInput): Promise<ReviewCampaignOutcome> {
  const campaignId = workflowInfo().workflowId;
  const opened = await openCampaign({ ...input, campaignId, startedAt: Date.now() });
  // A section with no IDs is not in the campaign: its officer gets no email.
  const sections = await Promise.all(
    opened.sections.map((section, i) =>
      executeChild(sectionReview, {
        workflowId: `${campaignId}/section-${i + 1}`,
        args: [{ campaignId, organisation: input.organisation, kind: input.kind, section, startedAt: opened.startedAt, dueAt: opened.dueAt, defaultAt: opened.defaultAt }],
      }),
    ),
  );
  const report = await finishCampaign({ campaignId, organisation: input.organisation });
  return { campaignId, sections, reportDocumentIds: report.documentIds };
}
