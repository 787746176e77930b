// Recovery and close from the API, the console and the CLI alike: assign a recovery task, issue the
// final report, waive an obligation, close — each an Update of the incident's workflow (or, for a
// waiver, a row and an audit row), with the workflow's refusals turned into 409s that name what
// blocks. Waivers are dispatched by the key's source prefix: the reports' own waiver joins at merge.
import { setTimeout as delay } from 'node:timers/promises';
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { gatherObligations } from '../closing/obligations';
import { appendAudit } from '../db/audit';
import { insertWaiver } from '../db/closing';
import { getIncident, type IncidentRow } from '../db/incidents';
import { getOrganisation } from '../db/organisations';
import type { Database } from '../db/schema';
import { obligationSource, type RecoveryTaskInput, type WaiverInput } from '../domain/closing';
import { IncidentStatus } from '../domain/incidents';
import { closeBlockers, type Obligation } from '../domain/obligations';
import type { SigningKey } from '../tokens';
import {
  type AssignedRecoveryTask,
  assignRecoveryTaskUpdate,
  CLOSE_BLOCKED,
  type CloseIncidentResult,
  closeIncidentUpdate,
  issueFinalReportUpdate,
} from '../workflows/messages';
import { waiveReport } from './reports';
import { HttpError, notFound } from './http';

export interface ClosingServiceDeps {
  db: Kysely<Database>;
  client: Client;
  auditMacKey: SigningKey;
  /** How long an Update may wait for the workflow before answering 503 (default 15 s). */
  updateTimeoutMs?: number;
  now: () => Date;
}

type Ref = { organisation: string; incidentId: string };
type By = { name: string; email: string };

/** A close refused for open obligations: the API answers 409 with them. */
export class CloseBlockedError extends HttpError {
  constructor(readonly blockers: Obligation[]) {
    super(409, 'close_blocked', `未了の義務があるため終結できません / open obligations: ${blockers.map((b) => b.key).join(', ')}`, blockers.map((b) => ({ path: `obligations.${b.key}`, message: b.label })));
  }
}

async function incidentOf(deps: ClosingServiceDeps, ref: Ref): Promise<IncidentRow> {
  const incident = await getIncident(deps.db, ref.organisation, ref.incidentId);
  if (!incident) throw notFound(`incident ${ref.organisation}/${ref.incidentId} not found`);
  return incident;
}

export async function caseObligations(deps: Pick<ClosingServiceDeps, 'db'>, ref: Ref): Promise<Obligation[]> {
  const profile = await getOrganisation(deps.db, ref.organisation);
  if (!profile) throw notFound(`organisation ${ref.organisation} not found`);
  return gatherObligations(deps.db, { organisation: ref.organisation, caseId: ref.incidentId, profile });
}

/** Sends an Update; the workflow's refusals become 409 (the recovery phase not reached, the incident closed). */
async function update<R>(deps: ClosingServiceDeps, incident: IncidentRow, send: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<R>, what: string): Promise<R> {
  if (incident.status === IncidentStatus.CLOSED) throw new HttpError(409, 'closed', `${incident.incident_id} は終結しています / is closed`);
  // Only a recovered incident takes these Updates: asking earlier would wait on the workflow for nothing.
  if (incident.status !== IncidentStatus.RECOVERED) throw new HttpError(409, 'not_recovered', `${what}: ${incident.incident_id} は復旧前です（状態 ${incident.status}）/ not recovered yet`);
  const deadline = Date.now() + (deps.updateTimeoutMs ?? 15_000);
  for (;;) {
    try {
      return await deps.client.withDeadline(deadline, () => send(deps.client.workflow.getHandle(incident.workflow_id)));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const cause = err.cause;
        if (cause instanceof ApplicationFailure && cause.type === CLOSE_BLOCKED) throw new CloseBlockedError((cause.details?.[0] as Obligation[]) ?? []);
        const message = cause?.message ?? err.message;
        // No handler yet: the workflow has not taken up recovery (復旧). The page shows RECOVERED a
        // moment before it does (the containment child writes it; the parent takes up recovery on
        // its next task), so a refused Update — nothing recorded — is asked again until the deadline.
        if (/handler/i.test(message)) {
          if (Date.now() + HANDLER_RETRY_MS < deadline) {
            await delay(HANDLER_RETRY_MS);
            continue;
          }
          throw new HttpError(409, 'not_recovered', `${what}: ${incident.incident_id} は復旧前です（状態 ${incident.status}）/ not recovered yet`);
        }
        throw new HttpError(409, 'refused', `${what}: ${message}`);
      }
      if (err instanceof WorkflowNotFoundError) throw new HttpError(409, 'refused', `${incident.incident_id} の対応はすでに終了しています`);
      throw err;
    }
  }
}

const HANDLER_RETRY_MS = 500;

