// The user-ID ledger (管理簿, niigata:15.2.1) in the database: each organisation's IDs, searched
// and paged for the console; imports that show their difference first and change the ledger
// only when confirmed. Every change is written with its audit rows in the same transaction
// (case `ledger`, step `userIdReview.ledger`, the actor and each field before and after), and
// counts up the organisation's revision, so a diff is never applied to a ledger it was not
// computed from.
import { type Kysely, type Selectable, sql } from 'kysely';
import { diffLedger, type FieldChange, LEDGER_LABELS, type LedgerDiff, type LedgerEntry, type LedgerField, type LedgerRow, type LedgerStatus } from '../domain/ledger';
import type { SigningKey } from '../tokens';
import { type AuditEntry, appendAuditInTransaction } from './audit';
import type { Database, LedgerEntryTable, LedgerImportTable } from './schema';

/** The audit log's case for an organisation's ledger, and the step its rows record. */
export const LEDGER_CASE = 'ledger';
export const LEDGER_STEP = 'userIdReview.ledger';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const date = (s: string | null) => (s ? new Date(s) : null);

export function ledgerEntryOf(r: Selectable<LedgerEntryTable>): LedgerEntry {
  return {
    userId: r.user_id,
    personName: r.person_name,
    email: r.email,
    section: r.section,
    permissions: r.permissions,
    issuedAt: iso(r.issued_at),
    lastUsedAt: iso(r.last_used_at),
    passwordChangedAt: iso(r.password_changed_at),
    status: r.status as LedgerStatus,
    operatorCard: r.operator_card,
    verificationRegistered: r.verification_registered,
    verificationRegisteredAt: iso(r.verification_registered_at),
  };
}

const COLUMN_OF: Record<Exclude<LedgerField, 'userId'>, keyof LedgerEntryTable> = {
  personName: 'person_name',
  email: 'email',
  section: 'section',
  permissions: 'permissions',
  issuedAt: 'issued_at',
  lastUsedAt: 'last_used_at',
  passwordChangedAt: 'password_changed_at',
  status: 'status',
  operatorCard: 'operator_card',
  verificationRegistered: 'verification_registered',
  verificationRegisteredAt: 'verification_registered_at',
};
const DATE_FIELDS = new Set<LedgerField>(['issuedAt', 'lastUsedAt', 'passwordChangedAt', 'verificationRegisteredAt']);

/** A field's value as its column takes it. */
function columnValue(field: LedgerField, v: unknown): unknown {
  if (field === 'permissions') return JSON.stringify(v);
  if (DATE_FIELDS.has(field)) return date(v as string | null);
  return v;
}

function rowValues(organisation: string, e: LedgerEntry, actor: string, now: Date) {
  return {
    organisation,
    user_id: e.userId,
    person_name: e.personName,
    email: e.email,
    section: e.section,
    permissions: JSON.stringify(e.permissions),
    issued_at: date(e.issuedAt),
    last_used_at: date(e.lastUsedAt),
    password_changed_at: date(e.passwordChangedAt),
    status: e.status,
    operator_card: e.operatorCard,
    verification_registered: e.verificationRegistered,
    verification_registered_at: date(e.verificationRegisteredAt),
    updated_by: actor,
    updated_at: now,
  };
}

/** The organisation's ledger revision: 0 before its first change. */
export async function ledgerRevision(db: Kysely<Database>, organisation: string): Promise<number> {
  const r = await db.selectFrom('ledgers').select('revision').where('organisation', '=', organisation).executeTakeFirst();
  return r ? Number(r.revision) : 0;
}

// Byte order, not the server's locale: PGlite and a PostgreSQL cluster would sort kanji apart.
const BY_SECTION = sql`section collate "C"`;
const BY_ID = sql`user_id collate "C"`;

/** Every ID of the organisation's ledger, by section then ID. */
export async function ledgerEntries(db: Kysely<Database>, organisation: string): Promise<LedgerEntry[]> {
  const rows = await db.selectFrom('ledger_entries').selectAll().where('organisation', '=', organisation).orderBy(BY_SECTION).orderBy(BY_ID).execute();
  return rows.map(ledgerEntryOf);
}

