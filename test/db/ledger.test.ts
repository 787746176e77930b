// The ledger (管理簿) on both engines: an import changes nothing until confirmed, a confirmation
// applies the diff once with one audit row per ID (and the chain verifies), a diff computed
// before another change is refused as stale, and search pages by section, status and text.
import type { AppDatabase } from '../../src/db';
import { auditTrail, verifyAuditChain } from '../../src/db/audit';
import { confirmLedgerImport, getLedgerImport, LEDGER_CASE, ledgerEntries, ledgerRevision, prepareLedgerImport, searchLedger } from '../../src/db/ledger';
import { migrateToLatest } from '../../src/db/migrations';
import type { LedgerEntry, LedgerField, LedgerRow } from '../../src/domain/ledger';
import { generateSigningKey } from '../../src/tokens';
import { ENGINES, freshDatabase } from '../support/databases';

const ALL: LedgerField[] = ['userId', 'personName', 'email', 'section', 'permissions', 'issuedAt', 'lastUsedAt', 'passwordChangedAt', 'status', 'operatorCard', 'verificationRegistered', 'verificationRegisteredAt'];
const entry = (n: number, over: Partial<LedgerEntry> = {}): LedgerRow => ({
  line: n + 1,
  userId: `NG${String(n).padStart(4, '0')}`,
  personName: `職員 ${n}`,
  email: `staff${n}@niigata.example.jp`,
  section: n % 2 ? '中央区役所区民生活課' : '東区役所区民生活課',
  permissions: ['照会'],
  issuedAt: '2025-03-31T15:00:00.000Z',
  lastUsedAt: n === 3 ? null : '2026-11-30T00:00:00.000Z',
  passwordChangedAt: '2026-03-31T15:00:00.000Z',
  status: 'active',
  operatorCard: `C-${n}`,
  verificationRegistered: true,
  verificationRegisteredAt: '2025-04-01T15:00:00.000Z',
  ...over,
});
const macKey = generateSigningKey('a1');
const actor = '渡辺 健一 <shiminseikatsu-kacho@niigata.example.jp>';
const org = 'niigata';
const source = { format: 'csv' as const, encoding: 'shift_jis', filename: 'ledger.csv', rows: 0 };

