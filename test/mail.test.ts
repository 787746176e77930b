// sendMailOnce against both database engines and a test relay: the in-progress mark that keeps a
// retry from sending a message twice, the takeover of a dead attempt's mark, and the SMTP error
// kept for the record.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AppDatabase } from '../src/db';
import { migrateToLatest } from '../src/db/migrations';
import { undeliveredMail } from '../src/db/delivery';
import { loadConfig } from '../src/config';
import { createMailTransport, type MailTransport, SendInProgressError, sendMailOnce } from '../src/mail';
import { ENGINES, freshDatabase } from './support/databases';
import { startTestRelay, type TestRelay } from './support/relay';

const message = (key: string) => ({ key, to: '中西 弘 <fukuchoucho@katsuragi.example.jp>', subject: '【要回答】招集', text: '本文' });
const FROM = 'jukinet-ops <jukinet-ops@localhost>';

describe.each(ENGINES)('sendMailOnce on %s', (engine) => {
  let appDb: AppDatabase;
  let relay: TestRelay;
  let mail: MailTransport;

  beforeAll(async () => {
    appDb = await freshDatabase(engine);
    await migrateToLatest(appDb.db);
    relay = await startTestRelay(fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-relay-')));
    mail = createMailTransport(loadConfig({ SMTP_SINK_PORT: String(relay.port), SMTP_TIMEOUT: '10s' }, '/nonexistent/.env'));
  });
  afterAll(async () => {
    mail?.transport.close();
    await relay?.close();
    await appDb?.close();
  });
  beforeEach(() => {
    relay.refusing = false;
    relay.holdDataMs = 0;
  });

  it('does not send again while another attempt is sending, and answers with the first delivery afterwards', async () => {
    relay.holdDataMs = 1_500;
    const first = sendMailOnce(appDb.db, mail, FROM, message('k1'), { beatMs: 100 });
    // The retry comes once the first attempt has marked itself (it is in the relay's DATA by then).
    while (relay.inFlight === 0) await new Promise((r) => setTimeout(r, 20));
    await expect(sendMailOnce(appDb.db, mail, FROM, message('k1'))).rejects.toBeInstanceOf(SendInProgressError);
    const sent = await first;
    expect(sent.status).toBe('sent');
    expect(await sendMailOnce(appDb.db, mail, FROM, message('k1'))).toEqual({ status: 'already-sent', sentAt: sent.sentAt });
    expect(relay.accepted).toEqual(['fukuchoucho@katsuragi.example.jp']);
  });

  it('sends again when the attempt that marked the message died (its mark went stale)', async () => {
    const before = relay.accepted.length;
    const long = new Date(Date.now() - 60_000);
    await appDb.db.insertInto('sent_mail').values({ key: 'k2', recipient: 'x', subject: 's', attempt_id: 'dead', attempt_started_at: long, attempt_seen_at: long }).execute();
    expect((await sendMailOnce(appDb.db, mail, FROM, message('k2'), { staleAfterMs: 30_000 })).status).toBe('sent');
    expect(relay.accepted.length).toBe(before + 1);
  });

  it('keeps the relay\'s refusal as the last error, and lists the mail as undelivered', async () => {
    relay.refusing = true;
    await expect(sendMailOnce(appDb.db, mail, FROM, message('k3'))).rejects.toThrow(/451/);
    const row = await appDb.db.selectFrom('sent_mail').selectAll().where('key', '=', 'k3').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ sent_at: null, attempt_id: null, attempts: 1 });
    expect(row.last_error).toMatch(/451 .*relay busy/);
    const stuck = await undeliveredMail(appDb.db, 0, Date.now() + 1);
    expect(stuck.map((m) => m.key)).toEqual(['k3']);
    // The relay recovers: the next try sends, and clears nothing but the mark.
    relay.refusing = false;
    expect((await sendMailOnce(appDb.db, mail, FROM, message('k3'))).status).toBe('sent');
    expect(await undeliveredMail(appDb.db, 0, Date.now() + 1)).toEqual([]);
  });
});