export interface LedgerQuery {
  organisation: string;
  /** Part of the ID, the name, the email or the operator card number (case ignored). */
  q?: string;
  section?: string;
  status?: LedgerStatus;
  /** From 1. */
  page?: number;
  pageSize?: number;
}

export interface LedgerPage {
  entries: LedgerEntry[];
  total: number;
  page: number;
  pageSize: number;
  pages: number;
  /** Every section of the ledger (for the filter), not only the page's. */
  sections: string[];
  revision: number;
}

export const LEDGER_PAGE_SIZE = 50;

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** One page of the ledger as searched; a page past the end is empty, not an error. */
export async function searchLedger(db: Kysely<Database>, query: LedgerQuery): Promise<LedgerPage> {
  const pageSize = Math.min(Math.max(query.pageSize ?? LEDGER_PAGE_SIZE, 1), 500);
  const page = Math.max(query.page ?? 1, 1);
  let base = db.selectFrom('ledger_entries').where('organisation', '=', query.organisation);
  const q = query.q?.normalize('NFKC').trim();
  if (q) {
    const p = likePattern(q);
    base = base.where((eb) => eb.or([eb('user_id', 'ilike', p), eb('person_name', 'ilike', p), eb('email', 'ilike', p), eb('operator_card', 'ilike', p)]));
  }
  if (query.section) base = base.where('section', '=', query.section);
  if (query.status) base = base.where('status', '=', query.status);
  const [{ n }, rows, sections, revision] = await Promise.all([
    base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    base.selectAll().orderBy(BY_SECTION).orderBy(BY_ID).limit(pageSize).offset((page - 1) * pageSize).execute(),
    db.selectFrom('ledger_entries').select('section').where('organisation', '=', query.organisation).groupBy('section').orderBy(BY_SECTION).execute(),
    ledgerRevision(db, query.organisation),
  ]);
  const total = Number(n);
  return { entries: rows.map(ledgerEntryOf), total, page, pageSize, pages: Math.max(1, Math.ceil(total / pageSize)), sections: sections.map((s) => s.section), revision };
}

// --- imports ---------------------------------------------------------------------------------

export type LedgerImportState = 'pending' | 'applied' | 'stale';

export interface LedgerImportSource {
  format: 'csv' | 'xlsx' | 'ldap';
  encoding?: string;
  filename?: string;
  rows: number;
}

export interface LedgerImport {
  id: string;
  organisation: string;
  source: LedgerImportSource;
  /** The ledger revision the diff was computed from. */
  baseRevision: number;
  columns: LedgerField[];
  diff: LedgerDiff;
  state: LedgerImportState;
  createdBy: string;
  createdAt: Date;
  confirmedBy: string | null;
  confirmedAt: Date | null;
}

function importOf(r: Selectable<LedgerImportTable>): LedgerImport {
  return {
    id: r.id,
    organisation: r.organisation,
    source: r.source as LedgerImportSource,
    baseRevision: Number(r.base_revision),
    columns: r.columns as LedgerField[],
    diff: r.diff as LedgerDiff,
    state: r.state as LedgerImportState,
    createdBy: r.created_by,
    createdAt: r.created_at,
    confirmedBy: r.confirmed_by,
    confirmedAt: r.confirmed_at,
  };
}

/** Takes the ledger's revision row (made on first use) for the rest of the transaction. */
async function lockRevision(tx: Kysely<Database>, organisation: string, mode: 'share' | 'update', now: Date): Promise<number> {
  await tx.insertInto('ledgers').values({ organisation, revision: 0, updated_at: now }).onConflict((oc) => oc.column('organisation').doNothing()).execute();
  const r = await sql<{ revision: number }>`select revision from ledgers where organisation = ${organisation} for ${sql.raw(mode === 'share' ? 'share' : 'update')}`.execute(tx);
  return Number(r.rows[0].revision);
}

/**
 * Computes what the checked rows would change and keeps it as a pending import: nothing in the
 * ledger changes until {@link confirmLedgerImport}.
 */
