// The OpenAPI description of `/api` (issue 10 §10), built from the app itself: each route's path,
// method and policy come from the express stack, its request schemas from its validator (zod → JSON
// Schema). Only what a person must write — the summary, the answers — is kept here, one entry per
// operation; a test fails when a route has none, or an entry no route.
import type express from 'express';
import type { ZodType } from 'zod';
import { z } from '../domain/zod';
import type { Policy } from './access';
import { routesOf } from './routes-of';

type Media = 'json' | 'pdf' | 'csv' | 'gzip' | 'file' | 'none';

export interface OperationDoc {
  summary: string;
  /** 日本語の説明: the screens' language, for the people reading the description. */
  description: string;
  tag: 'incidents' | 'notifications' | 'detections' | 'tasks' | 'organisations' | 'ledger' | 'review' | 'contracts' | 'keys' | 'audit' | 'passwords' | 'system';
  /** The success answers; 4xx from the policy and the validator are added from the route. */
  ok: Record<number, { description: string; media?: Media }>;
  /** Further refusals this operation gives, beside the policy's and the validator's. */
  refusals?: Record<number, string>;
  /** The body is not JSON (e.g. the persons' CSV). */
  requestMedia?: Exclude<Media, 'json' | 'none'>;
}

const json = (description: string) => ({ description, media: 'json' as const });

