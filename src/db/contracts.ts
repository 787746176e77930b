// 委託処理 in the database: each contract (its terms, where it stands, its period) and each
// checklist answered for it. The API records a request and numbers it (2026-001, per organisation
// and fiscal year) before the contract's workflow starts; the workflow's activities write the rest,
// each write keyed so a retry changes nothing.
import type { Kysely, Selectable } from 'kysely';
import type { ContractScope, ContractTerms } from '../domain/contract';
import type { ContractStatus } from '../domain/contract-tasks';
import type { ChecklistAnswers, TaskChecklist } from '../domain/task-checklist';
import type { ContractChecklistTable, ContractFindingTable, ContractTable, Database } from './schema';

export type ContractRow = Selectable<ContractTable>;
export type ContractChecklistRow = Selectable<ContractChecklistTable>;

/** The workflow id of a contract, and its case id in tasks, audit rows and attachments. */
export const contractIdOf = (organisation: string, number: string) => `contract/${organisation}/${number}`;

export interface NewContract {
  organisation: string;
  fiscalYear: number;
  terms: ContractTerms;
  requestedBy: { name: string; email: string };
  requestedAt: Date;
  startsAt: Date;
  endsAt: Date;
}

const isUniqueViolation = (err: unknown) => (err as { code?: string } | undefined)?.code === '23505';

/**
 * Records a request under the next number of its fiscal year (2026-001, 2026-002…). Two requests
 * at once may pick the same number: the loser takes the next.
 */
export async function insertContract(db: Kysely<Database>, c: NewContract): Promise<{ contractId: string; number: string }> {
  const prefix = `${c.fiscalYear}-`;
  for (let attempt = 0; ; attempt++) {
    const last = await db
      .selectFrom('contracts')
      .select('number')
      .where('organisation', '=', c.organisation)
      .where('number', 'like', `${prefix}%`)
      .orderBy('number', 'desc')
      .limit(1)
      .executeTakeFirst();
    const n = (last ? Number(last.number.slice(prefix.length)) : 0) + 1;
    const number = `${prefix}${String(n).padStart(3, '0')}`;
    const contractId = contractIdOf(c.organisation, number);
    try {
      await db
        .insertInto('contracts')
        .values({
          contract_id: contractId,
          organisation: c.organisation,
          number,
          status: 'investigating' satisfies ContractStatus,
          terms: JSON.stringify(c.terms),
          pending_terms: null,
          requested_by: JSON.stringify(c.requestedBy),
          requested_at: c.requestedAt,
          starts_at: c.startsAt,
          ends_at: c.endsAt,
        })
        .execute();
      return { contractId, number };
    } catch (err) {
      if (!isUniqueViolation(err) || attempt >= 20) throw err;
    }
  }
}

/** Takes back a request whose workflow could not be started: the row and its attachments. */
export async function deleteContract(db: Kysely<Database>, contractId: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('attachments').where('case_id', '=', contractId).execute();
    await tx.deleteFrom('contracts').where('contract_id', '=', contractId).execute();
  });
}

export async function getContract(db: Kysely<Database>, contractId: string): Promise<ContractRow | undefined> {
  return db.selectFrom('contracts').selectAll().where('contract_id', '=', contractId).executeTakeFirst();
}

/** An organisation's contracts, newest request first. */
export async function listContracts(db: Kysely<Database>, organisation: string): Promise<ContractRow[]> {
  return db.selectFrom('contracts').selectAll().where('organisation', '=', organisation).orderBy('requested_at', 'desc').orderBy('number', 'desc').execute();
}

export interface ContractUpdate {
  status?: ContractStatus;
  terms?: ContractTerms;
  pendingTerms?: ContractTerms | null;
  suspendedScopes?: ContractScope[];
  approvedAt?: Date;
  activeAt?: Date;
  nextInspectionAt?: Date | null;
  closedAt?: Date;
}

