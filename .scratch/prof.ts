import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import nodemailer from 'nodemailer';
import { openDatabase } from '../src/db';
import { migrateToLatest } from '../src/db/migrations';
import { importRecipients } from '../src/db/notifications';
import { createNotifyActivities } from '../src/activities/notify';
import { startSmtpSink } from '../src/embedded/smtp-sink';
async function main() {
  const n = Number(process.argv[2] ?? 2000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbp-'));
  const appDb = await openDatabase({ engine: 'pglite', dataDir: path.join(dir, 'db') });
  await migrateToLatest(appDb.db);
  let count = 0;
  const sink = await startSmtpSink({ port: 0, outboxDir: path.join(dir, 'out'), onMessage: () => count++ });
  const persons = Array.from({ length: n }, (_, i) => ({ line: i + 2, name: `p${i}`, postalCode: '186-8501', address: 'x', email: `p${i}@example.jp` }));
  await importRecipients(appDb.db, { organisation: 'kunitachi', incidentId: 'INC-2026-0001', importId: 'i', persons });
  const acts = createNotifyActivities({ db: appDb.db, mailFrom: 'a@b.jp', notifyMarkGatherMs: Number(process.argv[3] ?? 0), createNotifyTransport: () => nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, ignoreTLS: true, secure: false, pool: true, maxConnections: 5, maxMessages: Infinity }) });
  let t = performance.now();
  for (;;) {
    const r = await acts.sendNotificationBatch({ organisation: 'kunitachi', incidentId: 'INC-2026-0001', noticeId: 'N', batchSize: Number(process.argv[4] ?? 500) });
    if (r.remaining === 0) break;
  }
  const prodMs = performance.now() - t;
  const tr = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, ignoreTLS: true, secure: false, pool: true, maxConnections: 5, maxMessages: Infinity });
  t = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 5 }, async () => { while (next < n) { const i = next++; await tr.sendMail({ from: 'a@b.jp', to: `p${i}@example.jp`, subject: 's', text: 'hello '.repeat(50) }); } }));
  const baseMs = performance.now() - t;
  tr.close();
  console.log({ n, count, prodPerS: (n / prodMs) * 1000, basePerS: (n / baseMs) * 1000 });
  await sink.close(); await appDb.close();
}
main();
