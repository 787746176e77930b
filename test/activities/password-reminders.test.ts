// The daily password reminder against a real database (PGlite, migrated) and a real SMTP sink:
// the holder due is mailed once — a second run that day and the next day's send nothing — one
// audit row per day sums the run up, a holder the relay could not reach is mailed by the next
// run, and an organisation on NIST's rules (no expiry) gets nothing.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import nodemailer from 'nodemailer';
import { createPasswordReminderActivities } from '../../src/activities/password-reminders';
import type { AppDatabase } from '../../src/db';
import { auditTrail, verifyAuditChain } from '../../src/db/audit';
import { confirmLedgerImport, prepareLedgerImport } from '../../src/db/ledger';
import { migrateToLatest } from '../../src/db/migrations';
import { upsertOrganisations } from '../../src/db/organisations';
import type { LedgerField, LedgerRow } from '../../src/domain/ledger';
import type { OrganisationProfile } from '../../src/domain/profile';
import { Outbox, type OutboxMessage } from '../../src/embedded/outbox';
import { startSmtpSink, type SmtpSink } from '../../src/embedded/smtp-sink';
import type { MailTransport } from '../../src/mail';
import { checkProfiles } from '../../src/runtime';
import { generateSigningKey } from '../../src/tokens';
import { freshDatabase } from '../support/databases';
import { freePort } from '../support/ports';

const FIELDS: LedgerField[] = ['userId', 'personName', 'email', 'section', 'permissions', 'issuedAt', 'lastUsedAt', 'passwordChangedAt', 'status'];
const jst = (s: string) => new Date(`${s}+09:00`);
const NOW = jst('2027-05-01T08:30:00');
const DAY = 86_400_000;
const macKey = generateSigningKey('a1');
const profiles = Object.fromEntries(checkProfiles({ PROFILES_DIR: path.join(__dirname, '..', '..', 'profiles') }).map((p) => [p.profile.organisation.key, p]));

const row = (n: number, userId: string, passwordChangedAt: string, over: Partial<LedgerRow> = {}): LedgerRow => ({
  line: n + 1,
  userId,
  personName: `職員 ${userId}`,
  email: `${userId.toLowerCase()}@example.jp`,
  section: '市民課',
  permissions: ['照会'],
  issuedAt: '2020-04-01T00:00:00.000Z',
  lastUsedAt: '2027-04-28T00:00:00.000Z',
  passwordChangedAt,
  status: 'active',
  operatorCard: null,
  verificationRegistered: false,
  verificationRegisteredAt: null,
  ...over,
});

