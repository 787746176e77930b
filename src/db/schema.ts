// Table types of the application database, in the shape Kysely reads them.
import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { ContractChecklistItem, ContractScope, ContractTerms } from '../domain/contract';
import type { DrillSettings } from '../domain/incidents';
import type { OrganisationProfile } from '../domain/profile';
import type { IncidentFacts } from '../domain/report-clocks';
import type { IdFlag, ReviewItemAnswer, ReviewItemFacts } from '../domain/review';
import type { ChecklistAnswers } from '../domain/task-checklist';
import type { Assignee, PendingDecision, TaskDecision, TaskForm, TaskOption } from '../domain/tasks';

export interface OrganisationTable {
  key: string;
  name: string;
  profile: ColumnType<OrganisationProfile, string, string>;
  source_file: string;
  loaded_at: Generated<Date>;
}

export interface AuditLogTable {
  seq: ColumnType<number, number, never>;
  id: string;
  at: Date;
  case_id: string;
  organisation: string;
  actor: string;
  step: string;
  outcome: string;
  articles: JSONColumnType<string[]>;
  detail: JSONColumnType<Record<string, unknown>>;
  prev_hash: string;
  /** Null on rows from before the chain was keyed (plain SHA-256). */
  mac_key_id: string | null;
  hash: string;
}

/** A link a task was sent with (only its hash), valid until its own expiry. */
export interface TaskLinkTable {
  token_hash: string;
  task_id: string;
  expires_at: Date;
  issued_at: Generated<Date>;
}

