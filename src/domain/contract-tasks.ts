// 委託処理: the human tasks of a contract's approval, built from the profile and the contract as
// recorded — the contractor's questionnaire (its contact, from a link, without an account), the
// system admin's investigation (tokyo:23.2), the chief's decision behind the hard gate
// (tokyo:24.2), and the contract's clauses (tokyo:25). Pure: the activities call them with what
// they read; the workflow only carries them to the human task.
import { asAssignee, roleHolderChain } from './council';
import {
  type ApprovalBlocker,
  BLOCKER_REASON_LABELS,
  CHIEF_ANSWER_LABELS,
  CHIEF_ANSWERS,
  type ContractingPlan,
  type ContractTerms,
  CONTRACT_SCOPE_LABELS,
  type ContractScope,
  changedSubcontractors,
} from './contract';
import { parseDuration } from './duration';
import type { OrganisationProfile } from './profile';
import type { ProcedureStep } from './procedures';
import type { Assignee, HumanTaskRequest } from './tasks';
import type { ContractChecklistItem } from './contract';

/** Where a contract stands (契約の状態). */
export const CONTRACT_STATUSES = ['investigating', 'awaitingApproval', 'refused', 'awaitingClauses', 'active', 'ending', 'closed'] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

export const CONTRACT_STATUS_LABELS: Record<ContractStatus, { ja: string; en: string }> = {
  investigating: { ja: '調査中', en: 'Under investigation' },
  awaitingApproval: { ja: '承認待ち', en: 'Awaiting approval' },
  refused: { ja: '不承認', en: 'Refused' },
  awaitingClauses: { ja: '契約書の確認中', en: 'Checking the contract clauses' },
  active: { ja: '契約中', en: 'Active' },
  ending: { ja: '終了手続中', en: 'Ending' },
  closed: { ja: '完了', en: 'Closed' },
};

/** A contract as its tasks need it. */
export interface ContractFacts {
  contractId: string;
  organisation: string;
  /** 2026-001: how people name it. */
  number: string;
  terms: ContractTerms;
  requestedBy: { name: string; email: string };
}

/** What one approval round is for: the first request, or a change of some scopes (tokyo:24.1). */
export type ApprovalPurpose = { kind: 'request' } | { kind: 'change'; scopes: ContractScope[] };

const DAY_MS = 86_400_000;

/** The days a person has for each task of the procedure, and the reminders before it ends. */
export function contractTaskWindows(plan: Pick<ContractingPlan, 'taskWindow'>): { windowMs: number; reminderOffsetsMs: number[] } {
  const windowMs = parseDuration(plan.taskWindow.respondWithin)!;
  const reminderOffsetsMs = [...new Set(plan.taskWindow.remindBefore.map((d) => windowMs - parseDuration(d)!).filter((ms) => ms > 0))].sort((a, b) => a - b);
  return { windowMs, reminderOffsetsMs };
}

const articlesOf = (profile: OrganisationProfile, step: ProcedureStep) => profile.articles[step] ?? [];

function base(profile: OrganisationProfile, c: ContractFacts, step: ProcedureStep, plan: ContractingPlan) {
  const { windowMs, reminderOffsetsMs } = contractTaskWindows(plan);
  return {
    caseId: c.contractId,
    organisation: c.organisation,
    step,
    articles: articlesOf(profile, step),
    remindAfterMs: reminderOffsetsMs[0] ?? Math.max(DAY_MS, windowMs / 2),
    reminderOffsetsMs,
    escalateAfterMs: windowMs,
  };
}

const purposeLine = (p: ApprovalPurpose) =>
  p.kind === 'request' ? '委託の承認申請' : `委託内容の変更（${p.scopes.map((s) => CONTRACT_SCOPE_LABELS[s].ja).join('・')}）の承認申請`;

const summary = (c: ContractFacts) =>
  [
    `委託先: ${c.terms.contractor.name}`,
    `業務: ${c.terms.business.content}`,
    `本人確認情報: ${c.terms.data.identityInformation ? '取り扱う' : '取り扱わない'}（${c.terms.data.volume.toLocaleString('ja-JP')} 件まで）`,
    `契約期間: ${c.terms.period.startsOn} 〜 ${c.terms.period.endsOn}`,
    `申請者: ${c.requestedBy.name}`,
  ].join('\n');

