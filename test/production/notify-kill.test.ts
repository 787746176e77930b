// 本人通知 (kunitachi:14) under faults, in the production topology: the worker and the API as
// separate processes on PostgreSQL. 3,000 persons are notified while the worker process is killed
// with SIGKILL twice (no shutdown, no last marks written; restarted each time) and the relay
// refuses every recipient for a while. Afterwards each person has exactly one email — one
// message, by its Message-ID, as the person's mailbox keeps it — none is missing, every copy the
// relay took twice is the same message (a kill can fall between the relay's acceptance and the
// database's mark), and the audit chain verifies.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { type AppDatabase, openDatabase } from '../../src/db';
import { auditTrail } from '../../src/db/audit';
import { noticeMessageId } from '../../src/notify/notifications';
import { createTestKey } from '../support/auth';
import { runCliAsync } from '../support/cli';
import { createTestDatabase } from '../support/databases';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { seedApprovedNotice } from '../support/notices';
import { freePort } from '../support/ports';
import { type Running, startCli, until } from '../support/processes';
import { startTestRelay, type TestRelay } from '../support/relay';
import { devServer } from '../support/temporal';

jest.setTimeout(300_000);

const N = 3_000;
const address = (i: number) => `person${i}@example.jp`;

describe('notifying 3,000 persons while the worker is killed twice and the relay refuses', () => {
  let temporal: TestWorkflowEnvironment;
  let relay: TestRelay;
  let env: Record<string, string>;
  let worker: Running;
  let api: Running;
  let base: string;
  let appDb: AppDatabase;
  let authorization: string;
  const fetchApi = (url: string, init: RequestInit = {}) => globalThis.fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization } });
  /** Killed without warning, as by the OOM killer or a power cut: no shutdown hook runs. */
  const killWorker = async () => {
    process.kill(-worker.child.pid!, 'SIGKILL');
    expect(await worker.exited).toMatchObject({ signal: 'SIGKILL' });
    worker = startCli(['worker'], env);
  };
  const ours = () => relay.accepted.filter((a) => /^person\d+@/.test(a));

  beforeAll(async () => {
    temporal = await devServer();
    relay = await startTestRelay(fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-relay-')));
    env = {
      DATABASE_URL: await createTestDatabase('notifykill'),
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: `notify-kill-${Date.now()}`,
      SMTP_URL: `smtp://127.0.0.1:${relay.port}`,
      TOKEN_SIGNING_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      AUDIT_MAC_KEYS: `a1:${randomBytes(32).toString('base64')}`,
      PORT: String(await freePort()),
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-notifykill-')),
      // A killed worker's claimed persons go to the next attempt after 3 s instead of a minute.
      NOTIFY_STALE_AFTER: '3s',
      LOG_LEVEL: 'WARN',
    };
    base = `http://127.0.0.1:${env.PORT}`;
    expect((await runCliAsync(['migrate'], env)).status).toBe(0);
    worker = startCli(['worker'], env);
    api = startCli(['api'], env);
    let status = 0;
    const healthy = await until(() => status === 200, 150_000, async () => {
      status = await globalThis.fetch(`${base}/api/health`).then((r) => r.status, () => 0);
    });
    expect({ healthy, worker: worker.output(), api: api.output() }).toMatchObject({ healthy: true });
    appDb = await openDatabase({ engine: 'postgres', url: env.DATABASE_URL });
    authorization = await createTestKey(appDb.db, 'commander', '*');
  });

  afterAll(async () => {
    await appDb?.close();
    for (const p of [worker, api]) if (p && p.child.exitCode === null && p.child.signalCode === null) process.kill(-p.child.pid!, 'SIGTERM');
    await Promise.all([worker?.exited, api?.exited]);
    await relay?.close();
    await temporal?.teardown();
  });

  it('sends each person exactly one email, and the audit chain verifies', async () => {
    const declared = await fetchApi(`${base}/api/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(declaration({ organisation: 'kunitachi', threatLevel: 1, detectedBy: { name: '国立 花子', email: 'hanako@kunitachi.example.jp' } })),
    });
    expect(declared.status).toBe(201);
    const { incidentId } = await json(declared);
    const incident = `${base}/api/incidents/kunitachi/${incidentId}`;
    const csv = ['氏名,郵便番号,住所,メールアドレス', ...Array.from({ length: N }, (_, i) => `対象者 ${i + 1},186-8501,東京都国立市富士見台${i + 1},${address(i + 1)}`)].join('\r\n');
    const imported = await fetchApi(`${incident}/persons`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(imported.status).toBe(201);

    // A relay that takes a few milliseconds per message: the kills fall in the middle of batches.
    relay.holdDataMs = 5;
    const noticeId = await seedApprovedNotice(appDb.db, 'kunitachi', incidentId);
    const started = await fetchApi(`${incident}/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ noticeId, batchSize: 250 }) });
    expect(started.status).toBe(202);
    const { workflowId } = await json(started);

    const waitForSent = async (n: number) => expect(await until(() => ours().length >= n, 120_000)).toBe(true);
    await waitForSent(500);
    await killWorker();
    // The second kill after the first one's batches were taken up again by the new worker.
    await waitForSent(1_400);
    await killWorker();
    await waitForSent(2_000);
    // The relay refuses (451) for a few seconds: the batches give their persons back and Temporal
    // retries them, spaced out, until it takes mail again.
    relay.refusing = true;
    const refusingSince = Date.now();
    let refused = false;
    expect(await until(() => refused, 60_000, async () => {
      refused = (await appDb.db.selectFrom('notification_recipients').select('last_error').where('last_error', 'like', '%451%').executeTakeFirst()) !== undefined;
    })).toBe(true);
    await new Promise((r) => setTimeout(r, Math.max(0, 4_000 - (Date.now() - refusingSince))));
    relay.refusing = false;

    const result = await temporal.client.workflow.getHandle(workflowId).result();
    // The workflow counts only the batches that reported back; a killed batch's sends are in the database.
    expect(result.failed).toBe(0);

    // One message per person (a mailbox keeps one copy of a Message-ID), and it is that person's.
    const byPerson = new Map<string, { copies: number; ids: Set<string | undefined> }>();
    for (const m of relay.messages) {
      for (const to of m.to.filter((a) => /^person\d+@/.test(a))) {
        const e = byPerson.get(to) ?? { copies: 0, ids: new Set() };
        e.copies++;
        e.ids.add(m.messageId);
        byPerson.set(to, e);
      }
    }
    const expected = Array.from({ length: N }, (_, i) => i + 1);
    expect(expected.filter((i) => !byPerson.has(address(i)))).toEqual([]);
    expect(byPerson.size).toBe(N);
    const wrong = expected.filter((i) => {
      const e = byPerson.get(address(i))!;
      return e.ids.size !== 1 || !e.ids.has(noticeMessageId({ organisation: 'kunitachi', incidentId, noticeId, personId: i }));
    });
    expect(wrong).toEqual([]);
    // Copies the relay took twice: only a kill's window between acceptance and mark (the messages
    // in flight on the five connections and the marks not yet written), never a batch's worth.
    const copies = [...byPerson.values()].reduce((s, e) => s + e.copies - 1, 0);
    process.stderr.write(`notify-kill: ${ours().length} messages taken for ${N} persons (${copies} second copies of the same message)\n`);
    expect(copies).toBeLessThanOrEqual(2 * 20);

    const progress = await json(await fetchApi(`${incident}/notifications`));
    expect(progress).toMatchObject({ total: N, email: N, sent: N, failed: 0, remaining: 0 });
    const steps = (await auditTrail(appDb.db, 'kunitachi', incidentId)).filter((a) => a.step === 'emergency.notifyPersons');
    expect(steps.map((a) => a.outcome)).toEqual(['本人通知の送信を開始', expect.stringMatching(/^本人通知の送信を完了（送信 \d+ 件、郵送へ \d+ 件）$/)]);

    const verified = await runCliAsync(['audit', 'verify'], env);
    expect({ status: verified.status, stdout: verified.stdout, stderr: verified.stderr }).toMatchObject({ status: 0, stdout: expect.stringContaining('Audit log intact') });
  });
});
