// A human task (人への依頼), one child workflow per thing asked of a person: record the task and
// email its link; remind when the window passes; then move it to the next person of the chain
// (the substitute) — and keep waiting. A slow person never fails the procedure. The answer comes
// as the `decide` Update, whose id is derived from the task, so a double submit records once.
import { ActivityCancellationType, allHandlersFinished, condition, patched, proxyActivities, type RetryPolicy, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../activities';
import { chiefDecisionProblem } from '../domain/contract';
import { completeAnswers, reviewAnswersProblem } from '../domain/review';
import { checklistAnswersProblem, normaliseChecklistAnswers } from '../domain/task-checklist';
import { decisionTime, personWindowMs, type HumanTaskOutcome, type HumanTaskRequest, isIsoInstant, NOTE_MAX, type TaskDecision } from '../domain/tasks';
import { decideUpdate } from './messages';

const retry: RetryPolicy = { initialInterval: '5 seconds', maximumInterval: '5 minutes' };
/**
 * The mail activities: a send may wait on a slow relay up to SMTP_TIMEOUT (at most 3 minutes) and
 * heartbeats meanwhile, so a dead worker is noticed within 30 s and a slow send is not retried while
 * it still runs (a retry that finds it running does not send again).
 */
const mail = { startToCloseTimeout: '5 minutes', heartbeatTimeout: '30 seconds', retry } as const;
const short = { startToCloseTimeout: '1 minute', retry } as const;
/**
 * A task withdrawn (cancelled) while one of its activities runs ends only once that activity has:
 * nothing of a withdrawn task is left running. (The Java time-skipping server also stops skipping
 * time for good when an execution ends with an activity still running, which held back a month
 * skipped in a test.) Executions begun before this keep abandoning it, as they did.
 */
const waited = { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED } as const;
function taskActivities(cancellation: Partial<typeof waited> = {}) {
  const { openTask, remindTask, alertUndeliveredInvitation } = proxyActivities<Activities>({ ...mail, ...cancellation });
  const { moveTask, recordDecision } = proxyActivities<Activities>({ ...short, ...cancellation });
  return { openTask, remindTask, alertUndeliveredInvitation, moveTask, recordDecision };
}
type TaskActivities = ReturnType<typeof taskActivities>;

/** After the last person of the chain was asked, remind them each window, at most this often. */
const MAX_FINAL_REMINDERS = 10;

const newTaskId = () => uuid4().replace(/-/g, '').slice(0, 20);

export async function humanTask(request: HumanTaskRequest): Promise<HumanTaskOutcome> {
  const acts = taskActivities(patched('task-activities-finish-v1') ? waited : {});
  const { openTask, remindTask, moveTask, recordDecision } = acts;
  let current: { taskId: string; index: number } | undefined;
  let decision: TaskDecision | undefined;
  let reminders: number[] = [];
  const decided = () => decision !== undefined;

  // The handler only takes the answer: the Update completes in one workflow task, and the caller
  // (the task page) writes the answer to the database projection from its result. The workflow
  // records it too, with the audit row, right after.
  setHandler(
    decideUpdate,
    (input) => {
      const option = request.options.find((o) => o.value === input.option)!;
      decision = {
        taskId: input.taskId,
        option: option.value,
        optionLabel: option.label,
        note: input.note,
        decidedBy: input.actor,
        // The time the person answered, not the time a (returning) worker got to it.
        decidedAt: decisionTime(input.answeredAt, Date.now()),
        ...(request.review ? { answers: completeAnswers(request.review.items, input.answers ?? []) } : {}),
        ...(request.checklist ? { checklist: normaliseChecklistAnswers(request.checklist, input.checklist!) } : {}),
      };
      return decision;
    },
    {
      validator: (input) => {
        if (decision) throw new Error(`already decided by ${decision.decidedBy.name}`);
        if (!current || input.taskId !== current.taskId) throw new Error('this task has moved to another person');
        if (!request.options.some((o) => o.value === input.option)) throw new Error(`unknown option ${input.option}`);
        if (input.note.length > NOTE_MAX) throw new Error('note too long');
        if (input.answeredAt !== undefined && !isIsoInstant(input.answeredAt)) throw new Error(`answeredAt is not an ISO 8601 instant: ${input.answeredAt}`);
        if (request.review) {
          const problem = reviewAnswersProblem(request.review.items, input.answers ?? []);
          if (problem) throw new Error(problem);
        }
        if (request.checklist) {
          const problem = checklistAnswersProblem(request.checklist, input.checklist);
          if (problem) throw new Error(problem);
        }
        // tokyo:24.2: no approval while a mandatory item is unmet, from the page, the API or a crafted Update alike.
        if (request.approvalGate) {
          const problem = chiefDecisionProblem({ answer: input.option, reasons: input.note }, request.approvalGate.blockers);
          if (problem) throw new Error(problem);
        }
      },
    },
  );

  for (let index = 0; index < request.chain.length && !decided(); index++) {
    const previous = current;
    current = { taskId: newTaskId(), index };
    if (previous) await moveTask({ request, fromTaskId: previous.taskId, toTaskId: current.taskId, to: request.chain[index] });
    const opening = openTask({
      request,
      taskId: current.taskId,
      workflowId: workflowInfo().workflowId,
      index,
      askedAt: Date.now(),
    });
    if (request.deliveryAlertAfterMs !== undefined) await alertIfUndelivered(acts, request, request.deliveryAlertAfterMs, opening, current);
    // The window counts from here: openTask returns once the relay has taken the invitation.
    await opening;
    // One reminder at remindAfterMs, or the first person's own list: the same timers either way for a request without one.
    reminders = index === 0 && request.reminderOffsetsMs ? request.reminderOffsetsMs : [request.remindAfterMs];
    let waited = 0;
    for (const [n, at] of reminders.entries()) {
      if (await condition(decided, at - waited)) break;
      await remindTask({ request, taskId: current.taskId, reminder: n + 1, at: Date.now() });
      waited = at;
    }
    if (decided() || (await condition(decided, personWindowMs(request, index) - waited))) break;
  }
  for (let reminder = reminders.length + 1; !decided() && reminder <= MAX_FINAL_REMINDERS; reminder++) {
    if (!(await condition(decided, personWindowMs(request, current!.index)))) await remindTask({ request, taskId: current!.taskId, reminder, at: Date.now() });
  }
  await condition(decided);
  await recordDecision({ request, decision: decision! });
  await condition(allHandlersFinished);
  return { request: { caseId: request.caseId, step: request.step }, decision: decision!, asked: current!.index + 1 };
}

/** Alerts the commander when the invitation is still undelivered after `afterMs`; then keeps waiting for it. */
async function alertIfUndelivered({ alertUndeliveredInvitation }: TaskActivities, request: HumanTaskRequest, afterMs: number, opening: Promise<unknown>, task: { taskId: string; index: number }): Promise<void> {
  let settled = false;
  void opening.then(
    () => (settled = true),
    () => (settled = true),
  );
  if (!(await condition(() => settled, afterMs))) await alertUndeliveredInvitation({ request, taskId: task.taskId, index: task.index });
}
