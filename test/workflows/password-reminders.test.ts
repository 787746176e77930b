// The daily password reminder on the real dev server (the time-skipping server has no schedule
// service), with the real workflow and activity against PGlite and an SMTP sink: the sync creates
// each organisation's schedule beside its review schedule, next firing at 08:30 in Japan; a second
// sync changes nothing; triggered, the workflow mails the holder due, and triggered again mails
// nothing more; an organisation on NIST's rules has none, and one moving to them loses its own.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Client, ScheduleOverlapPolicy } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import nodemailer from 'nodemailer';
import { createPasswordReminderActivities, type PasswordRemindersResult } from '../../src/activities/password-reminders';
import type { AppDatabase } from '../../src/db';
import { auditTrail } from '../../src/db/audit';
import { confirmLedgerImport, prepareLedgerImport } from '../../src/db/ledger';
import { migrateToLatest } from '../../src/db/migrations';
import { upsertOrganisations } from '../../src/db/organisations';
import type { LedgerField, LedgerRow } from '../../src/domain/ledger';
import { passwordExpiry } from '../../src/domain/password-policy';
import { passwordReminderScheduleId } from '../../src/domain/password-reminders';
import type { OrganisationProfile } from '../../src/domain/profile';
import { reviewScheduleId } from '../../src/domain/review';
import { Outbox, type OutboxMessage } from '../../src/embedded/outbox';
import { startSmtpSink, type SmtpSink } from '../../src/embedded/smtp-sink';
import type { MailTransport } from '../../src/mail';
import { checkProfiles } from '../../src/runtime';
import { syncReviewSchedules } from '../../src/temporal/review-schedule';
import { generateSigningKey } from '../../src/tokens';
import { freshDatabase } from '../support/databases';
import { eventually } from '../support/stack';
import { devServer } from '../support/temporal';

jest.setTimeout(240_000);

const N = 'niigata';
const KU = 'kunitachi';
const DAY = 86_400_000;
const JST = 9 * 3_600_000;
const FIELDS: LedgerField[] = ['userId', 'personName', 'email', 'section', 'permissions', 'issuedAt', 'lastUsedAt', 'passwordChangedAt', 'status'];
const loaded = Object.fromEntries(checkProfiles({ PROFILES_DIR: path.join(__dirname, '..', '..', 'profiles') }).map((p) => [p.profile.organisation.key, p]));
const onNist = (p: OrganisationProfile): OrganisationProfile => ({ ...p, signIn: { ...p.signIn, totpRequired: p.signIn?.totpRequired ?? false, passwordPolicy: 'nist' } });
const entry = (profile: OrganisationProfile) => ({ key: profile.organisation.key, profile });

/** The next 08:30 in Japan after `now`. */
function next0830Jst(now: number): Date {
  const today = Math.floor((now + JST) / DAY) * DAY - JST + 8.5 * 3_600_000;
  return new Date(today > now ? today : today + DAY);
}

/** The results of the runs a schedule's actions started, once there are `count`. */
async function runs(client: Client, scheduleId: string, count: number): Promise<PasswordRemindersResult[]> {
  const actions = await eventually(async () => {
    const a = (await client.schedule.getHandle(scheduleId).describe()).info.recentActions;
    return a.length >= count ? a : undefined;
  }, 60_000, `${count} action(s) of ${scheduleId}`);
  return Promise.all(actions.map((a) => client.workflow.getHandle(a.action.workflow.workflowId).result() as Promise<PasswordRemindersResult>));
}

