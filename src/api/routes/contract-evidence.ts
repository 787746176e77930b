// The evidence bundle of a contract (委託処理) that has ended — closed with its destruction evidence,
// or refused: every decision, checklist, inspection, finding and attachment, with the hash
// manifest, in the same format as an incident's bundle (src/evidence/bundle.ts).
import { createHash } from 'node:crypto';
import { type Response, Router } from 'express';
import type { Kysely } from 'kysely';
import { appendAudit } from '../../db/audit';
import { contractIdOf, getContract } from '../../db/contracts';
import type { Database } from '../../db/schema';
import { EVIDENCE_READERS } from '../../domain/access';
import { contentDisposition } from '../../documents/pdf';
import { buildEvidenceBundle } from '../../evidence/bundle';
import type { SigningKey } from '../../tokens';
import { allow, principal } from '../access';
import { HttpError, notFound, valid, validate } from '../http';
import { contractRefParams } from '../params';

export interface ContractEvidenceDeps {
  db: Kysely<Database>;
  auditMacKey: SigningKey;
  now: () => Date;
}

const byOf = (res: Response) => {
  const p = principal(res);
  return `${p.name} <${p.email ?? `${p.kind}:${p.id}`}>`;
};

/** A contract's record is whole once it is closed (or was refused): only then is it bundled. */
const ENDED = ['closed', 'refused'];

export function contractEvidenceRouter(deps: ContractEvidenceDeps): Router {
  const { db } = deps;
  const r = Router();
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
