import { type Selectable, sql } from 'kysely';
import type { AppDatabase } from '../../src/db';
import type { AuditAnchor } from '../../src/domain/audit';
import { appendAudit, auditHead, auditTrail, type AuditEntry, GENESIS_HASH, plainAuditHash, verifyAuditChain } from '../../src/db/audit';
import { migrateToLatest } from '../../src/db/migrations';
import type { AuditLogTable } from '../../src/db/schema';
import { generateSigningKey } from '../../src/tokens';
import { ENGINES, freshDatabase } from '../support/databases';

const entry = (n: number, over: Partial<AuditEntry> = {}): AuditEntry => ({
  id: `test/${n}`,
  at: new Date(Date.parse('2026-11-23T01:00:00Z') + n * 60_000),
  caseId: 'INC-2026-0001',
  organisation: 'katsuragi',
  actor: n % 2 ? 'system' : '佐藤 花子 <sato@katsuragi.example.jp>',
  step: 'emergency.conveneCouncil',
  outcome: `step ${n}`,
  articles: ['katsuragi:3.4'],
  detail: { n, nested: { b: 2, a: 1 } },
  ...over,
});

const key = generateSigningKey('a1');
const macKeys = [key];
const seqProblems = (r: { problems: Array<{ seq: number; problem: string }> }) => r.problems.map((p) => `${p.seq}:${p.problem}`);

/** A row as the table holds it, read with plain SQL. */
type RawRow = Selectable<AuditLogTable>;

/** What someone with database access but no key can do: recompute every hash from `from` on as plain SHA-256. */
async function rechainWithoutKey(db: AppDatabase['db'], from: number, o: { keepKeyIds: boolean }) {
  const rows = (await sql<RawRow>`select * from audit_log order by seq`.execute(db)).rows;
  let prevHash = from === 1 ? GENESIS_HASH : rows[from - 2].hash;
  for (const r of rows.slice(from - 1)) {
    const hash = plainAuditHash({ ...r, seq: Number(r.seq), caseId: r.case_id, prevHash });
    await sql`update audit_log set prev_hash = ${prevHash}, hash = ${hash}, mac_key_id = ${o.keepKeyIds ? sql`mac_key_id` : null} where seq = ${r.seq}`.execute(db);
    prevHash = hash;
  }
}

/** One database per engine (a fresh PGlite takes seconds); each test starts from an empty log. */
function useDatabase(engine: (typeof ENGINES)[number], fill: (db: AppDatabase['db']) => Promise<void>): () => AppDatabase {
  let appDb: AppDatabase;
  beforeAll(async () => {
    appDb = await freshDatabase(engine);
    await migrateToLatest(appDb.db);
  });
  afterAll(async () => appDb?.close());
  beforeEach(async () => {
    await sql`delete from audit_log`.execute(appDb.db);
    await fill(appDb.db);
  });
  return () => appDb;
}