/** One entry per `/api` operation, keyed `METHOD /path` as express declares it. */
export const API_OPERATIONS: Record<string, OperationDoc> = {
  'GET /api/health': { tag: 'system', summary: 'Health of the database, Temporal and the mail relay', description: '稼働状況（データベース・Temporal・メール中継）', ok: { 200: json('all parts ok'), 503: json('a part is down; each check says which') } },
  'GET /api/openapi.json': { tag: 'system', summary: 'This description', description: 'この API 仕様（OpenAPI 3.1）', ok: { 200: json('OpenAPI 3.1 document') } },
  'GET /api/whoami': { tag: 'keys', summary: 'Who the credential belongs to, and its roles', description: '認証情報の持ち主と役割', ok: { 200: json('the principal and its grants') } },
  'GET /api/keys': { tag: 'keys', summary: 'API keys of the organisations you administer', description: 'API キーの一覧（管理者）', ok: { 200: json('keys, without their secrets') } },
  'POST /api/keys': { tag: 'keys', summary: 'Create an API key for one organisation and one role', description: 'API キーの発行（秘密は一度だけ表示）', ok: { 201: json('the key, shown once') } },
  'POST /api/password-check': {
    tag: 'passwords',
    summary: 'Check a candidate password against the Juki-net or the NIST SP 800-63B-4 rules; nothing is stored or logged',
    description: 'パスワード候補の検査（住基ネット基準または NIST SP 800-63B-4）。候補は保存も記録もしない',
    ok: { 200: json('accepted, and each rejection with its rule, Japanese and English messages and the article it comes from') },
    refusals: { 429: 'rate_limited: too many checks by this principal; Retry-After says when to try again' },
  },
  'POST /api/keys/{id}/revoke': { tag: 'keys', summary: 'Revoke an API key', description: 'API キーの失効', ok: { 204: { description: 'revoked', media: 'none' } } },
  'GET /api/organisations': { tag: 'organisations', summary: 'Organisations you hold a role in', description: '役割を持つ団体の一覧', ok: { 200: json('organisations') } },
  'GET /api/organisations/{key}': { tag: 'organisations', summary: "An organisation's profile", description: '団体のプロファイル（規程・役割・連絡先）', ok: { 200: json('the profile') } },
  'GET /api/organisations/{key}/paper-plan.pdf': {
    tag: 'organisations',
    summary: 'The emergency plan for paper mode as an A4 PDF, generated from the current profile',
    description: '紙運用版の緊急時対応計画（手順と根拠条項、脅威度ごとの対応、切離し、報告先と期限、夜間・休日連絡先、記録用紙）。プロファイルの版（SHA-256）と作成日時（和暦・西暦）入り',
    ok: { 200: { description: 'the PDF', media: 'pdf' } },
    refusals: { 503: 'no Japanese font is installed' },
  },
  'GET /api/ledger/{organisation}': {
    tag: 'ledger',
    summary: "The organisation's user-ID ledger, searched (q: ID, name, email, card; section; status) and paged",
    description: 'ユーザID管理簿の検索（ID・氏名・メール・操作者カード番号、所属、状態）とページ送り',
    ok: { 200: json('a page of entries, the total, the sections and the ledger revision') },
  },
  'POST /api/ledger/{organisation}/imports': {
    tag: 'ledger',
    summary: 'Upload a ledger file (CSV in UTF-8 or Shift_JIS, or an .xlsx workbook\'s first sheet): a validation report, or a pending import with its diff; nothing is applied',
    description: '管理簿ファイル（CSV: UTF-8・Shift_JIS、または Excel .xlsx の先頭シート）の読込み。誤りがあれば行ごとの検証結果（400、何も保存しない）、なければ差分（追加・変更・削除）と取込み ID（201）。確定するまで管理簿は変わらない',
    requestMedia: 'csv',
    ok: { 201: json('the pending import: counts, the diff field by field, links.confirm') },
    refusals: { 413: 'the file is larger than 10 MB' },
  },
  'POST /api/ledger/{organisation}/imports/directory': {
    tag: 'ledger',
    summary: "Read the organisation's IDs from its directory (Active Directory / OpenLDAP, LEDGER_DIRECTORIES): a validation report naming each entry's DN, or a pending import with its diff",
    description: 'ディレクトリ（Active Directory・OpenLDAP）から管理簿を読込み。誤りがあればエントリの DN ごとの検証結果（400）、なければ差分と取込み ID（201）。確定するまで管理簿は変わらない',
    ok: { 201: json('the pending import: counts, the diff field by field, links.confirm') },
    refusals: { 404: 'no_directory: no directory is configured for the organisation' },
  },
  'GET /api/contracts/{organisation}': {
    tag: 'contracts',
    summary: "The organisation's contracts (委託処理), newest request first: status, suspended scopes, next periodic inspection, open findings and overdue corrective actions",
    description: '委託の一覧（新しい申請から）。状態・変更により停止中の範囲・次回の定期検査・未是正の指摘事項・期限超過の是正措置の数',
    ok: { 200: json('{ organisation, contracts: [{ contractId, number, contractor, status, statusLabel, suspendedScopes, changePending, nextInspection, openFindings, overdueActions, period, href }] }') },
  },
  'GET /api/contracts/{organisation}/calendar': {
    tag: 'contracts',
    summary: 'The periodic inspections to come across the active contracts, month by month in Japan (months: 1-36, default 12; empty months listed)',
    description: '定期検査の予定（契約中の委託、月ごと、既定は12か月）。随時検査は含まない',
    ok: { 200: json('{ organisation, months: [{ month: YYYY-MM, entries: [{ contractId, number, contractor, n, date, at, href }] }] }') },
  },
  'GET /api/contracts/{organisation}/{number}': {
    tag: 'contracts',
    summary: 'One contract: its terms, status, suspended scopes, pending change, checklists as recorded (answers labelled), findings, and its timeline (audit rows, oldest first)',
    description: '委託の詳細: 内容・状態・停止中の範囲・承認待ちの変更・記録されたチェックリスト（回答付き）・指摘事項と是正措置・経過（監査記録、古い順）',
    ok: { 200: json('the contract') },
  },
  'POST /api/contracts/{organisation}/{number}/changes': {
    tag: 'contracts',
    summary: 'Ask a change of an active contract (tokyo:24.1): the terms as they are to be (the request\'s fields without organisation) and the reason; investigated and approved again, the changed scopes suspended until then',
    description: '委託内容の変更の申請（契約中のみ）。変更後の内容（申請と同じ項目、organisation を除く）と理由。再び調査・承認を経て、承認まで変更した範囲は停止',
    ok: { 202: json('accepted: { contractId, change, scopes, scopeLabels, href }') },
    refusals: {
      400: 'validation_failed: a term fails the request\'s own check (body.terms.…); nothing_changed: no scope that needs approval differs',
      409: 'not_active: the contract is not active; refused: the workflow refused it (another change awaiting approval, the contract ending), with its reason',
      503: 'temporal_unavailable: not confirmed in time; check the contract before asking again',
    },
  },
  'POST /api/contracts/{organisation}/{number}/inspections': {
    tag: 'contracts',
    summary: 'Ask an inspection on demand of an active contract (tokyo:26), with the reason; the system administrator is sent its task',
    description: '随時検査の依頼（契約中のみ、理由が必要）。システム管理者に検査の依頼が送られる',
    ok: { 202: json('accepted: { contractId, inspection: on-demand-<n>, href }') },
    refusals: {
      409: 'not_active: the contract is not active; refused: an inspection or a change is under way, or the contract has ended',
      503: 'temporal_unavailable: not confirmed in time; check the contract before asking again',
    },
  },
  'POST /api/contracts/{organisation}/{number}/maintenance-reports': {
    tag: 'contracts',
    summary: "Record a contractor's maintenance report on an active contract (katsuragi:5.1): the summary and the day it was done; the chief is asked to acknowledge it",
    description: '保守の報告の受付（契約中のみ）。内容と実施日（YYYY-MM-DD）。総括責任者に確認を依頼する',
    ok: { 202: json('accepted: { reportId, workflowId }') },
    refusals: { 409: 'not_active: the contract is not active; refused: the workflow refused it (the contract ending)' },
  },
  'GET /api/contracts/{organisation}/{number}/evidence-bundle': {
    tag: 'contracts',
    summary: "An ended contract's evidence bundle (.tar.gz): the contract, its checklists and findings, every audit row and attachment, and manifest.json with each file's SHA-256 — the incident bundle's format",
    description: '完了した委託の証拠一式（契約・チェックリスト・指摘事項・監査記録・添付、ハッシュ付きの目録）。出力したこと自体も監査記録に残る',
    ok: { 200: { description: 'the .tar.gz', media: 'gzip' } },
    refusals: { 409: 'not_closed: the contract has not ended (closed or refused)' },
  },
  'POST /api/review/{organisation}/campaigns': {
    tag: 'review',
    summary: "Start the organisation's annual user-ID and password review for a fiscal year (default: the current one), before its Schedule does",
    description: 'ユーザID及びパスワードの見直しの開始（年度の指定がなければ今年度）。毎年のスケジュールと同じキャンペーンで、同じ年度は二重に開始しない',
    ok: { 202: json('started: the campaign id (review/<organisation>/FY<yyyy>) and the fiscal year') },
    refusals: { 409: 'campaign_exists: the fiscal year\'s campaign already runs or has completed (started: false, with its campaignId)', 503: 'temporal_unavailable: Temporal did not accept the start' },
  },
  'GET /api/review/{organisation}/campaigns/{campaign}': {
    tag: 'review',
    summary: 'Where a review campaign stands (the campaign id URL-encoded, e.g. review%2Fniigata%2FFY2026): each section answered, defaulted and its changes done; the report files once closed',
    description: '見直しの状況（キャンペーン ID は URL エンコード）: 所属ごとの回答・既定処理・変更の実施、終了後は結果報告（PDF・CSV・XLSX）',
    ok: { 200: json('the campaign, its sections and its report documents') },
  },
  'GET /api/ledger/{organisation}/imports/{id}': { tag: 'ledger', summary: 'A ledger import and its diff', description: '管理簿の取込み（差分と状態）', ok: { 200: json('the import') } },
  'POST /api/ledger/{organisation}/imports/{id}/confirm': {
    tag: 'ledger',
    summary: 'Apply a pending import to the ledger, in one transaction, audited per ID',
    description: '取込みの確定: 差分を一つのトランザクションで反映し、ID ごとに監査ログへ記録',
    ok: { 200: json('applied: the import and the new ledger revision') },
    refusals: { 409: 'already_confirmed (a second confirmation), or stale_import (the ledger changed since the diff: upload again)' },
  },
  'POST /api/review/{organisation}/targeted': {
    tag: 'review',
    summary: "Start a targeted review from a personnel-change list (人事異動: transfers and retirements with their effective dates; CSV in UTF-8 or Shift_JIS, or an .xlsx workbook's first sheet): a validation report, or the IDs it concerns and the campaign started (dryRun=1: matched only)",
    description:
      '人事異動の一覧（CSV: UTF-8・Shift_JIS、または Excel .xlsx の先頭シート）から対象を絞った見直しを開始。誤りがあれば行ごとの検証結果（400、何も始めない）。なければ管理簿と照合し（ユーザID・メールアドレス・氏名）、異動者のユーザIDの見直しを発令日の前までを期限として開始（202）。dryRun=1 は照合結果だけを返す。管理簿に当たらない行は unmatched として返す',
    requestMedia: 'csv',
    ok: { 200: json('dryRun: the campaign id it would have, the deadline, each ID concerned with its movement, and the unmatched lines'), 202: json('started: campaignId, the number of IDs, the deadline and the unmatched lines') },
    refusals: {
      409: 'already_started (a campaign for the same list exists, running or closed), or no_targets (no line concerns an ID in the ledger)',
      413: 'the file is larger than 5 MB',
      503: 'temporal_unavailable: the start was not confirmed; send the same list again',
    },
  },
  'POST /api/contracts/{organisation}': {
    tag: 'contracts',
    summary:
      "Request approval of a contract (委託処理, tokyo:24.1): the contractor, business content and scope, the data involved, reason, protection measures, work site, staff, subcontractors and period, with attachments (PDF, PNG, JPEG or text, each at most 10 MB, at most 10, in base64); recorded under the next number of the fiscal year and its procedure started (the contractor's questionnaire is emailed to its contact)",
    description:
      '委託処理の承認申請（tokyo:24.1）: 委託先・業務の内容と範囲・取り扱う情報（本人確認情報の有無、件数）・理由・保護措置・作業場所・従事者・再委託先・契約期間と添付ファイル（PDF・PNG・JPEG・テキスト、内容で判定、1個10 MB・10個まで、base64）。年度ごとの番号（2026-001）で記録し、手続を開始する（委託先担当者へ調査票の依頼をメール）。request.organisation は省略可（パスの組織と同じであること）。誤りがあれば何も記録しない',
    ok: { 201: json('recorded and started: contractId (contract/<organisation>/<number>), number, status, each attachment with its SHA-256, links.api and links.console') },
    refusals: {
      413: 'payload_too_large: the body is larger than 15 MB, or an attachment larger than 10 MB (named)',
      415: 'unsupported_media_type: an attachment is not a PDF, PNG, JPEG or text file by its content (named)',
      503: 'temporal_unavailable: the workflow could not be started; nothing was recorded: send it again',
    },
  },
  'GET /api/outbox': { tag: 'system', summary: 'Mails caught by the embedded SMTP sink (embedded stack only)', description: '送信箱（組込み SMTP）', ok: { 200: json('a page of messages, newest first') } },
  'GET /api/outbox/{id}': { tag: 'system', summary: 'One caught mail', description: '送信箱のメール', ok: { 200: json('the message') } },
  'GET /api/tasks': { tag: 'tasks', summary: 'Your own tasks (by your email)', description: '自分のタスク', ok: { 200: json('tasks') } },
  'POST /api/detections': {
    tag: 'detections',
    summary: 'Report an alert from a monitoring system (detector key)',
    description: '検知の受付: 同じ alertId は一つのインシデントにまとめて追記',
    ok: { 201: json('the first copy: an incident was declared'), 200: json('a later copy: appended to the incident') },
  },
  'GET /api/audit/verify': { tag: 'audit', summary: "Verify the audit log's MAC chain against the anchors in Temporal", description: '監査ログの検証', ok: { 200: json('the chain verifies'), 409: json('a problem, named row by row') } },
  'POST /api/incidents': {
    tag: 'incidents',
    summary: 'Declare an incident (starts the emergency response plan)',
    description: 'インシデントの宣言（緊急時対応計画の開始）。同じ declarationId の再送は同じインシデント',
    ok: { 201: json('declared'), 200: json('already declared with this declarationId') },
    refusals: { 503: 'Temporal did not start the workflow; nothing was recorded' },
  },
  'GET /api/incidents': { tag: 'incidents', summary: 'Incidents of the organisations you may read', description: 'インシデントの一覧', ok: { 200: json('incidents') } },
  'GET /api/incidents/{incidentId}': {
    tag: 'incidents',
    summary: 'An incident by its id alone',
    description: 'インシデント（番号のみで指定）',
    ok: { 200: json('the incident with council, alerts and timeline') },
    refusals: { 409: 'the id exists in several organisations you may read' },
  },
  'GET /api/incidents/{organisation}/{incidentId}': { tag: 'incidents', summary: 'An incident with its council, alerts and timeline', description: 'インシデントの詳細', ok: { 200: json('the incident') } },
  'POST /api/incidents/{organisation}/{incidentId}/threat-level': {
    tag: 'incidents',
    summary: 'Raise or lower the threat level, with a reason',
    description: '脅威度の変更（理由必須）。引き上げで会議が招集されることがある',
    ok: { 200: json('the change and whether it convenes the council') },
    refusals: { 409: 'the level is not on the profile’s scale, is unchanged, or the incident is closed' },
  },
  'POST /api/incidents/{organisation}/{incidentId}/decisions': {
    tag: 'incidents',
    summary: "Record a decision of the security council, with its minutes (commander or member)",
    description:
      '会議の決定の記録: JSON {decision, reason, decidedAt?, presidedBy?}、または同じ項目と議事録ファイル minutes（PDF・PNG・JPEG・UTF-8 テキスト、10 MB まで、SHA-256 を記録）の multipart/form-data（API キーのみ）。誤りは項目名（body.decision、body.minutes …）とともに 4xx',
    ok: { 201: json('the decision as recorded: council, presidedBy, decidedAt, minutes with SHA-256, articles') },
    refusals: { 409: 'the council is not convened, or the incident is closed; nothing is kept', 413: 'body.minutes: larger than 10 MB', 415: 'body.minutes: not PDF, PNG, JPEG or UTF-8 text; or the body is neither JSON nor multipart' },
  },
  'GET /api/incidents/{organisation}/{incidentId}/decisions': {
    tag: 'incidents',
    summary: "The council's decisions, from the audit log",
    description: '会議の決定の一覧（決定事項・理由・日時・議長・議事録）',
    ok: { 200: json('decisions, oldest first') },
  },
  'GET /api/incidents/{organisation}/{incidentId}/decisions/{decisionId}/minutes': {
    tag: 'incidents',
    summary: 'The minutes of a decision, as uploaded',
    description: '議事録ファイル（保存時の SHA-256 と同じバイト列）',
    ok: { 200: { description: 'the file, with its own media type', media: 'file' } },
  },
  'GET /api/incidents/{organisation}/{incidentId}/report.pdf': {
    tag: 'incidents',
    summary: 'The statutory report as an A4 PDF, from what the incident recorded',
    description: '事故報告（A4 PDF、和暦・西暦）',
    ok: { 200: { description: 'the PDF', media: 'pdf' } },
    refusals: { 503: 'no Japanese font is installed' },
  },
  'POST /api/incidents/{organisation}/{incidentId}/paper-records': {
    tag: 'incidents',
    summary: 'Enter afterwards, at their real times, the steps done on paper (commander)',
    description: '紙の記録の入力: 紙で対応した手順を実際の日時で監査記録に追加。一行でも誤りがあれば何も記録しない。同じ submissionId の再送は一度だけ記録',
    ok: { 201: json('recorded, one audit row a line'), 200: json('already recorded with this submissionId') },
  },
  'GET /api/incidents/{organisation}/{incidentId}/scorecard': {
    tag: 'incidents',
    summary: "A drill's scorecard: each milestone's time from awareness against its target",
    description: '訓練評価表（招集・切離し・各報告の所要時間と目標。圧縮した訓練は計画上の時間で評価）',
    ok: { 200: json('milestones with met / missed / pending') },
  },
  'GET /api/incidents/{organisation}/{incidentId}/scorecard.pdf': {
    tag: 'incidents',
    summary: "A drill's scorecard as an A4 PDF",
    description: '訓練評価表（A4 PDF）',
    ok: { 200: { description: 'the PDF', media: 'pdf' } },
    refusals: { 503: 'no Japanese font is installed' },
  },
  'GET /api/incidents/{organisation}/{incidentId}/obligations': {
    tag: 'incidents',
    summary: 'What the close waits on: each obligation (report, notice, recovery task, final report) and the open ones',
    description: '終結の条件（報告・本人通知・原因究明・再発防止策・最終報告）と未了のもの',
    ok: { 200: json('obligations and blockers') },
  },
  'POST /api/incidents/{organisation}/{incidentId}/recovery-tasks': {
    tag: 'incidents',
    summary: 'Assign a cause analysis or recurrence-prevention task to a section, with a due date (commander)',
    description: '原因究明・再発防止策を部署に指示（期限付き。期限前に督促、期限後は指揮者に移管）',
    ok: { 201: json('the task: n, its obligation key recovery:<n>, its workflow id') },
    refusals: { 409: 'the incident is not recovered yet, or is closed' },
  },
  'POST /api/incidents/{organisation}/{incidentId}/final-report': {
    tag: 'incidents',
    summary: 'Render the final report from the trail and send it to the executive (commander)',
    description: '最終報告書（PDF）を作成し首長に送付。SHA-256 を記録',
    ok: { 201: json('edition, document id, SHA-256, recipients') },
    refusals: { 409: 'the incident is not recovered yet, or is closed' },
  },
  'POST /api/incidents/{organisation}/{incidentId}/waivers': {
    tag: 'incidents',
    summary: 'Waive one open obligation with a reason (commander or admin)',
    description: '義務の免除（理由必須。指揮者または管理者）',
    ok: { 201: json('the waived obligation') },
    refusals: { 404: 'the key is not an obligation of the case', 409: 'the obligation is done or already waived, or the incident is closed' },
  },
  'POST /api/incidents/{organisation}/{incidentId}/close': {
    tag: 'incidents',
    summary: 'Close the incident; refused while any obligation is open (commander)',
    description: '終結。未了の義務があれば 409 で一つずつ示す',
    ok: { 200: json('closed, with every obligation and its state') },
    refusals: { 409: 'close_blocked: blockers lists each open obligation by key and label; or the incident is closed or not recovered' },
  },
  'GET /api/incidents/{organisation}/{incidentId}/evidence-bundle': {
    tag: 'audit',
    summary: "A closed case's evidence bundle: audit rows, attachments, documents and a manifest of SHA-256s (.tar.gz)",
    description: '証拠一式（監査記録・添付・文書・マニフェスト）。jukinet-ops audit verify-bundle で検証',
    ok: { 200: { description: 'the .tar.gz', media: 'gzip' } },
    refusals: { 409: 'the incident is not closed' },
  },
  'POST /api/incidents/{organisation}/{incidentId}/facts': {
    tag: 'incidents',
    summary: 'Record facts learnt later (persons affected, sensitive data, …); a new ground starts the PPC clocks',
    description: '事実の追加（本人の数・要配慮個人情報など）。新たな根拠で個人情報保護委員会への報告の期限が始まる',
    ok: { 200: json('the facts and the clocks started') },
    refusals: { 409: 'the incident is closed', 503: 'the workflow did not answer in time' },
  },
  'GET /api/incidents/{organisation}/{incidentId}/reports': {
    tag: 'incidents',
    summary: 'The statutory reports: each target, kind, deadline, state and version',
    description: '法定報告の一覧（宛先・区分・期限・状態・版）',
    ok: { 200: json('reports') },
  },
  'POST /api/incidents/{organisation}/{incidentId}/reports/{key}/amend': {
    tag: 'incidents',
    summary: 'Amend a report: a new version, reviewed, approved and sent again (訂正)',
    description: '報告の訂正（新しい版を承認の上で再送）',
    ok: { 202: json('the new version asked for') },
    refusals: { 409: 'the report is waived, or the incident closed' },
  },
  'POST /api/incidents/{organisation}/{incidentId}/persons': {
    tag: 'notifications',
    summary: 'Import the persons concerned as CSV (UTF-8 or Shift_JIS)',
    description: '本人通知の対象者の取込み。誤りがあれば行ごとに示し、何も取り込まない',
    requestMedia: 'csv',
    ok: { 201: json('imported: counts and the encoding read') },
    refusals: { 409: 'sending has started: the list can no longer change' },
  },
  'POST /api/incidents/{organisation}/{incidentId}/notifications': {
    tag: 'notifications',
    summary: 'Start notifying every person with an address (each exactly once) with the approved notice',
    description: '本人通知の送信開始（一人一通）。承認済みの通知文でのみ開始できる',
    ok: { 202: json('started'), 200: json('already started') },
    refusals: { 409: 'the notice is not an approved notice of this incident' },
  },
  'POST /api/incidents/{organisation}/{incidentId}/notices': {
    tag: 'notifications',
    summary: 'Write the notice to the persons concerned (a draft, to be approved by a second person)',
    description: '通知文の作成（国立市条例第14条の7項目と規則第10条の5項目）。郵送で1人1枚に収まる長さまで',
    ok: { 201: json('the draft notice') },
    refusals: { 400: 'a field is missing or too long, or a letter would not fit one page' },
  },
  'GET /api/incidents/{organisation}/{incidentId}/notices': { tag: 'notifications', summary: "The incident's notices", description: '通知文の一覧', ok: { 200: json('notices') } },
  'GET /api/incidents/{organisation}/{incidentId}/notices/{noticeId}': { tag: 'notifications', summary: 'One notice, its state and approval', description: '通知文', ok: { 200: json('the notice') } },
  'GET /api/incidents/{organisation}/{incidentId}/notices/{noticeId}/notice.pdf': {
    tag: 'notifications',
    summary: 'The notice as an A4 PDF (marked unapproved until it is)',
    description: '通知文（A4 PDF、承認前は【確認用・未承認】）',
    ok: { 200: { description: 'the PDF', media: 'pdf' } },
    refusals: { 503: 'no Japanese font is installed' },
  },
  'POST /api/incidents/{organisation}/{incidentId}/notices/{noticeId}/approve': {
    tag: 'notifications',
    summary: 'Approve the notice: a second commander, signed in as a person (not its writer, not an API key)',
    description: '通知文の承認（作成者以外の指揮者本人。API キー不可）。承認後は変更できない',
    ok: { 200: json('the approved notice') },
    refusals: { 409: 'another notice of the incident is the approved one' },
  },
  'GET /api/incidents/{organisation}/{incidentId}/notices/{noticeId}/letters': {
    tag: 'notifications',
    summary: 'The letters to print: persons without an address or whose address was refused, in files of at most 1,000 pages',
    description: '郵送分の一覧（1ファイル1,000ページまで）',
    ok: { 200: json('the files') },
    refusals: { 409: 'the notice is not approved' },
  },
  'POST /api/incidents/{organisation}/{incidentId}/notices/{noticeId}/letters/{file}/printed': {
    tag: 'notifications',
    summary: "Mark a letters file printed for posting (its persons' notice is then done)",
    description: '郵送分の印刷済みの記録（終結の条件）',
    ok: { 200: json('the file and how many letters were marked') },
    refusals: { 409: 'the notice is not approved' },
  },
  'GET /api/incidents/{organisation}/{incidentId}/notices/{noticeId}/letters/{file}': {
    tag: 'notifications',
    summary: 'One letters file: A4, one page per person, the address placed for a 長形3号 window envelope',
    description: '郵送分の PDF（1人1枚、長形3号窓付き封筒の窓に宛名）',
    ok: { 200: { description: 'the PDF', media: 'pdf' } },
    refusals: { 409: 'the notice is not approved, or a letter runs over one page', 503: 'no Japanese font is installed' },
  },
  'GET /api/incidents/{organisation}/{incidentId}/notifications': {
    tag: 'notifications',
    summary: 'Progress of the notification: sent, failed, remaining, letters, ETA',
    description: '本人通知の進捗（送信済・失敗・残り・郵送・完了見込み）',
    ok: { 200: json('counts and ETA') },
  },
};

