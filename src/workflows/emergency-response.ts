// 緊急時対応計画 — the emergency response plan, first slice: detect, then convene the security
// council, then wait for the containment decision (切離し), where the next slice continues.
// Each step names the articles of the organisation's own regulation that require it.
import { executeChild, patched, proxyActivities, setHandler, startChild, upsertSearchAttributes, workflowInfo, condition } from '@temporalio/workflow';
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
import { CONTAIN_OPTIONS, containmentDeciders } from '../domain/containment';
import { containment } from './emergency/containment';

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
  await awaitContainmentDecision(input, profile, audit, moveTo);
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
 * 切離しの判断: whoever the profile names (katsuragi:4.2 町長, kunitachi:13 市長, tokyo:9.1 総括責任者)
 * decides, with a reason; on 切離す the containment child cuts off, verifies, and later reconnects.
 * Histories recorded before this step existed waited here for good, and still do on replay.
 */
async function awaitContainmentDecision(
  input: EmergencyResponseInput,
  profile: OrganisationProfile,
  audit: (key: string, step: ProcedureStep, outcome: string, extra?: { actor?: string; detail?: Record<string, unknown> }) => Promise<void>,
  moveTo: (next: IncidentStatus) => Promise<void>,
): Promise<void> {
  if (!patched('containment-decision') || !profile.containment) {
    await condition(() => false);
    return;
  }
  const wf = workflowInfo().workflowId;
  const window = profile.responseWindows.decision;
  const windowMs = {
    remindAfterMs: parseDuration(window.remindAfter)!,
    escalateAfterMs: parseDuration(window.escalateAfter)!,
    ...(profile.contacts.deliveryAlertAfter ? { deliveryAlertAfterMs: parseDuration(profile.contacts.deliveryAlertAfter)! } : {}),
  };
  const deciders = containmentDeciders(profile);
  const articles = { contain: profile.articles['emergency.contain'] ?? [], reconnect: profile.articles['emergency.reconnect'] ?? profile.articles['emergency.recover'] ?? [] };
  const outcome = await executeChild(humanTask, {
    workflowId: `${wf}/containment-decision`,
    args: [
      {
        caseId: input.incidentId,
        organisation: input.organisation,
        step: 'emergency.contain',
        articles: articles.contain,
        kind: 'decide',
        title: `切離しの判断（${input.incidentId}）`,
        body:
          `${input.incidentId}（${declarerWords(input.summary)}）について、住基ネットの切離しを行うかを判断してください。` +
          '判断の理由を備考に書いてください。',
        options: CONTAIN_OPTIONS,
        chain: deciders,
        ...windowMs,
      },
    ],
  });
  const d = outcome.decision;
  await audit('containment-decision', 'emergency.contain', `切離しの判断: ${d.optionLabel}`, {
    actor: `${d.decidedBy.name} <${d.decidedBy.email}>`,
    detail: { note: d.note, decidedAt: d.decidedAt, asked: outcome.asked, orderedBy: profile.containment.orderedBy },
  });
  if (d.option !== 'contain') {
    await condition(() => false);
    return;
  }
  await executeChild(containment, {
    workflowId: `${wf}/containment`,
    args: [{ organisation: input.organisation, incidentId: input.incidentId, plan: profile.containment, articles, deciders, ordered: d, orderedAfterAsking: outcome.asked, window: windowMs }],
  });
  // The child moved the projection step by step; this workflow's query and search attribute catch up.
  await moveTo(IncidentStatus.RECOVERED);
  // The next slices (reports, notices, close) continue from here.
  await condition(() => false);
}
