// Activities of the emergency response workflow: the organisation's profile, the incident's
// status in the database, and audit rows for each step.
import type { Kysely } from 'kysely';
import { appendAudit } from '../db/audit';
import { setIncidentStatus } from '../db/incidents';
import { getOrganisation } from '../db/organisations';
import type { Database } from '../db/schema';
import type { IncidentStatus } from '../domain/incidents';
import type { OrganisationProfile } from '../domain/profile';

export interface AuditRequest {
  /** Idempotency key, derived from the workflow and the step. */
  id: string;
  caseId: string;
  organisation: string;
  actor: string;
  step: string;
  outcome: string;
  articles: string[];
  detail: Record<string, unknown>;
}

export function createIncidentActivities({ db }: { db: Kysely<Database> }) {
  return {
    async loadProfile(organisation: string): Promise<OrganisationProfile> {
      const p = await getOrganisation(db, organisation);
      if (!p) throw new Error(`organisation ${organisation} is not loaded`);
      return p;
    },
    async setIncidentStatus(o: { organisation: string; caseId: string; status: IncidentStatus }): Promise<void> {
      await setIncidentStatus(db, o.organisation, o.caseId, o.status);
    },
    async recordAudit(a: AuditRequest): Promise<void> {
      await appendAudit(db, { ...a, at: new Date() });
    },
  };
}