const MEDIA_TYPES: Record<Exclude<Media, 'none'>, string> = { json: 'application/json', pdf: 'application/pdf', csv: 'text/csv', gzip: 'application/gzip', file: 'application/octet-stream' };

/** `/api/incidents/:organisation/:incidentId` → `/api/incidents/{organisation}/{incidentId}`. */
export const openApiPath = (expressPath: string) => expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

function jsonSchema(schema: ZodType): Record<string, unknown> {
  // The request as sent (before defaults and transforms); what JSON Schema cannot say (a refine) is left to the server.
  const s = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

function propertiesOf(schema: ZodType | undefined): Array<[string, Record<string, unknown>, boolean]> {
  if (!schema) return [];
  const s = jsonSchema(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, p]) => [name, p, (s.required ?? []).includes(name)]);
}

/** Who may call it, in words: the policy the route's first handler enforces. */
export function policyWords(p: Policy | undefined): string {
  if (!p) return 'no policy (a defect: the route-policy test fails)';
  switch (p.kind) {
    case 'public':
      return 'Anyone (no credential).';
    case 'taskLink':
      return 'The signed task link in the path.';
    case 'signedIn':
      return 'Anyone signed in, or any API key.';
    case 'installation':
      return `One of ${p.roles.join(', ')} on every organisation (*).`;
    case 'roles':
      return `One of ${p.roles.join(', ')}${p.organisation ? ` in the organisation named by the ${p.organisation === 'params' ? 'path' : p.organisation === 'query' ? 'query' : 'body'}` : ''}. No role there: 404; another role: 403.`;
  }
}

