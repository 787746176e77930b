import { diffLedger, type LedgerEntry, type LedgerRow, parseLedgerDate } from '../../src/domain/ledger';

const entry = (userId: string, over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  userId,
  personName: `氏名 ${userId}`,
  email: null,
  section: '市民課',
  permissions: ['照会'],
  issuedAt: '2025-03-31T15:00:00.000Z',
  lastUsedAt: null,
  passwordChangedAt: null,
  status: 'active',
  operatorCard: null,
  verificationRegistered: false,
  verificationRegisteredAt: null,
  ...over,
});
const row = (line: number, userId: string, over: Partial<LedgerEntry> = {}): LedgerRow => ({ ...entry(userId, over), line });

describe('parseLedgerDate', () => {
  it.each([
    ['2026-04-01', '2026-03-31T15:00:00.000Z'],
    ['2026/4/1', '2026-03-31T15:00:00.000Z'],
    ['２０２６／４／１', '2026-03-31T15:00:00.000Z'],
    ['2026/4/1 9:30', '2026-04-01T00:30:00.000Z'],
    ['2026年4月1日', '2026-03-31T15:00:00.000Z'],
    ['令和8年4月1日', '2026-03-31T15:00:00.000Z'],
    ['R8.4.1', '2026-03-31T15:00:00.000Z'],
    ['令和元年5月1日', '2019-04-30T15:00:00.000Z'],
    ['H31.4.30', '2019-04-29T15:00:00.000Z'],
    ['2026-04-01T09:00:00+09:00', '2026-04-01T00:00:00.000Z'],
    ['46113', '2026-03-31T15:00:00.000Z'],
    ['', null],
  ])('reads %s (Japan time) as %s', (text, iso) => expect(parseLedgerDate(text)).toBe(iso));
  it.each(['2026-02-30', '昨日', '12', '2026-13-01', 'R8.4'])('refuses %s', (text) => expect(parseLedgerDate(text)).toBeUndefined());
});

describe('diffLedger', () => {
  it('names IDs added, changed field by field, gone, and counts the unchanged', () => {
    const current = [entry('a'), entry('b'), entry('c')];
    const incoming = [row(2, 'a'), row(3, 'b', { section: '税務課', permissions: ['照会', '更新'] }), row(4, 'd')];
    const d = diffLedger(current, incoming, ['userId', 'personName', 'section', 'permissions', 'issuedAt']);
    expect(d.added.map((r) => r.userId)).toEqual(['d']);
    expect(d.changed).toEqual([
      {
        userId: 'b',
        line: 3,
        before: entry('b'),
        changes: [
          { field: 'section', before: '市民課', after: '税務課' },
          { field: 'permissions', before: ['照会'], after: ['照会', '更新'] },
        ],
      },
    ]);
    expect(d.gone.map((e) => e.userId)).toEqual(['c']);
    expect(d.unchanged).toBe(1);
  });
  it('takes an ID already revoked and still missing as unchanged, not gone again', () => {
    const d = diffLedger([entry('a'), entry('c', { status: 'revoked' })], [row(2, 'a')], ['userId', 'personName', 'section']);
    expect(d).toMatchObject({ gone: [], unchanged: 1 });
  });
  it('compares only the columns the file has: no last-used column leaves last use alone', () => {
    const d = diffLedger([entry('a', { lastUsedAt: '2026-11-01T00:00:00.000Z' })], [row(2, 'a')], ['userId', 'personName', 'section']);
    expect(d).toMatchObject({ changed: [], unchanged: 1 });
  });
  it('a registration date speaks for the registration flag too', () => {
    const d = diffLedger([entry('a')], [row(2, 'a', { verificationRegistered: true, verificationRegisteredAt: '2026-03-31T15:00:00.000Z' })], ['userId', 'personName', 'section', 'verificationRegisteredAt']);
    expect(d.changed[0].changes.map((c) => c.field)).toEqual(['verificationRegistered', 'verificationRegisteredAt']);
  });
});
