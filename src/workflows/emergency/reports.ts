// 報告: the statutory reports of an incident, each with its durable clock counted from awareness
// (src/domain/report-clocks.ts). For each report: reminders before the deadline and an escalation
// when it passes unsent; a version generated from what the incident recorded, approved by a
// person from an email link (the reviewer, the chief by default, then the stand-ins); then sent to
// every contact of the target with the PDF attached, and kept. A report may be amended and sent
// again (第2報, 確報 訂正), waived with a reason, and facts learnt later start the PPC's clocks.
import { compressDeadline } from '../../domain/drill';
import { CancellationScope, condition, executeChild, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../../activities';
import type { ReportFindings } from '../../documents/incident-report';
import { roleHolderChain } from '../../domain/council';
import { parseDuration } from '../../domain/duration';
import { changedClocks, clockAlarms, type IncidentFacts, mergeFacts, type ReportClock, reportClocks, reportingRules } from '../../domain/report-clocks';
import type { OrganisationProfile } from '../../domain/profile';
import type { HumanTaskOutcome, HumanTaskRequest, TaskOption } from '../../domain/tasks';
import { humanTask } from '../human-task';
import {
  type Actor,
  amendReportUpdate,
  type ReportState,
  type ReportSummary,
  reportsQuery,
  updateFactsUpdate,
  waiveReportUpdate,
} from '../report-messages';

/** After this patch a report's draft waits for its clock's first alarm instead of a timer of its own. */
const ONE_DRAFT_TIMER_PATCH = 'reports-one-draft-timer-v1';

const { loadProfile, withdrawTask, recordReportClocks, recordIncidentFacts, prepareReportVersion, recordReportWaived } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});
/** The mail activities: a send may wait on a slow relay (see human-task.ts). */
const { sendReport, remindReport, escalateReport } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

export interface StatutoryReportsInput {
  organisation: string;
  incidentId: string;
  /** 覚知: every clock counts from here. */
  awareAt: string;
  summary: string;
  facts?: IncidentFacts;
  /** 訓練: every clock and reminder compressed by the time scale. */
  timeScale?: number;
}

export const REVIEW_OPTIONS = {
  approve: { value: 'approve', label: '承認して送付する' },
  changes: { value: 'needs-changes', label: '修正が必要（備考に記入）' },
} satisfies Record<string, TaskOption>;

interface Report {
  clock: ReportClock;
  state: ReportState;
  version: number;
  sentVersion: number;
  /** Bumped when the deadline moves: the clock's timers start over. */
  generation: number;
  /** Versions asked for (the first by the clock, later ones by amendReport). */
  wanted: number;
  /**
   * Already past its deadline when the incident was entered (declared late, or after the fact from
   * paper): nobody could have been reminded. Shown overdue; drafted only when the commander asks
   * (amendReport), or waived — no reminders, no escalation mail.
   */
  lateEntry: boolean;
  amendments: Array<{ note: string; findings?: ReportFindings; by: Actor }>;
}