const ERROR = { $ref: '#/components/schemas/Error' };

export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: Record<string, unknown>;
  security: Array<Record<string, string[]>>;
}

/** The description of every `/api` route the app serves that has an entry; `missing` names those without. */
export function buildOpenApi(app: express.Express, o: { version: string; serverUrl?: string }): { document: OpenApiDocument; missing: string[]; stale: string[] } {
  const paths: OpenApiDocument['paths'] = {};
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const route of routesOf(app)) {
    if (!route.path.startsWith('/api/')) continue;
    const key = `${route.method} ${openApiPath(route.path)}`;
    const doc = API_OPERATIONS[key];
    if (!doc) {
      missing.push(key);
      continue;
    }
    seen.add(key);
    const { params, query, body } = route.schemas ?? {};
    const pathNames = [...route.path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
    const pathProps = new Map(propertiesOf(params).map(([n, s]) => [n, s]));
    const parameters = [
      ...pathNames.map((name) => ({ name, in: 'path', required: true, schema: pathProps.get(name) ?? { type: 'string' } })),
      ...propertiesOf(query).map(([name, schema, required]) => ({ name, in: 'query', required, schema })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(doc.ok)) {
      const media = r.media ?? 'json';
      responses[status] = { description: r.description, ...(media === 'none' ? {} : { content: { [MEDIA_TYPES[media]]: media === 'json' ? {} : { schema: { type: 'string', format: 'binary' } } } }) };
    }
    const refusal = (description: string) => ({ description, content: { 'application/json': { schema: ERROR } } });
    if (route.schemas) responses['400'] = refusal('validation_failed: each issue names its field (`body.organisation`, `query.kind` …)');
    if (route.policy && route.policy.kind !== 'public' && route.policy.kind !== 'taskLink') {
      responses['401'] = refusal('no credential, or an expired or revoked one');
      responses['403'] = refusal('a role in the organisation, but not one this operation needs');
      if (route.policy.kind === 'roles') responses['404'] = refusal('no role in the organisation (ids cannot be probed), or no such resource');
    }
    for (const [status, description] of Object.entries(doc.refusals ?? {})) responses[status] = refusal(description);
    const operation: Record<string, unknown> = {
      operationId: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
      tags: [doc.tag],
      summary: doc.summary,
      description: `${doc.description}\n\n${policyWords(route.policy)}`,
      'x-policy': route.policy ?? null,
      ...(parameters.length ? { parameters } : {}),
      ...(body || doc.requestMedia
        ? { requestBody: { required: true, content: doc.requestMedia ? { [MEDIA_TYPES[doc.requestMedia]]: { schema: { type: 'string' } } } : { 'application/json': { schema: jsonSchema(body!) } } } }
        : {}),
      responses,
      ...(route.policy?.kind === 'public' ? { security: [] } : {}),
    };
    (paths[openApiPath(route.path)] ??= {})[route.method.toLowerCase()] = operation;
  }
  const stale = Object.keys(API_OPERATIONS).filter((k) => !seen.has(k));
  return {
    document: {
      openapi: '3.1.0',
      info: {
        title: 'jukinet-ops API',
        version: o.version,
        description: '住基ネットのセキュリティ手順（緊急時対応計画ほか）を Temporal のワークフローとして運用する API。The API of jukinet-ops.',
      },
      ...(o.serverUrl ? { servers: [{ url: o.serverUrl }] } : {}),
      paths,
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key `jko_<id>_<secret>` (jukinet-ops login, or an admin in the console)' },
          session: { type: 'apiKey', in: 'cookie', name: 'jo_session', description: 'The console session; writes must be JSON' },
        },
        schemas: {
          Error: {
            type: 'object',
            required: ['error', 'message'],
            properties: {
              error: { type: 'string', description: 'a stable code, e.g. validation_failed' },
              message: { type: 'string' },
              issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
            },
          },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    missing,
    stale,
  };
}
