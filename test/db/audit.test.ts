import { sql } from 'kysely';
import type { AppDatabase } from '../../src/db';
import { appendAudit, auditTrail, type AuditEntry, verifyAuditChain } from '../../src/db/audit';
import { migrateToLatest } from '../../src/db/migrations';
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

describe.each(ENGINES)('the audit log on %s', (engine) => {
  let appDb: AppDatabase;
  beforeEach(async () => {
    appDb = await freshDatabase(engine);
    await migrateToLatest(appDb.db);
    for (let n = 1; n <= 5; n++) await appendAudit(appDb.db, entry(n));
  });
  afterEach(async () => appDb.close());

  it('chains each row to the one before and verifies', async () => {
    const rows = await auditTrail(appDb.db, 'katsuragi', 'INC-2026-0001');
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    rows.slice(1).forEach((r, i) => expect(r.prevHash).toBe(rows[i].hash));
    expect(await verifyAuditChain(appDb.db)).toEqual({ rows: 5, ok: true, problems: [] });
  });

  it('writes once per idempotency key, however often the writer retries', async () => {
    const again = await appendAudit(appDb.db, entry(3, { outcome: 'retried with other words' }));
    expect(again.outcome).toBe('step 3');
    await Promise.all([6, 6, 6, 7].map((n) => appendAudit(appDb.db, entry(n))));
    const rows = await auditTrail(appDb.db, 'katsuragi', 'INC-2026-0001');
    expect(rows.map((r) => r.id)).toEqual(['test/1', 'test/2', 'test/3', 'test/4', 'test/5', 'test/6', 'test/7']);
    expect((await verifyAuditChain(appDb.db)).ok).toBe(true);
  });

  it('detects an edited row', async () => {
    await sql`update audit_log set outcome = 'nothing happened' where seq = 3`.execute(appDb.db);
    expect((await verifyAuditChain(appDb.db)).problems).toEqual([{ seq: 3, problem: 'content_changed', detail: expect.any(String) }]);
  });

  it('detects an edited article reference and an edited time', async () => {
    await sql`update audit_log set articles = '["katsuragi:9.9"]'::jsonb where seq = 2`.execute(appDb.db);
    await sql`update audit_log set at = at + interval '1 second' where seq = 4`.execute(appDb.db);
    expect((await verifyAuditChain(appDb.db)).problems.map((p) => p.seq)).toEqual([2, 4]);
  });

  it('detects a deleted row', async () => {
    await sql`delete from audit_log where seq = 2`.execute(appDb.db);
    const r = await verifyAuditChain(appDb.db);
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => `${p.seq}:${p.problem}`)).toEqual(['3:missing_rows', '3:broken_link']);
  });

  it('detects a row re-hashed after editing, by the next row', async () => {
    // Someone who recomputes the edited row's own hash still breaks the link to the next row.
    const [row] = (await sql<{ hash: string }>`select hash from audit_log where seq = 2`.execute(appDb.db)).rows;
    await sql`update audit_log set outcome = 'x', hash = ${row.hash.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))} where seq = 2`.execute(appDb.db);
    expect((await verifyAuditChain(appDb.db)).problems.map((p) => `${p.seq}:${p.problem}`)).toEqual(['2:content_changed', '3:broken_link']);
  });
});
