import { Router } from 'express';
import type { Kysely } from 'kysely';
import { verifyAuditChain } from '../../db/audit';
import type { Database } from '../../db/schema';

/** `GET /api/audit/verify`: recomputes the audit log's hash chain (what `jukinet-ops audit verify` asks). */
export function auditRouter({ db }: { db: Kysely<Database> }): Router {
  const r = Router();
  r.get('/api/audit/verify', async (_req, res) => {
    const report = await verifyAuditChain(db);
    res.status(report.ok ? 200 : 409).json(report);
  });
  return r;
}
