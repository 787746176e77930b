// Activities of the auditAnchor workflow: read the audit chain's head, which the workflow's
// history then keeps outside the database.
import type { Kysely } from 'kysely';
import { auditHead } from '../db/audit';
import type { AuditAnchor } from '../domain/audit';
import type { Database } from '../db/schema';

export function createAuditActivities({ db }: { db: Kysely<Database> }) {
  return {
    /** The head (seq, MAC) now, or null while the log is empty. */
    async readAuditHead(): Promise<AuditAnchor | null> {
      return (await auditHead(db)) ?? null;
    },
  };
}
