// Activities of 委託処理: build each task of a contract from its profile and its row, and record
// what each task answered — the checklists, the chief's decisions, the activation, the changes,
// the inspections' findings and their corrective actions, the end — with an audit row each. Every
// write is keyed (the contract, the checklist's name, the finding, the audit row's id), so a retry
// finds its work done.
import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { appendAudit } from '../db/audit';
import { listTaskAttachments } from '../db/attachments';
import { type ContractRow, getContract, getContractChecklist, getFinding, insertFinding, recordContractChecklist, setFindingState, updateContract } from '../db/contracts';
import { getOrganisation } from '../db/organisations';
import type { Database } from '../db/schema';
import {
  type ApprovalBlocker,
  BLOCKER_REASON_LABELS,
  CHIEF_ANSWER_LABELS,
  type ChiefAnswer,
  changedScopes,
  changedSubcontractors,
  CONTRACT_SCOPE_LABELS,
  contractingPlanOf,
  correctiveActionTimeline,
  inspectionSchedule,
  INVESTIGATION_ANSWER_LABELS,
} from '../domain/contract';
import {
  type ApprovalPurpose,
  approvalRequest,
  clausesRequest,
  type ContractFacts,
  correctiveActionRequest,
  endRequest,
  type FindingFacts,
  inspectionRequest,
  investigationRequest,
  linksToApprove,
  maintenanceReportRequest,
  questionnaireRequest,
  reinspectionRequest,
} from '../domain/contract-tasks';
import type { OrganisationProfile } from '../domain/profile';
import type { ProcedureStep } from '../domain/procedures';
import { quotedForMail } from '../domain/text';
import type { TaskChecklist } from '../domain/task-checklist';
import type { HumanTaskRequest, TaskDecision } from '../domain/tasks';
import type { SigningKey } from '../tokens';
import type { ChangeContractInput, ReportMaintenanceInput } from '../workflows/messages';

export interface ContractActivityDeps {
  db: Kysely<Database>;
  auditMacKeys: readonly SigningKey[];
}

/** Which task to build: each of the procedure's, with what it depends on. */
export type ContractTaskInput = { contractId: string } & (
  | { task: 'questionnaire'; purpose: ApprovalPurpose }
  | { task: 'investigation'; purpose: ApprovalPurpose; questionnaire: string | null }
  | { task: 'approval'; purpose: ApprovalPurpose; blockers: ApprovalBlocker[] }
  | { task: 'clauses' }
  | { task: 'inspection'; inspection: string; reason?: string }
  | { task: 'correctiveAction'; findingId: string; attempt: number; askedAt: number }
  | { task: 'reinspection'; findingId: string; attempt: number; report: { by: string; note: string } }
  | { task: 'end' }
);

const actorOf = (p: { name: string; email: string }) => `${p.name} <${p.email}>`;

