// One section's review (niigata:15.2.4, 16): its データ取扱責任者 answers for each ID from an
// email link — reminded before the deadline, the system admin asked past it — and if nobody has
// answered when the escalation window ends, the profile's default outcome applies. Then every
// revocation, lock and permission change is carried out: in the directory where one is
// configured (read back to confirm), else — or when the directory keeps failing — confirmed by
// the system admin from a link. The section is done only when every change is.
import { ActivityFailure, CancellationScope, condition, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../../activities';
import { DIRECTORY_RETRY } from '../../domain/directory-change';
import type { SectionReviewInput, SectionReviewOutcome } from '../../domain/review';
import type { HumanTaskOutcome } from '../../domain/tasks';
import { humanTask } from '../human-task';

const { prepareSectionReview, recordSectionOutcome, pendingSectionChanges, changeConfirmationRequest, recordChangesConfirmed, recordDoneInDirectory, withdrawTask } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});
/**
 * The directory: a server that is down is tried again for a few minutes (DIRECTORY_RETRY); then
 * the change goes to a person rather than waiting on the directory for good. A refusal (no such
 * ID, no right to change it, a read-back that does not show it) goes to a person at once.
 */
const { carryOutInDirectory } = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: DIRECTORY_RETRY });

export async function sectionReview(input: SectionReviewInput): Promise<SectionReviewOutcome> {
  const wf = workflowInfo().workflowId;
  const request = await prepareSectionReview(input);
  const taskWorkflowId = `${wf}/review`;

  const scope = new CancellationScope();
  let outcome: HumanTaskOutcome | undefined;
  scope.run(() => executeChild(humanTask, { workflowId: taskWorkflowId, args: [request] })).then(
    (o) => void (outcome = o),
    () => undefined,
  );
  await condition(() => outcome !== undefined, Math.max(0, input.defaultAt - Date.now()));
  if (outcome) {
    const d = outcome.decision;
    await recordSectionOutcome({ ...input, answered: { answers: d.answers ?? [], decidedBy: d.decidedBy, decidedAt: d.decidedAt } });
  } else {
    // Nobody answered, not even the system admin: the task is withdrawn and the default applies.
    scope.cancel();
    await withdrawTask({ workflowId: taskWorkflowId });
    await recordSectionOutcome({ ...input, answered: null });
  }

  const changes = await pendingSectionChanges(input);
  const forPerson: typeof changes = [];
  for (const change of changes) {
    try {
      const done = await carryOutInDirectory({ organisation: input.organisation, change });
      if ('configured' in done) forPerson.push(change);
      else await recordDoneInDirectory({ organisation: input.organisation, campaignId: input.campaignId, change, dn: done.dn });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      forPerson.push(change);
    }
  }
  if (forPerson.length > 0) {
    const confirmation = await executeChild(humanTask, { workflowId: `${wf}/confirm`, args: [await changeConfirmationRequest({ ...input, changes: forPerson })] });
    await recordChangesConfirmed({ ...input, changes: forPerson, by: confirmation.decision.decidedBy, at: confirmation.decision.decidedAt });
  }
  return { section: input.section, answered: outcome !== undefined, changes: changes.length, confirmedByPerson: forPerson.length };
}
