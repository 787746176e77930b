// What a contract (委託処理) keeps besides its tasks: the maintenance reports the contractor sends,
// recorded and taken to the chief (katsuragi:5.1); and, once it has ended — closed with its
// destruction evidence, or refused — its evidence bundle: every decision, checklist, inspection,
// finding and attachment, with the hash manifest, in the same format as an incident's bundle.
import { createHash, randomBytes } from 'node:crypto';
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { type Response, Router } from 'express';
import type { Kysely } from 'kysely';
import { appendAudit } from '../../db/audit';
import { contractIdOf, getContract } from '../../db/contracts';
import type { Database } from '../../db/schema';
import { CONTRACT_REQUESTERS, EVIDENCE_READERS } from '../../domain/access';
import { text } from '../../domain/text';
import { z } from '../../domain/zod';
import { reportMaintenanceUpdate } from '../../workflows/messages';
import { contentDisposition } from '../../documents/pdf';
import { buildEvidenceBundle } from '../../evidence/bundle';
import type { SigningKey } from '../../tokens';
import { allow, principal } from '../access';
import { HttpError, notFound, valid, validate } from '../http';
import { contractRefParams } from '../params';

export interface ContractRecordsDeps {
  db: Kysely<Database>;
  client: Client;
  auditMacKey: SigningKey;
  now: () => Date;
}

const personOf = (res: Response) => {
  const p = principal(res);
  return { name: p.name, email: p.email ?? `${p.kind}:${p.id}` };
};
const byOf = (res: Response) => `${personOf(res).name} <${personOf(res).email}>`;

/** A maintenance report as the department head or the system admin records it. */
export const maintenanceReportSchema = z.strictObject({
  summary: text({ max: 4000, multiline: true, required: '保守の内容を入力してください' }),
  performedOn: z.iso.date({ error: '保守の実施日は YYYY-MM-DD で書いてください' }),
});

export interface MaintenanceReportDeps {
  db: Kysely<Database>;
  client: Client;
}

/**
 * Records a maintenance report on an active contract and starts the chief's task to acknowledge
 * it (katsuragi:5.1): the one path of the API and of the contract page's form. The workflow's
 * refusal is a 409 with its reason; a contract not active, a 409 before it is asked.
 */
export async function reportMaintenance(
  deps: MaintenanceReportDeps,
  o: { organisation: string; number: string; report: z.output<typeof maintenanceReportSchema>; by: { name: string; email: string } },
): Promise<{ reportId: string; workflowId: string }> {
  const contractId = contractIdOf(o.organisation, o.number);
  const contract = await getContract(deps.db, contractId);
  if (!contract || contract.organisation !== o.organisation) throw notFound(`contract ${o.organisation}/${o.number} not found`);
  if (contract.status !== 'active') throw new HttpError(409, 'not_active', `契約 ${o.number} は有効ではありません（状態 ${contract.status}）/ the contract is not active`);
  const reportId = randomBytes(8).toString('hex');
  try {
    const { workflowId } = await deps.client.workflow.getHandle(contractId).executeUpdate(reportMaintenanceUpdate, { args: [{ reportId, ...o.report, by: o.by }], updateId: `maintenance/${reportId}` });
    return { reportId, workflowId };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new HttpError(409, 'refused', String(err.cause?.message ?? err.message));
    if (err instanceof WorkflowNotFoundError) throw new HttpError(409, 'not_running', `契約 ${o.number} の手続は実行中ではありません / the contract's workflow is not running`);
    throw err;
  }
}

/** A contract's record is whole once it is closed (or was refused): only then is it bundled. */
const ENDED = ['closed', 'refused'];

export function contractRecordsRouter(deps: ContractRecordsDeps): Router {
  const { db } = deps;
  const r = Router();
  r.post('/api/contracts/:organisation/:number/maintenance-reports', allow.roles(CONTRACT_REQUESTERS, 'params'), validate({ params: contractRefParams, body: maintenanceReportSchema }), async (_req, res) => {
    const { params, body } = valid<{ params: typeof contractRefParams; body: typeof maintenanceReportSchema }>(res);
    const { reportId, workflowId } = await reportMaintenance(deps, { organisation: params.organisation, number: params.number, report: body, by: personOf(res) });
    res.status(202).json({ reportId, workflowId });
  });

  r.get('/api/contracts/:organisation/:number/evidence-bundle', allow.roles(EVIDENCE_READERS, 'params'), validate({ params: contractRefParams }), async (_req, res) => {
    const { params } = valid<{ params: typeof contractRefParams }>(res);
    const contractId = contractIdOf(params.organisation, params.number);
    const contract = await getContract(db, contractId);
    if (!contract) throw notFound(`contract ${params.organisation}/${params.number} not found`);
    if (!ENDED.includes(contract.status)) throw new HttpError(409, 'not_closed', `契約 ${params.number} は完了していません（状態 ${contract.status}）/ the contract has not ended`);
    const now = deps.now();
    const { bytes, manifest } = await buildEvidenceBundle(db, { organisation: params.organisation, caseId: contractId }, now);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // Who took which bundle is itself evidence (the next bundle carries this row).
    await appendAudit(
      db,
      {
        id: `${contractId}/evidence-bundle/${now.toISOString()}/${sha256.slice(0, 16)}`,
        at: now,
        caseId: contractId,
        organisation: params.organisation,
        actor: byOf(res),
        step: 'contractor.end',
        outcome: `証拠一式を出力（${manifest.files.length} ファイル、監査記録 ${manifest.audit.rows} 行、SHA-256 ${sha256.slice(0, 12)}…）`,
        articles: [],
        detail: { sha256, size: bytes.length, files: manifest.files.length, auditRows: manifest.audit.rows },
      },
      deps.auditMacKey,
    );
    const name = `evidence-${params.organisation}-contract-${params.number}.tar.gz`;
    res.status(200).type('application/gzip').set('Content-Disposition', contentDisposition(name, name)).set('X-Content-SHA256', sha256).send(bytes);
  });
  return r;
}
