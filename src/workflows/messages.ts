// Every message the workflows accept, and the search attributes they set: shared by the
// workflows, the API and the tests. Wire names are stable; renaming one strands running work.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AuditAnchor } from '../domain/audit';
import type { ContractScope, ContractTerms } from '../domain/contract';
import type { CouncilMinutes } from '../domain/council-decisions';
import type { RecoveryTaskKind } from '../domain/closing';
import type { IncidentStatus } from '../domain/incidents';
import type { Obligation } from '../domain/obligations';
import type { ReviewItemAnswer } from '../domain/review';
import type { ChecklistAnswers } from '../domain/task-checklist';
import type { TaskDecision } from '../domain/tasks';

export interface DecideInput {
  taskId: string;
  option: string;
  note: string;
  /** The person the task was sent to, as the link proved. */
  actor: { name: string; email: string };
  /** When the person answered (ISO 8601), taken by the API: the decision's time. Absent in Updates sent by older APIs. */
  answeredAt?: string;
  /** A review task's answers per ID, as the review page saved them. */
  answers?: ReviewItemAnswer[];
  /** A checklist task's answers, item by item, as its page collected them. */
  checklist?: ChecklistAnswers;
}

/** Records a person's answer to a task; the validator refuses a moved, decided or unknown-option answer. */
export const decideUpdate = defineUpdate<TaskDecision, [DecideInput]>('decide');

export interface ChangeThreatLevelInput {
  level: number;
  /** Why (理由): recorded in the audit log with the level. */
  reason: string;
  /** Who changes it, as the API's session proved. */
  by: { name: string; email: string };
}

export interface ThreatLevelChange {
  previous: number;
  level: number;
  /** Whether the change convened the council (a raised level whose entry says so, not yet convened). */
  convenesCouncil: boolean;
}

/** Raises or lowers the incident's threat level; the validator refuses a level off the profile's scale. */
export const changeThreatLevelUpdate = defineUpdate<ThreatLevelChange, [ChangeThreatLevelInput]>('changeThreatLevel');

/** The incident's current threat level, as the workflow holds it. */
export const threatLevelQuery = defineQuery<number>('threatLevel');

export const incidentStatusQuery = defineQuery<IncidentStatus>('incidentStatus');

export interface RecordCouncilDecisionInput {
  /** The decision's id, chosen by the API: the Update's id too, so a request sent twice records once. */
  decisionId: string;
  /** 決定事項. */
  decision: string;
  /** 理由. */
  reason: string;
  /** When the council decided (ISO 8601). */
  decidedAt: string;
  /** Who presided, when the caller names them; else whoever the council call secured. */
  presidedBy?: string;
  /** 議事録: already stored with its SHA-256 when the Update is sent. */
  minutes?: CouncilMinutes;
  /** Who records it, as the API's session or key proved. */
  recordedBy: { name: string; email: string };
}

export interface CouncilDecisionRecord extends Omit<RecordCouncilDecisionInput, 'presidedBy'> {
  /** The council that decided (the profile's council name). */
  council: string;
  /** Who presided: named by the caller, or the chair (or acting chair) who accepted the call; '' when nobody is known. */
  presidedBy: string;
  /** When the workflow recorded it (ISO 8601). */
  recordedAt: string;
  articles: string[];
}

/** Records a decision of the council (会議の決定) with its reason and minutes; refused before the council is convened, or once the incident is closed. */
export const recordCouncilDecisionUpdate = defineUpdate<CouncilDecisionRecord, [RecordCouncilDecisionInput]>('recordCouncilDecision');

/** The council's decisions recorded so far, oldest first. */
export const councilDecisionsQuery = defineQuery<CouncilDecisionRecord[]>('councilDecisions');
export interface AssignRecoveryTaskInput {
  kind: RecoveryTaskKind;
  /** 部署 */
  section: string;
  title: string;
  detail: string;
  assignee: { name: string; email: string };
  /** ISO 8601 instant, after the workflow's now. */
  dueAt: string;
  /** The commander, as the API's session proved. */
  by: { name: string; email: string };
}

export interface AssignedRecoveryTask {
  n: number;
  /** The obligation it opens: `recovery:<n>`. */
  key: string;
  workflowId: string;
}

