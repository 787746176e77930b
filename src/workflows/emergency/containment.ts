// 切離し and 再接続 (containment and reconnection), a child of the emergency response once the
// person the profile names has decided to cut the segment off (katsuragi:4.2, kunitachi:13,
// tokyo:9.1). Each change is verified before it counts: by the network operator's read-back, or
// by two named people who saw it done, each from their own link with a photo or log file.
// Reconnection is a decision of its own, verified the same way.
import { ActivityFailure, executeChild, proxyActivities, sleep, startChild, workflowInfo } from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../../activities';
import type { SegmentReading } from '../../activities/containment';
import { ATTEST_OPTIONS, EXPECTED_STATE, operatorIdempotencyKey, RATIFY_OPTIONS, RECONNECT_OPTIONS, RETRY_OPTIONS, type SegmentAction } from '../../domain/containment';
import { IncidentStatus } from '../../domain/incidents';
import type { ProcedureStep } from '../../domain/procedures';
import type { ContainmentPlan } from '../../domain/profile';
import type { Assignee, HumanTaskOutcome, HumanTaskRequest, TaskDecision, TaskOption } from '../../domain/tasks';
import { humanTask } from '../human-task';

const { setIncidentStatus, recordAudit, listTaskEvidence } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});
/** The request is retried until the operator takes it: its Idempotency-Key makes every retry the same request. */
const { requestSegmentChange } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: ['OperatorRefused'] },
});
/** The read-back: a segment that still reads connected is read again, then a person is asked. */
const { verifySegmentState } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8, nonRetryableErrorTypes: ['OperatorRefused'] },
});

export interface ContainmentInput {
  organisation: string;
  incidentId: string;
  plan: ContainmentPlan;
  articles: { contain: string[]; reconnect: string[] };
  /** Who decides (the role holder, then the stand-ins): asked for the reconnection and when verification fails. */
  deciders: Assignee[];
  /** The containment decision this child carries out. */
  ordered: TaskDecision;
  /** How many of the deciders' chain were asked before the order came (2 or more: a stand-in ordered). */
  orderedAfterAsking: number;
  window: { remindAfterMs: number; escalateAfterMs: number; deliveryAlertAfterMs?: number };
  /** Before asking again after "not yet" (default 24 h). */
  reconnectAskAgainMs?: number;
}

export interface ContainmentEvidence {
  taskId: string;
  attester: { name: string; email: string };
  decidedAt: string;
  note: string;
  files: Array<{ id: string; filename: string; mediaType: string; size: number; sha256: string }>;
}

export interface ContainmentResult {
  disconnected: VerifiedChange;
  reconnected: VerifiedChange;
}

export type VerifiedChange =
  | { by: 'operatorApi'; reading: SegmentReading; operation?: string; rounds: number }
  | { by: 'attestation'; attestations: ContainmentEvidence[] }
  | { by: 'hand'; decision: TaskDecision };

const STEP: Record<SegmentAction, ProcedureStep> = { disconnect: 'emergency.contain', reconnect: 'emergency.reconnect' };
const LABEL: Record<SegmentAction, string> = { disconnect: '切離し', reconnect: '再接続' };

