// 緊急時対応計画 — the emergency response plan, first slice: detect, then convene the security
// council, then wait for the containment decision (切離し), where the next slice continues.
// Each step names the articles of the organisation's own regulation that require it.
import { executeChild, proxyActivities, setHandler, startChild, upsertSearchAttributes, workflowInfo, condition } from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../activities';
import { councilCalls, type CouncilCall } from '../domain/council';
import { type IncidentKind, IncidentStatus } from '../domain/incidents';
import type { ProcedureStep } from '../domain/procedures';
import type { OrganisationProfile } from '../domain/profile';
import type { HumanTaskOutcome, HumanTaskRequest, TaskOption } from '../domain/tasks';
import { humanTask } from './human-task';
import { incidentStatusKey, incidentStatusQuery } from './messages';
import { parseDuration } from '../domain/duration';
import { declarerWords } from '../domain/text';

const { loadProfile, setIncidentStatus, recordAudit } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

export interface EmergencyResponseInput {
  organisation: string;
  incidentId: string;
  kind: IncidentKind;
  threatLevel: number;
  summary: string;
  observed: string;
  detectedBy: { name: string; email: string };
  detectedAt: string;
  /** 覚知: every statutory clock counts from here. */
  awareAt: string;
}

export const ATTENDANCE_OPTIONS: TaskOption[] = [
  { value: 'attend', label: '出席する' },
  { value: 'absent', label: '出席できない' },
];

export async function emergencyResponse(input: EmergencyResponseInput): Promise<void> {
  let status = IncidentStatus.DECLARED;
  setHandler(incidentStatusQuery, () => status);
  const caseRef = { caseId: input.incidentId, organisation: input.organisation };
  const profile = await loadProfile(input.organisation);
  const articles = (step: ProcedureStep) => profile.articles[step] ?? [];
  const audit = (key: string, step: ProcedureStep, outcome: string, extra: { actor?: string; articles?: string[]; detail?: Record<string, unknown> } = {}) =>
    recordAudit({
      id: `${workflowInfo().workflowId}/${key}`,
      ...caseRef,
      step,
      outcome,
      actor: extra.actor ?? 'system',
      articles: extra.articles ?? articles(step),
      detail: extra.detail ?? {},
    });
  const moveTo = async (next: IncidentStatus) => {
    status = next;
    upsertSearchAttributes([{ key: incidentStatusKey, value: next }]);
    await setIncidentStatus({ ...caseRef, status: next });
  };

  // 検知: record who saw what, and when the organisation became aware.
  await audit('detect', 'emergency.detect', `検知を記録: ${input.summary}`, {
    actor: `${input.detectedBy.name} <${input.detectedBy.email}>`,
    detail: { kind: input.kind, threatLevel: input.threatLevel, observed: input.observed, detectedAt: input.detectedAt, awareAt: input.awareAt },
  });

  // 会議招集: every seat is asked to acknowledge; the meeting needs its chair, or whoever acts for the chair.
  await moveTo(IncidentStatus.CONVENING_COUNCIL);
  const calls = councilCalls(profile);
  await audit('convene', 'emergency.conveneCouncil', `${profile.council.name}を招集（${calls.length}名）`, {
    detail: { seats: calls.map((c) => ({ seat: c.seat, asked: c.chain[0].name, position: c.chain[0].position })) },
  });
  const request = attendanceRequest(input, profile);
  const chair = calls.find((c) => c.seat === 'chair');
  const members = calls.filter((c) => c.seat === 'member');
  for (const [i, call] of members.entries()) {
    await startChild(humanTask, { workflowId: `${workflowInfo().workflowId}/council/member-${i + 1}`, args: [request(call)] });
  }
  const presiding = chair ? await secureChair(chair, request) : undefined;
  await audit(
    'chair',
    'emergency.conveneCouncil',
    presiding ? `議長: ${presiding.decision.decidedBy.name}（${presiding.asked > 1 ? '職務代行' : '議長'}）` : '議長・職務代行者とも出席できない',
  );

  await moveTo(IncidentStatus.AWAITING_CONTAINMENT_DECISION);
  await awaitContainmentDecision();
}

/**
 * Asks the chair; if the chair does not answer in time, or cannot attend, asks whoever acts for
 * the chair (e.g. katsuragi:3.3). Returns the outcome of the person who will preside.
 */
async function secureChair(call: CouncilCall, request: (c: CouncilCall) => HumanTaskRequest): Promise<HumanTaskOutcome | undefined> {
  let chain = call.chain;
  for (let attempt = 1; chain.length > 0; attempt++) {
    const outcome = await executeChild(humanTask, {
      workflowId: `${workflowInfo().workflowId}/council/chair-${attempt}`,
      args: [request({ ...call, chain })],
    });
    if (outcome.decision.option === 'attend') return outcome;
    chain = chain.slice(outcome.asked);
  }
  return undefined;
}

function attendanceRequest(input: EmergencyResponseInput, profile: OrganisationProfile) {
  const window = profile.responseWindows.acknowledgement;
  return (call: CouncilCall): HumanTaskRequest => ({
    caseId: input.incidentId,
    organisation: input.organisation,
    step: 'emergency.conveneCouncil',
    articles: profile.articles['emergency.conveneCouncil'] ?? profile.council.articles,
    kind: 'acknowledge',
    title: `${profile.council.name}の招集（${input.incidentId}）`,
    body:
      // The summary is the declarer's, not the organisation's: quoted on one line, links broken.
      `${input.incidentId}（${declarerWords(input.summary)}）への対応のため、${profile.council.name}を招集します。` +
      `${call.seat === 'chair' ? '議長として' : '構成員として'}出席できるかを回答してください。`,
    options: ATTENDANCE_OPTIONS,
    chain: call.chain,
    remindAfterMs: parseDuration(window.remindAfter)!,
    escalateAfterMs: parseDuration(window.escalateAfter)!,
    // A profile recorded in a history from before the field existed has none: no alert then.
    ...(profile.contacts.deliveryAlertAfter ? { deliveryAlertAfterMs: parseDuration(profile.contacts.deliveryAlertAfter)! } : {}),
  });
}

/**
 * The next slice continues from here: the executive decides on 切離し or stopping the system
 * (katsuragi:4.2, kunitachi:13, tokyo:9.1).
 */
async function awaitContainmentDecision(): Promise<void> {
  const containmentDecided = false as boolean;
  await condition(() => containmentDecided);
}
