// The idempotency of the persons' notices lives in these rows: on both engines, a claim takes
// PENDING persons outside every living lease (a dead attempt's once stale), never a SENT one.
import type { AppDatabase } from '../../src/db';
import { migrateToLatest } from '../../src/db/migrations';
import { claimRecipients, importRecipients, markFailed, markSent, notificationCounts, NotificationsStartedError, refreshAttempt, releaseLease, releaseRecipient, remainingEmails } from '../../src/db/notifications';
import type { PersonRow } from '../../src/notify/persons-csv';
import { ENGINES, freshDatabase } from '../support/databases';

const persons = (n: number): PersonRow[] =>
  Array.from({ length: n }, (_, i) => ({ line: i + 2, name: `対象者 ${i + 1}`, postalCode: '186-8501', address: '東京都国立市富士見台2-47-1', email: i % 10 === 9 ? null : `p${i + 1}@example.jp` }));

describe.each(ENGINES)('notification recipients on %s', (engine) => {
  let appDb: AppDatabase;
  const org = 'kunitachi';
  const inc = 'INC-2026-0001';
  beforeAll(async () => {
    appDb = await freshDatabase(engine);
    await migrateToLatest(appDb.db);
  });
  afterAll(async () => appDb?.close());

  it('imports 10,000 persons in batches, those without an address as letters, and replaces the list while nothing is sent', async () => {
    const db = appDb.db;
    await importRecipients(db, { organisation: org, incidentId: inc, importId: 'a', persons: persons(10) });
    const t = Date.now();
    expect(await importRecipients(db, { organisation: org, incidentId: inc, importId: 'b', persons: persons(10_000) })).toEqual({ importId: 'b', total: 10_000, email: 9_000, letter: 1_000 });
    expect(Date.now() - t).toBeLessThan(20_000);
    expect(await remainingEmails(db, org, inc)).toBe(9_000);
  });

  it('holds each person for one attempt at a time, takes over a dead attempt’s only once its lease is stale, never re-claims SENT', async () => {
    const db = appDb.db;
    await importRecipients(db, { organisation: org, incidentId: inc, importId: 'c', persons: persons(20) });
    const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 0, 0, s));
    const a = await claimRecipients(db, { organisation: org, incidentId: inc, attemptId: 'A', limit: 5, now: at(0), staleBefore: at(-60) });
    expect(a.map((r) => r.person_id)).toEqual([1, 2, 3, 4, 5]);
    const b = await claimRecipients(db, { organisation: org, incidentId: inc, attemptId: 'B', limit: 100, now: at(1), staleBefore: at(-59) });
    expect(b.map((r) => r.person_id)).toEqual([6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19]); // 10 and 20 have no address
    for (const r of b) await markSent(db, { organisation: org, incidentId: inc, personId: r.person_id }, { messageId: `<m${r.person_id}>`, sentAt: at(2) });
    await releaseLease(db, 'B');
    // A: 1 sent, 2 refused for good, 3 refused for a while; then killed, its lease left behind.
    await markSent(db, { organisation: org, incidentId: inc, personId: 1 }, { messageId: '<m1>', sentAt: at(2) });
    await markFailed(db, { organisation: org, incidentId: inc, personId: 2 }, 'A', '550 no such mailbox');
    await releaseRecipient(db, { organisation: org, incidentId: inc, personId: 3 }, 'A', '451 busy');
    await expect(importRecipients(db, { organisation: org, incidentId: inc, importId: 'd', persons: persons(3) })).rejects.toBeInstanceOf(NotificationsStartedError);
    expect(await notificationCounts(db, org, inc, { now: at(3), rateWindowMs: 60_000 })).toMatchObject({ email: { total: 17, sent: 14, sending: 3, pending: 0 }, remaining: 3 });

    // While A's lease is fresh, nobody takes its persons.
    await refreshAttempt(db, 'A', at(30));
    expect(await claimRecipients(db, { organisation: org, incidentId: inc, attemptId: 'C', limit: 100, now: at(40), staleBefore: at(-20) })).toEqual([]);
    // A dead attempt's persons, once its lease is stale: taken over; the SENT and FAILED ones never.
    const d = await claimRecipients(db, { organisation: org, incidentId: inc, attemptId: 'D', limit: 100, now: at(100), staleBefore: at(40) });
    expect(d.map((r) => r.person_id)).toEqual([3, 4, 5]);
    // A released lease frees its persons not sent at once, without waiting to go stale.
    await releaseLease(db, 'D');
    const e = await claimRecipients(db, { organisation: org, incidentId: inc, attemptId: 'E', limit: 100, now: at(101), staleBefore: at(41) });
    expect(e.map((r) => r.person_id)).toEqual([3, 4, 5]);
    // A late mark from the dead attempt's own send still counts: the person was notified.
    await markSent(db, { organisation: org, incidentId: inc, personId: 4 }, { messageId: '<m4>', sentAt: at(101) });
    await markSent(db, { organisation: org, incidentId: inc, personId: 5 }, { messageId: '<m5>', sentAt: at(101) });
    await markSent(db, { organisation: org, incidentId: inc, personId: 3 }, { messageId: '<m3>', sentAt: at(101) });
    // A refusal for good arriving after the person was sent changes nothing.
    await markFailed(db, { organisation: org, incidentId: inc, personId: 3 }, 'E', '550 late');

    const counts = await notificationCounts(db, org, inc, { now: at(110), rateWindowMs: 60_000 });
    expect(counts).toMatchObject({ total: 20, email: { total: 17, sent: 17, sending: 0, pending: 0 }, letter: { total: 3, noAddress: 2, emailFailed: 1 }, failed: 1, remaining: 0, recentlySent: 3 });
    expect(await claimRecipients(db, { organisation: org, incidentId: inc, attemptId: 'F', limit: 100, now: at(1000), staleBefore: at(999) })).toEqual([]);
  });

  it('gives back a stale SENDING row marked by a worker from before leases, never a fresh one', async () => {
    const db = appDb.db;
    const scope = { organisation: org, incidentId: 'INC-2026-0003' };
    await importRecipients(db, { ...scope, importId: 'e', persons: persons(3) });
    const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 0, 0, s));
    const old = (personId: number, seen: Date) =>
      db.updateTable('notification_recipients').set({ state: 'SENDING', attempt_id: 'OLD', seen_at: seen }).where('incident_id', '=', scope.incidentId).where('person_id', '=', personId).execute();
    await old(1, at(0));
    await old(2, at(50));
    const c = await claimRecipients(db, { ...scope, attemptId: 'N', limit: 10, now: at(60), staleBefore: at(30) });
    expect(c.map((r) => r.person_id)).toEqual([1, 3]);
  });
});