export async function containment(input: ContainmentInput): Promise<ContainmentResult> {
  const wf = workflowInfo().workflowId;
  const caseRef = { caseId: input.incidentId, organisation: input.organisation };
  const articlesOf = (action: SegmentAction) => (action === 'disconnect' ? input.articles.contain : input.articles.reconnect);
  const audit = (key: string, action: SegmentAction, outcome: string, extra: { actor?: string; detail?: Record<string, unknown> } = {}) =>
    recordAudit({ id: `${wf}/${key}`, ...caseRef, step: STEP[action], outcome, actor: extra.actor ?? 'system', articles: articlesOf(action), detail: extra.detail ?? {} });
  const moveTo = (status: IncidentStatus) => setIncidentStatus({ ...caseRef, status });
  const ask = (action: SegmentAction, o: { title: string; body: string; options: TaskOption[]; chain: Assignee[] }): HumanTaskRequest => ({
    ...caseRef,
    step: STEP[action],
    articles: articlesOf(action),
    kind: 'decide',
    ...o,
    remindAfterMs: input.window.remindAfterMs,
    escalateAfterMs: input.window.escalateAfterMs,
    ...(input.window.deliveryAlertAfterMs !== undefined ? { deliveryAlertAfterMs: input.window.deliveryAlertAfterMs } : {}),
  });

  /** Carries the change out and returns once it is verified. */
  async function carryOut(action: SegmentAction): Promise<VerifiedChange> {
    const { method } = input.plan;
    if (method.mode === 'attestation') {
      await audit(`${action}/requested`, action, `${LABEL[action]}を指示（二者確認: ${method.attesters.map((a) => a.name).join('・')}）`);
      const attestations = await attest(action, method.attesters);
      return { by: 'attestation', attestations };
    }
    for (let round = 1; ; round++) {
      const idempotencyKey = operatorIdempotencyKey(wf, action, round);
      await audit(`${action}/requested-${round}`, action, `${LABEL[action]}を通信事業者に要求（${method.segment}${round > 1 ? `、${round}回目` : ''}）`, {
        detail: { endpoint: method.endpoint, segment: method.segment, idempotencyKey },
      });
      const accepted = await requestSegmentChange({ endpoint: method.endpoint, segment: method.segment, action, idempotencyKey });
      try {
        const reading = await verifySegmentState({ endpoint: method.endpoint, segment: method.segment, action });
        return { by: 'operatorApi', reading, rounds: round, ...(accepted.operation ? { operation: accepted.operation } : {}) };
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        // Still not in the expected state after the read-backs: a person decides what happens next.
        await audit(`${action}/unverified-${round}`, action, `${LABEL[action]}を確認できない（${method.segment} が ${EXPECTED_STATE[action]} になっていない）`, {
          detail: { cause: err.cause?.message ?? err.message },
        });
        const outcome = await executeChild(humanTask, {
          workflowId: `${wf}/${action}/unverified-${round}`,
          args: [
            ask(action, {
              title: `${LABEL[action]}を確認できません（${input.incidentId}）`,
              body: `通信事業者に${LABEL[action]}を要求しましたが、${method.segment} の状態を読み返しても${LABEL[action]}を確認できません。もう一度要求するか、現地で確認済みかを選んでください。`,
              options: RETRY_OPTIONS,
              chain: input.deciders,
            }),
          ],
        });
        if (outcome.decision.option === 'confirmedByHand') return { by: 'hand', decision: outcome.decision };
      }
    }
  }

  /** Two named people, each from their own link, confirm the change with the time and a photo or log file. */
  async function attest(action: SegmentAction, attesters: readonly Assignee[]): Promise<ContainmentEvidence[]> {
    const handles = [];
    for (const [i, person] of attesters.entries()) {
      handles.push(
        await startChild(humanTask, {
          workflowId: `${wf}/${action}/attest-${i + 1}`,
          args: [
            ask(action, {
              title: `${LABEL[action]}の現地確認（${input.incidentId}）`,
              body:
                `${input.incidentId} の${LABEL[action]}を、現地で確認してください。確認した時刻を備考に書き、` +
                `写真または機器のログをこのページから添付してから「確認した」を選んでください（二者確認の${i + 1}人目）。`,
              options: ATTEST_OPTIONS[action],
              chain: [person],
            }),
          ],
        }),
      );
    }
    const outcomes: HumanTaskOutcome[] = await Promise.all(handles.map((h) => h.result()));
    const files = await listTaskEvidence({ ...caseRef, taskIds: outcomes.map((o) => o.decision.taskId) });
    return outcomes.map((o) => ({
      taskId: o.decision.taskId,
      attester: o.decision.decidedBy,
      decidedAt: o.decision.decidedAt,
      note: o.decision.note,
      files: files.filter((f) => f.taskId === o.decision.taskId).map(({ taskId: _t, ...f }) => f),
    }));
  }

  // 事後承認: a stand-in ordered it; the role holder approves afterwards (the plan allows it).
  const ratification =
    input.plan.approvalAfterwards && input.orderedAfterAsking > 1
      ? startChild(humanTask, {
          workflowId: `${wf}/ratify`,
          args: [
            ask('disconnect', {
              title: `切離しの事後承認（${input.incidentId}）`,
              body: `${input.ordered.decidedBy.name} が ${input.incidentId} の切離しを命じました（${input.ordered.decidedAt}）。事後承認してください。`,
              options: RATIFY_OPTIONS,
              chain: input.deciders.slice(0, 1),
            }),
          ],
        })
          .then((h) => h.result())
          // Recorded when it comes; the reconnection does not wait for it.
          .then((r) =>
            audit('ratified', 'disconnect', `切離しの事後承認: ${r.decision.optionLabel}`, {
              actor: `${r.decision.decidedBy.name} <${r.decision.decidedBy.email}>`,
              detail: { note: r.decision.note, orderedBy: input.ordered.decidedBy },
            }),
          )
      : undefined;

  await moveTo(IncidentStatus.CONTAINING);
  const disconnected = await carryOut('disconnect');
  await audit('disconnect/verified', 'disconnect', `切離しを確認（${describe(disconnected)}）`, { detail: { verification: disconnected } });
  await moveTo(IncidentStatus.CONTAINED);


  // 再接続: a decision of its own, by the same people; "not yet" asks again later.
  for (let ask_ = 1; ; ask_++) {
    const outcome = await executeChild(humanTask, {
      workflowId: `${wf}/reconnect-decision-${ask_}`,
      args: [
        ask('reconnect', {
          title: `再接続の判断（${input.incidentId}）`,
          body: `${input.incidentId} の切離しは確認済みです。原因の除去と安全を確認のうえ、再接続するかを判断してください。判断の理由を備考に書いてください。`,
          options: RECONNECT_OPTIONS,
          chain: input.deciders,
        }),
      ],
    });
    const d = outcome.decision;
    await audit(`reconnect-decision-${ask_}`, 'reconnect', `再接続の判断: ${d.optionLabel}`, {
      actor: `${d.decidedBy.name} <${d.decidedBy.email}>`,
      detail: { note: d.note, decidedAt: d.decidedAt, asked: outcome.asked },
    });
    if (d.option === 'reconnect') break;
    await sleep(input.reconnectAskAgainMs ?? 24 * 3_600_000);
  }

  await moveTo(IncidentStatus.RECOVERING);
  const reconnected = await carryOut('reconnect');
  await audit('reconnect/verified', 'reconnect', `再接続を確認（${describe(reconnected)}）`, { detail: { verification: reconnected } });
  await moveTo(IncidentStatus.RECOVERED);
  await ratification;
  return { disconnected, reconnected };
}

function describe(v: VerifiedChange): string {
  switch (v.by) {
    case 'operatorApi':
      return `通信事業者の状態読み返し: ${v.reading.segment} = ${v.reading.state}`;
    case 'attestation':
      return `二者確認: ${v.attestations.map((a) => `${a.attester.name}（${a.files.map((f) => `SHA-256 ${f.sha256.slice(0, 12)}…`).join('、') || '添付なし'}）`).join('・')}`;
    case 'hand':
      return `現地確認: ${v.decision.decidedBy.name}`;
  }
}
