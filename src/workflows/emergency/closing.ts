// 復旧・再発防止・終結 (issue 10 §7), the end of the emergency response: once the segment is
// reconnected and verified (or the decision was not to cut it off), the commander assigns cause
// analysis (原因究明) and recurrence-prevention tasks (再発防止策) to sections with due dates —
// each a humanTask child that reminds the section before its due date and moves to the commander
// when it passes — issues the final report (最終報告) to the executive, and closes the incident,
// which is refused while any obligation (report, notice, task, final report) is neither done nor
// waived with a reason.
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  executeChild,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../../activities';
import { closingArticles, RECOVERY_TASK_KINDS, RECOVERY_TASK_LABELS, recoveryTaskKey, recoveryTaskWindow } from '../../domain/closing';
import { IncidentStatus } from '../../domain/incidents';
import { closeBlockers } from '../../domain/obligations';
import type { ProcedureStep } from '../../domain/procedures';
import type { OrganisationProfile } from '../../domain/profile';
import type { Assignee, HumanTaskRequest, TaskOption } from '../../domain/tasks';
import { assessingCommander } from '../../domain/triage';
import { humanTask } from '../human-task';
import { assignRecoveryTaskUpdate, type AssignRecoveryTaskInput, CLOSE_BLOCKED, closeIncidentUpdate, issueFinalReportUpdate } from '../messages';

const { recordAudit, recordRecoveryTask, finishRecoveryTask, gatherCaseObligations, listCaseWaivers, withdrawTask } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});
/** Rendering the PDF and mailing it to every executive contact may take a while on a slow relay. */
const { issueFinalReport } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

export const RECOVERY_DONE_OPTIONS: TaskOption[] = [{ value: 'done', label: '完了した（結果を備考に記入）' }];

export interface ClosingContext {
  organisation: string;
  incidentId: string;
  profile: OrganisationProfile;
  /** True: reconnected and verified; false: the decision was not to cut off. */
  reconnected: boolean;
  moveTo: (next: IncidentStatus) => Promise<void>;
}

interface RunningTask {
  n: number;
  workflowId: string;
  scope: CancellationScope;
  open: boolean;
  settled: Promise<void>;
}

const person = (p: { name: string; email: string }) => `${p.name} <${p.email}>`;