export async function statutoryReports(input: StatutoryReportsInput): Promise<void> {
  const wf = workflowInfo().workflowId;
  const ref = { organisation: input.organisation, caseId: input.incidentId };
  const profile = await loadProfile(input.organisation);
  const scale = input.timeScale ?? 1;
  const baseRules = reportingRules(profile);
  const rules = { ...baseRules, remindBeforeMs: baseRules.remindBeforeMs.map((ms) => Math.round(ms / scale)) };
  // A drill's deadlines come that much sooner; a real incident's are the profile's and the law's.
  const clocksFor = (f: IncidentFacts) => reportClocks(profile, input.awareAt, f).map((c) => ({ ...c, dueAt: compressDeadline(input.awareAt, c.dueAt, scale) }));
  const reviewers = roleHolderChain(profile, profile.reporting?.reviewer ?? 'chief');
  let facts: IncidentFacts = input.facts ?? {};
  const reports = new Map<string, Report>();
  let updates = 0;
  const startedAt = Date.now();
  /** Set once the initial clocks are tracked: clocks added later (by facts) are never late entries. */
  let initialTracked = false;

  setHandler(reportsQuery, (): ReportSummary[] =>
    [...reports.values()].map((r) => ({ key: r.clock.key, target: r.clock.target, kind: r.clock.kind, dueAt: r.clock.dueAt, state: r.state, version: r.version, sentVersion: r.sentVersion })),
  );

  const finished = (r: Report) => r.state === 'sent' || r.state === 'waived';

  /** Starts (or moves) the clocks: a new report gets its own runner, a moved one restarts its timers. */
  const track = (clocks: readonly ReportClock[]) => {
    for (const clock of clocks) {
      const known = reports.get(clock.key);
      if (known) {
        known.clock = clock;
        known.generation++;
        continue;
      }
      const r: Report = { clock, state: 'open', version: 0, sentVersion: 0, generation: 0, wanted: 0, amendments: [], lateEntry: !initialTracked && Date.parse(clock.dueAt) <= startedAt };
      reports.set(clock.key, r);
      void runClock(r);
      void runReviews(r);
    }
  };

  const step = (r: Report) => `${r.clock.target}-${r.clock.kind}`;

  /** Reminders before the deadline, then the escalation; over again when the deadline moves. */
  async function runClock(r: Report): Promise<void> {
    if (r.lateEntry) return;
    for (;;) {
      const generation = r.generation;
      for (const alarm of clockAlarms(r.clock.dueAt, rules.remindBeforeMs, Date.now())) {
        const wait = alarm.at - Date.now();
        if (wait > 0 && (await condition(() => finished(r) || r.generation !== generation, wait))) break;
        if (finished(r)) return;
        // The first reminder is also when the report is drafted and put to the reviewer.
        r.wanted = Math.max(r.wanted, 1);
        if (alarm.kind === 'reminder') await remindReport({ ...ref, key: r.clock.key, to: reviewers, beforeMs: alarm.beforeMs!, dueAt: r.clock.dueAt });
        else await escalateReport({ ...ref, key: r.clock.key, to: escalationList(profile, reviewers), dueAt: r.clock.dueAt });
      }
      if (r.generation === generation) await condition(() => finished(r) || r.generation !== generation);
      if (finished(r)) return;
    }
  }

  /** Each version asked for: generated, reviewed (again after 修正が必要), then sent. */
  async function runReviews(r: Report): Promise<void> {
    // Drafted at the first reminder (24 h before by default), at once when that has passed.
    if (r.lateEntry) await condition(() => r.wanted > 0 || r.state === 'waived');
    const firstAt = Date.parse(r.clock.dueAt) - (rules.remindBeforeMs[0] ?? 0);
    const early = firstAt - Date.now();
    if (early > 0) {
      // The clock's first alarm asks for the draft (r.wanted): one timer for that instant, not a
      // second one here. (Two timers firing together, one then cancelled, is also what the Java
      // time-skipping server refuses to record, leaving the execution stuck: sdk-java#3088.)
      if (patched(ONE_DRAFT_TIMER_PATCH)) await condition(() => r.wanted > 0 || r.state === 'waived');
      else await condition(() => r.wanted > 0 || r.state === 'waived', early);
    }
    r.wanted = Math.max(r.wanted, 1);
    for (;;) {
      await condition(() => r.state === 'waived' || r.wanted > r.version);
      if (r.state === 'waived') return;
      const amendment = r.amendments.at(-1);
      let note = amendment?.note;
      let findings = amendment?.findings;
      for (;;) {
        const version = ++r.version;
        r.wanted = Math.max(r.wanted, version);
        const draft = await prepareReportVersion({ ...ref, key: r.clock.key, version, generatedAt: Date.now(), ...(note ? { note } : {}), ...(findings ? { findings } : {}) });
        if (r.state === 'open') r.state = 'review';
        const outcome = await review(r, reviewRequest(input, profile, r, draft, reviewers));
        if (!outcome) return; // waived while under review
        const d = outcome.decision;
        if (d.option === REVIEW_OPTIONS.approve.value) {
          await sendReport({ ...ref, key: r.clock.key, version, approvedBy: d.decidedBy, approvedAt: d.decidedAt });
          r.sentVersion = version;
          if (!isWaived(r)) r.state = 'sent';
          break;
        }
        // 修正が必要: a new version from what has been recorded since, with the reviewer's note.
        note = d.note || note;
        findings = undefined;
      }
    }
  }

  /** One review task; withdrawn if the report is waived meanwhile (then undefined). */
  async function review(r: Report, request: HumanTaskRequest): Promise<HumanTaskOutcome | undefined> {
    const scope = new CancellationScope();
    let outcome: HumanTaskOutcome | undefined;
    const workflowId = `${wf}/${step(r)}/v${r.version}`;
    scope.run(() => executeChild(humanTask, { workflowId, args: [request] })).then(
      (o) => void (outcome = o),
      () => undefined,
    );
    await condition(() => outcome !== undefined || r.state === 'waived');
    if (outcome) return outcome;
    scope.cancel();
    await withdrawTask({ workflowId });
    return undefined;
  }

  const known = (key: string) => {
    const r = reports.get(key);
    if (!r) throw new Error(`unknown report ${key}: ${[...reports.keys()].join(', ') || 'none'}`);
    return r;
  };
  const nonEmpty = (what: string, v: unknown) => {
    if (typeof v !== 'string' || v.trim() === '') throw new Error(`${what} is required`);
  };

  setHandler(
    updateFactsUpdate,
    async ({ facts: update, by }) => {
      const before = clocksFor(facts);
      facts = mergeFacts(facts, update);
      const n = ++updates;
      const started = changedClocks(before, clocksFor(facts));
      await recordIncidentFacts({ ...ref, facts, update, by, auditId: `${wf}/facts-${n}` });
      if (started.length > 0) {
        await recordReportClocks({ ...ref, clocks: started, auditId: `${wf}/clocks-${n}`, reason: '事実関係の更新により報告期限を設定（覚知から起算）', facts });
        track(started);
      }
      return { facts, started };
    },
    {
      validator: ({ facts: update }) => {
        if (!update || typeof update !== 'object' || Object.keys(update).length === 0) throw new Error('no facts given');
      },
    },
  );

  setHandler(
    amendReportUpdate,
    ({ key, note, findings, by }) => {
      const r = known(key);
      r.amendments.push({ note, ...(findings ? { findings } : {}), by });
      r.wanted = Math.max(r.wanted, r.version + 1);
      return { key, version: r.wanted };
    },
    {
      validator: ({ key, note }) => {
        const r = known(key);
        nonEmpty('note', note);
        if (r.state === 'waived') throw new Error(`${key} is waived`);
        // A version still under review is changed by answering it (修正が必要), not by a second one.
        if (r.state === 'review' && r.version >= r.wanted && r.sentVersion < r.version) throw new Error(`${key} v${r.version} is under review`);
      },
    },
  );

  setHandler(
    waiveReportUpdate,
    async ({ key, reason, by }) => {
      const r = known(key);
      r.state = 'waived';
      await recordReportWaived({ ...ref, key, reason, by, at: new Date(Date.now()).toISOString() });
      return { key, state: 'waived' as const };
    },
    {
      validator: ({ key, reason }) => {
        const r = known(key);
        nonEmpty('reason', reason);
        if (r.state === 'sent') throw new Error(`${key} has been sent`);
        if (r.state === 'waived') throw new Error(`${key} is waived already`);
      },
    },
  );

  const initial = clocksFor(facts);
  const late = initial.filter((c) => Date.parse(c.dueAt) <= startedAt);
  await recordReportClocks({
    ...ref,
    clocks: initial,
    auditId: `${wf}/clocks`,
    reason: `報告期限を設定（覚知から起算${late.length ? `。登録時点で期限を過ぎている ${late.length} 件は、紙等で行った報告を記録するか、報告書の作成を指示してください` : ''}）`,
    facts,
  });
  track(initial);
  initialTracked = true;
  // Lives as long as the incident: facts, amendments and waivers may come until it closes.
  await condition(() => false);
}

