// 委託処理 (Procedure 3): one contract over the years it lasts. A department head's request is
// investigated and approved behind the hard gate (approval.ts); the signed contract must carry
// every mandatory clause before it becomes active (tokyo:25); while active, the contractor is
// inspected at the profile's interval and on demand (tokyo:26), and a change of content, staff,
// subcontractors, site or data is approved again, its scopes suspended meanwhile (tokyo:24.1); at
// the end the data is returned or destroyed and the equipment wiped, with evidence, and only then
// does the case close (tokyo:25.5, niigata:19.6). Each inspection or change ends the run: the next
// continues as new, so a five-year contract keeps every history small.
import { allHandlersFinished, condition, continueAsNew, executeChild, ParentClosePolicy, proxyActivities, setHandler, startChild } from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../../activities';
import type { ContractScope } from '../../domain/contract';
import { humanTask } from '../human-task';
import { type ChangeContractInput, changeContractUpdate, reportMaintenanceUpdate, type RequestInspectionInput, requestInspectionUpdate } from '../messages';
import { approve } from './approval';
import { contractInspection } from './inspection';

const { recordContractRequested, contractTaskRequest, activateContract, contractPeriodNow, recordChangeRequested, recordChangeDecided, closeContract, recordMaintenanceReport } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

export interface ContractInput {
  contractId: string;
  organisation: string;
  /** Carried from the run before (continue-as-new): absent, the contract is a new request. */
  active?: ActiveState;
}

/** What an active contract's next run needs to know. */
export interface ActiveState {
  /** The next periodic inspection's number (1 for the first). */
  nextPeriodic: number;
  /** Inspections on demand so far. */
  onDemand: number;
  /** Changes asked so far. */
  changes: number;
}

export interface ContractOutcome {
  contractId: string;
  status: 'refused' | 'closed';
}

export async function contractWorkflow(input: ContractInput): Promise<ContractOutcome> {
  const { contractId } = input;
  if (!input.active) {
    await recordContractRequested({ contractId });
    if ((await approve(contractId, { kind: 'request' }, { base: contractId, name: '' })) === 'refuse') return { contractId, status: 'refused' };
    // tokyo:25: active only once every mandatory clause is located in the signed contract.
    const clauses = await contractTaskRequest({ contractId, task: 'clauses' });
    const located = await executeChild(humanTask, { workflowId: `${contractId}/clauses`, args: [clauses] });
    await activateContract({ contractId, checklist: clauses.checklist!, decision: located.decision });
    return continueAsNew<typeof contractWorkflow>({ ...input, active: { nextPeriodic: 1, onDemand: 0, changes: 0 } });
  }
  return activeRun(input, input.active);
}

/**
 * One run of an active contract: waits for the next periodic inspection, an inspection on demand,
 * a change, or the end — carries out what comes (a change asked during an inspection after it),
 * then continues as new, or closes.
 */
