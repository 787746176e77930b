// 検査 (tokyo:26, jlis:25.3): the system admin inspects the contractor's measures item by item,
// with photos and documents as evidence. Each item not met is a finding, and each finding its own
// corrective action (a child each); the inspection is done when every one is resolved.
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../../activities';
import { humanTask } from '../human-task';
import { correctiveAction } from './corrective-action';

const { contractTaskRequest, recordInspection, recordInspectionDone } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

export interface ContractInspectionInput {
  contractId: string;
  organisation: string;
  /** `periodic-<n>` or `on-demand-<n>`. */
  inspection: string;
  /** On demand: why, and who asked. */
  reason?: string;
  requestedBy?: { name: string; email: string };
}

export async function contractInspection(input: ContractInspectionInput): Promise<{ findings: number }> {
  const wf = workflowInfo().workflowId;
  const { contractId, inspection } = input;
  const request = await contractTaskRequest({ contractId, task: 'inspection', inspection, ...(input.reason ? { reason: input.reason } : {}) });
  const inspected = await executeChild(humanTask, { workflowId: `${wf}/inspect`, args: [request] });
  const { findings } = await recordInspection({ contractId, inspection, checklist: request.checklist!, decision: inspected.decision });
  await Promise.all(findings.map((findingId) => executeChild(correctiveAction, { workflowId: `${wf}/finding-${findingId}`, args: [{ contractId, organisation: input.organisation, findingId }] })));
  await recordInspectionDone({ contractId, inspection, findings: findings.length, at: Date.now() });
  return { findings: findings.length };
}