/** Sets what changed; writing the same again changes nothing. */
export async function updateContract(db: Kysely<Database>, contractId: string, u: ContractUpdate): Promise<void> {
  await db
    .updateTable('contracts')
    .set({
      ...(u.status !== undefined ? { status: u.status } : {}),
      ...(u.terms !== undefined ? { terms: JSON.stringify(u.terms) } : {}),
      ...(u.pendingTerms !== undefined ? { pending_terms: u.pendingTerms === null ? null : JSON.stringify(u.pendingTerms) } : {}),
      ...(u.suspendedScopes !== undefined ? { suspended_scopes: JSON.stringify(u.suspendedScopes) } : {}),
      ...(u.approvedAt !== undefined ? { approved_at: u.approvedAt } : {}),
      ...(u.activeAt !== undefined ? { active_at: u.activeAt } : {}),
      ...(u.nextInspectionAt !== undefined ? { next_inspection_at: u.nextInspectionAt } : {}),
      ...(u.closedAt !== undefined ? { closed_at: u.closedAt } : {}),
    })
    .where('contract_id', '=', contractId)
    .execute();
}

export interface RecordedChecklist {
  contractId: string;
  /** `questionnaire/1`, `investigation/1`, `clauses`, `inspection/2`… */
  name: string;
  checklist: TaskChecklist;
  answers: ChecklistAnswers;
  recordedBy: { name: string; email: string };
  recordedAt: Date;
}

/** Records a checklist's answers once: a retry finds them and changes nothing. */
export async function recordContractChecklist(db: Kysely<Database>, c: RecordedChecklist): Promise<void> {
  await db
    .insertInto('contract_checklists')
    .values({
      contract_id: c.contractId,
      name: c.name,
      mode: c.checklist.mode,
      items: JSON.stringify(c.checklist.items),
      answers: JSON.stringify(c.answers),
      recorded_by: JSON.stringify(c.recordedBy),
      recorded_at: c.recordedAt,
    })
    .onConflict((oc) => oc.columns(['contract_id', 'name']).doNothing())
    .execute();
}

export async function getContractChecklist(db: Kysely<Database>, contractId: string, name: string): Promise<ContractChecklistRow | undefined> {
  return db.selectFrom('contract_checklists').selectAll().where('contract_id', '=', contractId).where('name', '=', name).executeTakeFirst();
}

/** A contract's checklists in the order they were recorded. */
export async function listContractChecklists(db: Kysely<Database>, contractId: string): Promise<ContractChecklistRow[]> {
  return db.selectFrom('contract_checklists').selectAll().where('contract_id', '=', contractId).orderBy('recorded_at').orderBy('name').execute();
}

export type ContractFindingRow = Selectable<ContractFindingTable>;

export interface NewFinding {
  contractId: string;
  findingId: string;
  organisation: string;
  inspection: string;
  item: string;
  description: string;
  owner: { name: string; email: string };
  foundAt: Date;
  dueAt: Date;
  workflowId: string;
}

/** Records a finding once: a retry finds it and changes nothing. */
export async function insertFinding(db: Kysely<Database>, f: NewFinding): Promise<void> {
  await db
    .insertInto('contract_findings')
    .values({
      contract_id: f.contractId,
      finding_id: f.findingId,
      organisation: f.organisation,
      inspection: f.inspection,
      item: f.item,
      description: f.description,
      owner: JSON.stringify(f.owner),
      found_at: f.foundAt,
      due_at: f.dueAt,
      state: 'open',
      workflow_id: f.workflowId,
    })
    .onConflict((oc) => oc.columns(['contract_id', 'finding_id']).doNothing())
    .execute();
}

export async function getFinding(db: Kysely<Database>, contractId: string, findingId: string): Promise<ContractFindingRow | undefined> {
  return db.selectFrom('contract_findings').selectAll().where('contract_id', '=', contractId).where('finding_id', '=', findingId).executeTakeFirst();
}

/** Marks a finding escalated (overdue, the chief told) or resolved; a resolved one stays resolved. */
export async function setFindingState(db: Kysely<Database>, contractId: string, findingId: string, state: 'escalated' | 'resolved', at: Date): Promise<void> {
  await db
    .updateTable('contract_findings')
    .set(state === 'escalated' ? { state, escalated_at: at } : { state, resolved_at: at })
    .where('contract_id', '=', contractId)
    .where('finding_id', '=', findingId)
    .where('state', '!=', 'resolved')
    .execute();
}

/** A contract's findings, or an organisation's, oldest first. */
export async function listFindings(db: Kysely<Database>, where: { organisation: string; contractId?: string }): Promise<ContractFindingRow[]> {
  let q = db.selectFrom('contract_findings').selectAll().where('organisation', '=', where.organisation);
  if (where.contractId) q = q.where('contract_id', '=', where.contractId);
  return q.orderBy('found_at').orderBy('finding_id').execute();
}
