// One approval of a contract (tokyo:23.2, 24.1, 24.2): the request, or a change of it. The
// contractor answers a questionnaire from its link; the system admin investigates, item by item,
// with that answer (or without it, once its window has passed); the chief decides behind the hard
// gate — while a mandatory item is unmet the human task's Update validator refuses an approval,
// whichever path sends it. Sent back, the round begins again.
import { CancellationScope, condition, executeChild, proxyActivities } from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../../activities';
import { approvalBlockers, type ChiefAnswer } from '../../domain/contract';
import type { ApprovalPurpose } from '../../domain/contract-tasks';
import type { HumanTaskOutcome } from '../../domain/tasks';
import { humanTask } from '../human-task';

const { contractTaskRequest, recordContractChecklistAnswers, recordApprovalDecision, withdrawTask } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

/**
 * Runs rounds until the chief approves or refuses. `base` is where the round's tasks sit: the
 * contract's id for its request, `<contract>/change-<n>` for a change; `name` prefixes the
 * checklists' names the same way ('' or `change-<n>/`).
 */
export async function approve(contractId: string, purpose: ApprovalPurpose, where: { base: string; name: string }): Promise<Exclude<ChiefAnswer, 'sendBack'>> {
  for (let round = 1; ; round++) {
    const at = `${where.base}/round-${round}`;

    // The contractor's questionnaire: waited for as long as its window, then withdrawn.
    const questionnaire = await contractTaskRequest({ contractId, task: 'questionnaire', purpose });
    const scope = new CancellationScope();
    let answered: HumanTaskOutcome | undefined;
    let failed = false;
    scope.run(() => executeChild(humanTask, { workflowId: `${at}/questionnaire`, args: [questionnaire] })).then(
      (o) => void (answered = o),
      () => void (failed = true),
    );
    await condition(() => answered !== undefined || failed, questionnaire.escalateAfterMs);
    if (answered) {
      await recordContractChecklistAnswers({ contractId, name: `${where.name}questionnaire/${round}`, checklist: questionnaire.checklist!, decision: answered.decision, step: 'contractor.investigate' });
    } else {
      scope.cancel();
      await withdrawTask({ workflowId: `${at}/questionnaire` });
    }

    // The system admin's investigation.
    const investigation = await contractTaskRequest({ contractId, task: 'investigation', purpose, questionnaire: answered ? `${where.name}questionnaire/${round}` : null });
    const investigated = await executeChild(humanTask, { workflowId: `${at}/investigation`, args: [investigation] });
    await recordContractChecklistAnswers({ contractId, name: `${where.name}investigation/${round}`, checklist: investigation.checklist!, decision: investigated.decision, step: 'contractor.investigate' });

    // The chief's decision, gated by what the investigation found.
    const blockers = approvalBlockers(investigation.checklist!.items, investigated.decision.checklist ?? {});
    const decision = await contractTaskRequest({ contractId, task: 'approval', purpose, blockers });
    const decided = await executeChild(humanTask, { workflowId: `${at}/decision`, args: [decision] });
    const answer = decided.decision.option as ChiefAnswer;
    await recordApprovalDecision({ contractId, purpose, round, answer, blockers, decision: decided.decision, name: where.name });
    if (answer !== 'sendBack') return answer;
  }
}
