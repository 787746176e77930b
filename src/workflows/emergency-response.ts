// 緊急時対応計画 — the emergency response plan: detect, triage by the threat level (the night and
// holiday contacts first when the office is closed), then either the chief assesses, monitors and
// closes, or the security council is convened and the containment decision (切離し) awaited.
// Each step names the articles of the organisation's own regulation that require it.
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  executeChild,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../activities';
import { councilCalls, type CouncilCall } from '../domain/council';
import { type DrillSettings, type IncidentKind, IncidentStatus } from '../domain/incidents';
import { compressProfile } from '../domain/drill';
import { closingArticles } from '../domain/closing';
import type { ProcedureStep } from '../domain/procedures';
import type { OrganisationProfile } from '../domain/profile';
import type { HumanTaskOutcome, HumanTaskRequest, TaskOption } from '../domain/tasks';
import { humanTask } from './human-task';
import { changeThreatLevelUpdate, incidentStatusKey, incidentStatusQuery, threatLevelQuery, type ThreatLevelChange } from './messages';
import { parseDuration } from '../domain/duration';
import { declarerWords } from '../domain/text';
import { CONTAIN_OPTIONS, containmentDeciders } from '../domain/containment';
import { containment } from './emergency/containment';
import { COUNCIL_PATCH, councilDeliberation, type CouncilDeliberation } from './emergency/council';
import { recoverAndClose } from './emergency/closing';
import { statutoryReports } from './emergency/reports';
import { statutoryReportsWorkflowId } from './report-messages';
import type { IncidentFacts } from '../domain/report-clocks';
import { assessingCommander, checkLevelChange, firstCalls, type FirstCalls, nextLevelUp, playbook } from '../domain/triage';

