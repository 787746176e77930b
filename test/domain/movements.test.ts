import type { LedgerEntry } from '../../src/domain/ledger';
import { canonicalMovementList, matchMovements, movementKindOf, movementRowSchema, normalisePersonName, targetedTimeline } from '../../src/domain/movements';
import { campaignTimeline, DEFAULT_REVIEW_PLAN, type Movement } from '../../src/domain/review';

const jst = (s: string) => new Date(`${s}+09:00`);
const iso = (s: string) => jst(s).toISOString();

const row = (over: Partial<Record<string, string>>) => ({ userId: '', personName: '高橋 誠', email: '', kind: '異動', effectiveAt: '令和8年4月1日', toSection: '', ...over });

describe('a line of a 人事異動 list', () => {
  it('reads 和暦 and other dates as the start of the day in Japan, and the kind from the personnel words', () => {
    expect(movementRowSchema.parse(row({ userId: 'NG0001', email: 'Takahashi@Niigata.example.jp', toSection: '西区役所　区民生活課' }))).toEqual({
      userId: 'NG0001',
      personName: '高橋 誠',
      email: 'Takahashi@Niigata.example.jp',
      kind: 'transfer',
      effectiveAt: iso('2026-04-01T00:00:00'),
      toSection: '西区役所 区民生活課',
    });
    expect(movementRowSchema.parse(row({ kind: '定年退職', effectiveAt: '2027/3/31', toSection: '（退職）' }))).toEqual({ personName: '高橋 誠', kind: 'retirement', effectiveAt: iso('2027-03-31T00:00:00') });
    for (const [w, k] of [['転出', 'transfer'], ['配置換', 'transfer'], ['配置換え', 'transfer'], ['離職', 'retirement'], ['Retirement', 'retirement'], ['ｔｒａｎｓｆｅｒ', 'transfer']] as const) expect(movementKindOf(w)).toBe(k);
    expect(movementKindOf('昼休み')).toBeUndefined();
  });

  it('names each bad field', () => {
    const r = movementRowSchema.safeParse(row({ personName: ' ', email: 'x@', kind: '休暇', effectiveAt: '2026-02-30', userId: 'NG 1' }));
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path[0])).toEqual(['userId', 'personName', 'email', 'kind', 'effectiveAt']);
    const empty = movementRowSchema.safeParse(row({ effectiveAt: '' }));
    expect(empty.error!.issues.map((i) => i.message)).toEqual([expect.stringContaining('発令日がありません')]);
  });
});

describe('the list as its id hashes it', () => {
  const a: Movement = { userId: 'NG0001', personName: '高橋 誠', kind: 'transfer', effectiveAt: iso('2026-04-01T00:00:00'), toSection: '西区' };
  const b: Movement = { personName: '阿部 浩二', email: 'Abe@x.jp', kind: 'retirement', effectiveAt: iso('2026-03-31T00:00:00') };
  it('is the same whatever the order, the blanks in names, the case of emails or a repeated line', () => {
    expect(canonicalMovementList([a, b])).toBe(canonicalMovementList([{ ...b, personName: '阿部　浩二', email: 'abe@X.JP' }, a, a]));
  });
  it('differs when a date, a kind or a destination does', () => {
    const base = canonicalMovementList([a, b]);
    expect(canonicalMovementList([{ ...a, effectiveAt: iso('2026-04-02T00:00:00') }, b])).not.toBe(base);
    expect(canonicalMovementList([{ ...a, kind: 'retirement' }, b])).not.toBe(base);
    expect(canonicalMovementList([{ ...a, toSection: '東区' }, b])).not.toBe(base);
  });
});

