// Contracts seeded for the read side (see contracts.ts for the driver of a running contract).
// Contracts (委託処理) recorded straight in the database, as the workflow's activities leave them:
// what the read side's tests (the API, the pages on a phone) start from, without running the
// procedure. The request is Tokyo's; days are in Japan.
import type { Kysely } from 'kysely';
import { appendAudit } from '../../src/db/audit';
import { insertContract, insertFinding, recordContractChecklist, setFindingState, updateContract } from '../../src/db/contracts';
import { getOrganisation } from '../../src/db/organisations';
import type { Database } from '../../src/db/schema';
import { type ContractRequest, type ContractTerms, contractingPlanOf, contractPeriod, contractRequestSchema } from '../../src/domain/contract';
import { jstDate } from '../../src/domain/contract-overview';
import { yearsLater } from './contracts';
import { fiscalYearOf } from '../../src/domain/review';
import type { ChecklistAnswers } from '../../src/domain/task-checklist';
import type { SigningKey } from '../../src/tokens';

export const DAY = 86_400_000;

/** A day in Japan `days` from now, YYYY-MM-DD. */
export const dayFromNow = (days: number) => jstDate(new Date(Date.now() + days * DAY));

/** A valid request of Tokyo's for three years from `startsOn` (the last day the day before the same day three years on). */
export function contractRequest(contractor: string, startsOn: string, organisation = 'tokyo'): ContractRequest {
  return contractRequestSchema.parse({
    organisation,
    contractor: { name: contractor, corporateNumber: '7000012050002', address: '東京都千代田区1-1', contact: { name: '田中 一郎', email: 'tanaka@sample.example.jp' } },
    business: { content: '住基ネット端末の保守', scope: '都庁本庁舎の業務端末20台' },
    data: { identityInformation: true, items: ['氏名', '住所'], volume: 1000 },
    reason: '専門的な保守技術を要するため',
    protectionMeasures: 'ISMS 認証取得、従事者の誓約書、作業記録',
    workSite: { kind: 'ownPremises', address: '東京都新宿区西新宿2-8-1', description: '本庁舎 第一本庁舎 8 階 端末室' },
    staff: [
      { name: '田中 一郎', role: '作業責任者' },
      { name: '鈴木 花子', role: '作業者' },
    ],
    subcontractors: [{ name: '有限会社サブ', via: contractor, business: '部品交換', workSite: { kind: 'contractorPremises', address: '東京都大田区1-1' } }],
    period: { startsOn, endsOn: jstDate(new Date(Date.parse(`${yearsLater(startsOn, 3)}T00:00:00+09:00`) - DAY)) },
  });
}

export const termsOf = (r: ContractRequest): ContractTerms => {
  const { organisation: _, ...terms } = r;
  return terms;
};

export interface SeededContract {
  contractId: string;
  number: string;
  request: ContractRequest;
}

/** A request recorded as the API records it (status investigating), its workflow not started. */
export async function seedContract(db: Kysely<Database>, contractor: string, startsOn: string, organisation = 'tokyo'): Promise<SeededContract> {
  const request = contractRequest(contractor, startsOn, organisation);
  const { contractId, number } = await insertContract(db, {
    organisation,
    fiscalYear: fiscalYearOf(new Date()),
    terms: termsOf(request),
    requestedBy: { name: '総務 部長', email: 'bucho@metro.tokyo.example.jp' },
    requestedAt: new Date(),
    ...contractPeriod(request.period),
  });
  return { contractId, number, request };
}

/**
 * An active contract some eight months into its period (its first yearly inspection four months
 * away) with a change of site awaiting approval (the site suspended), its first inspection recorded
 * with four items not met, and their findings: one overdue and open, one overdue and escalated,
 * one open not yet due, one resolved after its due date. Two audit rows, the later appended first.
 */
export async function seedActiveContract(db: Kysely<Database>, auditMacKey: SigningKey, inspector: { name: string; email: string }): Promise<SeededContract> {
  const c = await seedContract(db, '株式会社アクティブ', dayFromNow(-240));
  const changedSite = { ...termsOf(c.request), workSite: { kind: 'dataCentre' as const, address: '東京都江東区青海1-1' } };
  await updateContract(db, c.contractId, { status: 'active', approvedAt: new Date(Date.now() - 250 * DAY), activeAt: new Date(Date.now() - 240 * DAY), pendingTerms: changedSite, suspendedScopes: ['site'] });
  const plan = contractingPlanOf((await getOrganisation(db, c.request.organisation))!);
  const answers: ChecklistAnswers = Object.fromEntries(plan.investigation.map((i) => [i.key, { answer: 'met' }]));
  answers.safeguards = { answer: 'notMet', note: 'USB メモリの持出し記録がない' };
  answers.workSiteSecurity = { answer: 'notMet', note: '入退室記録の保存期間が足りない' };
  answers.incidentReporting = { answer: 'notMet', note: '報告先の一覧が古い' };
  answers.dataReturnDisposal = { answer: 'notMet', note: '廃棄証明の様式がない' };
  await recordContractChecklist(db, { contractId: c.contractId, name: 'inspection/periodic-1', checklist: { mode: 'assess', items: plan.investigation }, answers, recordedBy: inspector, recordedAt: new Date(Date.now() - 40 * DAY) });
  const finding = (item: string, dueInDays: number) =>
    insertFinding(db, {
      contractId: c.contractId,
      findingId: `periodic-1-${item}`,
      organisation: c.request.organisation,
      inspection: 'periodic-1',
      item,
      description: answers[item].note!,
      owner: { name: '田中 一郎', email: 'tanaka@sample.example.jp' },
      foundAt: new Date(Date.now() - 40 * DAY),
      dueAt: new Date(Date.now() + dueInDays * DAY),
      workflowId: `${c.contractId}/inspection-periodic-1/finding-periodic-1-${item}`,
    });
  await finding('safeguards', -1); // overdue, still open
  await finding('workSiteSecurity', -3); // overdue, the chief told
  await setFindingState(db, c.contractId, 'periodic-1-workSiteSecurity', 'escalated', new Date(Date.now() - 2 * DAY));
  await finding('incidentReporting', 20); // open, not yet due
  await finding('dataReturnDisposal', -10); // resolved after its due date: neither open nor overdue
  await setFindingState(db, c.contractId, 'periodic-1-dataReturnDisposal', 'resolved', new Date(Date.now() - 12 * DAY));
  // The later event appended first (as an answer recorded after the fact): shown oldest first.
  const audit = (id: string, daysAgo: number, step: string, outcome: string) =>
    appendAudit(
      db,
      { id: `${c.contractId}/${id}`, at: new Date(Date.now() - daysAgo * DAY), caseId: c.contractId, organisation: c.request.organisation, actor: '総務 部長 <bucho@metro.tokyo.example.jp>', step, outcome, articles: ['tokyo:24.1'] },
      auditMacKey,
    );
  await audit('clauses', 240, 'contractor.contract', '契約書の記載事項を確認: 契約は有効');
  await audit('requested', 260, 'contractor.request', '委託の承認申請（株式会社アクティブ）');
  return c;
}
