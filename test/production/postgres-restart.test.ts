// PostgreSQL restarts (maintenance, failover, `pg_ctl restart -m fast`) under the production
// topology: the worker and the API as separate processes on a throw-away cluster of their own.
// Both must live through it, health come back, the reminder timers fire and send on time, and no
// request in between answer 500 (503 "temporarily unavailable" is the truthful answer).
import { createTestKey } from '../support/auth';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startSmtpSink, type SmtpSink } from '../../src/embedded/smtp-sink';
import { Outbox, type OutboxMessage } from '../../src/embedded/outbox';
import { type AppDatabase, openDatabase } from '../../src/db';
import { listTasks } from '../../src/db/tasks';
import { TaskState } from '../../src/domain/tasks';
import { runCliAsync } from '../support/cli';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { freePort } from '../support/ports';
import { startTestCluster, type TestCluster } from '../support/postgres';
import { type Running, startCli, until } from '../support/processes';
import { devServer } from '../support/temporal';

jest.setTimeout(300_000);

// The council's acknowledgement window, shortened: the reminder falls a minute after the
// invitation, well after the restart; escalation is far beyond the test.
const REMIND_AFTER_MS = 60_000;
const ESCALATE_AFTER_MS = 10 * 60_000;

/** When the relay received a message: its outbox id starts with the arrival time. */
function arrivedAt(m: OutboxMessage): number {
  const t = /^(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d)-(\d{3})Z_/.exec(m.id);
  if (!t) throw new Error(`outbox id without a time: ${m.id}`);
  return Date.parse(`${t[1]}T${t[2]}:${t[3]}:${t[4]}.${t[5]}Z`);
}

/** The commander's API key, once the database is up; every request of this file carries it. */
let authorization: string | undefined;
const fetch: typeof globalThis.fetch = (input, init = {}) => {
  const headers = new Headers(init.headers);
  if (authorization) headers.set('authorization', authorization);
  return globalThis.fetch(input, { ...init, headers });
};

