// The audit log (監査証跡): append-only and tamper-evident. Each row carries a MAC (HMAC-SHA-256
// under a key the database does not hold) over its own content and the previous row's MAC, so a
// row edited, inserted or re-chained is found without trusting the database. The chain's head is
// anchored outside the table (the auditAnchor workflow's history), so a truncated tail is found too.
// Rows written before the chain was keyed keep their plain SHA-256 hash (`mac_key_id` null); the
// first keyed row after them vouches for them as a block. Appends are serialised by a
// transaction-scoped advisory lock and keyed by the writer's idempotency key, so a retried
// activity writes once.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { AuditAnchor } from '../domain/audit';
import type { SigningKey } from '../tokens';
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
  /** The key `hash` is a MAC under; null on rows from before the chain was keyed (plain SHA-256). */
  macKeyId: string | null;
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

// What PostgreSQL cannot store: a lone surrogate (text stores U+FFFD for it, jsonb refuses it)
// and NUL (both refuse it). With the `u` flag a surrogate pair is one code point, so only lone
// surrogates match.
const UNSTORABLE = /[\p{Cs}\0]/gu;

/** The text as PostgreSQL stores it and gives it back: well-formed Unicode without NUL. */
export function storableText(s: string): string {
  return s.replace(UNSTORABLE, '\uFFFD');
}

/** The value as jsonb stores it and gives it back: a JSON round trip with storable strings and keys. */
export function storableJson<T>(v: T): T {
  const walk = (x: unknown): unknown => {
    if (typeof x === 'string') return storableText(x);
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [storableText(k), walk(y)]));
    return x;
  };
  return walk(JSON.parse(JSON.stringify(v))) as T;
}

type Content = Omit<AuditRow, 'hash' | 'macKeyId'>;

function content(row: Content): string {
  return canonicalJson([row.seq, row.id, row.at.toISOString(), row.caseId, row.organisation, row.actor, row.step, row.outcome, row.articles, row.detail]);
}

/** The plain SHA-256 of rows written before the chain was keyed: anyone could recompute it. */
export function plainAuditHash(row: Content): string {
  return createHash('sha256').update(`${row.prevHash}\n${content(row)}`).digest('hex');
}

/** The row's MAC: over the previous row's hash, the key id and the row's content. */
export function auditMac(row: Content, key: SigningKey): string {
  return createHmac('sha256', key.secret).update(`${row.prevHash}\n${key.id}\n${content(row)}`).digest('hex');
}

const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Appends an entry (once per id) with a MAC under `macKey`; returns the row as stored. Text and
 * JSON are first put in the form the database stores, so the MAC covers exactly what is read back.
 */
export async function appendAudit(db: Kysely<Database>, entry: AuditEntry, macKey: SigningKey): Promise<AuditRow> {
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(tx);
    return appendLocked(tx, entry, macKey);
  });
}

/**
 * Appends several entries in one transaction, in order: all of them or none (what was done on
 * paper and entered afterwards is one statement). An id already present appends nothing again.
 */
export async function appendAuditEntries(db: Kysely<Database>, entries: readonly AuditEntry[], macKey: SigningKey): Promise<AuditRow[]> {
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(tx);
    const out: AuditRow[] = [];
    for (const e of entries) out.push(await appendLocked(tx, e, macKey));
    return out;
  });
}

/**
 * Appends entries inside the caller's transaction (taking the chain's lock until it commits), so
 * a change and its audit rows are kept together or not at all.
 */
export async function appendAuditInTransaction(tx: Kysely<Database>, entries: readonly AuditEntry[], macKey: SigningKey): Promise<AuditRow[]> {
  await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(tx);
  const out: AuditRow[] = [];
  for (const e of entries) out.push(await appendLocked(tx, e, macKey));
  return out;
}