async function activeRun(input: ContractInput, state: ActiveState): Promise<ContractOutcome> {
  const { contractId } = input;
  let change: { n: number; scopes: ContractScope[] } | undefined;
  let changeAsked = false;
  let demanded: RequestInspectionInput | undefined;
  let phase: 'waiting' | 'inspecting' | 'changing' | 'ending' = 'waiting';

  setHandler(
    changeContractUpdate,
    async (c: ChangeContractInput) => {
      const n = state.changes + 1;
      // Taken at once, before the activity: a second change sent meanwhile is refused by the validator.
      changeAsked = true;
      try {
        const { scopes } = await recordChangeRequested({ contractId, change: n, input: c, at: Date.now() });
        change = { n, scopes };
        return { change: n, scopes };
      } catch (err) {
        changeAsked = false;
        throw err;
      }
    },
    {
      validator: (c) => {
        if (phase === 'ending') throw new Error('the contract has ended / 契約は終了しています');
        if (changeAsked || phase === 'changing') throw new Error('another change is awaiting approval / 別の変更が承認待ちです');
        if (!c || typeof c.reason !== 'string' || c.reason.trim() === '') throw new Error('reason: 変更の理由を書いてください');
      },
    },
  );
  setHandler(
    requestInspectionUpdate,
    (r) => {
      demanded = r;
      return { inspection: `on-demand-${state.onDemand + 1}` };
    },
    {
      validator: (r) => {
        if (phase === 'ending') throw new Error('the contract has ended / 契約は終了しています');
        if (demanded || phase !== 'waiting') throw new Error('an inspection or a change is under way / 検査又は変更の手続中です');
        if (!r || typeof r.reason !== 'string' || r.reason.trim() === '') throw new Error('reason: 検査の理由を書いてください');
      },
    },
  );

  // katsuragi:5.1: a maintenance report reaches the chief, as a task of its own that outlives this run.
  setHandler(
    reportMaintenanceUpdate,
    async (m) => {
      const request = await recordMaintenanceReport({ contractId, report: m, at: Date.now() });
      const workflowId = `${contractId}/maintenance-${m.reportId}`;
      await startChild(humanTask, { workflowId, args: [request], parentClosePolicy: ParentClosePolicy.ABANDON });
      return { workflowId };
    },
    {
      validator: (m) => {
        if (phase === 'ending') throw new Error('the contract has ended / 契約は終了しています');
        if (!m || typeof m.reportId !== 'string' || !/^[0-9a-f]{16,32}$/.test(m.reportId)) throw new Error('reportId: not a report id');
        if (typeof m.summary !== 'string' || m.summary.trim() === '') throw new Error('summary: 保守の内容を書いてください');
      },
    },
  );

  const period = await contractPeriodNow({ contractId, nextPeriodic: state.nextPeriodic });
  const until = period.next ? period.next.at : period.endsAt;
  await condition(() => change !== undefined || demanded !== undefined, Math.max(0, until - Date.now()));

  let after = state;
  if (!change && (demanded || period.next)) {
    phase = 'inspecting';
    const onDemand = demanded !== undefined;
    const label = onDemand ? `on-demand-${state.onDemand + 1}` : `periodic-${state.nextPeriodic}`;
    await executeChild(contractInspection, {
      workflowId: `${contractId}/inspection-${label}`,
      args: [{ contractId, organisation: input.organisation, inspection: label, ...(demanded ? { reason: demanded.reason, requestedBy: demanded.by } : {}) }],
    });
    after = onDemand ? { ...after, onDemand: after.onDemand + 1 } : { ...after, nextPeriodic: after.nextPeriodic + 1 };
  }
  // Wait for a change Update still in its handler (its suspension being recorded).
  await condition(allHandlersFinished);
  if (change) {
    // A change: approved again behind the same gate, its scopes suspended until then.
    phase = 'changing';
    const { n, scopes } = change;
    const answer = await approve(contractId, { kind: 'change', scopes }, { base: `${contractId}/change-${n}`, name: `change-${n}/` });
    await recordChangeDecided({ contractId, change: n, approved: answer === 'approve', at: Date.now() });
    after = { ...after, changes: n };
  }
  if (after !== state) return next(input, after);

  // The end (tokyo:25.5, niigata:19.6): the data returned or destroyed and the equipment wiped,
  // each with evidence; the case closes only then.
  phase = 'ending';
  const ending = await contractTaskRequest({ contractId, task: 'end' });
  const ended = await executeChild(humanTask, { workflowId: `${contractId}/end`, args: [ending] });
  await closeContract({ contractId, checklist: ending.checklist!, decision: ended.decision });
  await condition(allHandlersFinished);
  return { contractId, status: 'closed' };
}

/** The next run of an active contract, once every Update taken in this one has finished. */
async function next(input: ContractInput, active: ActiveState): Promise<never> {
  await condition(allHandlersFinished);
  return continueAsNew<typeof contractWorkflow>({ ...input, active });
}