describe('a PostgreSQL restart under the separate worker and API processes', () => {
  let cluster: TestCluster;
  let temporal: TestWorkflowEnvironment;
  let relay: SmtpSink;
  let outbox: Outbox;
  let env: Record<string, string>;
  let worker: Running;
  let api: Running;
  let base: string;
  let appDb: AppDatabase;

  const mail = async () => (await Promise.all((await outbox.list()).map((s) => outbox.read(s.id)))).filter((m): m is OutboxMessage => m !== undefined);
  const health = () => fetch(`${base}/api/health`).then((r) => r.status, () => 0);

  beforeAll(async () => {
    // A cluster of its own: the other test files share theirs, and this one is restarted and stopped.
    cluster = await startTestCluster();
    temporal = await devServer();
    const outboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-relay-'));
    relay = await startSmtpSink({ port: 0, outboxDir });
    outbox = new Outbox(outboxDir);
    const profiles = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-profiles-'));
    const katsuragi = fs.readFileSync(path.join(__dirname, '..', '..', 'profiles', 'katsuragi.yaml'), 'utf8');
    const shortened = katsuragi.replace(/acknowledgement:\n(\s+)remindAfter: \S+\n\s+escalateAfter: \S+/, 'acknowledgement:\n$1remindAfter: 1m\n$1escalateAfter: 10m');
    expect(shortened).not.toBe(katsuragi);
    fs.writeFileSync(path.join(profiles, 'katsuragi.yaml'), shortened);
    env = {
      DATABASE_URL: cluster.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: `pg-restart-${Date.now()}`,
      SMTP_URL: `smtp://127.0.0.1:${relay.port}`,
      TOKEN_SIGNING_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      AUDIT_MAC_KEYS: `a1:${randomBytes(32).toString('base64')}`,
      PORT: String(await freePort()),
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-pgrestart-')),
      PROFILES_DIR: profiles,
      DEMO_ORGANISATION: 'katsuragi',
      LOG_LEVEL: 'WARN',
    };
    base = `http://127.0.0.1:${env.PORT}`;
    expect((await runCliAsync(['migrate'], env)).status).toBe(0);
    worker = startCli(['worker'], env);
    api = startCli(['api'], env);
    let status = 0;
    const healthy = await until(() => status === 200, 150_000, async () => {
      status = await health();
    });
    expect({ healthy, worker: worker.output(), api: api.output() }).toMatchObject({ healthy: true });
    appDb = await openDatabase({ engine: 'postgres', url: cluster.url });
    authorization = await createTestKey(appDb.db, 'commander', '*');
  });

  afterAll(async () => {
    await appDb?.close();
    worker?.child.kill('SIGTERM');
    api?.child.kill('SIGTERM');
    await Promise.all([worker?.exited, api?.exited]);
    await relay?.close();
    await temporal?.teardown();
    cluster?.stop();
  });

  it('keeps both processes alive, health comes back, reminders go out on time, and no request answers 500', async () => {
    const declared = await fetch(`${base}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration()) });
    expect(declared.status).toBe(201);
    const { incidentId } = await json(declared);
    const isInvitation = (m: OutboxMessage) => m.subject.includes(incidentId) && m.subject.startsWith('【要回答】');
    let invitations: OutboxMessage[] = [];
    await until(() => invitations.length > 0, 60_000, async () => {
      invitations = (await mail()).filter(isInvitation);
    });
    expect(invitations.length).toBeGreaterThan(0);
    const open = await listTasks(appDb.db, { caseId: incidentId, state: TaskState.OPEN });
    expect(open.length).toBeGreaterThan(0);
    await until(() => invitations.length === open.length, 30_000, async () => {
      invitations = (await mail()).filter(isInvitation);
    });
    const link = /\/t\/[A-Za-z0-9._-]+/.exec(invitations[0].text)![0];

    // Readers all through the restart: the API, the console, a task link.
    const pages = [`/api/incidents/katsuragi/${incidentId}`, `/incidents/katsuragi/${incidentId}`, link];
    const seen: Array<{ page: string; status: number }> = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        for (const page of pages) seen.push({ page, status: await fetch(`${base}${page}`).then((r) => r.status, () => 0) });
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    // Right after the invitations: the worker's pool still holds the clients it wrote them with.
    const restartedAt = Date.now();
    cluster.restart();
    let status = 0;
    expect(await until(() => status === 200, 60_000, async () => {
      status = await health();
    })).toBe(true);

    const isReminder = (m: OutboxMessage) => m.subject.includes(incidentId) && m.subject.startsWith('【再送】');
    let reminders: OutboxMessage[] = [];
    await until(() => reminders.length >= open.length, REMIND_AFTER_MS + 90_000, async () => {
      reminders = (await mail()).filter(isReminder);
    });
    polling = false;
    await poller;

    // Both processes lived through it, and it did reach them: each logged the lost connection.
    expect(worker.child.exitCode).toBeNull();
    expect(api.child.exitCode).toBeNull();
    // (57P01 on an idle client; "Connection terminated unexpectedly" after a query in flight got the 57P01.)
    // The API is polled all through, so its pool holds clients at the restart. The worker's may
    // not: pg drops a client idle for 10 s, and on a loaded machine the last invitation can be
    // that old. The worker's side is shown by the reminders it records after the restart (below).
    // The API met it: it logged the lost connection (an idle pooled client got the 57P01), or a
    // request in flight at the restart answered 503 — which of the two depends on timing.
    const apiLostConnection = /\[WARN\] PostgreSQL connection lost: (terminating connection due to administrator command \{"code":"57P01"\}|Connection terminated unexpectedly)/.test(api.output());
    expect({ apiLostConnection, answered503: seen.some((x) => x.status === 503) }).not.toEqual({ apiLostConnection: false, answered503: false });
    expect(`${worker.output()}${api.output()}`).not.toContain("Unhandled 'error' event");

    // One reminder per person still asked, after the restart, at the reminder time and before escalation.
    const emailOf = (m: OutboxMessage) => open.find((t) => m.to.includes(t.assignee_email))?.assignee_email;
    expect(reminders.map(emailOf).sort()).toEqual(open.map((t) => t.assignee_email).sort());
    for (const task of open) {
      const reminder = reminders.find((m) => m.to.includes(task.assignee_email))!;
      const remindAt = task.due_at.getTime() - (ESCALATE_AFTER_MS - REMIND_AFTER_MS);
      expect({ to: task.assignee_email, afterRestart: arrivedAt(reminder) > restartedAt, notEarly: arrivedAt(reminder) >= remindAt, beforeEscalation: arrivedAt(reminder) < task.due_at.getTime() })
        .toEqual({ to: task.assignee_email, afterRestart: true, notEarly: true, beforeEscalation: true });
    }

    // No 500 and no dropped connection from the API; 503 only if a request met the restart itself.
    expect(seen.length).toBeGreaterThan(pages.length);
    expect(seen.filter((s) => s.status !== 200 && s.status !== 503)).toEqual([]);
    expect(seen.at(-1)).toMatchObject({ status: 200 });
  });

  it('with PostgreSQL stopped, a task link, the console and the API answer 503 in Japanese, then recover', async () => {
    const [task] = await listTasks(appDb.db, { state: TaskState.OPEN });
    const invitation = (await mail()).find((m) => m.to.includes(task.assignee_email) && m.subject.startsWith('【要回答】'))!;
    const link = /\/t\/[A-Za-z0-9._-]+/.exec(invitation.text)![0];
    cluster.stopServer();
    try {
      for (const page of [link, '/incidents', `/incidents/katsuragi/${task.case_id}`]) {
        const r = await fetch(`${base}${page}`);
        const body = await r.text();
        expect({ page, status: r.status, retryAfter: r.headers.get('retry-after') }).toEqual({ page, status: 503, retryAfter: '10' });
        expect(body).toContain('システムを一時的に利用できません');
        expect(body).toContain('記録されたものはありません');
      }
      const apiAnswer = await fetch(`${base}/api/incidents/katsuragi/${task.case_id}`);
      expect(apiAnswer.status).toBe(503);
      expect(await json(apiAnswer)).toMatchObject({ error: 'unavailable', recorded: 'nothing' });
      expect(await health()).toBe(503);
    } finally {
      cluster.startServer();
    }
    let status = 0;
    expect(await until(() => status === 200, 60_000, async () => {
      status = await health();
    })).toBe(true);
    expect((await fetch(`${base}${link}`)).status).toBe(200);
    expect(worker.child.exitCode).toBeNull();
    expect(api.child.exitCode).toBeNull();
    // The stop ended their sessions too; the processes carried on and stop cleanly.
    worker.child.kill('SIGTERM');
    api.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(await api.exited).toEqual({ code: 0, signal: null });
  });
});