export interface TaskTable {
  task_id: string;
  case_id: string;
  organisation: string;
  workflow_id: string;
  step: string;
  kind: string;
  title: string;
  body: string;
  options: JSONColumnType<TaskOption[]>;
  articles: JSONColumnType<string[]>;
  assignee: JSONColumnType<Assignee>;
  assignee_email: string;
  state: string;
  due_at: Date;
  token_hash: string;
  token_expires_at: Date;
  reminders_sent: Generated<number>;
  moved_to: JSONColumnType<{ taskId: string; name: string; title: string } | null, string | null, string | null>;
  decision: JSONColumnType<TaskDecision | null, string | null, string | null>;
  /** An answer taken but not yet applied by the workflow; null once decided. */
  pending_decision: JSONColumnType<PendingDecision | null, string | null | undefined, string | null>;
  /** When the invitation was accepted by the relay; null while it is undelivered. */
  asked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** A checklist task's items, a gated decision's blockers (migration 0021); null for the others. */
  form: JSONColumnType<TaskForm | null, string | null | undefined, string | null>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SentMailTable {
  key: string;
  recipient: string;
  subject: string;
  message_id: string | null;
  /** When the relay accepted the message. */
  sent_at: Date | null;
  /** The attempt sending now (null when none): a retry finding it alive does not send again. */
  attempt_id: string | null;
  attempt_started_at: Date | null;
  /** Refreshed while the attempt runs; a mark not refreshed for a while is a dead attempt's. */
  attempt_seen_at: Date | null;
  attempts: Generated<number>;
  last_error: string | null;
  last_error_at: Date | null;
  created_at: Generated<Date>;
}

/** Who was told, through which channel, with the outcome of each. */
export interface AlertNotice {
  channel: 'webhook' | 'email';
  to: string;
  ok: boolean;
  error?: string;
}

export interface AlertTable {
  id: string;
  kind: string;
  organisation: string;
  case_id: string;
  task_id: string | null;
  message: string;
  notified: JSONColumnType<AlertNotice[]>;
  raised_at: Generated<Date>;
}

export interface IncidentCounterTable {
  organisation: string;
  /** INC for incidents, DRL for drills (訓練). */
  series: Generated<string>;
  year: number;
  last: number;
}

export interface IncidentTable {
  organisation: string;
  incident_id: string;
  declaration_id: string;
  workflow_id: string;
  kind: string;
  threat_level: number;
  summary: string;
  observed: string;
  detected_by: JSONColumnType<{ name: string; email: string }>;
  detected_at: Date;
  aware_at: Date;
  /** Known facts of a leak (0011): null when none were given. */
  facts: ColumnType<IncidentFacts | null, string | undefined, string>;
  declared_via: string;
  status: string;
  /** 訓練: the drill's time scale and participants; null for a real incident. */
  drill: JSONColumnType<DrillSettings> | null;
  created_at: Generated<Date>;
}


export interface AccountTable {
  id: string;
  email: string;
  display_name: string;
  source: 'local' | 'ldap' | 'oidc';
  password_hash: string | null;
  password_changed_at: Date | null;
  totp_secret: string | null;
  totp_enabled_at: Date | null;
  totp_last_step: ColumnType<string | null, number | null | undefined, number | null>;
  recovery_codes: JSONColumnType<string[] | null, string | null | undefined, string | null>;
  failed_attempts: Generated<number>;
  locked_until: Date | null;
  disabled_at: Date | null;
  last_sign_in_at: Date | null;
  created_at: Generated<Date>;
}

export interface AccountGrantTable {
  account_id: string;
  organisation: string;
  role: string;
  granted_by: string;
  granted_at: Generated<Date>;
}

/** `mfa`: password accepted, TOTP awaited; `enrol`: TOTP must be set up first; `full`: signed in. */
export type SessionStage = 'mfa' | 'enrol' | 'full';

export interface SessionTable {
  id_hash: string;
  account_id: string;
  stage: SessionStage;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  /** The TOTP secret shown during enrolment, kept until the first code confirms it. */
  totp_pending_secret: string | null;
}

export interface SetupLinkTable {
  token_hash: string;
  purpose: 'first_admin' | 'invite' | 'reset';
  account_id: string | null;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

export interface ApiKeyTable {
  id: string;
  secret_hash: string;
  name: string;
  organisation: string;
  role: string;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export type NotificationChannel = 'email' | 'letter';
export type NotificationState = 'PENDING' | 'SENDING' | 'SENT' | 'FAILED';

/** A person concerned by an incident and where their notice stands (本人通知). */
/** A sending attempt's hold on the persons of its batch (0019): ids first..last, while seen_at is fresh. */
export interface NotificationLeaseTable {
  organisation: string;
  incident_id: string;
  attempt_id: string;
  first_person: number;
  last_person: number;
  seen_at: Date;
}

export interface NotificationRecipientTable {
  organisation: string;
  incident_id: string;
  /** 1, 2, … in the order of the imported file. */
  person_id: number;
  import_id: string;
  /** The person's line in the imported file. */
  line: number;
  name: string;
  postal_code: string;
  address: string;
  email: string | null;
  channel: NotificationChannel;
  state: NotificationState;
  attempt_id: string | null;
  seen_at: Date | null;
  attempts: Generated<number>;
  sent_at: Date | null;
  message_id: string | null;
  last_error: string | null;
  created_at: Generated<Date>;
  /** When the person's letter was put in a print file (0013): a letter not yet printed keeps the notice open. */
  letter_printed_at?: Date | null;
}

/** A file attached to a task as evidence (e.g. the photo of a physical disconnection), with its SHA-256. */
export interface AttachmentTable {
  id: string;
  organisation: string;
  case_id: string;
  task_id: string;
  filename: string;
  media_type: string;
  size: number;
  sha256: string;
  bytes: Uint8Array;
  uploaded_by: string;
  uploaded_at: Generated<Date>;
}

/** One alert of a monitoring system: its incident, and how often it came. */
export interface DetectionTable {
  organisation: string;
  source: string;
  alert_id: string;
  /** Null until the incident's declaration has gone through (a retry completes it). */
  incident_id: string | null;
  key_id: string;
  occurrences: number;
  first_at: Date;
  last_at: Date;
}

/** Who wrote or approved a notice: an account (a person) or an API key. */
export interface NoticeActor {
  kind: 'account' | 'apiKey';
  id: string;
  name: string;
  email?: string;
}

export type NoticeState = 'DRAFT' | 'APPROVED';

/** A notice to the persons concerned (通知文), as built from the commander's fields; approved once. */
export interface NoticeTable {
  organisation: string;
  notice_id: string;
  incident_id: string;
  /** 1, 2, … per incident. */
  seq: number;
  fields: JSONColumnType<object, string, string>;
  content: JSONColumnType<object, string, string>;
  state: NoticeState;
  created_by: JSONColumnType<NoticeActor, string, string>;
  created_at: Date;
  approved_by: JSONColumnType<NoticeActor | null, string | null | undefined, string | null>;
  approved_at: Date | null;
  approval_note: string | null;
}

/** A cause-analysis or recurrence-prevention task (原因究明・再発防止策) assigned to a section. */
export interface RecoveryTaskTable {
  organisation: string;
  case_id: string;
  /** 1, 2, … within the case: the obligation is `recovery:<n>`. */
  n: number;
  kind: 'cause' | 'prevention';
  section: string;
  title: string;
  detail: string;
  assignee: JSONColumnType<{ name: string; email: string }>;
  due_at: Date;
  assigned_by: string;
  workflow_id: string;
  state: 'OPEN' | 'DONE' | 'WITHDRAWN';
  result: string | null;
  done_at: Date | null;
  created_at: Generated<Date>;
}

/** An obligation waived (免除) with a reason by someone allowed to: it no longer blocks the close. */
export interface ObligationWaiverTable {
  organisation: string;
  case_id: string;
  key: string;
  reason: string;
  waived_by: string;
  waived_at: Date;
}

/** A document the system generated for a case (the final report, …), kept as sent, with its SHA-256. */
export interface CaseDocumentTable {
  id: string;
  organisation: string;
  case_id: string;
  kind: string;
  filename: string;
  media_type: string;
  size: number;
  sha256: string;
  bytes: Uint8Array;
  created_at: Date;
}

/** A statutory report of a case and its clock (src/domain/report-clocks.ts). */
export interface ReportTable {
  organisation: string;
  case_id: string;
  /** `report:<targetKind>:<reportKind>` */
  key: string;
  target: string;
  target_name: string;
  kind: string;
  due_at: Date;
  rule: string;
  articles: JSONColumnType<string[]>;
  /** open → review (a version awaits approval) → sent; or waived. Sent stays sent when amended. */
  state: 'open' | 'review' | 'sent' | 'waived';
  /** The newest version generated (0: none yet). */
  version: Generated<number>;
  sent_at: Date | null;
  escalated_at: Date | null;
  waived: JSONColumnType<{ reason: string; by: { name: string; email: string }; at: string } | null>;
  created_at: Generated<Date>;
}

/** A report's version: the PDF approved and sent, kept as evidence with its SHA-256. */
export interface ReportVersionTable {
  organisation: string;
  case_id: string;
  key: string;
  version: number;
  filename: string;
  size: number;
  sha256: string;
  bytes: Uint8Array;
  note: string | null;
  approved_by: JSONColumnType<{ name: string; email: string; at: string } | null>;
  sent_at: Date | null;
  recipients: JSONColumnType<string[] | null>;
  created_at: Generated<Date>;
}

/** One user ID in an organisation's ledger (管理簿). */
export interface LedgerEntryTable {
  organisation: string;
  user_id: string;
  person_name: string;
  email: string | null;
  section: string;
  permissions: JSONColumnType<string[]>;
  issued_at: Date | null;
  last_used_at: Date | null;
  password_changed_at: Date | null;
  status: string;
  operator_card: string | null;
  verification_registered: boolean;
  verification_registered_at: Date | null;
  updated_by: string;
  updated_at: Date;
}

export interface LedgerTable {
  organisation: string;
  revision: number;
  updated_at: Date;
}

/** A ledger import awaiting confirmation (or confirmed, or overtaken by another change). */
export interface LedgerImportTable {
  id: string;
  organisation: string;
  source: JSONColumnType<{ format: string; encoding?: string; filename?: string; rows: number }>;
  base_revision: number;
  columns: JSONColumnType<string[]>;
  diff: JSONColumnType<object>;
  state: string;
  created_by: string;
  created_at: Date;
  confirmed_by: string | null;
  confirmed_at: Date | null;
}

/** A review campaign (0020): annual per organisation and fiscal year, or targeted by a 人事異動 list. */
export interface ReviewCampaignTable {
  campaign_id: string;
  organisation: string;
  kind: string;
  fiscal_year: number;
  /** open → closed. */
  state: string;
  started_by: string;
  started_at: Date;
  due_at: Date;
  default_at: Date;
  default_outcome: string;
  closed_at: Date | null;
}

/** One ID a campaign reviews, as the ledger had it when the campaign began, and what became of it. */
export interface ReviewItemTable {
  campaign_id: string;
  user_id: string;
  organisation: string;
  section: string;
  /** Order within the section (the review page's paging). */
  position: number;
  person_name: string;
  email: string | null;
  permissions: JSONColumnType<string[]>;
  facts: JSONColumnType<ReviewItemFacts>;
  flags: JSONColumnType<IdFlag[]>;
  draft: JSONColumnType<ReviewItemAnswer | null, string | null, string | null>;
  answer: JSONColumnType<ReviewItemAnswer | null, string | null, string | null>;
  decided_by: JSONColumnType<{ name: string; email: string } | null, string | null, string | null>;
  decided_at: Date | null;
  overdue: ColumnType<boolean, boolean | undefined, boolean>;
  defaulted: string | null;
  carried_out: JSONColumnType<{ via: 'directory' | 'person'; by: string; at: string } | null, string | null, string | null>;
}

/** 委託処理: one contract from request to end (migration 0021). */
export interface ContractTable {
  contract_id: string;
  organisation: string;
  /** 2026-001 */
  number: string;
  status: string;
  terms: JSONColumnType<ContractTerms>;
  /** A change awaiting approval: the terms it asks for. */
  pending_terms: JSONColumnType<ContractTerms | null, string | null, string | null>;
  suspended_scopes: JSONColumnType<ContractScope[], string | undefined, string>;
  requested_by: JSONColumnType<{ name: string; email: string }>;
  requested_at: Date;
  starts_at: Date;
  ends_at: Date;
  approved_at: Date | null;
  active_at: Date | null;
  next_inspection_at: Date | null;
  closed_at: Date | null;
}

/** A checklist answered for a contract: `questionnaire/1`, `investigation/1`, `clauses`, `inspection/2`… */
export interface ContractChecklistTable {
  contract_id: string;
  name: string;
  mode: string;
  items: JSONColumnType<ContractChecklistItem[]>;
  answers: JSONColumnType<ChecklistAnswers>;
  recorded_by: JSONColumnType<{ name: string; email: string }>;
  recorded_at: Date;
}

/** A finding of an inspection (指摘事項) and its corrective action (是正措置). */
export interface ContractFindingTable {
  contract_id: string;
  finding_id: string;
  organisation: string;
  inspection: string;
  item: string;
  description: string;
  owner: JSONColumnType<{ name: string; email: string }>;
  found_at: Date;
  due_at: Date;
  /** open → escalated → resolved */
  state: string;
  escalated_at: Date | null;
  resolved_at: Date | null;
  workflow_id: string;
}

export interface Database {
  contracts: ContractTable;
  contract_checklists: ContractChecklistTable;
  contract_findings: ContractFindingTable;
  review_campaigns: ReviewCampaignTable;
  review_items: ReviewItemTable;
  ledger_entries: LedgerEntryTable;
  ledgers: LedgerTable;
  ledger_imports: LedgerImportTable;
  recovery_tasks: RecoveryTaskTable;
  obligation_waivers: ObligationWaiverTable;
  case_documents: CaseDocumentTable;
  reports: ReportTable;
  report_versions: ReportVersionTable;
  attachments: AttachmentTable;
  notices: NoticeTable;
  detections: DetectionTable;
  notification_recipients: NotificationRecipientTable;
  notification_leases: NotificationLeaseTable;
  accounts: AccountTable;
  account_grants: AccountGrantTable;
  sessions: SessionTable;
  setup_links: SetupLinkTable;
  api_keys: ApiKeyTable;
  organisations: OrganisationTable;
  audit_log: AuditLogTable;
  tasks: TaskTable;
  task_links: TaskLinkTable;
  sent_mail: SentMailTable;
  incident_counters: IncidentCounterTable;
  incidents: IncidentTable;
  alerts: AlertTable;
}