/** The contractor's contact as the one asked: no account, only the link sent to this address. */
export const contractorContact = (c: ContractFacts): Assignee => ({
  name: c.terms.contractor.contact.name,
  title: '委託先担当者',
  email: c.terms.contractor.contact.email,
  phone: '',
  position: c.terms.contractor.name,
});

/** 調査票: the contractor describes its protection setup, item by item, from an emailed link. */
export function questionnaireRequest(profile: OrganisationProfile, plan: ContractingPlan, c: ContractFacts, purpose: ApprovalPurpose): HumanTaskRequest {
  return {
    ...base(profile, c, 'contractor.investigate', plan),
    kind: 'checklist',
    title: `情報の保護に関する調査票（${profile.organisation.name}・契約 ${c.number}）`,
    body: [
      `${profile.organisation.name}から、${purposeLine(purpose)}に当たり、貴社の情報の保護に関する体制を伺います。`,
      '各項目について、体制・措置の内容を記載し、規程・認証書などの資料があれば添付してください。',
      summary(c),
    ].join('\n'),
    options: [{ value: 'submit', label: '回答を提出' }],
    // The contractor alone: nobody acts for it; the workflow stops waiting when its window ends.
    chain: [contractorContact(c)],
    checklist: { mode: 'describe', items: plan.investigation },
  };
}

/** 調査: the system admin checks each item, met / not met / not applicable, with evidence (tokyo:23.2). */
export function investigationRequest(profile: OrganisationProfile, plan: ContractingPlan, c: ContractFacts, purpose: ApprovalPurpose, questionnaire: 'answered' | 'unanswered'): HumanTaskRequest {
  return {
    ...base(profile, c, 'contractor.investigate', plan),
    kind: 'checklist',
    title: `委託先の調査（${c.terms.contractor.name}・契約 ${c.number}）`,
    body: [
      `${purposeLine(purpose)}について、委託先の情報の保護に関する体制を調査し、項目ごとに適合・不適合・対象外を記録してください。`,
      questionnaire === 'answered' ? '委託先の調査票の回答が届いています（各項目に表示）。' : '委託先から期限までに調査票の回答がありませんでした。',
      '必須の項目が一つでも不適合のときは、承認できません（規程により、不承認又は差戻しのみ）。',
      summary(c),
    ].join('\n'),
    options: [{ value: 'submit', label: '調査結果を提出' }],
    chain: roleHolderChain(profile, 'systemAdmin'),
    checklist: { mode: 'assess', items: plan.investigation },
  };
}

/** 承認: the chief approves, refuses or sends back; the gate holds the blockers (tokyo:24.2). */
/**
 * The subcontracting links a decision approves, each named (kunitachi:9.1: a sub-subcontractor is
 * a 受託者 too): every link of a request; the links a change adds or alters.
 */
export function linksToApprove(purpose: ApprovalPurpose, terms: ContractTerms, before?: ContractTerms): Array<{ name: string; via: string }> {
  const links = terms.subcontractors.map((s) => ({ name: s.name, via: s.via }));
  if (purpose.kind === 'request' || !before) return links;
  const changed = new Set(changedSubcontractors(before, terms));
  return links.filter((l) => changed.has(l.name));
}

export function approvalRequest(profile: OrganisationProfile, plan: ContractingPlan, c: ContractFacts, purpose: ApprovalPurpose, blockers: ApprovalBlocker[], links: ReadonlyArray<{ name: string; via: string }> = []): HumanTaskRequest {
  return {
    ...base(profile, c, 'contractor.approve', plan),
    kind: 'decide',
    title: `${purposeLine(purpose)}（${c.terms.contractor.name}・契約 ${c.number}）`,
    body: [
      `${purposeLine(purpose)}を判断してください。不承認又は差戻しには理由が必要です。`,
      blockers.length === 0
        ? '調査の結果、必須の項目はすべて適合です。'
        : `調査の結果、次の必須項目が満たされていないため承認できません（不承認又は差戻しのみ）:\n${blockers.map((b) => `・${b.label.ja}（${BLOCKER_REASON_LABELS[b.reason].ja}）`).join('\n')}`,
      ...(links.length > 0 ? [`承認により、次の再委託を個別に承認します:\n${links.map((l) => `・${l.via} → ${l.name}`).join('\n')}`] : []),
      summary(c),
    ].join('\n'),
    options: CHIEF_ANSWERS.map((a) => ({ value: a, label: CHIEF_ANSWER_LABELS[a].ja })),
    chain: roleHolderChain(profile, 'chief'),
    approvalGate: { blockers },
  };
}

