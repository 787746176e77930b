import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openDatabase } from '../src/db';
import { migrateToLatest } from '../src/db/migrations';
import { importRecipients, claimRecipients, remainingEmails, markSentMany } from '../src/db/notifications';
async function main() {
  const n = 20000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbp-'));
  const appDb = await openDatabase({ engine: 'pglite', dataDir: path.join(dir, 'db') });
  await migrateToLatest(appDb.db);
  const persons = Array.from({ length: n }, (_, i) => ({ line: i + 2, name: `p${i}`, postalCode: '186-8501', address: 'x', email: `p${i}@example.jp` }));
  const scope = { organisation: 'kunitachi', incidentId: 'INC-2026-0001' };
  await importRecipients(appDb.db, { ...scope, importId: 'i', persons });
  const now = new Date();
  for (let k = 0; k < 3; k++) {
    let t = performance.now();
    const rows = await claimRecipients(appDb.db, { ...scope, attemptId: 'A' + k, limit: 500, now, staleBefore: now });
    const c = performance.now() - t; t = performance.now();
    await remainingEmails(appDb.db, scope.organisation, scope.incidentId);
    const r = performance.now() - t; t = performance.now();
    for (let i = 0; i < 500; i += 20) await markSentMany(appDb.db, scope, rows.slice(i, i + 20).map((x) => ({ personId: x.person_id, messageId: 'm', sentAt: now })));
    console.log({ claimMs: c, remainingMs: r, mark20Ms: (performance.now() - t) / 25 });
  }
  await appDb.close();
}
main();