describe('sendPasswordReminders on PGlite with an SMTP sink', () => {
  let appDb: AppDatabase;
  let sink: SmtpSink;
  let outbox: Outbox;
  let mail: MailTransport;

  const transportTo = (port: number): MailTransport => ({
    transport: nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 2_000 }),
    description: `sink ${port}`,
  });
  const activities = (m: MailTransport = mail) => createPasswordReminderActivities({ db: appDb.db, mail: m, mailFrom: 'jukinet-ops@localhost', auditMacKeys: [macKey] });
  const messages = async (): Promise<OutboxMessage[]> => {
    const list = await outbox.list(1000);
    return (await Promise.all(list.reverse().map((m) => outbox.read(m.id)))).filter((m): m is OutboxMessage => m !== undefined);
  };

  async function seed(organisation: string, rows: LedgerRow[]) {
    const db = appDb.db;
    const imp = await prepareLedgerImport(db, { id: `seed-${organisation}`, organisation, source: { format: 'csv', rows: rows.length }, rows, columns: FIELDS, createdBy: 'test', now: NOW });
    await confirmLedgerImport(db, { organisation, id: imp.id, actor: 'test', now: NOW, articles: [] }, macKey);
  }

  beforeAll(async () => {
    appDb = await freshDatabase('pglite');
    await migrateToLatest(appDb.db);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-pwremind-'));
    sink = await startSmtpSink({ port: 0, outboxDir: dir });
    outbox = new Outbox(dir);
    mail = transportTo(sink.port);
    const nist: OrganisationProfile = { ...profiles['katsuragi']!.profile, organisation: { ...profiles['katsuragi']!.profile.organisation, key: 'nist-town' }, signIn: { ...profiles['katsuragi']!.profile.signIn, totpRequired: false, passwordPolicy: 'nist' } };
    await upsertOrganisations(appDb.db, [profiles['niigata']!, profiles['kunitachi']!, { file: 'nist-town.yaml', profile: nist }]);
    const changed = (s: string) => jst(s).toISOString();
    await seed('niigata', [
      row(1, 'C001', changed('2026-05-10T09:00:00')), // expires at the end of 10 May 2027: due
      row(2, 'C002', changed('2026-05-10T09:00:00'), { email: null }), // due, no address
      row(3, 'C003', changed('2026-05-10T09:00:00'), { status: 'locked' }), // locked: not told
      row(4, 'C004', changed('2026-04-20T09:00:00')), // expired already: the review's flag
      row(5, 'C005', changed('2027-01-05T09:00:00')), // far from expiry
    ]);
    await seed('kunitachi', [row(1, 'K001', changed('2026-05-12T09:00:00'))]);
    await seed('nist-town', [row(1, 'N001', changed('2026-05-10T09:00:00'))]);
  });
  afterAll(async () => {
    mail?.transport.close();
    await sink?.close();
    await appDb?.close();
  });

  it('mails the holder due once, in Japanese with the ID, the last day and the rule; one audit row sums the run up', async () => {
    const r = await activities().sendPasswordReminders({ organisation: 'niigata', at: NOW.getTime() });
    expect(r).toEqual({ organisation: 'niigata', due: 1, reminded: 1, alreadyReminded: 0, failed: 0, withoutEmail: 1 });
    const [m, ...more] = await messages();
    expect(more).toEqual([]);
    expect(m!.to).toBe('"職員 C001" <c001@example.jp>');
    expect(m!.subject).toBe('【お知らせ】パスワードの有効期限が近づいています（ユーザID C001）');
    expect(m!.text).toContain('有効期限: 2027年5月10日(月) 23:59 まで（残り 9 日）');
    expect(m!.text).toContain('新潟市 のユーザID「C001」');
    expect(m!.text).toContain('（第15条第2項第8号）');
    const sent = await appDb.db.selectFrom('sent_mail').select(['key', 'sent_at']).where('key', 'like', 'password-reminder/%').execute();
    expect(sent).toEqual([{ key: 'password-reminder/niigata/C001/2027-05-10T15:00:00.000Z', sent_at: expect.any(Date) }]);

    const trail = await auditTrail(appDb.db, 'niigata', 'password-reminders/niigata');
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({
      id: 'password-reminders/niigata/2027-05-01',
      actor: 'system',
      step: 'userIdReview.passwordPolicy',
      outcome: 'パスワード有効期限の事前通知（2027-05-01）: 対象 1 件、送信 1 件、送信済 0 件、メールアドレスなし 1 件',
      articles: ['niigata:15.2.5', 'niigata:15.2.6', 'niigata:15.2.7', 'niigata:15.2.8', 'niigata:15.2.9'],
      detail: expect.objectContaining({ ruleSet: 'juki', due: [{ userId: 'C001', expiresAt: '2027-05-10T15:00:00.000Z' }], withoutEmail: ['C002'] }),
    });
  });

  it('run again the same day (a retry) and the next days: no second mail; one audit row per day', async () => {
    expect(await activities().sendPasswordReminders({ organisation: 'niigata', at: NOW.getTime() + 60_000 })).toMatchObject({ due: 1, reminded: 0, alreadyReminded: 1 });
    expect(await activities().sendPasswordReminders({ organisation: 'niigata', at: NOW.getTime() + DAY })).toMatchObject({ due: 1, reminded: 0, alreadyReminded: 1 });
    expect(await messages()).toHaveLength(1);
    const trail = await auditTrail(appDb.db, 'niigata', 'password-reminders/niigata');
    expect(trail.map((t) => t.id)).toEqual(['password-reminders/niigata/2027-05-01', 'password-reminders/niigata/2027-05-02']);
    expect(trail[1]!.outcome).toContain('送信 0 件、送信済 1 件');
    expect((await verifyAuditChain(appDb.db, { macKeys: [macKey] })).problems).toEqual([]);
  });

  it('a relay that cannot be reached: counted, named in the audit row, and mailed by the next day’s run', async () => {
    const dead = transportTo(await freePort());
    const first = await activities(dead).sendPasswordReminders({ organisation: 'kunitachi', at: NOW.getTime() });
    dead.transport.close();
    expect(first).toMatchObject({ due: 1, reminded: 0, failed: 1 });
    const [row1] = await auditTrail(appDb.db, 'kunitachi', 'password-reminders/kunitachi');
    expect(row1!.outcome).toContain('送信失敗 1 件（翌日再送）');
    expect(row1!.detail).toMatchObject({ failures: [{ userId: 'K001', error: expect.stringMatching(/ECONNREFUSED|ESOCKET|connect/) }] });

    const next = await activities().sendPasswordReminders({ organisation: 'kunitachi', at: NOW.getTime() + DAY });
    expect(next).toMatchObject({ due: 1, reminded: 1, failed: 0 });
    expect((await messages()).filter((m) => m.to.includes('k001@example.jp'))).toHaveLength(1);
  });

  it('an organisation on NIST’s rules reminds nobody (no expiry), and still records that it ran', async () => {
    const before = (await messages()).length;
    expect(await activities().sendPasswordReminders({ organisation: 'nist-town', at: NOW.getTime() })).toEqual({ organisation: 'nist-town', due: 0, reminded: 0, alreadyReminded: 0, failed: 0, withoutEmail: 0 });
    expect(await messages()).toHaveLength(before);
    expect(await auditTrail(appDb.db, 'nist-town', 'password-reminders/nist-town')).toEqual([expect.objectContaining({ detail: expect.objectContaining({ ruleSet: 'nist' }) })]);
  });

  it('an organisation not loaded is an error, not a silent nothing', async () => {
    await expect(activities().sendPasswordReminders({ organisation: 'nowhere', at: NOW.getTime() })).rejects.toThrow(/nowhere is not loaded/);
  });
});
