// Activities of the emergency response workflow: the organisation's profile, the incident's
// status in the database, and audit rows for each step.
import type { Kysely } from 'kysely';
import { type AttachmentInfo, listTaskAttachments } from '../db/attachments';
import { type AuditEntry, appendAudit } from '../db/audit';
import { setIncidentStatus, setIncidentThreatLevel } from '../db/incidents';
import { markWithdrawn } from '../db/tasks';
import { getOrganisation } from '../db/organisations';
import type { Database } from '../db/schema';
import type { IncidentStatus } from '../domain/incidents';
import type { OrganisationProfile } from '../domain/profile';
import type { SigningKey } from '../tokens';

/** An audit row as a workflow asks for it: the activity stamps the time. */
export type AuditRequest = Omit<AuditEntry, 'at'>;

export function createIncidentActivities({ db, auditMacKeys }: { db: Kysely<Database>; auditMacKeys: readonly SigningKey[] }) {
  return {
    async loadProfile(organisation: string): Promise<OrganisationProfile> {
      const p = await getOrganisation(db, organisation);
      if (!p) throw new Error(`organisation ${organisation} is not loaded`);
      return p;
    },
    async setIncidentStatus(o: { organisation: string; caseId: string; status: IncidentStatus }): Promise<void> {
      await setIncidentStatus(db, o.organisation, o.caseId, o.status);
    },
    /** The evidence files attached to these tasks (the two attestations of a containment). */
    async listTaskEvidence(o: { organisation: string; caseId: string; taskIds: string[] }): Promise<AttachmentInfo[]> {
      return listTaskAttachments(db, o);
    },
    async setIncidentThreatLevel(o: { organisation: string; caseId: string; level: number }): Promise<void> {
      await setIncidentThreatLevel(db, o.organisation, o.caseId, o.level);
    },
    /** A question the procedure no longer asks: its open task is shown as withdrawn. */
    async withdrawTask(o: { workflowId: string }): Promise<void> {
      await markWithdrawn(db, o.workflowId);
    },
    async recordAudit(a: AuditRequest): Promise<void> {
      await appendAudit(db, { ...a, at: new Date() }, auditMacKeys[0]);
    },
  };
}