describe('which ledger IDs a movement concerns', () => {
  const entry = (userId: string, personName: string, email: string | null, status: LedgerEntry['status'] = 'active'): LedgerEntry => ({
    userId,
    personName,
    email,
    section: '中央区役所区民生活課',
    permissions: ['照会'],
    issuedAt: null,
    lastUsedAt: null,
    passwordChangedAt: null,
    status,
    operatorCard: null,
    verificationRegistered: false,
    verificationRegisteredAt: null,
  });
  const ledger = [
    entry('NG0001', '高橋 誠', 'takahashi@niigata.example.jp'),
    entry('JK0001', '高橋 誠', 'Takahashi@niigata.example.jp'),
    entry('NG0002', '阿部　浩二', null),
    entry('NG0003', '阿部 浩二', null, 'locked'),
    entry('NG0009', '小林 さくら', 'kobayashi@niigata.example.jp', 'revoked'),
    entry('NG0010', '佐藤 花子', null),
  ];
  const t = (m: Partial<Movement>): Movement => ({ personName: '誰か', kind: 'transfer', effectiveAt: iso('2026-04-01T00:00:00'), ...m });

  it('by user ID together with every ID of the same email, case-insensitively', () => {
    const m = t({ userId: 'NG0001', personName: '高橋 誠', email: 'TAKAHASHI@niigata.example.jp' });
    expect(matchMovements(ledger, [m])).toEqual({ targets: [{ userId: 'NG0001', movement: m }, { userId: 'JK0001', movement: m }], unmatched: [] });
    const byIdOnly = t({ userId: 'NG0001' });
    expect(matchMovements(ledger, [byIdOnly]).targets.map((x) => x.userId)).toEqual(['NG0001']);
  });

  it('by name (NFKC, blanks ignored) only when neither ID nor email finds one; an unknown user ID falls through', () => {
    const m = t({ userId: 'E12345', personName: '阿部浩二' });
    expect(matchMovements(ledger, [m]).targets.map((x) => x.userId)).toEqual(['NG0002', 'NG0003']);
    // The email found an ID: a namesake is not taken too.
    expect(matchMovements(ledger, [t({ personName: '佐藤 花子', email: 'takahashi@niigata.example.jp' })]).targets.map((x) => x.userId)).toEqual(['NG0001', 'JK0001']);
    expect(normalisePersonName('ＡＢＥ　Ｋｏｊｉ')).toBe('ABEKoji');
  });

  it('reports a line that concerns no ID, and never reviews a revoked one', () => {
    const nobody = t({ personName: '山田 太郎' });
    const revoked = t({ personName: '小林 さくら', email: 'kobayashi@niigata.example.jp' });
    expect(matchMovements(ledger, [nobody, revoked])).toEqual({ targets: [], unmatched: [nobody, revoked] });
  });

  it('reviews an ID two lines concern once, for the earlier movement (a retirement over a transfer on one day)', () => {
    const later = t({ userId: 'NG0010', effectiveAt: iso('2026-05-01T00:00:00') });
    const sooner = t({ personName: '佐藤 花子', effectiveAt: iso('2026-04-01T00:00:00') });
    const retire = t({ personName: '佐藤花子', kind: 'retirement', effectiveAt: iso('2026-04-01T00:00:00') });
    expect(matchMovements(ledger, [later, sooner, retire]).targets).toEqual([{ userId: 'NG0010', movement: retire }]);
    expect(matchMovements(ledger, [retire, sooner]).targets).toEqual([{ userId: 'NG0010', movement: retire }]);
  });
});

describe('the targeted review’s deadline', () => {
  const plan = DEFAULT_REVIEW_PLAN;
  const mv = (date: string): Movement => ({ personName: 'x', kind: 'transfer', effectiveAt: iso(`${date}T00:00:00`) });
  const isoAll = (t: { dueAt: Date; reminders: Date[]; defaultAt: Date }) => ({ dueAt: t.dueAt.toISOString(), reminders: t.reminders.map((d) => d.toISOString()), defaultAt: t.defaultAt.toISOString() });

  it('is the usual one when every move is later', () => {
    const start = jst('2026-03-01T10:00:00');
    expect(targetedTimeline(plan, start, [mv('2026-04-01')])).toEqual(campaignTimeline(plan, start));
    expect(targetedTimeline(plan, start, [])).toEqual(campaignTimeline(plan, start));
  });

  it('is the start (Japan time) of the earliest effective date when that comes first; reminders and default follow from it', () => {
    const start = jst('2026-03-25T10:00:00.123');
    expect(isoAll(targetedTimeline(plan, start, [mv('2026-04-01'), mv('2026-03-31')]))).toEqual({
      dueAt: iso('2026-03-31T00:00:00'),
      // 7 days before falls before the start: only the day-before reminder.
      reminders: [iso('2026-03-30T00:00:00')],
      defaultAt: iso('2026-04-07T00:00:00'),
    });
    // A moment with a time of day counts from the start of its day in Japan.
    expect(targetedTimeline(plan, start, [{ ...mv('2026-03-31'), effectiveAt: '2026-03-31T05:00:00.000Z' }]).dueAt.toISOString()).toBe(iso('2026-03-31T00:00:00'));
  });

  it('gives at least a day, also to a move already past (reviewed all the same, then most urgent)', () => {
    const start = jst('2026-04-03T10:00:00');
    expect(isoAll(targetedTimeline(plan, start, [mv('2026-04-01'), mv('2026-06-01')]))).toEqual({ dueAt: iso('2026-04-04T10:00:00'), reminders: [], defaultAt: iso('2026-04-11T10:00:00') });
    expect(targetedTimeline(plan, jst('2026-03-31T20:00:00'), [mv('2026-04-01')]).dueAt.toISOString()).toBe(iso('2026-04-01T20:00:00'));
  });
});