/** 契約書の記載事項: the department head locates each clause in the signed contract (tokyo:25). */
export function clausesRequest(profile: OrganisationProfile, plan: ContractingPlan, c: ContractFacts): HumanTaskRequest {
  return {
    ...base(profile, c, 'contractor.contract', plan),
    kind: 'checklist',
    title: `契約書の記載事項の確認（${c.terms.contractor.name}・契約 ${c.number}）`,
    body: [
      '承認された委託について、契約書に次の事項が記載されていることを、項目ごとに頁（又は契約書の写しの証跡）で示してください。',
      '必須の事項がすべて示されるまで、契約は有効になりません。',
      summary(c),
    ].join('\n'),
    options: [{ value: 'submit', label: '記載事項を登録' }],
    // The one who asked for it signs the contract; the system admin acts for them.
    chain: [asAssignee({ name: c.requestedBy.name, title: '申請者', email: c.requestedBy.email, phone: '' }, '申請者'), ...roleHolderChain(profile, 'systemAdmin')],
    checklist: { mode: 'locate', items: plan.clauses },
  };
}

/** 定期検査・随時検査 (tokyo:26): the system admin inspects the contractor's measures; each item not met is a finding. */
export function inspectionRequest(profile: OrganisationProfile, plan: ContractingPlan, c: ContractFacts, inspection: { label: string; reason?: string }): HumanTaskRequest {
  const onDemand = inspection.label.startsWith('on-demand');
  return {
    ...base(profile, c, 'contractor.inspect', plan),
    kind: 'checklist',
    title: `${onDemand ? '随時' : '定期'}検査（${c.terms.contractor.name}・契約 ${c.number}）`,
    body: [
      `受託者におけるセキュリティ対策の実施状況を検査し、項目ごとに適合・不適合・対象外を記録してください。写真・資料は証跡として添付できます。`,
      '不適合の項目は指摘事項となり、是正措置（期限・督促・再検査）が委託先に依頼されます。不適合の欄には指摘の内容を書いてください。',
      ...(inspection.reason ? [`随時検査の理由: ${inspection.reason}`] : []),
      summary(c),
    ].join('\n'),
    options: [{ value: 'submit', label: '検査結果を提出' }],
    chain: roleHolderChain(profile, 'systemAdmin'),
    checklist: { mode: 'assess', items: plan.investigation },
  };
}

/** A finding as its corrective action needs it. */
export interface FindingFacts {
  findingId: string;
  item: { ja: string; en: string };
  description: string;
  owner: { name: string; email: string };
  dueAt: Date;
  escalateAt: Date;
  reminders: Date[];
}

/**
 * 是正措置: the owner (the contractor's contact) reports the action done, with evidence; reminded
 * before it is due; when overdue (and the escalation delay past) the task moves to the chief.
 */
export function correctiveActionRequest(profile: OrganisationProfile, plan: ContractingPlan, c: ContractFacts, f: FindingFacts, askedAt: Date, attempt: number): HumanTaskRequest {
  const ownerWindow = Math.max(60_000, f.escalateAt.getTime() - askedAt.getTime());
  const { windowMs } = contractTaskWindows(plan);
  const reminders = f.reminders.map((d) => d.getTime() - askedAt.getTime()).filter((ms) => ms > 0 && ms < ownerWindow);
  const due = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', dateStyle: 'long' }).format(f.dueAt);
  return {
    ...base(profile, c, 'contractor.inspect', plan),
    kind: 'decide',
    title: `是正措置の依頼${attempt > 1 ? `（再依頼 ${attempt}）` : ''}（${c.terms.contractor.name}・契約 ${c.number}）`,
    body: [
      `検査の指摘事項について是正措置を講じ、${due}までに完了を報告してください。報告には講じた措置を書き、写真・資料を添付してください。`,
      `指摘事項: ${f.item.ja}`,
      `内容: ${f.description}`,
      '期限を過ぎると、総括責任者に報告されます。',
    ].join('\n'),
    options: [{ value: 'done', label: '是正完了を報告' }],
    chain: [{ name: f.owner.name, title: '是正措置の担当者', email: f.owner.email, phone: '', position: c.terms.contractor.name }, ...roleHolderChain(profile, 'chief')],
    remindAfterMs: reminders[0] ?? Math.max(60_000, ownerWindow / 2),
    reminderOffsetsMs: reminders,
    escalateAfterMs: ownerWindow,
    windowsMs: [ownerWindow, windowMs],
  };
}