/** Read through a function: a handler may have waived the report while the workflow awaited. */
const isWaived = (r: Report) => r.state === 'waived';

/** Missed: the reviewer's whole chain and the executive hear of it. */
function escalationList(profile: OrganisationProfile, reviewers: HumanTaskRequest['chain']): HumanTaskRequest['chain'] {
  const executive = profile.roles.some((r) => r.role === 'executive') ? roleHolderChain(profile, 'executive').slice(0, 1) : [];
  const seen = new Set<string>();
  return [...reviewers, ...executive].filter((p) => !seen.has(p.email.toLowerCase()) && seen.add(p.email.toLowerCase()));
}

function reviewRequest(
  input: StatutoryReportsInput,
  profile: OrganisationProfile,
  r: Report,
  draft: { version: number; filename: string; sha256: string; url: string },
  chain: HumanTaskRequest['chain'],
): HumanTaskRequest {
  const window = profile.responseWindows.decision;
  const target = profile.reportTargets.find((t) => t.kind === r.clock.target);
  const label = `${r.clock.targetName}への${KIND_JA[r.clock.kind]}`;
  return {
    caseId: input.incidentId,
    organisation: input.organisation,
    step: 'emergency.report',
    articles: [...new Set([...(profile.articles['emergency.report'] ?? []), ...r.clock.articles])],
    kind: 'decide',
    title: `${label}の承認（${input.incidentId}${draft.version > 1 ? `、第${draft.version}版` : ''}）`,
    body:
      `${input.incidentId} の${label}（期限: ${r.clock.rule}）の報告書を確認してください。` +
      `承認すると ${target?.contacts.map((c) => c.name).join('、') ?? r.clock.targetName} に PDF を添付して送付します。` +
      `報告書: ${draft.url}（${draft.filename}、SHA-256 ${draft.sha256.slice(0, 16)}…）。修正が必要なときは備考に内容を書いてください。`,
    options: [REVIEW_OPTIONS.approve, REVIEW_OPTIONS.changes],
    chain,
    remindAfterMs: parseDuration(window.remindAfter)!,
    escalateAfterMs: parseDuration(window.escalateAfter)!,
    ...(profile.contacts.deliveryAlertAfter ? { deliveryAlertAfterMs: parseDuration(profile.contacts.deliveryAlertAfter)! } : {}),
  };
}

// REPORT_KIND_LABELS lives with the PDF renderer (node:crypto): the workflow keeps its own copy.
const KIND_JA: Record<ReportClock['kind'], string> = { first: '第1報', second: '第2報', preliminary: '速報', final: '確報' };
