// `POST /api/detections`: monitoring systems report alerts with a detector's API key. The first
// copy of an alert declares an incident (declared via `detection`, aware from its arrival); every
// later copy is appended to that incident's record, however many arrive and however fast.
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { type Kysely, sql } from 'kysely';
import { appendAudit } from '../../db/audit';
import { getOrganisation } from '../../db/organisations';
import type { Database } from '../../db/schema';
import { type Detection, detectionSchema } from '../../domain/detections';
import type { SigningKey } from '../../tokens';
import { allow, principal } from '../access';
import { declareIncident } from '../incident-service';
import { recordingStarted, valid, validate } from '../http';

export interface DetectionRouteDeps {
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
  auditMacKey: SigningKey;
  /** The address a detection's incident names as its detector's (the installation's sender). */
  detectorEmail: string;
  now: () => Date;
  startTimeoutMs?: number;
}

/**
 * The declaration id of an alert's incident, derived from organisation, source and alert id, so
 * every copy of the alert names the same declaration (a UUID of version 8, RFC 9562).
 */
export function detectionDeclarationId(d: Pick<Detection, 'organisation' | 'source' | 'alertId'>): string {
  const h = createHash('sha256').update(`detection\n${d.organisation}\n${d.source}\n${d.alertId}`).digest();
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export function detectionsRouter(deps: DetectionRouteDeps): Router {
  const { db } = deps;
  const r = Router();

  r.post('/api/detections', allow.roles(['detector'], 'body'), validate({ body: detectionSchema }), async (_req, res) => {
    const d = valid<{ body: typeof detectionSchema }>(res).body;
    const now = deps.now();
    recordingStarted(res);
    // Counted first, in one statement: concurrent copies of a storm each get their own number.
    const row = await db
      .insertInto('detections')
      .values({ organisation: d.organisation, source: d.source, alert_id: d.alertId, incident_id: null, key_id: principal(res).id, occurrences: 1, first_at: now, last_at: now })
      .onConflict((oc) => oc.columns(['organisation', 'source', 'alert_id']).doUpdateSet({ occurrences: sql`detections.occurrences + 1`, last_at: now }))
      .returningAll()
      .executeTakeFirstOrThrow();

    if (row.incident_id === null) {
      // The first copy, or a copy whose first declaration did not go through: the same declaration
      // id makes this one incident however many copies try.
      const { incident, created } = await declareIncident(
        { db, client: deps.client, taskQueue: deps.taskQueue, ...(deps.startTimeoutMs ? { startTimeoutMs: deps.startTimeoutMs } : {}) },
        {
          organisation: d.organisation,
          kind: d.kind,
          threatLevel: d.threatLevel,
          summary: d.summary,
          observed: d.observed,
          detectedBy: { name: `${d.source}（自動検知）`, email: deps.detectorEmail },
          detectedAt: d.detectedAt,
          awareAt: (row.first_at < new Date(d.detectedAt) ? new Date(d.detectedAt) : row.first_at).toISOString(),
          declarationId: detectionDeclarationId(d),
        },
        'detection',
      );
      await db.updateTable('detections').set({ incident_id: incident.incident_id }).where('organisation', '=', d.organisation).where('source', '=', d.source).where('alert_id', '=', d.alertId).execute();
      if (created) {
        return res.status(201).location(`/api/incidents/${incident.organisation}/${incident.incident_id}`).json({ incidentId: incident.incident_id, organisation: incident.organisation, created: true, occurrences: row.occurrences });
      }
      row.incident_id = incident.incident_id;
    }
    // A later copy: appended to the incident's record, one numbered audit row per copy.
    const profile = await getOrganisation(db, d.organisation);
    await appendAudit(
      db,
      {
        id: `detection/${d.organisation}/${d.source}/${d.alertId}/${row.occurrences}`,
        at: now,
        caseId: row.incident_id!,
        organisation: d.organisation,
        actor: `${d.source}（自動検知）`,
        step: 'emergency.detect',
        outcome: `同一アラートを再受信（${row.occurrences}回目）: ${d.summary}`,
        articles: profile?.articles['emergency.detect'] ?? [],
        detail: { source: d.source, alertId: d.alertId, occurrence: row.occurrences, threatLevel: d.threatLevel, observed: d.observed, detectedAt: d.detectedAt },
      },
      deps.auditMacKey,
    );
    res.status(200).location(`/api/incidents/${d.organisation}/${row.incident_id}`).json({ incidentId: row.incident_id, organisation: d.organisation, created: false, occurrences: row.occurrences });
  });
  return r;
}
