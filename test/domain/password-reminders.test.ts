// Which holders the daily job reminds of their password's expiry, under which key, and what the
// mail says. The expiry itself (民法's counting, Japan's day) is pinned down by passwordExpiry's own
// tests; here, the selection on top of it: active IDs with an address, due and not yet expired.
import { parseLedgerDate, type LedgerEntry } from '../../src/domain/ledger';
import {
  PASSWORD_REMINDER_DAYS,
  passwordReminderArticles,
  passwordReminderKey,
  passwordReminderMail,
  passwordRemindersDue,
  ruleSetExpires,
} from '../../src/domain/password-reminders';

const jst = (s: string) => new Date(`${s}+09:00`);
// The Schedule fires at 08:30 in Japan.
const NOW = jst('2027-05-01T08:30:00');

type Entry = Pick<LedgerEntry, 'userId' | 'personName' | 'email' | 'section' | 'passwordChangedAt' | 'status'>;
const entry = (userId: string, passwordChangedAt: string | null, over: Partial<Entry> = {}): Entry => ({
  userId,
  personName: `職員 ${userId}`,
  email: `${userId.toLowerCase()}@niigata.example.jp`,
  section: '市民課',
  passwordChangedAt,
  status: 'active',
  ...over,
});

describe('passwordRemindersDue', () => {
  it('reminds an active holder whose password expires within two weeks, keyed by organisation, ID and expiry', () => {
    // Changed 10 May 2026: valid to the end of 10 May 2027, expiring at 00:00 JST on the 11th.
    const { remind, withoutEmail } = passwordRemindersDue('niigata', [entry('A', jst('2026-05-10T14:00:00').toISOString())], 'juki', NOW);
    expect(withoutEmail).toEqual([]);
    expect(remind).toEqual([
      {
        key: 'niigata/A/2027-05-10T15:00:00.000Z',
        userId: 'A',
        personName: '職員 A',
        email: 'a@niigata.example.jp',
        section: '市民課',
        expiresAt: '2027-05-10T15:00:00.000Z',
        daysLeft: 9,
      },
    ]);
    expect(remind[0]!.key).toBe(passwordReminderKey('niigata', 'A', new Date('2027-05-10T15:00:00Z')));
  });

  it('the window is two weeks by default: 14 days left is due, 15 is not yet', () => {
    expect(PASSWORD_REMINDER_DAYS).toBe(14);
    const due = passwordRemindersDue(
      'niigata',
      [
        entry('D13', jst('2026-05-14T09:00:00').toISOString()), // expires 15 May 00:00: 13 days 15½ hours left
        entry('D14', jst('2026-05-15T09:00:00').toISOString()), // expires 16 May 00:00: 14 days 15½ hours left
      ],
      'juki',
      NOW,
    );
    expect(due.remind.map((r) => [r.userId, r.daysLeft])).toEqual([['D13', 13]]);
    expect(passwordRemindersDue('niigata', [entry('D14', jst('2026-05-15T09:00:00').toISOString())], 'juki', NOW, { reminderDays: 15 }).remind).toHaveLength(1);
  });

  it('counts the day of the change in Japan time: 23:59 JST and 00:00 JST the next day fall on either side of the window', () => {
    const late = entry('LATE', jst('2026-05-14T23:59:00').toISOString()); // 14 May in Japan (still the 14th in UTC: 14:59Z)
    const next = entry('NEXT', jst('2026-05-15T00:00:00').toISOString()); // 15 May in Japan, 14 May in UTC
    expect(next.passwordChangedAt).toBe('2026-05-14T15:00:00.000Z');
    expect(passwordRemindersDue('niigata', [late, next], 'juki', NOW).remind.map((r) => r.userId)).toEqual(['LATE']);
  });

  it('reads a ledger date written in 和暦 the same as its Western date', () => {
    const r = passwordRemindersDue('niigata', [entry('W', parseLedgerDate('令和8年5月10日')!), entry('R', parseLedgerDate('R8.5.10')!)], 'juki', NOW).remind;
    expect(r.map((x) => x.expiresAt)).toEqual(['2027-05-10T15:00:00.000Z', '2027-05-10T15:00:00.000Z']);
  });

  it('on the last day: due, with 0 days left', () => {
    const r = passwordRemindersDue('niigata', [entry('LAST', jst('2026-05-01T10:00:00').toISOString())], 'juki', NOW).remind;
    expect(r).toEqual([expect.objectContaining({ userId: 'LAST', expiresAt: jst('2027-05-02T00:00:00').toISOString(), daysLeft: 0 })]);
  });

  it('leaves out a password already expired (the review flags it), a locked or revoked ID, and an unknown change date', () => {
    const changed = jst('2026-05-10T09:00:00').toISOString();
    const r = passwordRemindersDue(
      'niigata',
      [
        entry('EXPIRED', jst('2026-04-20T09:00:00').toISOString()),
        entry('LOCKED', changed, { status: 'locked' }),
        entry('REVOKED', changed, { status: 'revoked' }),
        entry('UNKNOWN', null),
        entry('FRESH', jst('2027-04-01T09:00:00').toISOString()),
      ],
      'juki',
      NOW,
    );
    expect(r).toEqual({ remind: [], withoutEmail: [] });
  });

  it('a due holder without an email address is named, not reminded', () => {
    const r = passwordRemindersDue('niigata', [entry('NOMAIL', jst('2026-05-10T09:00:00').toISOString(), { email: null }), entry('A', jst('2026-05-10T09:00:00').toISOString())], 'juki', NOW);
    expect(r.withoutEmail).toEqual(['NOMAIL']);
    expect(r.remind.map((x) => x.userId)).toEqual(['A']);
  });

  it('the next days keep the key of the same expiry (reminded once); a new password brings a new expiry and key', () => {
    const e = entry('A', jst('2026-05-10T09:00:00').toISOString());
    const keys = [0, 1, 5, 9].map((d) => passwordRemindersDue('niigata', [e], 'juki', new Date(NOW.getTime() + d * 86_400_000)).remind.map((r) => r.key));
    expect(new Set(keys.flat())).toEqual(new Set(['niigata/A/2027-05-10T15:00:00.000Z']));
    // The day after expiry: the review's business, not a reminder.
    expect(passwordRemindersDue('niigata', [e], 'juki', new Date(NOW.getTime() + 10 * 86_400_000)).remind).toEqual([]);
    // Changed again a year on, and due again the next spring: another key.
    const renewed = entry('A', jst('2027-05-08T09:00:00').toISOString());
    expect(passwordRemindersDue('niigata', [renewed], 'juki', jst('2028-05-01T08:30:00')).remind.map((r) => r.key)).toEqual(['niigata/A/2028-05-08T15:00:00.000Z']);
    expect(passwordReminderKey('katsuragi', 'A', new Date('2027-05-10T15:00:00Z'))).not.toBe(keys[0]![0]);
  });

  it('the NIST rule set has no expiry: nobody is reminded', () => {
    expect(ruleSetExpires('nist')).toBe(false);
    expect(ruleSetExpires('juki')).toBe(true);
    expect(passwordRemindersDue('niigata', [entry('A', jst('2026-05-10T09:00:00').toISOString())], 'nist', NOW)).toEqual({ remind: [], withoutEmail: [] });
  });
});