/** One append inside a transaction that holds the chain's lock. */
async function appendLocked(tx: Kysely<Database>, entry: AuditEntry, macKey: SigningKey): Promise<AuditRow> {
  const e = {
    id: storableText(entry.id),
    caseId: storableText(entry.caseId),
    organisation: storableText(entry.organisation),
    actor: storableText(entry.actor),
    step: storableText(entry.step),
    outcome: storableText(entry.outcome),
    articles: storableJson(entry.articles),
    detail: storableJson(entry.detail ?? {}),
    at: new Date(Math.floor(entry.at.getTime())), // stored to the millisecond
  };
  const existing = await tx.selectFrom('audit_log').selectAll().where('id', '=', e.id).executeTakeFirst();
  if (existing) return fromDb(existing);
  const last = await tx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const row: Content = { ...e, seq: last ? Number(last.seq) + 1 : 1, prevHash: last?.hash ?? GENESIS_HASH };
  const hash = auditMac(row, macKey);
  const stored = fromDb(
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
        mac_key_id: macKey.id,
        hash,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  // Never leave a row that would not verify: the transaction rolls back and the writer retries.
  if (auditMac(stored, macKey) !== hash) throw new Error(`audit row ${row.id} would not verify as stored`);
  return stored;
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
    macKeyId: r.mac_key_id,
    hash: r.hash,
  };
}

export async function auditTrail(db: Kysely<Database>, organisation: string, caseId: string): Promise<AuditRow[]> {
  const rows = await db.selectFrom('audit_log').selectAll().where('organisation', '=', organisation).where('case_id', '=', caseId).orderBy('seq').execute();
  return rows.map(fromDb);
}

/** The chain's head now (undefined while the log is empty): what an anchor records. */
export async function auditHead(db: Kysely<Database>): Promise<AuditAnchor | undefined> {
  const head = await db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  if (!head) return undefined;
  const keyed = await db.selectFrom('audit_log').select('seq').where('mac_key_id', 'is not', null).orderBy('seq').limit(1).executeTakeFirst();
  return { seq: Number(head.seq), hash: head.hash, keyedFrom: keyed ? Number(keyed.seq) : null, at: new Date().toISOString() };
}

export interface ChainProblem {
  seq: number;
  problem:
    | 'missing_rows' // a gap in the sequence: rows deleted
    | 'broken_link' // prev_hash is not the previous row's hash
    | 'content_changed' // the row's own MAC (or plain hash) does not match: this row was edited
    | 'rechained' // the MAC fails on a row linked to an edited one: re-chained to hide the edit
    | 'unknown_key' // a MAC under a key id that AUDIT_MAC_KEYS does not hold
    | 'truncated' // the table ends before a row an anchor recorded
    | 'anchor_mismatch'; // the row differs from what an anchor recorded
  detail: string;
}

export interface ChainReport {
  rows: number;
  /** No problem found in what could be checked; `unchecked` says what could not. */
  ok: boolean;
  problems: ChainProblem[];
  /** What could not be checked, each a sentence (no key, no anchor, Temporal unreachable). */
  unchecked: string[];
  /** The newest anchor the chain was checked against. */
  anchor?: AuditAnchor;
}

/** The anchors recorded outside the table, or why they could not be read. */
export type AnchorEvidence = { anchors: AuditAnchor[] } | { unavailable: string };

export interface VerifyOptions {
  /** The MAC keys (AUDIT_MAC_KEYS); without them keyed rows are checked for their links only. */
  macKeys?: readonly SigningKey[];
  /** Read before the table, so an append during the check cannot look like a truncation. */
  anchors?: AnchorEvidence;
  batch?: number;
}