describe.each(ENGINES)('the user-ID ledger on %s', (engine) => {
  let appDb: AppDatabase;
  beforeAll(async () => {
    appDb = await freshDatabase(engine);
    await migrateToLatest(appDb.db);
  });
  afterAll(async () => appDb?.close());
  let clock = Date.parse('2026-12-01T01:00:00Z');
  const now = () => new Date((clock += 1000));

  it('an import changes nothing until confirmed; confirming applies it once, audited per ID', async () => {
    const db = appDb.db;
    const rows = [1, 2, 3].map((n) => entry(n));
    const imp = await prepareLedgerImport(db, { id: 'imp-1', organisation: org, source: { ...source, rows: 3 }, rows, columns: ALL, createdBy: actor, now: now() });
    expect(imp).toMatchObject({ state: 'pending', baseRevision: 0, diff: { added: rows, changed: [], gone: [], unchanged: 0 } });
    expect(await ledgerEntries(db, org)).toEqual([]);

    const r = await confirmLedgerImport(db, { organisation: org, id: 'imp-1', actor, now: now(), articles: ['niigata:15.2.1'] }, macKey);
    expect(r).toMatchObject({ outcome: 'applied', revision: 1, import: { state: 'applied', confirmedBy: actor } });
    // By section (中央 before 東), then ID.
    expect(await ledgerEntries(db, org)).toEqual([rows[0], rows[2], rows[1]].map(({ line: _, ...e }) => e));
    expect(await confirmLedgerImport(db, { organisation: org, id: 'imp-1', actor, now: now(), articles: [] }, macKey)).toMatchObject({ outcome: 'alreadyConfirmed' });
    expect(await ledgerRevision(db, org)).toBe(1);

    const trail = await auditTrail(db, org, LEDGER_CASE);
    expect(trail.map((t) => t.outcome)).toEqual([
      'ユーザID NG0001 を管理簿に追加（職員 1、中央区役所区民生活課）',
      'ユーザID NG0002 を管理簿に追加（職員 2、東区役所区民生活課）',
      'ユーザID NG0003 を管理簿に追加（職員 3、中央区役所区民生活課）',
      '管理簿の取込み: 追加 3 件・変更 0 件・廃止 0 件',
    ]);
    expect(trail.every((t) => t.actor === actor && t.step === 'userIdReview.ledger')).toBe(true);
    expect(trail[0].articles).toEqual(['niigata:15.2.1']);
    expect(await verifyAuditChain(db, { macKeys: [macKey] })).toMatchObject({ ok: true, problems: [] });
  });

  it('a re-import shows added, changed (field by field) and gone, and applies exactly that', async () => {
    const db = appDb.db;
    const rows = [entry(1), entry(2, { section: '西区役所区民生活課', permissions: ['更新', '照会'], status: 'locked' }), entry(4)];
    const imp = await prepareLedgerImport(db, { id: 'imp-2', organisation: org, source, rows, columns: ALL, createdBy: actor, now: now() });
    expect(imp.baseRevision).toBe(1);
    expect(imp.diff.added.map((a) => a.userId)).toEqual(['NG0004']);
    expect(imp.diff.changed).toEqual([
      {
        userId: 'NG0002',
        line: 3,
        before: expect.objectContaining({ userId: 'NG0002', section: '東区役所区民生活課' }),
        changes: [
          { field: 'section', before: '東区役所区民生活課', after: '西区役所区民生活課' },
          { field: 'permissions', before: ['照会'], after: ['更新', '照会'] },
          { field: 'status', before: 'active', after: 'locked' },
        ],
      },
    ]);
    expect(imp.diff.gone.map((g) => g.userId)).toEqual(['NG0003']);
    expect(imp.diff.unchanged).toBe(1);

    // Another import prepared on the same revision becomes stale once this one is applied.
    await prepareLedgerImport(db, { id: 'imp-3', organisation: org, source, rows: [entry(9)], columns: ALL, createdBy: actor, now: now() });
    expect(await confirmLedgerImport(db, { organisation: org, id: 'imp-2', actor, now: now(), articles: [] }, macKey)).toMatchObject({ outcome: 'applied', revision: 2 });
    const after = await ledgerEntries(db, org);
    expect(after.map((e) => [e.userId, e.section, e.status])).toEqual([
      ['NG0001', '中央区役所区民生活課', 'active'],
      // Gone from the file: kept, as revoked.
      ['NG0003', '中央区役所区民生活課', 'revoked'],
      ['NG0004', '東区役所区民生活課', 'active'],
      ['NG0002', '西区役所区民生活課', 'locked'],
    ]);
    expect(await confirmLedgerImport(db, { organisation: org, id: 'imp-3', actor, now: now(), articles: [] }, macKey)).toMatchObject({ outcome: 'stale', revision: 2 });
    expect((await getLedgerImport(db, org, 'imp-3'))?.state).toBe('stale');
    expect(await ledgerEntries(db, org)).toEqual(after);
    expect(await confirmLedgerImport(db, { organisation: 'katsuragi', id: 'imp-2', actor, now: now(), articles: [] }, macKey)).toEqual({ outcome: 'notFound' });

    const trail = (await auditTrail(db, org, LEDGER_CASE)).slice(4);
    expect(trail.map((t) => t.outcome)).toEqual([
      'ユーザID NG0004 を管理簿に追加（職員 4、東区役所区民生活課）',
      'ユーザID NG0002 の所属・権限・状態を変更',
      'ユーザID NG0003 を廃止として記録（取込みファイルに記載なし）',
      '管理簿の取込み: 追加 1 件・変更 1 件・廃止 1 件',
    ]);
    expect(trail[1].detail).toMatchObject({ change: 'changed', changes: [{ field: 'section', before: '東区役所区民生活課', after: '西区役所区民生活課' }, {}, {}] });
    expect(trail[2].detail).toMatchObject({ change: 'revoked', before: { userId: 'NG0003', personName: '職員 3' } });
    expect(await verifyAuditChain(db, { macKeys: [macKey] })).toMatchObject({ ok: true });
  });

  it('two confirmations at once: one applies, the other finds it applied', async () => {
    const db = appDb.db;
    await prepareLedgerImport(db, { id: 'imp-race', organisation: 'tokyo', source, rows: [entry(1), entry(2)], columns: ALL, createdBy: actor, now: now() });
    const at = now();
    const outcomes = await Promise.all([1, 2].map(() => confirmLedgerImport(db, { organisation: 'tokyo', id: 'imp-race', actor, now: at, articles: [] }, macKey)));
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['alreadyConfirmed', 'applied']);
    expect(await ledgerEntries(db, 'tokyo')).toHaveLength(2);
    expect(await ledgerRevision(db, 'tokyo')).toBe(1);
  });

  it('searches by text, section and status, in pages', async () => {
    const db = appDb.db;
    const rows = Array.from({ length: 30 }, (_, i) => entry(i + 1, i === 7 ? { personName: '高橋 誠', status: 'revoked' } : {}));
    await prepareLedgerImport(db, { id: 'imp-4', organisation: org, source, rows, columns: ALL, createdBy: actor, now: now() });
    await confirmLedgerImport(db, { organisation: org, id: 'imp-4', actor, now: now(), articles: [] }, macKey);
    const p1 = await searchLedger(db, { organisation: org, pageSize: 10 });
    expect(p1).toMatchObject({ total: 30, page: 1, pages: 3, pageSize: 10, sections: ['中央区役所区民生活課', '東区役所区民生活課'], revision: 3 });
    expect(p1.entries).toHaveLength(10);
    const p3 = await searchLedger(db, { organisation: org, pageSize: 10, page: 3 });
    expect(p3.entries.map((e) => e.userId)).not.toContain(p1.entries[0].userId);
    expect((await searchLedger(db, { organisation: org, q: '高橋' })).entries.map((e) => e.userId)).toEqual(['NG0008']);
    expect((await searchLedger(db, { organisation: org, q: 'ng002' })).total).toBe(10);
    expect((await searchLedger(db, { organisation: org, q: '100%' })).total).toBe(0);
    expect((await searchLedger(db, { organisation: org, status: 'revoked' })).entries.map((e) => e.userId)).toEqual(['NG0008']);
    expect((await searchLedger(db, { organisation: org, section: '東区役所区民生活課' })).total).toBe(15);
    expect((await searchLedger(db, { organisation: 'katsuragi' })).total).toBe(0);
  });
});