export function createContractActivities(deps: ContractActivityDeps) {
  const { db } = deps;
  const macKey = () => deps.auditMacKeys[0];

  async function load(contractId: string): Promise<{ row: ContractRow; profile: OrganisationProfile; facts: ContractFacts }> {
    const row = await getContract(db, contractId);
    if (!row) throw ApplicationFailure.nonRetryable(`contract ${contractId} is not recorded`, 'ContractNotFound');
    const profile = await getOrganisation(db, row.organisation);
    if (!profile) throw new Error(`organisation ${row.organisation} is not loaded`);
    return { row, profile, facts: { contractId, organisation: row.organisation, number: row.number, terms: row.terms, requestedBy: row.requested_by } };
  }

  const articles = (profile: OrganisationProfile, step: ProcedureStep) => profile.articles[step] ?? [];

  async function audit(row: ContractRow, profile: OrganisationProfile, e: { id: string; at: Date; actor: string; step: ProcedureStep; outcome: string; detail?: Record<string, unknown> }) {
    await appendAudit(db, { ...e, id: `${row.contract_id}/${e.id}`, caseId: row.contract_id, organisation: row.organisation, articles: articles(profile, e.step) }, macKey());
  }

  async function findingFacts(row: ContractRow, profile: OrganisationProfile, findingId: string): Promise<FindingFacts> {
    const f = await getFinding(db, row.contract_id, findingId);
    if (!f) throw ApplicationFailure.nonRetryable(`finding ${findingId} of ${row.contract_id} is not recorded`, 'FindingNotFound');
    const timeline = correctiveActionTimeline(contractingPlanOf(profile), f.found_at);
    const checklist = await getContractChecklist(db, row.contract_id, `inspection/${f.inspection}`);
    const item = checklist?.items.find((i) => i.key === f.item)?.label ?? { ja: f.item, en: f.item };
    return { findingId, item, description: f.description, owner: f.owner, dueAt: f.due_at, escalateAt: timeline.escalateAt, reminders: timeline.reminders };
  }

  return {
    /** The request's audit row: what was asked, by whom, with the attachments' SHA-256. */
    async recordContractRequested(o: { contractId: string }): Promise<void> {
      const { row, profile } = await load(o.contractId);
      const files = (await listTaskAttachments(db, { organisation: row.organisation, caseId: o.contractId, taskIds: ['request'] })).map(({ filename, sha256, size }) => ({ filename, sha256, size }));
      await audit(row, profile, {
        id: 'requested',
        at: row.requested_at,
        actor: actorOf(row.requested_by),
        step: 'contractor.request',
        outcome: `委託の承認申請（${row.terms.contractor.name}: ${row.terms.business.content.slice(0, 60)}）`,
        detail: { number: row.number, terms: row.terms, attachments: files },
      });
    },

    /** Builds one task of the procedure, and moves the contract's status to what it waits on. */
    async contractTaskRequest(input: ContractTaskInput): Promise<HumanTaskRequest> {
      const { row, profile, facts: current } = await load(input.contractId);
      const plan = contractingPlanOf(profile);
      const firstRequest = 'purpose' in input && input.purpose.kind === 'request';
      // A change is investigated and decided on the terms it asks for.
      const facts = 'purpose' in input && input.purpose.kind === 'change' && row.pending_terms ? { ...current, terms: row.pending_terms } : current;
      switch (input.task) {
        case 'questionnaire':
          if (firstRequest) await updateContract(db, row.contract_id, { status: 'investigating' });
          return questionnaireRequest(profile, plan, facts, input.purpose);
        case 'investigation': {
          const request = investigationRequest(profile, plan, facts, input.purpose, input.questionnaire ? 'answered' : 'unanswered');
          if (!input.questionnaire) return request;
          // The contractor's answers beside each item the system admin checks: an outsider's words
          // in the organisation's mail, quoted on one line each with any link broken.
          const q = await getContractChecklist(db, row.contract_id, input.questionnaire);
          const lines = request.checklist!.items.filter((i) => q?.answers[i.key]?.note).map((i) => `・${i.label.ja}:「${quotedForMail(q!.answers[i.key].note!, 300)}」`);
          return lines.length > 0 ? { ...request, body: `${request.body}\n\n委託先の回答:\n${lines.join('\n')}` } : request;
        }
        case 'approval':
          if (firstRequest) await updateContract(db, row.contract_id, { status: 'awaitingApproval' });
          return approvalRequest(profile, plan, facts, input.purpose, input.blockers, linksToApprove(input.purpose, facts.terms, row.terms));
        case 'clauses':
          return clausesRequest(profile, plan, facts);
        case 'inspection':
          return inspectionRequest(profile, plan, facts, { label: input.inspection, ...(input.reason ? { reason: input.reason } : {}) });
        case 'correctiveAction':
          return correctiveActionRequest(profile, plan, facts, await findingFacts(row, profile, input.findingId), new Date(input.askedAt), input.attempt);
        case 'reinspection':
          // The owner (the contractor, usually) wrote the report: quoted as an outsider's words.
          return reinspectionRequest(profile, plan, facts, await findingFacts(row, profile, input.findingId), { by: input.report.by, note: `「${quotedForMail(input.report.note, 500)}」` });
        case 'end':
          await updateContract(db, row.contract_id, { status: 'ending', nextInspectionAt: null });
          return endRequest(profile, plan, facts);
      }
    },

    /** A checklist's answers (questionnaire, investigation), with its audit row. */
    async recordContractChecklistAnswers(o: { contractId: string; name: string; checklist: TaskChecklist; decision: TaskDecision; step: ProcedureStep }): Promise<void> {
      const { row, profile } = await load(o.contractId);
      const answers = o.decision.checklist ?? {};
      await recordContractChecklist(db, { contractId: o.contractId, name: o.name, checklist: o.checklist, answers, recordedBy: o.decision.decidedBy, recordedAt: new Date(o.decision.decidedAt) });
      const count = (a: string) => Object.values(answers).filter((x) => x.answer === a).length;
      const what = o.name.replace(/^change-\d+\//, '').split('/')[0];
      await audit(row, profile, {
        id: o.name,
        at: new Date(o.decision.decidedAt),
        actor: actorOf(o.decision.decidedBy),
        step: o.step,
        outcome:
          o.checklist.mode === 'assess'
            ? `${what === 'investigation' ? '調査' : '検査'}結果: ${(['met', 'notMet', 'notApplicable'] as const).map((a) => `${INVESTIGATION_ANSWER_LABELS[a].ja} ${count(a)}`).join('・')}`
            : `委託先の調査票の回答（${Object.keys(answers).length} 項目）`,
        detail: { name: o.name, answers },
      });
    },

    /** The chief's decision: its audit row, and where the contract then stands. */
    async recordApprovalDecision(o: { contractId: string; purpose: ApprovalPurpose; round: number; answer: ChiefAnswer; blockers: ApprovalBlocker[]; decision: TaskDecision; name: string }): Promise<void> {
      const { row, profile } = await load(o.contractId);
      const at = new Date(o.decision.decidedAt);
      const subject = o.purpose.kind === 'request' ? '委託' : `変更（${o.purpose.scopes.map((s) => CONTRACT_SCOPE_LABELS[s].ja).join('・')}）`;
      // Each subcontracting link approved by name (kunitachi:9.1).
      const links = o.answer === 'approve' ? linksToApprove(o.purpose, o.purpose.kind === 'change' && row.pending_terms ? row.pending_terms : row.terms, row.terms) : [];
      await audit(row, profile, {
        id: `${o.name}decision/${o.round}`,
        at,
        actor: actorOf(o.decision.decidedBy),
        step: 'contractor.approve',
        outcome: `${subject}を${CHIEF_ANSWER_LABELS[o.answer].ja}${o.decision.note ? `（理由: ${o.decision.note}）` : ''}`,
        detail: { round: o.round, answer: o.answer, reasons: o.decision.note, blockers: o.blockers.map((b) => ({ key: b.key, reason: BLOCKER_REASON_LABELS[b.reason].ja })), subcontractorLinksApproved: links },
      });
      if (o.purpose.kind !== 'request') return;
      if (o.answer === 'approve') await updateContract(db, row.contract_id, { status: 'awaitingClauses', approvedAt: at });
      else if (o.answer === 'refuse') await updateContract(db, row.contract_id, { status: 'refused', closedAt: at });
      else await updateContract(db, row.contract_id, { status: 'investigating' });
    },

    /** tokyo:25: the clauses located, the contract active; its first inspection due. */
    async activateContract(o: { contractId: string; checklist: TaskChecklist; decision: TaskDecision }): Promise<void> {
      const { row, profile } = await load(o.contractId);
      const at = new Date(o.decision.decidedAt);
      await recordContractChecklist(db, { contractId: o.contractId, name: 'clauses', checklist: o.checklist, answers: o.decision.checklist ?? {}, recordedBy: o.decision.decidedBy, recordedAt: at });
      const first = inspectionSchedule(contractingPlanOf(profile), { startsAt: row.starts_at, endsAt: row.ends_at })[0];
      await updateContract(db, row.contract_id, { status: 'active', activeAt: at, nextInspectionAt: first?.at ?? null });
      await audit(row, profile, {
        id: 'clauses',
        at,
        actor: actorOf(o.decision.decidedBy),
        step: 'contractor.contract',
        outcome: `契約書の記載事項を確認（${Object.keys(o.decision.checklist ?? {}).length} 項目）: 契約は有効`,
        detail: { clauses: o.decision.checklist ?? {}, firstInspection: first?.date ?? null },
      });
    },

    /** The period as the active contract's run needs it: its end, and the next periodic inspection (recorded on the row). */
    async contractPeriodNow(o: { contractId: string; nextPeriodic: number }): Promise<{ endsAt: number; next?: { n: number; at: number } }> {
      const { row, profile } = await load(o.contractId);
      const next = inspectionSchedule(contractingPlanOf(profile), { startsAt: row.starts_at, endsAt: row.ends_at })[o.nextPeriodic - 1];
      await updateContract(db, row.contract_id, { nextInspectionAt: next?.at ?? null });
      return { endsAt: row.ends_at.getTime(), ...(next ? { next: { n: next.n, at: next.at.getTime() } } : {}) };
    },

    /** A change asked (tokyo:24.1): the scopes it touches, suspended until it is decided. Nothing approval-worthy changed: refused. */
    async recordChangeRequested(o: { contractId: string; change: number; input: ChangeContractInput; at: number }): Promise<{ scopes: ReturnType<typeof changedScopes> }> {
      const { row, profile } = await load(o.contractId);
      const scopes = changedScopes(row.terms, o.input.terms);
      if (scopes.length === 0) throw ApplicationFailure.nonRetryable('承認を要する変更がありません / nothing that needs approval has changed', 'NothingChanged');
      const links = changedSubcontractors(row.terms, o.input.terms);
      await updateContract(db, row.contract_id, { pendingTerms: o.input.terms, suspendedScopes: scopes });
      await audit(row, profile, {
        id: `change-${o.change}/requested`,
        at: new Date(o.at),
        actor: actorOf(o.input.by),
        step: 'contractor.request',
        outcome: `委託内容の変更を申請（${scopes.map((s) => CONTRACT_SCOPE_LABELS[s].ja).join('・')}）: 承認まで当該範囲は停止`,
        detail: { change: o.change, scopes, reason: o.input.reason, subcontractorLinks: links, terms: o.input.terms },
      });
      return { scopes };
    },

    /** The change decided: approved, the terms become the new ones; refused, the old stay. The suspension ends either way. */
    async recordChangeDecided(o: { contractId: string; change: number; approved: boolean; at: number }): Promise<void> {
      const { row, profile } = await load(o.contractId);
      const pending = row.pending_terms;
      await updateContract(db, row.contract_id, { ...(o.approved && pending ? { terms: pending } : {}), pendingTerms: null, suspendedScopes: [] });
      await audit(row, profile, {
        id: `change-${o.change}/decided`,
        at: new Date(o.at),
        actor: 'system',
        step: 'contractor.approve',
        outcome: o.approved ? '変更が承認され、変更後の内容で契約を継続（停止を解除）' : '変更は承認されず、従前の内容で契約を継続（停止を解除）',
        detail: { change: o.change, approved: o.approved },
      });
    },

    /** An inspection's results; each item not met becomes a finding with its due date. */
    async recordInspection(o: { contractId: string; inspection: string; checklist: TaskChecklist; decision: TaskDecision }): Promise<{ findings: string[] }> {
      const { row, profile } = await load(o.contractId);
      const at = new Date(o.decision.decidedAt);
      const answers = o.decision.checklist ?? {};
      await recordContractChecklist(db, { contractId: o.contractId, name: `inspection/${o.inspection}`, checklist: o.checklist, answers, recordedBy: o.decision.decidedBy, recordedAt: at });
      const plan = contractingPlanOf(profile);
      const notMet = o.checklist.items.filter((i) => answers[i.key]?.answer === 'notMet');
      const findings: string[] = [];
      for (const item of notMet) {
        const findingId = `${o.inspection}-${item.key}`;
        await insertFinding(db, {
          contractId: o.contractId,
          findingId,
          organisation: row.organisation,
          inspection: o.inspection,
          item: item.key,
          description: answers[item.key].note ?? '',
          owner: { name: row.terms.contractor.contact.name, email: row.terms.contractor.contact.email },
          foundAt: at,
          dueAt: correctiveActionTimeline(plan, at).dueAt,
          workflowId: `${o.contractId}/inspection-${o.inspection}/finding-${findingId}`,
        });
        findings.push(findingId);
      }
      await audit(row, profile, {
        id: `inspection/${o.inspection}`,
        at,
        actor: actorOf(o.decision.decidedBy),
        step: 'contractor.inspect',
        outcome: `${o.inspection.startsWith('on-demand') ? '随時' : '定期'}検査を実施: 指摘事項 ${findings.length} 件`,
        detail: { inspection: o.inspection, answers, findings },
      });
      return { findings };
    },

    async recordInspectionDone(o: { contractId: string; inspection: string; findings: number; at: number }): Promise<void> {
      const { row, profile } = await load(o.contractId);
      await audit(row, profile, { id: `inspection/${o.inspection}/done`, at: new Date(o.at), actor: 'system', step: 'contractor.inspect', outcome: o.findings > 0 ? `検査の指摘事項 ${o.findings} 件がすべて是正された` : '検査を完了（指摘事項なし）', detail: { inspection: o.inspection } });
    },

    /** Overdue: the chief is told (the task itself moves to them). */
    async recordFindingEscalated(o: { contractId: string; findingId: string; at: number }): Promise<void> {
      const { row, profile } = await load(o.contractId);
      const at = new Date(o.at);
      await setFindingState(db, o.contractId, o.findingId, 'escalated', at);
      const f = await findingFacts(row, profile, o.findingId);
      await audit(row, profile, { id: `finding/${o.findingId}/escalated`, at, actor: 'system', step: 'contractor.inspect', outcome: `是正措置が期限を過ぎたため総括責任者に報告（${f.item.ja}）`, detail: { findingId: o.findingId, dueAt: f.dueAt.toISOString() } });
    },

    async recordCorrectiveActionReported(o: { contractId: string; findingId: string; attempt: number; decision: TaskDecision }): Promise<void> {
      const { row, profile } = await load(o.contractId);
      await audit(row, profile, {
        id: `finding/${o.findingId}/reported-${o.attempt}`,
        at: new Date(o.decision.decidedAt),
        actor: actorOf(o.decision.decidedBy),
        step: 'contractor.inspect',
        outcome: `是正完了の報告: ${o.decision.note}`,
        detail: { findingId: o.findingId, attempt: o.attempt },
      });
    },

    async recordReinspection(o: { contractId: string; findingId: string; attempt: number; resolved: boolean; decision: TaskDecision }): Promise<void> {
      const { row, profile } = await load(o.contractId);
      const at = new Date(o.decision.decidedAt);
      if (o.resolved) await setFindingState(db, o.contractId, o.findingId, 'resolved', at);
      await audit(row, profile, {
        id: `finding/${o.findingId}/reinspected-${o.attempt}`,
        at,
        actor: actorOf(o.decision.decidedBy),
        step: 'contractor.inspect',
        outcome: o.resolved ? '再検査で是正を確認' : `再検査で是正されていないことを確認し、是正措置を再依頼${o.decision.note ? `（${o.decision.note}）` : ''}`,
        detail: { findingId: o.findingId, attempt: o.attempt, resolved: o.resolved },
      });
    },

    /** A maintenance report (katsuragi:5.1): its audit row, and the chief's task to acknowledge it. */
    async recordMaintenanceReport(o: { contractId: string; report: ReportMaintenanceInput; at: number }): Promise<HumanTaskRequest> {
      const { row, profile, facts } = await load(o.contractId);
      await audit(row, profile, {
        id: `maintenance/${o.report.reportId}`,
        at: new Date(o.at),
        actor: actorOf(o.report.by),
        step: 'contractor.maintenanceReport',
        outcome: `保守の報告を受付（${o.report.performedOn} 実施）: ${o.report.summary.slice(0, 80)}`,
        detail: { reportId: o.report.reportId, performedOn: o.report.performedOn, summary: o.report.summary },
      });
      return maintenanceReportRequest(profile, contractingPlanOf(profile), facts, o.report);
    },

    /** The end recorded with its evidence: the case closes. */
    async closeContract(o: { contractId: string; checklist: TaskChecklist; decision: TaskDecision }): Promise<void> {
      const { row, profile } = await load(o.contractId);
      const at = new Date(o.decision.decidedAt);
      const answers = o.decision.checklist ?? {};
      await recordContractChecklist(db, { contractId: o.contractId, name: 'end', checklist: o.checklist, answers, recordedBy: o.decision.decidedBy, recordedAt: at });
      await updateContract(db, row.contract_id, { status: 'closed', closedAt: at, nextInspectionAt: null });
      await audit(row, profile, {
        id: 'closed',
        at,
        actor: actorOf(o.decision.decidedBy),
        step: 'contractor.end',
        outcome: '資料の返還・廃棄と機器の消去を証跡とともに記録し、委託を完了',
        detail: { answers },
      });
    },
  };
}
