// Declaring an incident (API, console form and CLI alike): number it, record it, start its
// emergencyResponse workflow under a workflow id derived from the business id. The same
// declaration id returns the same incident; a workflow the server refused to start leaves
// nothing; one whose start went unanswered keeps its number until the declaration is sent again.
import { randomUUID } from 'node:crypto';
import { type Client, isGrpcServiceError, NamespaceNotFoundError, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { confirmStarted, type DeclaredVia, getIncidentByDeclaration, type IncidentRow, insertIncident, markStartUncertain, withdrawIncident } from '../db/incidents';
import { getOrganisation } from '../db/organisations';
import type { Database } from '../db/schema';
import { type DeclareIncident, emergencyWorkflowId, type IncidentKind, IncidentStatus } from '../domain/incidents';
import type { emergencyResponse } from '../workflows/emergency-response';
import { incidentIdKey, incidentKindKey, incidentStatusKey, organisationKey } from '../workflows/messages';
import { HttpError } from './http';

export interface IncidentServiceDeps {
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
  /** How long starting the workflow may take before the declaration answers 503 (default 15 s). */
  startTimeoutMs?: number;
  /** Called just before the first write: a lost connection after it may have recorded the incident. */
  beforeWrite?: () => void;
}

const START_TIMEOUT_MS = 15_000;

/**
 * gRPC codes with which the server refused the start: no workflow was created, so the number can
 * be given back. Anything else (deadline, cancelled, unavailable mid-call, unknown) may have
 * reached the server and started the workflow.
 */
const REFUSED = new Set([
  3, // INVALID_ARGUMENT
  5, // NOT_FOUND (the namespace)
  7, // PERMISSION_DENIED
  9, // FAILED_PRECONDITION
  12, // UNIMPLEMENTED
  16, // UNAUTHENTICATED
]);

function refused(err: unknown): boolean {
  if (err instanceof NamespaceNotFoundError) return true;
  for (let e = err; e instanceof Error; e = e.cause) {
    if (isGrpcServiceError(e)) return REFUSED.has(e.code);
  }
  return false;
}

const describeError = (err: unknown) => {
  const cause = (err as { cause?: Error }).cause?.message;
  return `${(err as Error).message}${cause ? ` (${cause})` : ''}`;
};

export async function declareIncident(deps: IncidentServiceDeps, d: DeclareIncident, via: DeclaredVia): Promise<{ incident: IncidentRow; created: boolean }> {
  const { db } = deps;
  if (d.declarationId) {
    const existing = await getIncidentByDeclaration(db, d.declarationId);
    // The caller was authorised for d.organisation only: another organisation's incident under the
    // same declaration id is neither returned nor restarted, nor is its organisation named.
    if (existing && existing.organisation !== d.organisation) {
      throw new HttpError(409, 'declaration_conflict', 'declarationId: already used by another declaration; send a new one', [
        { path: 'body.declarationId', message: 'この申告 ID は別の申告で使われています' },
      ]);
    }
    // A declaration whose start went unanswered: this retry completes it.
    if (existing?.status === IncidentStatus.START_UNCERTAIN) return { incident: await startEmergency(deps, existing), created: true };
    if (existing) return { incident: existing, created: false };
  }
  const profile = await getOrganisation(db, d.organisation);
  if (!profile) {
    throw new HttpError(404, 'not_found', `organisation ${d.organisation} is not loaded`, [{ path: 'body.organisation', message: `組織 ${d.organisation} は登録されていません` }]);
  }
  const levels = profile.threatLevels.map((l) => l.level);
  if (!levels.includes(d.threatLevel)) {
    const message = `${profile.organisation.name}の脅威度は ${levels.map((l) => `L${l}`).join(', ')} です`;
    throw new HttpError(400, 'validation_failed', `body.threatLevel: ${message}`, [{ path: 'body.threatLevel', message }]);
  }
  deps.beforeWrite?.();
  let incident: IncidentRow;
  try {
    incident = await insertIncident(db, { ...d, declarationId: d.declarationId ?? randomUUID() }, via, (id) => emergencyWorkflowId(d.organisation, id));
  } catch (err) {
    // The same declaration sent twice at once (a double click, an alert storm): the other one
    // recorded it first, and its transaction gave our number back. This one is that incident.
    const raced = d.declarationId && (err as { code?: string }).code === '23505' ? await getIncidentByDeclaration(db, d.declarationId) : undefined;
    if (raced && raced.organisation === d.organisation) return { incident: raced, created: false };
    throw err;
  }
  return { incident: await startEmergency(deps, incident), created: true };
}

/**
 * Starts the incident's workflow within the deadline. Refused by the server: the row and its
 * number are withdrawn. Unanswered (Temporal stalled or went away mid-call): the start may have
 * happened, so the number stays, marked START_UNCERTAIN, and a retry with the same declaration
 * id starts it (or finds it started: the workflow id is the incident's).
 */
async function startEmergency(deps: IncidentServiceDeps, incident: IncidentRow): Promise<IncidentRow> {
  const { db, client } = deps;
  // One deadline for the start and, should it fail early, the look for the workflow.
  const deadline = Date.now() + (deps.startTimeoutMs ?? START_TIMEOUT_MS);
  try {
    await client.withDeadline(deadline, () =>
      client.workflow.start<typeof emergencyResponse>('emergencyResponse', {
        taskQueue: deps.taskQueue,
        workflowId: incident.workflow_id,
        args: [
          {
            organisation: incident.organisation,
            incidentId: incident.incident_id,
            kind: incident.kind as IncidentKind,
            threatLevel: incident.threat_level,
            summary: incident.summary,
            observed: incident.observed,
            detectedBy: incident.detected_by,
            detectedAt: incident.detected_at.toISOString(),
            awareAt: incident.aware_at.toISOString(),
            ...(incident.drill ? { drill: incident.drill } : {}),
            ...(incident.facts ? { facts: incident.facts } : {}),
          },
        ],
        typedSearchAttributes: [
          { key: incidentIdKey, value: incident.incident_id },
          { key: organisationKey, value: incident.organisation },
          { key: incidentKindKey, value: incident.kind },
          { key: incidentStatusKey, value: IncidentStatus.DECLARED },
        ],
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      // A row already uncertain keeps its number: its first start may have gone through.
      if (refused(err) && incident.status !== IncidentStatus.START_UNCERTAIN) {
        await withdrawIncident(db, incident);
        throw new HttpError(503, 'temporal_unavailable', `the emergency response could not be started: ${describeError(err)}`);
      }
      if (!(await workflowExists(client, incident.workflow_id, deadline))) {
        await markStartUncertain(db, incident);
        throw new HttpError(
          503,
          'start_uncertain',
          `Temporal did not confirm the start of ${incident.incident_id} (${describeError(err)}); it may have started. Send the same declaration again (declarationId ${incident.declaration_id}) to complete it`,
        );
      }
    }
  }
  return incident.status === IncidentStatus.START_UNCERTAIN ? confirmStarted(db, incident) : incident;
}

/** Whether the workflow exists, asked before the deadline; false when Temporal does not say in time. */
async function workflowExists(client: Client, workflowId: string, deadline: number): Promise<boolean> {
  if (Date.now() >= deadline) return false;
  try {
    await client.withDeadline(deadline, () => client.workflow.getHandle(workflowId).describe());
    return true;
  } catch {
    return false;
  }
}