describe('passwordReminderMail', () => {
  const [reminder] = passwordRemindersDue('niigata', [entry('C001', jst('2026-05-10T09:00:00').toISOString())], 'juki', NOW).remind;
  const niigataArticles = ['niigata:15.2.5', 'niigata:15.2.6', 'niigata:15.2.7', 'niigata:15.2.8', 'niigata:15.2.9'];

  it('names the ID, the last moment in Japan time, the rule with its articles, and not writing it down; no link', () => {
    const m = passwordReminderMail({ reminder: reminder!, organisationName: '新潟市', ruleSet: 'juki', articles: niigataArticles });
    expect(m.subject).toBe('【お知らせ】パスワードの有効期限が近づいています（ユーザID C001）');
    expect(m.text).toContain('職員 C001 様');
    expect(m.text).toContain('新潟市 のユーザID「C001」');
    expect(m.text).toContain('有効期限: 2027年5月10日(月) 23:59 まで（残り 9 日）');
    expect(m.text).toContain('12か月ごと');
    expect(m.text).toContain('（住基ネットのパスワード基準、第15条第2項第5号、第15条第2項第6号）');
    expect(m.text).not.toContain('第15条第2項第9号');
    expect(m.text).toContain('他人の目に触れる場所に書き留めたり貼ったりしないでください（第15条第2項第8号）');
    expect(m.text).toContain('(English)');
    expect(m.text).not.toMatch(/https?:\/\//);
  });

  it('on the last day says so; another organisation’s articles are cited as its own', () => {
    const last = { ...reminder!, daysLeft: 0 };
    const m = passwordReminderMail({ reminder: last, organisationName: '葛城市', ruleSet: 'juki', articles: ['katsuragi:5..1'] });
    expect(m.text).toContain('（本日が期限です）');
    expect(m.text).toContain('第5条第1号');
    expect(m.text).not.toContain('第15条第2項第8号');
  });

  it('cites the profile’s password articles, else the regulation’s validity and no-writing-down items', () => {
    expect(passwordReminderArticles({ articles: { 'userIdReview.passwordPolicy': ['tokyo:18'] } })).toEqual(['tokyo:18']);
    expect(passwordReminderArticles({ articles: {} })).toEqual(['niigata:15.2.5', 'niigata:15.2.6', 'niigata:15.2.8']);
  });
});
