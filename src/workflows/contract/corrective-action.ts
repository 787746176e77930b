// 是正措置: one finding of an inspection. Its owner (the contractor's contact) is asked to correct
// it by its due date, reminded before; once overdue the chief is told and the task moves to them.
// A reported action is re-inspected by the system admin; not resolved, it is asked again.
import { condition, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../../activities';
import { humanTask } from '../human-task';

const { contractTaskRequest, recordFindingEscalated, recordCorrectiveActionReported, recordReinspection } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

export interface CorrectiveActionInput {
  contractId: string;
  organisation: string;
  findingId: string;
}

export async function correctiveAction(input: CorrectiveActionInput): Promise<{ attempts: number }> {
  const wf = workflowInfo().workflowId;
  const { contractId, findingId } = input;
  for (let attempt = 1; ; attempt++) {
    const request = await contractTaskRequest({ contractId, task: 'correctiveAction', findingId, attempt, askedAt: Date.now() });
    const asking = executeChild(humanTask, { workflowId: `${wf}/action-${attempt}`, args: [request] });
    let settled = false;
    asking.then(
      () => void (settled = true),
      () => void (settled = true),
    );
    // Overdue: the chief is told (the task moves to them at the same moment, by its own window).
    if (!(await condition(() => settled, request.escalateAfterMs))) await recordFindingEscalated({ contractId, findingId, at: Date.now() });
    const outcome = await asking;
    await recordCorrectiveActionReported({ contractId, findingId, attempt, decision: outcome.decision });
    const check = await contractTaskRequest({ contractId, task: 'reinspection', findingId, attempt, report: { by: outcome.decision.decidedBy.name, note: outcome.decision.note } });
    const checked = await executeChild(humanTask, { workflowId: `${wf}/reinspect-${attempt}`, args: [check] });
    const resolved = checked.decision.option === 'resolved';
    await recordReinspection({ contractId, findingId, attempt, resolved, decision: checked.decision });
    if (resolved) return { attempts: attempt };
  }
}