export async function recoverAndClose(ctx: ClosingContext): Promise<void> {
  const wf = workflowInfo().workflowId;
  const { profile } = ctx;
  const ref = { organisation: ctx.organisation, caseId: ctx.incidentId };
  const articles = (step: ProcedureStep) => profile.articles[step] ?? [];
  const closeArticles = closingArticles(profile);

  const tasks: RunningTask[] = [];
  let editions = 0;
  let closing = false;
  let closed = false;

  // 原因究明・再発防止策: the section's person, then (when the due date passes) the commander.
  setHandler(
    assignRecoveryTaskUpdate,
    async (i) => {
      const n = tasks.length + 1;
      const workflowId = `${wf}/recovery-${n}`;
      const entry: RunningTask = { n, workflowId, scope: new CancellationScope(), open: true, settled: Promise.resolve() };
      tasks.push(entry);
      await recordRecoveryTask({ ...ref, n, kind: i.kind, section: i.section, title: i.title, detail: i.detail, assignee: i.assignee, dueAt: i.dueAt, assignedBy: i.by, workflowId });
      const request = recoveryTaskRequest(ctx, i, Date.now());
      entry.settled = entry.scope
        .run(() => executeChild(humanTask, { workflowId, args: [request] }))
        .then(
          async (outcome) => {
            entry.open = false;
            const d = outcome.decision;
            await finishRecoveryTask({ ...ref, n, workflowId, state: 'DONE', result: d.note, by: d.decidedBy, at: d.decidedAt });
          },
          (err) => {
            // Withdrawn at close (its obligation was waived): the close records it.
            if (!isCancellation(err)) throw err;
          },
        );
      return { n, key: recoveryTaskKey(n), workflowId };
    },
    {
      validator: (i) => {
        if (closed || closing) throw new Error('the incident is closed (終結済み)');
        if (!(RECOVERY_TASK_KINDS as readonly string[]).includes(i.kind)) throw new Error(`kind: one of ${RECOVERY_TASK_KINDS.join(', ')}`);
        for (const f of ['section', 'title'] as const) if (typeof i[f] !== 'string' || i[f].trim() === '') throw new Error(`${f}: required`);
        if (!i.assignee?.email || !i.assignee.name) throw new Error('assignee: name and email required');
        if (!(Date.parse(i.dueAt) > Date.now())) throw new Error('dueAt: 期限は現在より後にしてください');
      },
    },
  );

  // 最終報告: each call renders and sends a new edition from the trail as it is then.
  setHandler(
    issueFinalReportUpdate,
    async ({ by }) => {
      const edition = ++editions;
      const r = await issueFinalReport({ ...ref, edition, by, at: new Date(Date.now()).toISOString() });
      return { edition, documentId: r.documentId, sha256: r.sha256, recipients: r.recipients };
    },
    {
      validator: (i) => {
        if (closed || closing) throw new Error('the incident is closed (終結済み)');
        if (!i?.by?.name) throw new Error('by: required');
      },
    },
  );

  // 終結: only when nothing is left open. One close at a time; a refused one leaves all as it was.
  setHandler(
    closeIncidentUpdate,
    async ({ reason, by }) => {
      closing = true;
      try {
        const obligations = await gatherCaseObligations(ref);
        const blockers = closeBlockers(obligations);
        if (blockers.length > 0) {
          throw ApplicationFailure.create({
            type: CLOSE_BLOCKED,
            nonRetryable: true,
            message: `未了の義務があるため終結できません / open obligations: ${blockers.map((b) => `${b.label} [${b.key}]`).join('、')}`,
            details: [blockers],
          });
        }
        // Tasks whose obligation was waived are withdrawn: their links say so.
        for (const t of tasks.filter((x) => x.open)) {
          t.open = false;
          t.scope.cancel();
          await withdrawTask({ workflowId: t.workflowId });
          await finishRecoveryTask({ ...ref, n: t.n, workflowId: t.workflowId, state: 'WITHDRAWN', at: new Date(Date.now()).toISOString() });
        }
        const waivers = await listCaseWaivers(ref);
        await recordAudit({
          id: `${wf}/closed`,
          ...ref,
          step: 'emergency.close',
          outcome: `終結${reason ? `（${reason}）` : ''}: 義務 ${obligations.length} 件（完了 ${obligations.filter((o) => o.state === 'done').length}、免除 ${obligations.filter((o) => o.state === 'waived').length}）`,
          actor: person(by),
          articles: closeArticles,
          detail: { reason, obligations: obligations.map((o) => ({ key: o.key, state: o.state })), waivers },
        });
        await ctx.moveTo(IncidentStatus.CLOSED);
        closed = true;
        return { closedAt: new Date(Date.now()).toISOString(), obligations };
      } finally {
        closing = closed;
      }
    },
    {
      validator: (i) => {
        if (closed) throw new Error('the incident is closed (終結済み)');
        if (closing) throw new Error('a close is already in progress');
        if (typeof i.reason !== 'string') throw new Error('reason: must be text');
      },
    },
  );

  // The handlers first (they write nothing to the history), so an assignment sent the moment the
  // incident shows RECOVERED is taken.
  // 復旧: the system is back in service; from here the commander assigns tasks and closes.
  await recordAudit({
    id: `${wf}/recover`,
    ...ref,
    step: 'emergency.recover',
    outcome: ctx.reconnected ? '復旧（再接続を確認済み）。原因究明・再発防止策と最終報告へ' : '切離しを行わずに復旧措置へ。原因究明・再発防止策と最終報告へ',
    actor: 'system',
    articles: articles('emergency.recover'),
    detail: { reconnected: ctx.reconnected },
  });
  if (!ctx.reconnected) await ctx.moveTo(IncidentStatus.RECOVERED);

  await condition(() => closed);
  await Promise.all(tasks.map((t) => t.settled));
  await condition(allHandlersFinished);
}

function recoveryTaskRequest(ctx: ClosingContext, i: AssignRecoveryTaskInput, nowMs: number): HumanTaskRequest {
  const kind = RECOVERY_TASK_LABELS[i.kind];
  const section: Assignee = { name: i.assignee.name, email: i.assignee.email, title: i.section, position: i.section, phone: '' };
  const window = recoveryTaskWindow(nowMs, Date.parse(i.dueAt));
  return {
    caseId: ctx.incidentId,
    organisation: ctx.organisation,
    step: kind.step,
    articles: ctx.profile.articles[kind.step] ?? [],
    kind: 'decide',
    title: `${kind.ja}: ${i.title}（${ctx.incidentId}）`,
    body:
      `${ctx.incidentId} について、${i.section}に${kind.ja}を指示します（指示: ${i.by.name}）。` +
      `${i.detail ? `内容: ${i.detail} ` : ''}期限までに実施し、結果を備考に書いて「完了した」を選んでください。期限を過ぎると指揮者に移管されます。`,
    options: RECOVERY_DONE_OPTIONS,
    // After the due date the task moves to the commander (the chief, then the chief's stand-ins).
    chain: [section, ...assessingCommander(ctx.profile).filter((a) => a.email.toLowerCase() !== i.assignee.email.toLowerCase())],
    ...window,
    ...(ctx.profile.contacts.deliveryAlertAfter ? { deliveryAlertAfterMs: Math.min(window.remindAfterMs, 10 * 60_000) } : {}),
  };
}
