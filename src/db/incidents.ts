// The incidents table: each declared incident, its business id and its current status.
import type { Kysely, Selectable } from 'kysely';
import { type DeclareIncident, formatIncidentId, IncidentStatus, parseIncidentId, yearInJapan } from '../domain/incidents';
import type { Database, IncidentTable } from './schema';

export type IncidentRow = Selectable<IncidentTable>;

export type DeclaredVia = 'console' | 'cli' | 'api' | 'detection';

/** Numbers the incident (per organisation and year) and records it, in one transaction. */
export async function insertIncident(
  db: Kysely<Database>,
  d: DeclareIncident & { declarationId: string },
  via: DeclaredVia,
  workflowIdFor: (incidentId: string) => string,
): Promise<IncidentRow> {
  return db.transaction().execute(async (tx) => {
    const year = yearInJapan(Date.parse(d.awareAt));
    const series = d.drill ? 'DRL' : 'INC';
    const { last } = await tx
      .insertInto('incident_counters')
      .values({ organisation: d.organisation, series, year, last: 1 })
      .onConflict((oc) => oc.columns(['organisation', 'series', 'year']).doUpdateSet((eb) => ({ last: eb('incident_counters.last', '+', 1) })))
      .returning('last')
      .executeTakeFirstOrThrow();
    const incidentId = formatIncidentId(year, last, series);
    return tx
      .insertInto('incidents')
      .values({
        organisation: d.organisation,
        incident_id: incidentId,
        declaration_id: d.declarationId,
        workflow_id: workflowIdFor(incidentId),
        kind: d.kind,
        threat_level: d.threatLevel,
        summary: d.summary,
        observed: d.observed,
        detected_by: JSON.stringify(d.detectedBy),
        detected_at: new Date(d.detectedAt),
        aware_at: new Date(d.awareAt),
        ...(d.facts ? { facts: JSON.stringify(d.facts) } : {}),
        declared_via: via,
        status: IncidentStatus.DECLARED,
        drill: d.drill ? JSON.stringify(d.drill) : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** Undoes a declaration whose workflow could not be started: nothing half-done stays behind. */
export async function withdrawIncident(db: Kysely<Database>, row: IncidentRow): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('incidents').where('organisation', '=', row.organisation).where('incident_id', '=', row.incident_id).execute();
    const { series, year, n } = parseIncidentId(row.incident_id)!;
    // Give the number back only if no later incident took one meanwhile.
    await tx
      .updateTable('incident_counters')
      .set({ last: n - 1 })
      .where('organisation', '=', row.organisation)
      .where('series', '=', series)
      .where('year', '=', year)
      .where('last', '=', n)
      .execute();
  });
}

export function getIncidentByDeclaration(db: Kysely<Database>, declarationId: string): Promise<IncidentRow | undefined> {
  return db.selectFrom('incidents').selectAll().where('declaration_id', '=', declarationId).executeTakeFirst();
}

export function getIncident(db: Kysely<Database>, organisation: string, incidentId: string): Promise<IncidentRow | undefined> {
  return db.selectFrom('incidents').selectAll().where('organisation', '=', organisation).where('incident_id', '=', incidentId).executeTakeFirst();
}

export function findIncidentsById(db: Kysely<Database>, incidentId: string): Promise<IncidentRow[]> {
  return db.selectFrom('incidents').selectAll().where('incident_id', '=', incidentId).execute();
}

export function listIncidents(db: Kysely<Database>, organisation?: string): Promise<IncidentRow[]> {
  let q = db.selectFrom('incidents').selectAll();
  if (organisation) q = q.where('organisation', '=', organisation);
  return q.orderBy('created_at', 'desc').limit(200).execute();
}

export async function setIncidentStatus(db: Kysely<Database>, organisation: string, incidentId: string, status: IncidentStatus): Promise<void> {
  await db.updateTable('incidents').set({ status }).where('organisation', '=', organisation).where('incident_id', '=', incidentId).execute();
}

/** The threat level as the workflow last set it (raised or lowered during the incident). */
export async function setIncidentThreatLevel(db: Kysely<Database>, organisation: string, incidentId: string, level: number): Promise<void> {
  await db.updateTable('incidents').set({ threat_level: level }).where('organisation', '=', organisation).where('incident_id', '=', incidentId).execute();
}

/** The workflow's start went unanswered: the number stays until a retry of the declaration starts it. */
export async function markStartUncertain(db: Kysely<Database>, row: IncidentRow): Promise<void> {
  await db.updateTable('incidents').set({ status: IncidentStatus.START_UNCERTAIN }).where('organisation', '=', row.organisation).where('incident_id', '=', row.incident_id).execute();
}

/** The workflow exists: an uncertain start becomes DECLARED (a status the workflow already moved on from stays). */
export async function confirmStarted(db: Kysely<Database>, row: IncidentRow): Promise<IncidentRow> {
  await db
    .updateTable('incidents')
    .set({ status: IncidentStatus.DECLARED })
    .where('organisation', '=', row.organisation)
    .where('incident_id', '=', row.incident_id)
    .where('status', '=', IncidentStatus.START_UNCERTAIN)
    .execute();
  return (await getIncident(db, row.organisation, row.incident_id)) ?? row;
}
