// The client side of the audit chain's anchors: the worker makes sure the auditAnchor workflow
// runs; `audit verify` reads the anchors back from its history (no worker needed to answer).
import { type Client, isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import type { AnchorEvidence } from '../db/audit';
import type { AuditAnchor } from '../domain/audit';
import type { auditAnchor } from '../workflows/audit-anchor';
import { type AuditAnchorInput, auditAnchorWorkflowId, configureAuditAnchorSignal } from '../workflows/messages';

/** Starts the auditAnchor workflow if it is not running, and (re)sets its interval: idempotent. */
export async function ensureAuditAnchor(client: Client, o: { taskQueue: string } & Omit<AuditAnchorInput, 'latest'>): Promise<void> {
  const { taskQueue, ...input } = o;
  await client.workflow.signalWithStart<typeof auditAnchor, [{ intervalMs: number }]>('auditAnchor', {
    workflowId: auditAnchorWorkflowId(taskQueue),
    taskQueue,
    args: [input],
    signal: configureAuditAnchorSignal,
    signalArgs: [{ intervalMs: o.intervalMs }],
  });
}

/** The anchors of the current run: the one it started with and each head it has read since. */
export async function fetchAuditAnchors(client: Client, taskQueue: string, timeoutMs = 10_000): Promise<AnchorEvidence> {
  const workflowId = auditAnchorWorkflowId(taskQueue);
  try {
    const history = await client.withDeadline(Date.now() + timeoutMs, () => client.workflow.getHandle(workflowId).fetchHistory());
    const converter = client.options.loadedDataConverter.payloadConverter;
    const anchors: AuditAnchor[] = [];
    for (const e of history.events ?? []) {
      const started = e.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      if (started) {
        const input = converter.fromPayload<AuditAnchorInput>(started);
        if (input.latest) anchors.push(input.latest);
      }
      const result = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
      if (result) {
        const head = converter.fromPayload<AuditAnchor | null>(result);
        if (head) anchors.push(head);
      }
    }
    return { anchors };
  } catch (err) {
    const GRPC_NOT_FOUND = 5;
    if (err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND)) {
      return { unavailable: `no ${workflowId} workflow yet: a worker starts it` };
    }
    return { unavailable: `Temporal did not answer: ${err instanceof Error ? err.message : String(err)}` };
  }
}
