// Forward-only migrations, one dialect (PostgreSQL) for PGlite and PostgreSQL alike. A migration
// once shipped is never edited: add the next one. Names sort in the order they run.
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

export const migrations: Record<string, Migration> = {
  '0001_organisations': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('organisations')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('profile', 'jsonb', (c) => c.notNull())
        .addColumn('source_file', 'text', (c) => c.notNull())
        .addColumn('loaded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
  },
  '0002_tasks_audit_incidents': {
    async up(db: Kysely<any>) {
      // The append-only, hash-chained audit log. `id` is the writer's idempotency key.
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('at', 'timestamptz', (c) => c.notNull())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('step', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('articles', 'jsonb', (c) => c.notNull())
        .addColumn('detail', 'jsonb', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_case').on('audit_log').columns(['organisation', 'case_id', 'seq']).execute();

      // Human tasks: one row per person asked; a task moved to a substitute gets a new row.
      await db.schema
        .createTable('tasks')
        .addColumn('task_id', 'text', (c) => c.primaryKey())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('workflow_id', 'text', (c) => c.notNull())
        .addColumn('step', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('options', 'jsonb', (c) => c.notNull())
        .addColumn('articles', 'jsonb', (c) => c.notNull())
        .addColumn('assignee', 'jsonb', (c) => c.notNull())
        .addColumn('assignee_email', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('due_at', 'timestamptz', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('token_expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('reminders_sent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('moved_to', 'jsonb')
        .addColumn('decision', 'jsonb')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('tasks_open').on('tasks').columns(['state', 'due_at']).execute();
      await db.schema.createIndex('tasks_case').on('tasks').columns(['organisation', 'case_id']).execute();

      // Every email sent, keyed by its idempotency key, so a retried activity never sends twice.
      await db.schema
        .createTable('sent_mail')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text')
        .addColumn('sent_at', 'timestamptz')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();

      await db.schema
        .createTable('incident_counters')
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('year', 'integer', (c) => c.notNull())
        .addColumn('last', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('incident_counters_pk', ['organisation', 'year'])
        .execute();
      await db.schema
        .createTable('incidents')
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('incident_id', 'text', (c) => c.notNull())
        .addColumn('declaration_id', 'text', (c) => c.notNull().unique())
        .addColumn('workflow_id', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('threat_level', 'integer', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('observed', 'text', (c) => c.notNull())
        .addColumn('detected_by', 'jsonb', (c) => c.notNull())
        .addColumn('detected_at', 'timestamptz', (c) => c.notNull())
        .addColumn('aware_at', 'timestamptz', (c) => c.notNull())
        .addColumn('declared_via', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('incidents_pk', ['organisation', 'incident_id'])
        .execute();
    },
  },
  '0003_audit_mac_key': {
    async up(db: Kysely<any>) {
      // The audit chain becomes a keyed MAC chain: the key id per row, so keys can rotate. Rows
      // written before keep a null key id and their plain SHA-256 hash.
      await db.schema.alterTable('audit_log').addColumn('mac_key_id', 'text').execute();
    },
  },
  '0004_task_links': {
    async up(db: Kysely<any>) {
      // Every link a task was sent with: a reminder carries a fresh one, and the older ones keep
      // working until their own expiry. `tasks.token_hash` stays the newest.
      await db.schema
        .createTable('task_links')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('issued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('task_links_task').on('task_links').column('task_id').execute();
      await sql`insert into task_links (token_hash, task_id, expires_at, issued_at)
                select token_hash, task_id, token_expires_at, created_at from tasks`.execute(db);
    },
  },
  '0005_pending_decisions': {
    async up(db: Kysely<any>) {
      // An answer taken while the workflow did not answer in time (worker down): Temporal holds
      // the Update and applies it later, so the page says 受付済み and refuses a different one.
      await db.schema.alterTable('tasks').addColumn('pending_decision', 'jsonb').execute();
    },
  },
  '0006_mail_delivery': {
    async up(db: Kysely<any>) {
      // A send in progress is marked (attempt id, start, last sign of life) so that a retry of a
      // still-running attempt does not send again; a failed send keeps its last SMTP error.
      await db.schema
        .alterTable('sent_mail')
        .addColumn('attempt_id', 'text')
        .addColumn('attempt_started_at', 'timestamptz')
        .addColumn('attempt_seen_at', 'timestamptz')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('last_error_at', 'timestamptz')
        .execute();
      // When the invitation reached the relay: the person counts as asked from then; null while undelivered.
      await db.schema.alterTable('tasks').addColumn('asked_at', 'timestamptz').execute();
      await sql`update tasks set asked_at = s.sent_at from sent_mail s
                where s.key = tasks.task_id || '/request' and s.sent_at is not null`.execute(db);
      // Alerts raised to the commander and the night/holiday contacts, e.g. an invitation undelivered too long.
      await db.schema
        .createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('notified', 'jsonb', (c) => c.notNull())
        .addColumn('raised_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('alerts_case').on('alerts').columns(['organisation', 'case_id']).execute();
    },
  },
  '0007_accounts': {
    async up(db: Kysely<any>) {
      // People who sign in: local (Argon2id hash), or from the directory / OpenID provider (no
      // password here). Email is the link to the people named in the profiles.
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('password_changed_at', 'timestamptz')
        .addColumn('totp_secret', 'text')
        .addColumn('totp_enabled_at', 'timestamptz')
        .addColumn('totp_last_step', 'bigint')
        .addColumn('recovery_codes', 'jsonb')
        .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', 'timestamptz')
        .addColumn('disabled_at', 'timestamptz')
        .addColumn('last_sign_in_at', 'timestamptz')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      // Access roles per organisation (`*`: every organisation).
      await db.schema
        .createTable('account_grants')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('granted_by', 'text', (c) => c.notNull())
        .addColumn('granted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('account_grants_pk', ['account_id', 'organisation', 'role'])
        .execute();
      // Server-side sessions; only the SHA-256 of the cookie's value is kept.
      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('totp_pending_secret', 'text')
        .execute();
      await db.schema.createIndex('sessions_account').on('sessions').column('account_id').execute();
      // One-time links: the first administrator's setup, an invitation, a password reset.
      await db.schema
        .createTable('setup_links')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.references('accounts.id').onDelete('cascade'))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('used_at', 'timestamptz')
        .execute();
      // API keys for machine clients: shown once, kept as a SHA-256 of a 256-bit secret.
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('last_used_at', 'timestamptz')
        .addColumn('revoked_at', 'timestamptz')
        .execute();
    },
  },
  '0008_containment': {
    async up(db: Kysely<any>) {
      // Evidence a person attaches to a task (a photo of the cut cable, the switch's log): kept
      // with its SHA-256, which the attestation and the audit row quote. Never changed once stored.
      await db.schema
        .createTable('attachments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('bytes', 'bytea', (c) => c.notNull())
        .addColumn('uploaded_by', 'text', (c) => c.notNull())
        .addColumn('uploaded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('attachments_case').on('attachments').columns(['organisation', 'case_id']).execute();
      await db.schema.createIndex('attachments_task').on('attachments').column('task_id').execute();
    },
  },
  '0009_notifications': {
    async up(db: Kysely<any>) {
      // The persons concerned by an incident (本人通知, kunitachi:14), one row each, and where their
      // notice stands. The row is the idempotency record: a row SENT is never sent again; a row
      // SENDING belongs to the attempt named in attempt_id, which refreshes seen_at while it runs.
      await db.schema
        .createTable('notification_recipients')
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('incident_id', 'text', (c) => c.notNull())
        .addColumn('person_id', 'integer', (c) => c.notNull())
        .addColumn('import_id', 'text', (c) => c.notNull())
        .addColumn('line', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('postal_code', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempt_id', 'text')
        .addColumn('seen_at', 'timestamptz')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('sent_at', 'timestamptz')
        .addColumn('message_id', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('notification_recipients_pk', ['organisation', 'incident_id', 'person_id'])
        .execute();
      await db.schema.createIndex('notification_recipients_state').on('notification_recipients').columns(['organisation', 'incident_id', 'channel', 'state', 'person_id']).execute();
    },
  },
  '0010_detections': {
    async up(db: Kysely<any>) {
      // Alerts of monitoring systems: the same alert (organisation, source, alert id) is one incident.
      await db.schema
        .createTable('detections')
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('alert_id', 'text', (c) => c.notNull())
        .addColumn('incident_id', 'text')
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('occurrences', 'integer', (c) => c.notNull())
        .addColumn('first_at', 'timestamptz', (c) => c.notNull())
        .addColumn('last_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('detections_pk', ['organisation', 'source', 'alert_id'])
        .execute();
    },
  },
  '0011_reports': {
    async up(db: Kysely<any>) {
      // What is known of a leak (本人の数, 要配慮個人情報, …), as declared and as updated later.
      await db.schema.alterTable('incidents').addColumn('facts', 'jsonb').execute();
      // One row per statutory report of a case (report:<target>:<kind>) and its clock.
      await db.schema
        .createTable('reports')
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('target_name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('due_at', 'timestamptz', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('articles', 'jsonb', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('sent_at', 'timestamptz')
        .addColumn('escalated_at', 'timestamptz')
        .addColumn('waived', 'jsonb')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('reports_pk', ['organisation', 'case_id', 'key'])
        .execute();
      // Each version of a report as generated for review: the very bytes approved and then sent
      // (the evidence), with their SHA-256, who approved them and to whom they went.
      await db.schema
        .createTable('report_versions')
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('bytes', 'bytea', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('approved_by', 'jsonb')
        .addColumn('sent_at', 'timestamptz')
        .addColumn('recipients', 'jsonb')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('report_versions_pk', ['organisation', 'case_id', 'key', 'version'])
        .execute();
    },
  },
  '0013_closing': {
    async up(db: Kysely<any>) {
      // 原因究明・再発防止策: one row per task assigned to a section; its humanTask child carries the link.
      await db.schema
        .createTable('recovery_tasks')
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('n', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('section', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('assignee', 'jsonb', (c) => c.notNull())
        .addColumn('due_at', 'timestamptz', (c) => c.notNull())
        .addColumn('assigned_by', 'text', (c) => c.notNull())
        .addColumn('workflow_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('done_at', 'timestamptz')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('recovery_tasks_pk', ['organisation', 'case_id', 'n'])
        .execute();
      // Waivers: one per obligation key of a case, never changed (the audit row says who and why).
      await db.schema
        .createTable('obligation_waivers')
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('waived_by', 'text', (c) => c.notNull())
        .addColumn('waived_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('obligation_waivers_pk', ['organisation', 'case_id', 'key'])
        .execute();
      // Generated documents as sent (the final report), with their SHA-256: the evidence bundle carries them.
      await db.schema
        .createTable('case_documents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('bytes', 'bytea', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('case_documents_case').on('case_documents').columns(['organisation', 'case_id']).execute();
      // A letter put in a print file: until then the notice to that person is not done.
      await sql`ALTER TABLE notification_recipients ADD COLUMN IF NOT EXISTS letter_printed_at timestamptz`.execute(db);
    },
  },
  '0014_notices': {
    async up(db: Kysely<any>) {
      // The notices to the persons concerned (通知文, kunitachi:14): the commander's fields, the
      // notice built from them (what was previewed is what is approved and sent), and its approval
      // by a second person. Approved notices are never changed: a correction is a new notice.
      await db.schema
        .createTable('notices')
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('notice_id', 'text', (c) => c.notNull())
        .addColumn('incident_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('fields', 'jsonb', (c) => c.notNull())
        .addColumn('content', 'jsonb', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_by', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('approved_by', 'jsonb')
        .addColumn('approved_at', 'timestamptz')
        .addColumn('approval_note', 'text')
        .addPrimaryKeyConstraint('notices_pk', ['organisation', 'notice_id'])
        .addUniqueConstraint('notices_incident_seq', ['organisation', 'incident_id', 'seq'])
        .execute();
      // One approved notice per incident: the persons' rows say only whether each was notified, not with which notice.
      await sql`CREATE UNIQUE INDEX notices_one_approved ON notices (organisation, incident_id) WHERE state = 'APPROVED'`.execute(db);
    },
  },
  '0016_drills': {
    async up(db: Kysely<any>) {
      // 訓練: drills are numbered in their own series (DRL-2026-0001), and carry their time scale
      // and participants; real incidents keep the series INC and no drill.
      await db.schema.alterTable('incident_counters').addColumn('series', 'text', (c) => c.notNull().defaultTo('INC')).execute();
      await db.schema.alterTable('incident_counters').dropConstraint('incident_counters_pk').execute();
      await db.schema.alterTable('incident_counters').addPrimaryKeyConstraint('incident_counters_pk', ['organisation', 'series', 'year']).execute();
      await db.schema.alterTable('incidents').addColumn('drill', 'jsonb').execute();
    },
  },
  '0018_ledger': {
    async up(db: Kysely<any>) {
      // The user-ID ledger (管理簿, niigata:15.2.1): one row per ID of an organisation. Moments are
      // timestamptz (a day from a file is midnight in Japan); permissions a sorted JSON array.
      await db.schema
        .createTable('ledger_entries')
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('person_name', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('section', 'text', (c) => c.notNull())
        .addColumn('permissions', 'jsonb', (c) => c.notNull())
        .addColumn('issued_at', 'timestamptz')
        .addColumn('last_used_at', 'timestamptz')
        .addColumn('password_changed_at', 'timestamptz')
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'locked', 'revoked')`))
        .addColumn('operator_card', 'text')
        .addColumn('verification_registered', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('verification_registered_at', 'timestamptz')
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('ledger_entries_pk', ['organisation', 'user_id'])
        .execute();
      await db.schema.createIndex('ledger_entries_section').on('ledger_entries').columns(['organisation', 'section', 'user_id']).execute();
      // Each organisation's ledger revision: every change counts it up, so a diff shown for
      // confirmation is applied only to the ledger it was computed from.
      await db.schema
        .createTable('ledgers')
        .addColumn('organisation', 'text', (c) => c.primaryKey())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .execute();
      // An import awaiting confirmation: the checked rows and the diff as shown, never applied twice.
      await db.schema
        .createTable('ledger_imports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('source', 'jsonb', (c) => c.notNull())
        .addColumn('base_revision', 'integer', (c) => c.notNull())
        .addColumn('columns', 'jsonb', (c) => c.notNull())
        .addColumn('diff', 'jsonb', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('confirmed_by', 'text')
        .addColumn('confirmed_at', 'timestamptz')
        .execute();
      await db.schema.createIndex('ledger_imports_org').on('ledger_imports').columns(['organisation', 'created_at']).execute();
    },
  },
  '0019_notification_leases': {
    async up(db: Kysely<any>) {
      // A sending attempt's hold on the persons of its batch: one row per attempt (the range of
      // person ids it took, refreshed while it lives) instead of a SENDING mark on each person's
      // row. A person's row is then written once, when the relay accepted its email (SENT).
      await db.schema
        .createTable('notification_leases')
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('incident_id', 'text', (c) => c.notNull())
        .addColumn('attempt_id', 'text', (c) => c.notNull())
        .addColumn('first_person', 'integer', (c) => c.notNull())
        .addColumn('last_person', 'integer', (c) => c.notNull())
        .addColumn('seen_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('notification_leases_pk', ['attempt_id'])
        .execute();
      await db.schema.createIndex('notification_leases_incident').on('notification_leases').columns(['organisation', 'incident_id']).execute();
    },
  },
  '0020_review': {
    async up(db: Kysely<any>) {
      // ユーザID及びパスワードの見直し: a campaign (annual, or targeted by a 人事異動 list) and the
      // IDs it reviews, snapshotted from the ledger when it starts — the facts and flags the
      // section officer saw, their draft and final answer, and how each change was carried out.
      await db.schema
        .createTable('review_campaigns')
        .addColumn('campaign_id', 'text', (c) => c.primaryKey())
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('fiscal_year', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('started_by', 'text', (c) => c.notNull())
        .addColumn('started_at', 'timestamptz', (c) => c.notNull())
        .addColumn('due_at', 'timestamptz', (c) => c.notNull())
        .addColumn('default_at', 'timestamptz', (c) => c.notNull())
        .addColumn('default_outcome', 'text', (c) => c.notNull())
        .addColumn('closed_at', 'timestamptz')
        .execute();
      await db.schema.createIndex('review_campaigns_org').on('review_campaigns').columns(['organisation', 'started_at']).execute();
      await db.schema
        .createTable('review_items')
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('section', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('person_name', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('permissions', 'jsonb', (c) => c.notNull())
        .addColumn('facts', 'jsonb', (c) => c.notNull())
        .addColumn('flags', 'jsonb', (c) => c.notNull())
        .addColumn('draft', 'jsonb')
        .addColumn('answer', 'jsonb')
        .addColumn('decided_by', 'jsonb')
        .addColumn('decided_at', 'timestamptz')
        .addColumn('overdue', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('defaulted', 'text')
        .addColumn('carried_out', 'jsonb')
        .addPrimaryKeyConstraint('review_items_pk', ['campaign_id', 'user_id'])
        .execute();
      await db.schema.createIndex('review_items_section').on('review_items').columns(['campaign_id', 'section', 'position']).execute();
    },
  },
  '0021_contracts': {
    async up(db: Kysely<any>) {
      // 委託処理: a contract from its request to its end — its terms as approved (and a change
      // awaiting approval), where it stands, the scopes suspended by a change, its period and next
      // inspection; each checklist answered for it (questionnaire, investigation, clauses,
      // inspections) as recorded; and each finding of an inspection with its corrective action.
      await db.schema
        .createTable('contracts')
        .addColumn('contract_id', 'text', (c) => c.primaryKey())
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('terms', 'jsonb', (c) => c.notNull())
        .addColumn('pending_terms', 'jsonb')
        .addColumn('suspended_scopes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('requested_by', 'jsonb', (c) => c.notNull())
        .addColumn('requested_at', 'timestamptz', (c) => c.notNull())
        .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
        .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
        .addColumn('approved_at', 'timestamptz')
        .addColumn('active_at', 'timestamptz')
        .addColumn('next_inspection_at', 'timestamptz')
        .addColumn('closed_at', 'timestamptz')
        .addUniqueConstraint('contracts_number', ['organisation', 'number'])
        .execute();
      await db.schema.createIndex('contracts_org').on('contracts').columns(['organisation', 'requested_at']).execute();
      await db.schema
        .createTable('contract_checklists')
        .addColumn('contract_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('items', 'jsonb', (c) => c.notNull())
        .addColumn('answers', 'jsonb', (c) => c.notNull())
        .addColumn('recorded_by', 'jsonb', (c) => c.notNull())
        .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('contract_checklists_pk', ['contract_id', 'name'])
        .execute();
      await db.schema
        .createTable('contract_findings')
        .addColumn('contract_id', 'text', (c) => c.notNull())
        .addColumn('finding_id', 'text', (c) => c.notNull())
        .addColumn('organisation', 'text', (c) => c.notNull())
        .addColumn('inspection', 'text', (c) => c.notNull())
        .addColumn('item', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('owner', 'jsonb', (c) => c.notNull())
        .addColumn('found_at', 'timestamptz', (c) => c.notNull())
        .addColumn('due_at', 'timestamptz', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('escalated_at', 'timestamptz')
        .addColumn('resolved_at', 'timestamptz')
        .addColumn('workflow_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('contract_findings_pk', ['contract_id', 'finding_id'])
        .execute();
      await db.schema.createIndex('contract_findings_open').on('contract_findings').columns(['organisation', 'state', 'due_at']).execute();
      // What a task's page needs beyond its options: a checklist's items, the approval gate's
      // blockers (the page shows them; the workflow's validator enforces them).
      await db.schema.alterTable('tasks').addColumn('form', 'jsonb').execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export const LATEST_MIGRATION = Object.keys(migrations).sort().at(-1)!;

const migrator = (db: Kysely<any>) =>
  new Migrator({ db, provider, migrationTableName: 'schema_migrations', migrationLockTableName: 'schema_migrations_lock' });

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The name of the last migration applied, or undefined on an empty database. */
export async function appliedMigration(db: Kysely<any>): Promise<string | undefined> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => m.executedAt !== undefined).at(-1)?.name;
}
