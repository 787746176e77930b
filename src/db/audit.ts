// The audit log (監査証跡): append-only and tamper-evident. Each row carries a SHA-256 hash over
// its own content and the previous row's hash, so editing or deleting a row breaks the chain
// from that row on. Appends are serialised by a transaction-scoped advisory lock and keyed by the
// writer's idempotency key, so a retried activity writes once.
import { createHash } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { AuditLogTable, Database } from './schema';

export interface AuditEntry {
  /** Idempotency key: the same key appends once. */
  id: string;
  at: Date;
  caseId: string;
  organisation: string;
  /** A person (`name <email>`) or `system`. */
  actor: string;
  step: string;
  outcome: string;
  /** The article references that require the step, e.g. `katsuragi:3.4`. */
  articles: string[];
  detail?: Record<string, unknown>;
}

export interface AuditRow extends Required<AuditEntry> {
  seq: number;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);
const AUDIT_LOCK_KEY = 7_510_210; // any constant: one advisory lock for the audit chain

/** JSON with object keys sorted at every level: jsonb does not keep key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

export function auditHash(row: Omit<AuditRow, 'hash'>): string {
  const content = canonicalJson([
    row.seq,
    row.id,
    row.at.toISOString(),
    row.caseId,
    row.organisation,
    row.actor,
    row.step,
    row.outcome,
    row.articles,
    row.detail,
  ]);
  return createHash('sha256').update(`${row.prevHash}\n${content}`).digest('hex');
}

/** Appends an entry (once per id); returns the row as stored. */
export async function appendAudit(db: Kysely<Database>, entry: AuditEntry): Promise<AuditRow> {
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(tx);
    const existing = await tx.selectFrom('audit_log').selectAll().where('id', '=', entry.id).executeTakeFirst();
    if (existing) return fromDb(existing);
    const last = await tx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const at = new Date(Math.floor(entry.at.getTime())); // stored to the millisecond
    const row: Omit<AuditRow, 'hash'> = {
      ...entry,
      at,
      detail: entry.detail ?? {},
      seq: last ? Number(last.seq) + 1 : 1,
      prevHash: last?.hash ?? GENESIS_HASH,
    };
    const hash = auditHash(row);
    await tx
      .insertInto('audit_log')
      .values({
        seq: row.seq,
        id: row.id,
        at: row.at,
        case_id: row.caseId,
        organisation: row.organisation,
        actor: row.actor,
        step: row.step,
        outcome: row.outcome,
        articles: JSON.stringify(row.articles),
        detail: JSON.stringify(row.detail),
        prev_hash: row.prevHash,
        hash,
      })
      .execute();
    return { ...row, hash };
  });
}

function fromDb(r: Selectable<AuditLogTable>): AuditRow {
  return {
    seq: Number(r.seq),
    id: r.id,
    at: r.at,
    caseId: r.case_id,
    organisation: r.organisation,
    actor: r.actor,
    step: r.step,
    outcome: r.outcome,
    articles: r.articles,
    detail: r.detail,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export async function auditTrail(db: Kysely<Database>, organisation: string, caseId: string): Promise<AuditRow[]> {
  const rows = await db.selectFrom('audit_log').selectAll().where('organisation', '=', organisation).where('case_id', '=', caseId).orderBy('seq').execute();
  return rows.map(fromDb);
}

export interface ChainProblem {
  seq: number;
  problem: 'missing_rows' | 'broken_link' | 'content_changed';
  detail: string;
}

export interface ChainReport {
  rows: number;
  ok: boolean;
  problems: ChainProblem[];
}

/** Recomputes the whole chain; reports each row where it breaks. */
export async function verifyAuditChain(db: Kysely<Database>, batch = 1000): Promise<ChainReport> {
  const problems: ChainProblem[] = [];
  let prev = { seq: 0, hash: GENESIS_HASH };
  let rows = 0;
  for (;;) {
    const page = await db.selectFrom('audit_log').selectAll().where('seq', '>', prev.seq).orderBy('seq').limit(batch).execute();
    for (const raw of page) {
      const r = fromDb(raw);
      rows++;
      if (r.seq !== prev.seq + 1) {
        problems.push({ seq: r.seq, problem: 'missing_rows', detail: `rows ${prev.seq + 1}–${r.seq - 1} are missing` });
      }
      if (r.prevHash !== prev.hash) problems.push({ seq: r.seq, problem: 'broken_link', detail: 'prev_hash does not match the previous row' });
      if (auditHash(r) !== r.hash) problems.push({ seq: r.seq, problem: 'content_changed', detail: 'hash does not match the row content' });
      prev = { seq: r.seq, hash: r.hash };
    }
    if (page.length < batch) break;
  }
  return { rows, ok: problems.length === 0, problems };
}