describe.each(ENGINES)('marking many as sent on %s', (engine) => {
  it('marks a group in one statement and leaves SENT rows as they were', async () => {
    const { markSentMany } = await import('../../src/db/notifications');
    const appDb = await freshDatabase(engine);
    try {
      await migrateToLatest(appDb.db);
      const scope = { organisation: 'kunitachi', incidentId: 'INC-2026-0002' };
      await importRecipients(appDb.db, { ...scope, importId: 'x', persons: persons(5) });
      const now = new Date('2026-12-01T00:00:00Z');
      await claimRecipients(appDb.db, { ...scope, attemptId: 'A', limit: 5, now, staleBefore: now });
      await markSent(appDb.db, { ...scope, personId: 1 }, { messageId: '<first>', sentAt: now });
      await markSentMany(appDb.db, scope, [1, 2, 3].map((personId) => ({ personId, messageId: `<m${personId}>`, sentAt: new Date('2026-12-01T00:00:05Z') })));
      const rows = await appDb.db.selectFrom('notification_recipients').select(['person_id', 'state', 'message_id', 'sent_at', 'attempt_id']).where('incident_id', '=', scope.incidentId).orderBy('person_id').execute();
      expect(rows.map((r) => [r.person_id, r.state, r.message_id, r.attempt_id])).toEqual([
        [1, 'SENT', '<first>', null],
        [2, 'SENT', '<m2>', null],
        [3, 'SENT', '<m3>', null],
        [4, 'PENDING', null, null],
        [5, 'PENDING', null, null],
      ]);
      expect(new Date(rows[1].sent_at!).toISOString()).toBe('2026-12-01T00:00:05.000Z');
    } finally {
      await appDb.close();
    }
  });
});
