// Raising or lowering an incident's threat level (脅威度) with a reason, from the API, the console
// and the CLI: checked against the organisation's scale here (400 naming body.level), then sent
// to the incident's workflow as the `changeThreatLevel` Update, which records it with the articles
// and adapts the playbook (a raised level that convenes the council convenes it).
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { getIncident, type IncidentRow } from '../db/incidents';
import { getOrganisation } from '../db/organisations';
import type { Database } from '../db/schema';
import { IncidentStatus } from '../domain/incidents';
import { text } from '../domain/text';
import { checkLevelChange } from '../domain/triage';
import { z } from '../domain/zod';
import { changeThreatLevelUpdate, type ThreatLevelChange } from '../workflows/messages';
import { HttpError, notFound } from './http';

/** An integer as JSON writes it, or as a form or a command line sends it (decimal digits). */
const integerInput = z.preprocess((v) => (typeof v === 'string' && /^[0-9]{1,6}$/.test(v) ? Number(v) : v), z.number().int());

export const threatLevelChangeSchema = z.strictObject({
  level: integerInput,
  reason: text({ max: 1000, multiline: true }),
});
export type ThreatLevelChangeBody = z.output<typeof threatLevelChangeSchema>;

export interface ThreatLevelDeps {
  db: Kysely<Database>;
  client: Client;
  /** How long to wait for the workflow to take the change before answering 503. */
  updateTimeoutMs?: number;
}

export async function changeThreatLevel(
  deps: ThreatLevelDeps,
  ref: { organisation: string; incidentId: string },
  body: ThreatLevelChangeBody,
  by: { name: string; email: string },
): Promise<{ change: ThreatLevelChange; incident: IncidentRow }> {
  const incident = await getIncident(deps.db, ref.organisation, ref.incidentId);
  if (!incident) throw notFound(`incident ${ref.organisation}/${ref.incidentId} not found`);
  const profile = await getOrganisation(deps.db, ref.organisation);
  if (!profile) throw notFound(`organisation ${ref.organisation} not found`);
  const check = checkLevelChange(profile, incident.threat_level, body.level);
  if (!check.ok) throw new HttpError(400, 'validation_failed', `body.level: ${check.message}`, [{ path: 'body.level', message: check.message }]);
  if (incident.status === IncidentStatus.CLOSED) throw new HttpError(409, 'closed', `${ref.incidentId} は終結しています`);
  try {
    const change = await deps.client.withDeadline(Date.now() + (deps.updateTimeoutMs ?? 15_000), () =>
      deps.client.workflow.getHandle(incident.workflow_id).executeUpdate(changeThreatLevelUpdate, { args: [{ level: body.level, reason: body.reason, by }] }),
    );
    return { change, incident: (await getIncident(deps.db, ref.organisation, ref.incidentId))! };
  } catch (err) {
    // The workflow's validator refused (the level changed meanwhile, or the incident closed), or it
    // began before triage and takes no level changes.
    if (err instanceof WorkflowUpdateFailedError) throw new HttpError(409, 'refused', `脅威度を変更できません: ${err.cause?.message ?? err.message}`);
    if (err instanceof WorkflowNotFoundError) throw new HttpError(409, 'refused', `${ref.incidentId} の対応はすでに終了しています`);
    throw err;
  }
}