const { loadProfile, setIncidentStatus, setIncidentThreatLevel, withdrawTask, recordAudit } = proxyActivities<Activities>({
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
  /** 訓練: a drill, its windows compressed by its time scale. */
  drill?: DrillSettings;
  /** What is known of a leak at declaration (本人の数 …): decides the PPC's reports. */
  facts?: IncidentFacts;
}

export const ATTENDANCE_OPTIONS: TaskOption[] = [
  { value: 'attend', label: '出席する' },
  { value: 'absent', label: '出席できない' },
];

export const FIRST_CALL_OPTIONS: TaskOption[] = [{ value: 'acknowledged', label: '了解した' }];

export const ASSESSMENT_OPTIONS = {
  close: { value: 'close', label: '評価・監視の結果、終結する' },
  raise: { value: 'raise', label: '脅威度を引き上げる' },
} satisfies Record<string, TaskOption>;

export async function emergencyResponse(input: EmergencyResponseInput): Promise<void> {
  let status = IncidentStatus.DECLARED;
  setHandler(incidentStatusQuery, () => status);
  const caseRef = { caseId: input.incidentId, organisation: input.organisation };
  // A drill's windows are compressed by its time scale; a real incident's profile is used as it is.
  const profile = compressProfile(await loadProfile(input.organisation), input.drill?.timeScale);
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
  // 会議の審議: decisions are taken once the council is convened (the Update's validator says so).
  const council = councilDeliberation({ input, profile, audit });
  council.acceptDecisions(() => status === IncidentStatus.CLOSED);
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
  // 報告: the statutory reports and their clocks run beside the plan, from awareness on.
  if (patched('reports-v1')) {
    const { organisation, incidentId, awareAt, summary, facts, drill } = input;
    await startChild(statutoryReports, {
      workflowId: statutoryReportsWorkflowId(workflowInfo().workflowId),
      args: [{ organisation, incidentId, awareAt, summary, ...(facts ? { facts } : {}), ...(drill && drill.timeScale > 1 ? { timeScale: drill.timeScale } : {}) }],
    });
  }

  // 会議招集: every seat is asked to acknowledge; the meeting needs its chair, or whoever acts for the chair.
  const conveneCouncil = async () => {
    const calls = councilCalls(profile);
    await audit('convene', 'emergency.conveneCouncil', `${profile.council.name}を招集（${calls.length}名）`, {
      detail: { seats: calls.map((c) => ({ seat: c.seat, asked: c.chain[0].name, position: c.chain[0].position })) },
    });
    council.convened();
    // 指示 (kunitachi:10.1): the executive's instruction to the chief is asked alongside; nobody waits for it.
    if (patched(COUNCIL_PATCH)) void council.instruct();
    const request = attendanceRequest(input, profile);
    const chair = calls.find((c) => c.seat === 'chair');
    const members = calls.filter((c) => c.seat === 'member');
    for (const [i, call] of members.entries()) {
      await startChild(humanTask, { workflowId: `${workflowInfo().workflowId}/council/member-${i + 1}`, args: [request(call)] });
    }
    const presiding = chair ? await secureChair(chair, request) : undefined;
    council.met(chair, presiding);
    await audit(
      'chair',
      'emergency.conveneCouncil',
      presiding ? `議長: ${presiding.decision.decidedBy.name}（${presiding.asked > 1 ? '職務代行' : '議長'}）` : '議長・職務代行者とも出席できない',
    );
  };

  if (!patched('triage-v1')) {
    // Begun before triage: every level convened the council.
    await moveTo(IncidentStatus.CONVENING_COUNCIL);
    await conveneCouncil();
    await moveTo(IncidentStatus.AWAITING_CONTAINMENT_DECISION);
    await awaitContainmentDecision(input, profile, audit, moveTo, council);
    return;
  }

  // 脅威度: raised or lowered during the incident, with a reason; the playbook follows it.
  let level = input.threatLevel;
  let councilCalled = false;
  let levelChanges = 0;
  setHandler(threatLevelQuery, () => level);
  const changeLevel = async (next: number, reason: string, by: { name: string; email: string }): Promise<ThreatLevelChange> => {
    const previous = level;
    level = next;
    const n = ++levelChanges;
    const convenesCouncil = !councilCalled && playbook(profile, next).conveneCouncil;
    await setIncidentThreatLevel({ ...caseRef, level: next });
    await audit(`level-${n}`, 'emergency.detect', `脅威度を L${previous} から L${next}（${playbook(profile, next).name}）に${next > previous ? '引き上げ' : '引き下げ'}（理由: ${declarerWords(reason)}）`, {
      actor: `${by.name} <${by.email}>`,
      articles: [...new Set([...articles('emergency.detect'), ...(convenesCouncil ? articles('emergency.conveneCouncil') : [])])],
      detail: { previous, level: next, reason, convenesCouncil },
    });
    return { previous, level: next, convenesCouncil };
  };
  setHandler(changeThreatLevelUpdate, (i) => changeLevel(i.level, i.reason, i.by), {
    validator: (i) => {
      if (status === IncidentStatus.CLOSED) throw new Error('the incident is closed');
      const check = checkLevelChange(profile, level, i.level);
      if (!check.ok) throw new Error(check.message);
      if (typeof i.reason !== 'string' || i.reason.trim() === '') throw new Error('a reason is required');
    },
  });

  // 夜間・休日: outside office hours at the moment of awareness, the night/holiday contacts are called first.
  const first = firstCalls(profile, level, Date.parse(input.awareAt));
  if (first.calls.length > 0) {
    await audit('first-calls', 'emergency.detect', `閉庁時（${first.closed}）のため夜間・休日連絡先に第一報: ${first.calls.map((c) => `${c.position} ${c.name}`).join(' → ')}`, {
      detail: { closed: first.closed, calls: first.calls.map((c) => ({ name: c.name, position: c.position })) },
    });
    await startChild(humanTask, { workflowId: `${workflowInfo().workflowId}/first-call`, args: [firstCallRequest(input, profile, first)] });
  }

  // 評価・監視・終結: a level that convenes nobody is the chief's to assess, until closed or raised.
  for (let round = 1; !playbook(profile, level).conveneCouncil; round++) {
    await moveTo(IncidentStatus.MONITORING);
    const outcome = await assessByChief(round, () => playbook(profile, level).conveneCouncil, assessmentRequest(input, profile, level));
    if (!outcome) continue; // the level was raised to one that convenes the council
    if (outcome.decision.option === ASSESSMENT_OPTIONS.close.value) {
      await audit('close', 'emergency.close', `${outcome.decision.decidedBy.name}が評価・監視の上、終結（L${level}）`, {
        actor: `${outcome.decision.decidedBy.name} <${outcome.decision.decidedBy.email}>`,
        articles: closingArticles(profile),
        detail: { level, note: outcome.decision.note },
      });
      await moveTo(IncidentStatus.CLOSED);
      await condition(allHandlersFinished);
      return;
    }
    const up = nextLevelUp(profile, level);
    if (up !== undefined) await changeLevel(up, outcome.decision.note || '指揮者の評価により引き上げ', outcome.decision.decidedBy);
  }

  councilCalled = true;
  if (playbook(profile, level).containImmediately) {
    // The top level may start containment at once: the decision is awaited while the council gathers.
    await moveTo(IncidentStatus.AWAITING_CONTAINMENT_DECISION);
    await Promise.all([conveneCouncil(), awaitContainmentDecision(input, profile, audit, moveTo, council)]);
    return;
  }
  await moveTo(IncidentStatus.CONVENING_COUNCIL);
  await conveneCouncil();
  await moveTo(IncidentStatus.AWAITING_CONTAINMENT_DECISION);
  await awaitContainmentDecision(input, profile, audit, moveTo, council);
}

/**
 * Asks the chief (and the chief's stand-ins) whether the incident may be closed; withdraws the
 * question when `overtaken` becomes true (the level was raised to one that convenes the council).
 */
async function assessByChief(round: number, overtaken: () => boolean, request: HumanTaskRequest): Promise<HumanTaskOutcome | undefined> {
  const scope = new CancellationScope();
  let outcome: HumanTaskOutcome | undefined;
  const workflowId = `${workflowInfo().workflowId}/assess-${round}`;
  const asking = scope.run(() => executeChild(humanTask, { workflowId, args: [request] }));
  asking.then(
    (o) => void (outcome = o),
    () => undefined,
  );
  await condition(() => outcome !== undefined || overtaken());
  if (outcome) return outcome;
  scope.cancel();
  await withdrawTask({ workflowId });
  return undefined;
}

function assessmentRequest(input: EmergencyResponseInput, profile: OrganisationProfile, level: number): HumanTaskRequest {
  const window = profile.responseWindows.decision;
  const play = playbook(profile, level);
  const canRaise = nextLevelUp(profile, level) !== undefined;
  return {
    caseId: input.incidentId,
    organisation: input.organisation,
    step: 'emergency.close',
    articles: closingArticles(profile),
    kind: 'decide',
    title: `評価・監視の上、終結してよいか（${input.incidentId}）`,
    body:
      `${input.incidentId}（${declarerWords(input.summary)}）は脅威度 L${level}（${play.name}）のため、会議を招集せず評価・監視します。` +
      `状況を確認し、終結してよいかを判断してください。${canRaise ? '脅威が大きいときは脅威度を引き上げてください（理由を記入）。' : ''}`,
    options: canRaise ? [ASSESSMENT_OPTIONS.close, ASSESSMENT_OPTIONS.raise] : [ASSESSMENT_OPTIONS.close],
    chain: assessingCommander(profile),
    remindAfterMs: parseDuration(window.remindAfter)!,
    escalateAfterMs: parseDuration(window.escalateAfter)!,
    ...(profile.contacts.deliveryAlertAfter ? { deliveryAlertAfterMs: parseDuration(profile.contacts.deliveryAlertAfter)! } : {}),
  };
}

function firstCallRequest(input: EmergencyResponseInput, profile: OrganisationProfile, first: FirstCalls): HumanTaskRequest {
  const window = profile.responseWindows.acknowledgement;
  return {
    caseId: input.incidentId,
    organisation: input.organisation,
    step: 'emergency.detect',
    articles: profile.articles['emergency.detect'] ?? [],
    kind: 'acknowledge',
    title: `夜間・休日の第一報（${input.incidentId}）`,
    body:
      `閉庁時（${first.closed}）に${input.incidentId}（${declarerWords(input.summary)}）を覚知しました（脅威度 L${input.threatLevel}）。` +
      '夜間・休日連絡先として第一報をお知らせします。受けたことを回答し、必要な関係者に連絡してください。',
    options: FIRST_CALL_OPTIONS,
    chain: first.calls,
    remindAfterMs: parseDuration(window.remindAfter)!,
    escalateAfterMs: parseDuration(window.escalateAfter)!,
    ...(profile.contacts.deliveryAlertAfter ? { deliveryAlertAfterMs: parseDuration(profile.contacts.deliveryAlertAfter)! } : {}),
  };
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
  council: CouncilDeliberation,
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
  // 事後承認 (kunitachi:10.2): decided before the council met, or by a stand-in, it goes to the council afterwards.
  if (patched(COUNCIL_PATCH)) {
    void council.ratify({
      key: 'containment-decision',
      what: '切離しの判断',
      step: 'emergency.contain',
      articles: articles.contain,
      decision: d,
      asked: outcome.asked,
      approvalAfterwards: profile.containment.approvalAfterwards,
    });
  }
  const closingContext = { organisation: input.organisation, incidentId: input.incidentId, profile, moveTo };
  if (d.option !== 'contain') {
    // Not cut off: recovery and close follow at once. Histories from before the close waited here.
    if (patched('closing-v1')) return recoverAndClose({ ...closingContext, reconnected: false });
    await condition(() => false);
    return;
  }
  await executeChild(containment, {
    workflowId: `${wf}/containment`,
    args: [{ organisation: input.organisation, incidentId: input.incidentId, plan: profile.containment, articles, deciders, ordered: d, orderedAfterAsking: outcome.asked, window: windowMs }],
  });
  // The child moved the projection step by step; this workflow's query and search attribute catch up.
  await moveTo(IncidentStatus.RECOVERED);
  // 原因究明・再発防止策, the final report and the close; histories from before them waited here.
  if (patched('closing-v1')) return recoverAndClose({ ...closingContext, reconnected: true });
  await condition(() => false);
}