/** Recomputes the whole chain and compares it with the anchors; reports each row where it breaks. */
export async function verifyAuditChain(db: Kysely<Database>, o: VerifyOptions = {}): Promise<ChainReport> {
  const batch = o.batch ?? 1000;
  const keys = o.macKeys && new Map(o.macKeys.map((k) => [k.id, k]));
  const anchors = o.anchors && 'anchors' in o.anchors ? o.anchors.anchors : [];
  const anchoredAt = new Map<number, AuditAnchor[]>();
  for (const a of anchors) anchoredAt.set(a.seq, [...(anchoredAt.get(a.seq) ?? []), a]);
  const keyedFrom = Math.min(...anchors.flatMap((a) => (a.keyedFrom === null ? [] : [a.keyedFrom])));

  const problems: ChainProblem[] = [];
  let prev = { seq: 0, hash: GENESIS_HASH, suspect: false };
  let keyedSeen = false;
  let rows = 0;
  let unkeyedChecks = 0;

  /** Why the row's own hash fails, or undefined when it holds (or cannot be checked). */
  const ownHashProblem = (r: AuditRow): Pick<ChainProblem, 'problem' | 'detail'> | undefined => {
    if (r.macKeyId === null) {
      if (keyedSeen || r.seq >= keyedFrom) return { problem: 'content_changed', detail: 'a plain SHA-256 hash where a MAC is due: rewritten without the key' };
      return sameHex(plainAuditHash(r), r.hash) ? undefined : { problem: 'content_changed', detail: 'hash does not match the row content' };
    }
    keyedSeen = true;
    if (!keys) {
      unkeyedChecks++;
      return undefined;
    }
    const key = keys.get(r.macKeyId);
    if (!key) return { problem: 'unknown_key', detail: `MAC under key ${JSON.stringify(r.macKeyId)}, which AUDIT_MAC_KEYS does not hold (keep rotated-out keys in the list)` };
    return sameHex(auditMac(r, key), r.hash) ? undefined : { problem: 'content_changed', detail: 'MAC does not match the row content' };
  };

  for (;;) {
    const page = await db.selectFrom('audit_log').selectAll().where('seq', '>', prev.seq).orderBy('seq').limit(batch).execute();
    for (const raw of page) {
      const r = fromDb(raw);
      rows++;
      if (r.seq !== prev.seq + 1) {
        problems.push({ seq: r.seq, problem: 'missing_rows', detail: `rows ${prev.seq + 1}–${r.seq - 1} are missing` });
      }
      const linked = r.prevHash === prev.hash;
      // A link to a row already named is that row's problem, not this one's.
      if (!linked && !prev.suspect) problems.push({ seq: r.seq, problem: 'broken_link', detail: 'prev_hash does not match the previous row' });
      const own = ownHashProblem(r);
      if (own) {
        problems.push(
          prev.suspect && linked && own.problem !== 'unknown_key'
            ? { seq: r.seq, problem: 'rechained', detail: `MAC does not match: re-chained after row ${prev.seq} (its content may have changed too)` }
            : { seq: r.seq, ...own },
        );
      }
      for (const a of anchoredAt.get(r.seq) ?? []) {
        if (a.hash !== r.hash) problems.push({ seq: r.seq, problem: 'anchor_mismatch', detail: `differs from the anchor of ${a.at}: the row was rewritten` });
      }
      prev = { seq: r.seq, hash: r.hash, suspect: own !== undefined };
    }
    if (page.length < batch) break;
  }

  const latest = anchors.reduce<AuditAnchor | undefined>((m, a) => (!m || a.seq > m.seq ? a : m), undefined);
  if (latest && latest.seq > prev.seq) {
    problems.push({
      seq: latest.seq,
      problem: 'truncated',
      detail: `rows ${prev.seq + 1}–${latest.seq} are gone: the anchor of ${latest.at} recorded row ${latest.seq} as the head`,
    });
  }

  const unchecked: string[] = [];
  if (unkeyedChecks > 0) unchecked.push(`${unkeyedChecks} keyed rows: no MAC key (AUDIT_MAC_KEYS), so only their links were checked`);
  if (o.anchors === undefined) unchecked.push('anchors: not asked for, so a truncated tail would go unnoticed');
  else if ('unavailable' in o.anchors) unchecked.push(`anchors could not be checked (${o.anchors.unavailable}), so a truncated tail would go unnoticed`);
  else if (!latest && rows > 0) unchecked.push('no anchor recorded yet, so a truncated tail would go unnoticed');

  return { rows, ok: problems.length === 0, problems, unchecked, ...(latest ? { anchor: latest } : {}) };
}
