// The case's obligations, gathered from every source with waivers applied: the notice (emails
// unsent, letters unprinted), the recovery tasks, the final report, and any source added later in
// one line (here a stand-in for the reports).
import type { AppDatabase } from '../../src/db';
import { OBLIGATION_SOURCES, gatherObligations, type ObligationSource } from '../../src/closing/obligations';
import { finishRecoveryTask, insertRecoveryTask, insertWaiver, markLettersPrinted } from '../../src/db/closing';
import { importRecipients, markSent } from '../../src/db/notifications';
import { migrateToLatest } from '../../src/db/migrations';
import { closeBlockers } from '../../src/domain/obligations';
import type { OrganisationProfile } from '../../src/domain/profile';
import { loadProfileFile } from '../../src/profiles';
import { freshDatabase } from '../support/databases';

jest.setTimeout(60_000);

describe('gatherObligations', () => {
  let appDb: AppDatabase;
  let profile: OrganisationProfile;
  const ref = { organisation: 'kunitachi', caseId: 'INC-2026-0007' };

  beforeAll(async () => {
    appDb = await freshDatabase('pglite');
    await migrateToLatest(appDb.db);
    const loaded = loadProfileFile('profiles/kunitachi.yaml');
    if (!loaded.ok) throw new Error('kunitachi profile');
    profile = loaded.profile;
  });
  afterAll(() => appDb?.close());

  it('owes only the final report before anything else is asked', async () => {
    const all = await gatherObligations(appDb.db, { ...ref, profile });
    expect(all.map((o) => [o.key, o.state])).toEqual([['final-report', 'open']]);
  });

  it('keeps the notice open while emails are unsent or letters unprinted, and applies waivers', async () => {
    const db = appDb.db;
    await importRecipients(db, {
      organisation: ref.organisation,
      incidentId: ref.caseId,
      importId: 'i1',
      persons: [
        { line: 2, name: '甲', postalCode: '186-0001', address: '国立市1', email: 'a@example.jp' },
        { line: 3, name: '乙', postalCode: '186-0002', address: '国立市2', email: null },
      ],
    });
    await insertRecoveryTask(db, { ...ref, n: 1, kind: 'prevention', section: '情報政策課', title: '二重確認の手順化', detail: '', assignee: { name: 'x', email: 'x@example.jp' }, dueAt: new Date('2026-12-20T08:00:00Z'), assignedBy: 'c', workflowId: 'w/1' });
    let all = await gatherObligations(db, { ...ref, profile });
    expect(all.map((o) => [o.key, o.state])).toEqual([
      ['notice:email', 'open'],
      ['notice:letters', 'open'],
      ['recovery:1', 'open'],
      ['final-report', 'open'],
    ]);
    expect(all[0]).toMatchObject({ step: 'emergency.notifyPersons', articles: profile.articles['emergency.notifyPersons'] ?? [] });
    expect(all[2]).toMatchObject({ label: '再発防止策（情報政策課）: 二重確認の手順化', dueAt: '2026-12-20T08:00:00.000Z', step: 'emergency.preventRecurrence' });

    await markSent(db, { organisation: ref.organisation, incidentId: ref.caseId, personId: 1 }, { messageId: '<m>', sentAt: new Date() });
    await markLettersPrinted(db, ref, [2], new Date());
    await finishRecoveryTask(db, { ...ref, n: 1 }, { state: 'DONE', result: '手順書を改訂', at: new Date() });
    await insertWaiver(db, { ...ref, key: 'final-report', reason: '首長に口頭で報告済み', waivedBy: 'c', at: new Date() });
    all = await gatherObligations(db, { ...ref, profile });
    expect(all.map((o) => [o.key, o.state])).toEqual([
      ['notice:email', 'done'],
      ['notice:letters', 'done'],
      ['recovery:1', 'done'],
      ['final-report', 'waived'],
    ]);
    expect(closeBlockers(all)).toEqual([]);
  });

  it('takes a new source in one line, and waives its obligations too', async () => {
    const reports: ObligationSource = async (_db, s) => [{ key: 'report:prefecture:first', label: '都道府県への第1報', step: 'emergency.report', articles: s.profile.articles['emergency.report'] ?? [], state: 'open' }];
    const sources = [reports, ...OBLIGATION_SOURCES];
    expect(closeBlockers(await gatherObligations(appDb.db, { ...ref, profile }, sources)).map((o) => o.key)).toEqual(['report:prefecture:first']);
    await insertWaiver(appDb.db, { ...ref, key: 'report:prefecture:first', reason: 'x', waivedBy: 'c', at: new Date() });
    expect(closeBlockers(await gatherObligations(appDb.db, { ...ref, profile }, sources))).toEqual([]);
  });
});