/** 原因究明・再発防止策: assigns a task to a section, with a due date; refused before recovery or once closed. */
export const assignRecoveryTaskUpdate = defineUpdate<AssignedRecoveryTask, [AssignRecoveryTaskInput]>('assignRecoveryTask');

/** 最終報告: renders the final report from the trail and sends it to the executive; each call is a new edition. */
export const issueFinalReportUpdate = defineUpdate<{ edition: number; documentId: string; sha256: string; recipients: string[] }, [{ by: { name: string; email: string } }]>('issueFinalReport');

export interface CloseIncidentInput {
  reason: string;
  by: { name: string; email: string };
}

/** The failure type of a close refused for open obligations; its details carry the blockers. */
export const CLOSE_BLOCKED = 'CloseBlocked';

export interface CloseIncidentResult {
  closedAt: string;
  obligations: Obligation[];
}

/**
 * 終結: closes the incident when every obligation is done or waived. The validator refuses a
 * closed incident; the handler gathers the obligations and fails with CLOSE_BLOCKED, naming each
 * open one, while any is open.
 */
export const closeIncidentUpdate = defineUpdate<CloseIncidentResult, [CloseIncidentInput]>('closeIncident');

export interface AuditAnchorInput {
  intervalMs: number;
  /** The newest anchor of the run before (continue-as-new). */
  latest?: AuditAnchor;
  /** Anchors per run before continuing as new (default 100: at 15 minutes, about a day). */
  anchorsPerRun?: number;
}

/** Sets the anchor interval and takes an anchor at once; the worker sends it at each start. */
export const configureAuditAnchorSignal = defineSignal<[{ intervalMs: number }]>('configureAuditAnchor');

/** One auditAnchor execution per task queue: one installation, one database. */
export const auditAnchorWorkflowId = (taskQueue: string) => `audit-anchor-${taskQueue}`;

// Search attributes: an operator finds incidents in the Temporal Web UI by these.
export const incidentIdKey = defineSearchAttributeKey('IncidentId', SearchAttributeType.KEYWORD);
export const organisationKey = defineSearchAttributeKey('Organisation', SearchAttributeType.KEYWORD);
export const incidentKindKey = defineSearchAttributeKey('IncidentKind', SearchAttributeType.KEYWORD);
export const incidentStatusKey = defineSearchAttributeKey('IncidentStatus', SearchAttributeType.KEYWORD);
export const SEARCH_ATTRIBUTE_KEYS = [incidentIdKey, organisationKey, incidentKindKey, incidentStatusKey];

// ---- 委託処理 (contracts) ----

export interface ChangeContractInput {
  /** The terms as they are to be: the whole request's content again, validated by the API. */
  terms: ContractTerms;
  /** 変更の理由. */
  reason: string;
  /** The department head asking, as the API's session or key proved. */
  by: { name: string; email: string };
}

export interface ContractChangeAccepted {
  /** 1 for the contract's first change: its tasks sit under `<contract>/change-<n>`. */
  change: number;
  scopes: ContractScope[];
}

/**
 * 変更 (tokyo:24.1, kunitachi:9.1): asks approval for changed terms; the changed scopes are
 * suspended until it is decided. Refused while the contract is not active, while another change is
 * awaiting approval, or when nothing approval-worthy changed.
 */
export const changeContractUpdate = defineUpdate<ContractChangeAccepted, [ChangeContractInput]>('changeContract');

export interface RequestInspectionInput {
  /** Why now (随時の検査). */
  reason: string;
  by: { name: string; email: string };
}

/** 随時の検査 (tokyo:26): an inspection now, besides the periodic ones; refused while one runs or once the contract has ended. */
export const requestInspectionUpdate = defineUpdate<{ inspection: string }, [RequestInspectionInput]>('requestInspection');

export interface ReportMaintenanceInput {
  /** Chosen by the API: the Update's id and the chief's task's workflow id, so a resend records once. */
  reportId: string;
  /** 保守の内容 as the contractor reported it. */
  summary: string;
  /** The day the maintenance was done (YYYY-MM-DD, Japan). */
  performedOn: string;
  /** Who records it (the department head or the system admin who received the report). */
  by: { name: string; email: string };
}

/** 保守の報告 (katsuragi:5.1): a contractor's maintenance report, recorded and taken to the chief; refused once the contract has ended. */
export const reportMaintenanceUpdate = defineUpdate<{ workflowId: string }, [ReportMaintenanceInput]>('reportMaintenance');