export const REINSPECTION_ANSWERS = ['resolved', 'notResolved'] as const;

/** 再検査: the system admin checks the reported action; not resolved, the action is asked again. */
export function reinspectionRequest(profile: OrganisationProfile, plan: ContractingPlan, c: ContractFacts, f: FindingFacts, report: { by: string; note: string }): HumanTaskRequest {
  return {
    ...base(profile, c, 'contractor.inspect', plan),
    kind: 'decide',
    title: `是正措置の再検査（${c.terms.contractor.name}・契約 ${c.number}）`,
    body: [
      '委託先から是正完了の報告がありました。是正されたかを確認してください。是正されていないときは、その内容を書いてください（是正措置を再度依頼します）。',
      `指摘事項: ${f.item.ja}`,
      `内容: ${f.description}`,
      `報告（${report.by}）: ${report.note}`,
    ].join('\n'),
    options: [
      { value: 'resolved', label: '是正を確認' },
      { value: 'notResolved', label: '是正されていない（再依頼）' },
    ],
    chain: roleHolderChain(profile, 'systemAdmin'),
  };
}

/** 終了時の措置 (tokyo:25.5, niigata:19.6): each met with evidence, or not applicable with a reason. */
export const END_CHECKLIST = [
  { key: 'dataReturnedOrDestroyed', label: { ja: '資料（本人確認情報を含む）の返還又は廃棄', en: 'Records (identity information included) returned or destroyed' }, mandatory: true, articles: [] },
  { key: 'equipmentWiped', label: { ja: '機器・媒体のデータ消去', en: 'Equipment and media wiped' }, mandatory: true, articles: [] },
  { key: 'certificateReceived', label: { ja: '返還・廃棄（消去）証明書の受領', en: 'Certificate of return or destruction received' }, mandatory: true, articles: [] },
] satisfies ContractChecklistItem[];

/** The end of the contract: the department head records the return or destruction, with its evidence. */
export function endRequest(profile: OrganisationProfile, plan: ContractingPlan, c: ContractFacts): HumanTaskRequest {
  return {
    ...base(profile, c, 'contractor.end', plan),
    kind: 'checklist',
    title: `契約終了時の資料の返還・廃棄（${c.terms.contractor.name}・契約 ${c.number}）`,
    body: [
      `契約期間（${c.terms.period.startsOn} 〜 ${c.terms.period.endsOn}）が終了しました。`,
      '資料の返還又は廃棄、機器・媒体のデータ消去、証明書の受領を、項目ごとに証跡（証明書・写真）を添付して記録してください。すべて記録されるまで、この委託は完了しません。',
      summary(c),
    ].join('\n'),
    options: [{ value: 'submit', label: '終了時の措置を記録' }],
    chain: [asAssignee({ name: c.requestedBy.name, title: '申請者', email: c.requestedBy.email, phone: '' }, '申請者'), ...roleHolderChain(profile, 'systemAdmin')],
    checklist: { mode: 'assess', items: END_CHECKLIST, evidenceRequired: true },
  };
}

/** 保守の報告 (katsuragi:5.1): the chief is told of a contractor's maintenance and acknowledges it. */
export function maintenanceReportRequest(profile: OrganisationProfile, plan: ContractingPlan, c: ContractFacts, report: { summary: string; performedOn: string; by: { name: string } }): HumanTaskRequest {
  return {
    ...base(profile, c, 'contractor.maintenanceReport', plan),
    kind: 'acknowledge',
    title: `保守の報告（${c.terms.contractor.name}・契約 ${c.number}）`,
    body: [`委託先から保守の報告がありました（${report.performedOn} 実施、${report.by.name} が受付）。内容を確認してください。`, `内容: ${report.summary}`, summary(c)].join('\n'),
    options: [{ value: 'acknowledged', label: '確認した' }],
    chain: roleHolderChain(profile, 'chief'),
  };
}