describe.each(ENGINES)('the audit log on %s', (engine) => {
  let appDb: AppDatabase;
  const db = useDatabase(engine, async (d) => {
    for (let n = 1; n <= 5; n++) await appendAudit(d, entry(n), key);
  });
  beforeEach(() => {
    appDb = db();
  });

  it('chains each row to the one before with a MAC, and verifies against an anchor of its head', async () => {
    const rows = await auditTrail(appDb.db, 'katsuragi', 'INC-2026-0001');
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(rows.every((r) => r.macKeyId === 'a1')).toBe(true);
    rows.slice(1).forEach((r, i) => expect(r.prevHash).toBe(rows[i].hash));
    const anchor = (await auditHead(appDb.db))!;
    expect(anchor).toMatchObject({ seq: 5, hash: rows[4].hash, keyedFrom: 1 });
    expect(await verifyAuditChain(appDb.db, { macKeys, anchors: { anchors: [anchor] } })).toEqual({ rows: 5, ok: true, problems: [], unchecked: [], anchor });
  });

  it('says what it could not check: no key, no anchor, anchors unreachable', async () => {
    const r = await verifyAuditChain(appDb.db, { anchors: { unavailable: 'Temporal did not answer' } });
    expect(r.ok).toBe(true);
    expect(r.unchecked).toEqual([
      '5 keyed rows: no MAC key (AUDIT_MAC_KEYS), so only their links were checked',
      'anchors could not be checked (Temporal did not answer), so a truncated tail would go unnoticed',
    ]);
    expect((await verifyAuditChain(appDb.db, { macKeys, anchors: { anchors: [] } })).unchecked).toEqual(['no anchor recorded yet, so a truncated tail would go unnoticed']);
  });

  it('writes once per idempotency key, however often the writer retries', async () => {
    const again = await appendAudit(appDb.db, entry(3, { outcome: 'retried with other words' }), key);
    expect(again.outcome).toBe('step 3');
    await Promise.all([6, 6, 6, 7].map((n) => appendAudit(appDb.db, entry(n), key)));
    const rows = await auditTrail(appDb.db, 'katsuragi', 'INC-2026-0001');
    expect(rows.map((r) => r.id)).toEqual(['test/1', 'test/2', 'test/3', 'test/4', 'test/5', 'test/6', 'test/7']);
    expect((await verifyAuditChain(appDb.db, { macKeys })).ok).toBe(true);
  });

  it('detects an edited row', async () => {
    await sql`update audit_log set outcome = 'nothing happened' where seq = 3`.execute(appDb.db);
    expect((await verifyAuditChain(appDb.db, { macKeys })).problems).toEqual([{ seq: 3, problem: 'content_changed', detail: expect.any(String) }]);
  });

  it('detects an edited article reference and an edited time', async () => {
    await sql`update audit_log set articles = '["katsuragi:9.9"]'::jsonb where seq = 2`.execute(appDb.db);
    await sql`update audit_log set at = at + interval '1 second' where seq = 4`.execute(appDb.db);
    expect((await verifyAuditChain(appDb.db, { macKeys })).problems.map((p) => p.seq)).toEqual([2, 4]);
  });

  it('detects a deleted row', async () => {
    await sql`delete from audit_log where seq = 2`.execute(appDb.db);
    const r = await verifyAuditChain(appDb.db, { macKeys });
    expect(r.ok).toBe(false);
    expect(seqProblems(r)).toEqual(['3:missing_rows', '3:broken_link']);
  });

  it('names a row edited and given a new hash itself, not the row after it', async () => {
    const [row] = (await sql<{ hash: string }>`select hash from audit_log where seq = 2`.execute(appDb.db)).rows;
    await sql`update audit_log set outcome = 'x', hash = ${row.hash.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))} where seq = 2`.execute(appDb.db);
    expect(seqProblems(await verifyAuditChain(appDb.db, { macKeys }))).toEqual(['2:content_changed']);
  });

  it.each([
    ['keeping the key ids', true],
    ['as plain rows without key ids', false],
  ])('detects a row edited with every later hash recomputed (%s), naming the edited row first', async (_, keepKeyIds) => {
    const anchor = (await auditHead(appDb.db))!;
    await sql`update audit_log set outcome = 'nothing happened' where seq = 3`.execute(appDb.db);
    await rechainWithoutKey(appDb.db, 3, { keepKeyIds });
    // Without the key the plain chain is consistent again: only the MAC tells.
    const r = await verifyAuditChain(appDb.db, { macKeys, anchors: { anchors: [anchor] } });
    expect(r.ok).toBe(false);
    expect(seqProblems(r)).toEqual(['3:content_changed', '4:rechained', '5:rechained', '5:anchor_mismatch']);
    expect(r.problems[1].detail).toContain('re-chained after row 3');
  });

  it('detects a whole chain rewritten as plain rows, against the anchor', async () => {
    const anchor = (await auditHead(appDb.db))!;
    await sql`update audit_log set outcome = 'nothing happened' where seq = 1`.execute(appDb.db);
    await rechainWithoutKey(appDb.db, 1, { keepKeyIds: false });
    const r = await verifyAuditChain(appDb.db, { macKeys, anchors: { anchors: [anchor] } });
    expect(seqProblems(r)).toEqual(['1:content_changed', '2:rechained', '3:rechained', '4:rechained', '5:rechained', '5:anchor_mismatch']);
  });

  it('detects the newest rows deleted, against an anchor of the head', async () => {
    const anchor = (await auditHead(appDb.db))!;
    await sql`delete from audit_log where seq >= 4`.execute(appDb.db);
    const r = await verifyAuditChain(appDb.db, { macKeys, anchors: { anchors: [anchor] } });
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([{ seq: 5, problem: 'truncated', detail: `rows 4–5 are gone: the anchor of ${anchor.at} recorded row 5 as the head` }]);
  });

  it('accepts rows appended after the anchor was taken', async () => {
    const anchor = (await auditHead(appDb.db))!;
    await appendAudit(appDb.db, entry(6), key);
    expect(await verifyAuditChain(appDb.db, { macKeys, anchors: { anchors: [anchor] } })).toMatchObject({ rows: 6, ok: true, anchor });
  });

  it('stores what PostgreSQL can store and verifies it intact: lone surrogates and NUL in text and JSON', async () => {
    const odd = 'broken \ud800 pair \udc00 and NUL \u0000 and 𠮷';
    const stored = await appendAudit(appDb.db, entry(6, { outcome: `検知を記録: ${odd}`, actor: odd, detail: { summary: odd, [`k\udfff`]: [odd] } }), key);
    const fine = 'broken \ufffd pair \ufffd and NUL \ufffd and 𠮷';
    expect(stored.outcome).toBe(`検知を記録: ${fine}`);
    expect(stored.detail).toEqual({ summary: fine, 'k\ufffd': [fine] });
    const [read] = (await sql<{ outcome: string }>`select outcome from audit_log where seq = 6`.execute(appDb.db)).rows;
    expect(read.outcome).toBe(`検知を記録: ${fine}`);
    expect(await verifyAuditChain(appDb.db, { macKeys, anchors: { anchors: [(await auditHead(appDb.db))!] } })).toMatchObject({ ok: true, problems: [], unchecked: [] });
  });

  it('verifies MACs under a rotated-out key while it is still listed, and names rows under a key not listed', async () => {
    const next = generateSigningKey('a2');
    await appendAudit(appDb.db, entry(6), next);
    expect((await verifyAuditChain(appDb.db, { macKeys: [next, key] })).ok).toBe(true);
    expect(seqProblems(await verifyAuditChain(appDb.db, { macKeys: [next] }))).toEqual(['1:unknown_key', '2:unknown_key', '3:unknown_key', '4:unknown_key', '5:unknown_key']);
  });
});