export async function prepareLedgerImport(
  db: Kysely<Database>,
  i: { id: string; organisation: string; source: LedgerImportSource; rows: readonly LedgerRow[]; columns: readonly LedgerField[]; createdBy: string; now: Date },
): Promise<LedgerImport> {
  return db.transaction().execute(async (tx) => {
    const baseRevision = await lockRevision(tx, i.organisation, 'share', i.now);
    const diff = diffLedger(await ledgerEntries(tx, i.organisation), i.rows, i.columns);
    const row = await tx
      .insertInto('ledger_imports')
      .values({
        id: i.id,
        organisation: i.organisation,
        source: JSON.stringify(i.source),
        base_revision: baseRevision,
        columns: JSON.stringify(i.columns),
        diff: JSON.stringify(diff),
        state: 'pending',
        created_by: i.createdBy,
        created_at: i.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return importOf(row);
  });
}

export async function getLedgerImport(db: Kysely<Database>, organisation: string, id: string): Promise<LedgerImport | undefined> {
  const r = await db.selectFrom('ledger_imports').selectAll().where('organisation', '=', organisation).where('id', '=', id).executeTakeFirst();
  return r ? importOf(r) : undefined;
}

export type ConfirmOutcome =
  | { outcome: 'applied'; import: LedgerImport; revision: number }
  | { outcome: 'notFound' }
  /** Confirmed before (a second click): nothing is applied again. */
  | { outcome: 'alreadyConfirmed'; import: LedgerImport }
  /** The ledger changed after the diff was computed: nothing applied; upload again to see the new diff. */
  | { outcome: 'stale'; import: LedgerImport; revision: number };

const fieldNames = (changes: readonly FieldChange[]) => changes.map((c) => LEDGER_LABELS[c.field].ja).join('・');

/** The audit rows of a diff applied: one per ID, then one for the import as a whole. */
function auditEntries(imp: LedgerImport, o: { actor: string; at: Date; articles: string[]; revision: number }): AuditEntry[] {
  const base = { at: o.at, caseId: LEDGER_CASE, organisation: imp.organisation, actor: o.actor, step: LEDGER_STEP, articles: o.articles };
  const id = (userId: string) => `ledger/${imp.organisation}/${imp.id}/${userId}`;
  const { added, changed, gone } = imp.diff;
  return [
    ...added.map(({ line, ...after }) => ({
      ...base,
      id: id(after.userId),
      outcome: `ユーザID ${after.userId} を管理簿に追加（${after.personName}、${after.section}）`,
      detail: { importId: imp.id, change: 'added', userId: after.userId, line, after },
    })),
    ...changed.map((c) => ({
      ...base,
      id: id(c.userId),
      outcome: `ユーザID ${c.userId} の${fieldNames(c.changes)}を変更`,
      detail: { importId: imp.id, change: 'changed', userId: c.userId, line: c.line, changes: c.changes },
    })),
    ...gone.map((before) => ({
      ...base,
      id: id(before.userId),
      outcome: `ユーザID ${before.userId} を廃止として記録（取込みファイルに記載なし）`,
      detail: { importId: imp.id, change: 'revoked', userId: before.userId, before },
    })),
    {
      ...base,
      id: `ledger/${imp.organisation}/${imp.id}`,
      outcome: `管理簿の取込み: 追加 ${added.length} 件・変更 ${changed.length} 件・廃止 ${gone.length} 件`,
      detail: { importId: imp.id, source: imp.source, baseRevision: imp.baseRevision, revision: o.revision, added: added.length, changed: changed.length, revoked: gone.length, unchanged: imp.diff.unchanged },
    },
  ];
}

/**
 * Applies a pending import in one transaction with its audit rows: once (a second confirmation
 * is `alreadyConfirmed`), and only to the ledger revision its diff was computed from (else
 * `stale`, and the import can no longer be confirmed).
 */
export async function confirmLedgerImport(
  db: Kysely<Database>,
  c: { organisation: string; id: string; actor: string; now: Date; articles: string[] },
  macKey: SigningKey,
): Promise<ConfirmOutcome> {
  return db.transaction().execute(async (tx): Promise<ConfirmOutcome> => {
    const raw = await tx.selectFrom('ledger_imports').selectAll().where('organisation', '=', c.organisation).where('id', '=', c.id).forUpdate().executeTakeFirst();
    if (!raw) return { outcome: 'notFound' };
    const imp = importOf(raw);
    if (imp.state === 'applied') return { outcome: 'alreadyConfirmed', import: imp };
    const current = await lockRevision(tx, c.organisation, 'update', c.now);
    if (imp.state === 'stale' || current !== imp.baseRevision) {
      await tx.updateTable('ledger_imports').set({ state: 'stale' }).where('id', '=', imp.id).execute();
      return { outcome: 'stale', import: { ...imp, state: 'stale' }, revision: current };
    }
    const { added, changed, gone } = imp.diff;
    const changes = added.length + changed.length + gone.length;
    const revision = changes > 0 ? current + 1 : current;
    for (let k = 0; k < added.length; k += 500) {
      await tx
        .insertInto('ledger_entries')
        .values(added.slice(k, k + 500).map(({ line: _line, ...e }) => rowValues(c.organisation, e, c.actor, c.now)))
        .execute();
    }
    for (const ch of changed) {
      const set: Record<string, unknown> = { updated_by: c.actor, updated_at: c.now };
      for (const f of ch.changes) if (f.field !== 'userId') set[COLUMN_OF[f.field]] = columnValue(f.field, f.after);
      await tx.updateTable('ledger_entries').set(set).where('organisation', '=', c.organisation).where('user_id', '=', ch.userId).execute();
    }
    for (let k = 0; k < gone.length; k += 500) {
      await tx
        .updateTable('ledger_entries')
        .set({ status: 'revoked', updated_by: c.actor, updated_at: c.now })
        .where('organisation', '=', c.organisation)
        .where(
          'user_id',
          'in',
          gone.slice(k, k + 500).map((g) => g.userId),
        )
        .execute();
    }
    if (changes > 0) await tx.updateTable('ledgers').set({ revision, updated_at: c.now }).where('organisation', '=', c.organisation).execute();
    const done = await tx.updateTable('ledger_imports').set({ state: 'applied', confirmed_by: c.actor, confirmed_at: c.now }).where('id', '=', imp.id).returningAll().executeTakeFirstOrThrow();
    const applied = importOf(done);
    await appendAuditInTransaction(tx, auditEntries(applied, { actor: c.actor, at: c.now, articles: c.articles, revision }), macKey);
    return { outcome: 'applied', import: applied, revision };
  });
}

/**
 * One ID's status or permissions changed by a review (inside the caller's transaction, which
 * writes the audit row): the ledger's revision counts up, so an import diffed before it is not
 * applied over it. Returns the entry before and after; nothing when the ID is not in the ledger.
 */
export async function applyLedgerChange(
  tx: Kysely<Database>,
  c: { organisation: string; userId: string; status?: LedgerStatus; permissions?: string[]; actor: string; now: Date },
): Promise<{ before: Pick<LedgerEntry, 'status' | 'permissions'>; after: Pick<LedgerEntry, 'status' | 'permissions'> } | null> {
  const row = await tx.selectFrom('ledger_entries').select(['status', 'permissions']).where('organisation', '=', c.organisation).where('user_id', '=', c.userId).forUpdate().executeTakeFirst();
  if (!row) return null;
  const revision = await lockRevision(tx, c.organisation, 'update', c.now);
  const after = { status: c.status ?? (row.status as LedgerStatus), permissions: c.permissions ? [...new Set(c.permissions)].sort() : row.permissions };
  await tx
    .updateTable('ledger_entries')
    .set({ status: after.status, permissions: JSON.stringify(after.permissions), updated_by: c.actor, updated_at: c.now })
    .where('organisation', '=', c.organisation)
    .where('user_id', '=', c.userId)
    .execute();
  await tx.updateTable('ledgers').set({ revision: revision + 1, updated_at: c.now }).where('organisation', '=', c.organisation).execute();
  return { before: { status: row.status as LedgerStatus, permissions: row.permissions }, after };
}