describe('the password-reminder schedule on the dev server', () => {
  let env: TestWorkflowEnvironment;
  let appDb: AppDatabase;
  let sink: SmtpSink;
  let outbox: Outbox;
  let mail: MailTransport;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `password-reminders-${Date.now()}`;
  const macKey = generateSigningKey('a1');
  const niigata = loaded[N]!.profile;
  const kunitachi = onNist(loaded[KU]!.profile);
  let changedAt: string;

  const messages = async (): Promise<OutboxMessage[]> => {
    const list = await outbox.list(1000);
    return (await Promise.all(list.reverse().map((m) => outbox.read(m.id)))).filter((m): m is OutboxMessage => m !== undefined);
  };

  beforeAll(async () => {
    env = await devServer();
    appDb = await freshDatabase('pglite');
    await migrateToLatest(appDb.db);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-pwremind-wf-'));
    sink = await startSmtpSink({ port: 0, outboxDir: dir });
    outbox = new Outbox(dir);
    mail = { transport: nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true }), description: 'sink' };
    await upsertOrganisations(appDb.db, [loaded[N]!, { file: 'kunitachi.yaml', profile: kunitachi }]);
    // Changed 360 days ago: the year's validity ends within the week, whatever today is.
    const now = Date.now();
    changedAt = new Date(now - 360 * DAY).toISOString();
    const row = (n: number, userId: string, email: string | null): LedgerRow => ({
      line: n + 1,
      userId,
      personName: `職員 ${userId}`,
      email,
      section: '中央区役所区民生活課',
      permissions: ['照会'],
      issuedAt: changedAt,
      lastUsedAt: changedAt,
      passwordChangedAt: changedAt,
      status: 'active',
      operatorCard: null,
      verificationRegistered: false,
      verificationRegisteredAt: null,
    });
    for (const [org, rows] of [
      [N, [row(1, 'C001', 'c001@niigata.example.jp'), row(2, 'C002', null)]],
      [KU, [row(1, 'K001', 'k001@kunitachi.example.jp')]],
    ] as const) {
      const imp = await prepareLedgerImport(appDb.db, { id: `seed-${org}`, organisation: org, source: { format: 'csv', rows: rows.length }, rows: [...rows], columns: FIELDS, createdBy: 'test', now: new Date(now) });
      await confirmLedgerImport(appDb.db, { organisation: org, id: imp.id, actor: 'test', now: new Date(now), articles: [] }, macKey);
    }
    worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowsPath: require.resolve('../../src/workflows'),
      activities: createPasswordReminderActivities({ db: appDb.db, mail, mailFrom: 'jukinet-ops@localhost', auditMacKeys: [macKey] }),
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    mail?.transport.close();
    await sink?.close();
    await appDb?.close();
    await env?.teardown();
  });

  it('the sync creates each organisation’s reminder schedule beside its review schedule, next firing at 08:30 in Japan; none under NIST’s rules', async () => {
    const r = await syncReviewSchedules(env.client, taskQueue, [entry(niigata), entry(kunitachi)]);
    expect(r).toEqual({ created: [reviewScheduleId(N), passwordReminderScheduleId(N), reviewScheduleId(KU)], updated: [], unchanged: [], deleted: [] });
    const d = await env.client.schedule.getHandle(passwordReminderScheduleId(N)).describe();
    const next = d.info.nextActionTimes[0]!;
    expect(next).toEqual(next0830Jst(Date.now()));
    // 08:30 JST is 23:30 UTC the day before.
    expect(next.toISOString()).toMatch(/T23:30:00\.000Z$/);
    expect(d.info.nextActionTimes[1]!.getTime() - next.getTime()).toBe(DAY);
    expect(d.spec.timezone).toBe('Asia/Tokyo');
    expect(d.action).toMatchObject({ workflowType: 'passwordReminders', taskQueue, args: [{ organisation: N }] });
    expect(d.policies).toMatchObject({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: DAY });
    await expect(env.client.schedule.getHandle(passwordReminderScheduleId(KU)).describe()).rejects.toThrow(/not found/i);
  });

  it('a second sync changes nothing (the server’s description compares equal)', async () => {
    const before = await env.client.schedule.getHandle(passwordReminderScheduleId(N)).describe();
    const r = await syncReviewSchedules(env.client, taskQueue, [entry(niigata), entry(kunitachi)]);
    expect(r).toEqual({ created: [], updated: [], unchanged: [reviewScheduleId(N), passwordReminderScheduleId(N), reviewScheduleId(KU)], deleted: [] });
    expect((await env.client.schedule.getHandle(passwordReminderScheduleId(N)).describe()).info.lastUpdatedAt).toEqual(before.info.lastUpdatedAt);
  });

  it('triggered, the workflow mails the holder due; triggered again, nothing more', async () => {
    const handle = env.client.schedule.getHandle(passwordReminderScheduleId(N));
    await handle.trigger();
    const [first] = await runs(env.client, handle.scheduleId, 1);
    expect(first).toEqual({ organisation: N, due: 1, reminded: 1, alreadyReminded: 0, failed: 0, withoutEmail: 1 });
    const mails = await messages();
    expect(mails.map((m) => [m.to, m.subject])).toEqual([['"職員 C001" <c001@niigata.example.jp>', '【お知らせ】パスワードの有効期限が近づいています（ユーザID C001）']]);
    const expiresAt = passwordExpiry('juki', new Date(changedAt), new Date()).expiresAt!;
    const lastDay = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: 'long', day: 'numeric' }).format(expiresAt.getTime() - 60_000);
    expect(mails[0]!.text).toContain(`有効期限: ${lastDay}`);

    await handle.trigger();
    const all = await runs(env.client, handle.scheduleId, 2);
    expect(all[1]).toMatchObject({ due: 1, reminded: 0, alreadyReminded: 1 });
    expect(await messages()).toHaveLength(1);
    // One audit row for the day, whichever run wrote it.
    expect(await auditTrail(appDb.db, N, passwordReminderScheduleId(N))).toHaveLength(1);
  });

  it('an organisation moving to NIST’s rules loses its reminder schedule, keeping its review schedule', async () => {
    const r = await syncReviewSchedules(env.client, taskQueue, [entry(onNist(niigata)), entry(kunitachi)]);
    expect(r).toEqual({ created: [], updated: [], unchanged: [reviewScheduleId(N), reviewScheduleId(KU)], deleted: [passwordReminderScheduleId(N)] });
    await expect(env.client.schedule.getHandle(passwordReminderScheduleId(N)).describe()).rejects.toThrow(/not found/i);
  });
});