describe.each(ENGINES)('an audit log from before the chain was keyed, on %s', (engine) => {
  let appDb: AppDatabase;
  const db = useDatabase(engine, async (d) => {
    // Rows as the earlier version wrote them: plain SHA-256, no key id.
    let prevHash = GENESIS_HASH;
    for (let n = 1; n <= 3; n++) {
      const e = { ...entry(n), detail: entry(n).detail!, seq: n, prevHash };
      const hash = plainAuditHash(e);
      await sql`insert into audit_log (seq, id, at, case_id, organisation, actor, step, outcome, articles, detail, prev_hash, hash)
        values (${n}, ${e.id}, ${e.at}, ${e.caseId}, ${e.organisation}, ${e.actor}, ${e.step}, ${e.outcome}, ${JSON.stringify(e.articles)}::jsonb, ${JSON.stringify(e.detail)}::jsonb, ${prevHash}, ${hash})`.execute(d);
      prevHash = hash;
    }
    for (let n = 4; n <= 5; n++) await appendAudit(d, entry(n), key);
  });
  beforeEach(() => {
    appDb = db();
  });

  it('keeps the old rows plain, continues with MACs, and verifies both', async () => {
    const rows = await auditTrail(appDb.db, 'katsuragi', 'INC-2026-0001');
    expect(rows.map((r) => r.macKeyId)).toEqual([null, null, null, 'a1', 'a1']);
    const anchor: AuditAnchor = (await auditHead(appDb.db))!;
    expect(anchor.keyedFrom).toBe(4);
    expect(await verifyAuditChain(appDb.db, { macKeys, anchors: { anchors: [anchor] } })).toMatchObject({ rows: 5, ok: true, unchecked: [] });
  });

  it('still names an edited old row', async () => {
    await sql`update audit_log set outcome = 'nothing happened' where seq = 2`.execute(appDb.db);
    expect(seqProblems(await verifyAuditChain(appDb.db, { macKeys }))).toEqual(['2:content_changed']);
  });

  it('detects old rows re-hashed after an edit at the first keyed row, which vouches for them', async () => {
    await sql`update audit_log set outcome = 'nothing happened' where seq = 2`.execute(appDb.db);
    await rechainWithoutKey(appDb.db, 2, { keepKeyIds: true });
    expect(seqProblems(await verifyAuditChain(appDb.db, { macKeys }))).toEqual(['4:content_changed', '5:rechained']);
  });

  it('refuses a plain row where the anchor says the rows are keyed', async () => {
    const anchor = (await auditHead(appDb.db))!;
    await sql`update audit_log set outcome = 'nothing happened' where seq = 4`.execute(appDb.db);
    await rechainWithoutKey(appDb.db, 4, { keepKeyIds: false });
    const r = await verifyAuditChain(appDb.db, { macKeys, anchors: { anchors: [anchor] } });
    expect(seqProblems(r)).toEqual(['4:content_changed', '5:rechained', '5:anchor_mismatch']);
    expect(r.problems[0].detail).toContain('plain SHA-256 hash where a MAC is due');
  });
});
