// Declaring an incident (API, console form and CLI alike): number it, record it, start its
// emergencyResponse workflow under a workflow id derived from the business id. The same
// declaration id returns the same incident; a workflow that cannot be started leaves nothing.
import { randomUUID } from 'node:crypto';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { type DeclaredVia, getIncidentByDeclaration, type IncidentRow, insertIncident, withdrawIncident } from '../db/incidents';
import { getOrganisation } from '../db/organisations';
import type { Database } from '../db/schema';
import { type DeclareIncident, emergencyWorkflowId, IncidentStatus } from '../domain/incidents';
import type { emergencyResponse } from '../workflows/emergency-response';
import { incidentIdKey, incidentKindKey, incidentStatusKey, organisationKey } from '../workflows/messages';
import { HttpError } from './http';

export interface IncidentServiceDeps {
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
  /** Called just before the first write: a lost connection after it may have recorded the incident. */
  beforeWrite?: () => void;
}

export async function declareIncident(deps: IncidentServiceDeps, d: DeclareIncident, via: DeclaredVia): Promise<{ incident: IncidentRow; created: boolean }> {
  const { db, client } = deps;
  if (d.declarationId) {
    const existing = await getIncidentByDeclaration(db, d.declarationId);
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
  const incident = await insertIncident(db, { ...d, declarationId: d.declarationId ?? randomUUID() }, via, (id) => emergencyWorkflowId(d.organisation, id));
  try {
    await client.workflow.start<typeof emergencyResponse>('emergencyResponse', {
      taskQueue: deps.taskQueue,
      workflowId: incident.workflow_id,
      args: [
        {
          organisation: incident.organisation,
          incidentId: incident.incident_id,
          kind: d.kind,
          threatLevel: d.threatLevel,
          summary: d.summary,
          observed: d.observed,
          detectedBy: d.detectedBy,
          detectedAt: new Date(d.detectedAt).toISOString(),
          awareAt: new Date(d.awareAt).toISOString(),
        },
      ],
      typedSearchAttributes: [
        { key: incidentIdKey, value: incident.incident_id },
        { key: organisationKey, value: incident.organisation },
        { key: incidentKindKey, value: d.kind },
        { key: incidentStatusKey, value: IncidentStatus.DECLARED },
      ],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      await withdrawIncident(db, incident);
      const cause = (err as { cause?: Error }).cause?.message;
      throw new HttpError(503, 'temporal_unavailable', `the emergency response could not be started: ${(err as Error).message}${cause ? ` (${cause})` : ''}`);
    }
  }
  return { incident, created: true };
}
