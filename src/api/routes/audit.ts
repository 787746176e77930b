import { allow } from '../access';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { verifyAuditChain } from '../../db/audit';
import type { Database } from '../../db/schema';
import { fetchAuditAnchors } from '../../temporal/audit-anchor';
import type { SigningKey } from '../../tokens';

/**
 * `GET /api/audit/verify`: recomputes the audit log's MAC chain and compares it with the anchors
 * in Temporal (what `jukinet-ops audit verify` asks). 409 when a problem is found.
 */
export function auditRouter(o: { db: Kysely<Database>; client: Client; auditMacKeys: readonly SigningKey[]; taskQueue: string }): Router {
  const r = Router();
  r.get('/api/audit/verify', allow.installation(['auditor', 'admin']), async (_req, res) => {
    // The anchors first: a row appended meanwhile then cannot look like a lost tail.
    const anchors = await fetchAuditAnchors(o.client, o.taskQueue);
    const report = await verifyAuditChain(o.db, { macKeys: o.auditMacKeys, anchors });
    res.status(report.ok ? 200 : 409).json(report);
  });
  return r;
}