export async function assignRecoveryTask(deps: ClosingServiceDeps, ref: Ref, body: RecoveryTaskInput, by: By): Promise<AssignedRecoveryTask> {
  if (!(Date.parse(body.dueAt) > deps.now().getTime())) {
    throw new HttpError(400, 'validation_failed', 'body.dueAt: 期限は現在より後にしてください', [{ path: 'body.dueAt', message: '期限は現在より後にしてください' }]);
  }
  const incident = await incidentOf(deps, ref);
  return update(deps, incident, (h) => h.executeUpdate(assignRecoveryTaskUpdate, { args: [{ ...body, dueAt: new Date(body.dueAt).toISOString(), by }] }), '原因究明・再発防止策を指示できません');
}

export async function issueFinalReport(deps: ClosingServiceDeps, ref: Ref, by: By) {
  const incident = await incidentOf(deps, ref);
  return update(deps, incident, (h) => h.executeUpdate(issueFinalReportUpdate, { args: [{ by }] }), '最終報告を作成できません');
}

/** Closes the incident; 409 naming each open obligation (checked here first, then by the workflow, which decides). */
export async function closeIncident(deps: ClosingServiceDeps, ref: Ref, reason: string, by: By): Promise<CloseIncidentResult> {
  const incident = await incidentOf(deps, ref);
  if (incident.status === IncidentStatus.CLOSED) throw new HttpError(409, 'closed', `${incident.incident_id} は終結しています / is closed`);
  const blockers = closeBlockers(await caseObligations(deps, ref));
  if (blockers.length > 0) throw new CloseBlockedError(blockers);
  return update(deps, incident, (h) => h.executeUpdate(closeIncidentUpdate, { args: [{ reason, by }] }), '終結できません');
}

/** Waives one obligation of a source; dispatched by the key's prefix. */
export type WaiverHandler = (deps: ClosingServiceDeps, ref: Ref, waiver: WaiverInput, by: By) => Promise<Obligation>;

/** The waiver of the obligations gathered here: a row (the first waiver stands) and an audit row with the reason. */
/** The case's open obligation of that key: 404 when the case has none, 409 when it is done or waived. */
async function openObligation(deps: ClosingServiceDeps, ref: Ref, key: string): Promise<Obligation> {
  const obligation = (await caseObligations(deps, ref)).find((o) => o.key === key);
  if (!obligation) throw new HttpError(404, 'not_found', `body.key: ${key} は ${ref.incidentId} の義務ではありません`, [{ path: 'body.key', message: `${key} はこの事案の義務ではありません` }]);
  if (obligation.state !== 'open') {
    throw new HttpError(409, 'not_open', `body.key: ${key} は${obligation.state === 'done' ? '完了済み' : '免除済み'}です`, [{ path: 'body.key', message: `${obligation.label}: ${obligation.state}` }]);
  }
  return obligation;
}

export const storeWaiver: WaiverHandler = async (deps, ref, w, by) => {
  const obligation = await openObligation(deps, ref, w.key);
  const at = deps.now();
  const actor = `${by.name} <${by.email}>`;
  if (!(await insertWaiver(deps.db, { organisation: ref.organisation, caseId: ref.incidentId, key: w.key, reason: w.reason, waivedBy: actor, at }))) {
    throw new HttpError(409, 'not_open', `body.key: ${w.key} は免除済みです`, [{ path: 'body.key', message: `${obligation.label}: waived` }]);
  }
  await appendAudit(
    deps.db,
    {
      id: `${ref.organisation}/${ref.incidentId}/waiver/${w.key}`,
      at,
      caseId: ref.incidentId,
      organisation: ref.organisation,
      actor,
      step: obligation.step,
      outcome: `義務を免除: ${obligation.label}（理由: ${w.reason}）`,
      articles: obligation.articles,
      detail: { obligation: w.key, reason: w.reason },
    },
    deps.auditMacKey,
  );
  return { ...obligation, state: 'waived' };
};

/** A statutory report's waiver stops its clock: the reports' workflow records it (and withdraws an open review). */
export const reportWaiver: WaiverHandler = async (deps, ref, w, by) => {
  const obligation = await openObligation(deps, ref, w.key);
  await waiveReport(deps, ref, w.key, w.reason, by);
  return { ...obligation, state: 'waived' };
};

/** Who handles a waiver, by the key's source. */
export const WAIVER_HANDLERS: Record<string, WaiverHandler> = {
  report: reportWaiver,
  notice: storeWaiver,
  recovery: storeWaiver,
  'final-report': storeWaiver,
};

export async function waiveObligation(deps: ClosingServiceDeps, ref: Ref, w: WaiverInput, by: By, handlers: Record<string, WaiverHandler> = WAIVER_HANDLERS): Promise<Obligation> {
  const incident = await incidentOf(deps, ref);
  if (incident.status === IncidentStatus.CLOSED) throw new HttpError(409, 'closed', `${incident.incident_id} は終結しています / is closed`);
  const handler = handlers[obligationSource(w.key)];
  if (!handler) {
    throw new HttpError(400, 'validation_failed', `body.key: unknown obligation source ${obligationSource(w.key)}`, [
      { path: 'body.key', message: `義務の種類 ${obligationSource(w.key)} はありません（${Object.keys(handlers).join(', ')}）` },
    ]);
  }
  return handler(deps, ref, w, by);
}
