// The product's parts wired as the embedded stack wires them, around a Temporal test
// environment of the test's choosing (dev server or time-skipping): PGlite with the profiles,
// an SMTP sink whose outbox the test reads, the worker, and the HTTP app on a loopback port.
import { keepIdleConnections } from '../../src/api/server';
import * as fs from 'node:fs';
import type { Server } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, type Logger, Worker } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../../src/activities';
import { createApp } from '../../src/api/app';
import { type Config, loadConfig } from '../../src/config';
import type { AppDatabase } from '../../src/db';
import type { Check } from '../../src/domain/health';
import { Outbox, type OutboxMessage } from '../../src/embedded/outbox';
import { startSmtpSink, type SmtpSink } from '../../src/embedded/smtp-sink';
import { createMailTransport } from '../../src/mail';
import { checkProfiles, openMigratedDatabase, storeProfiles } from '../../src/runtime';
import { generateSigningKey, type SigningKey } from '../../src/tokens';
import { activityDeps, createWorker } from '../../worker';
import { createTestKey, fetchWith } from './auth';
import { json } from './http';
import { freePort } from './ports';

export interface TestStack {
  config: Config;
  appDb: AppDatabase;
  signingKeys: SigningKey[];
  auditMacKeys: SigningKey[];
  outbox: Outbox;
  baseUrl: string;
  /** `Authorization` values of API keys in every organisation: a commander's, an admin's, an auditor's. */
  auth: { commander: string; admin: string; auditor: string };
  /** `fetch` as the commander's API key (declares and reads incidents of every organisation). */
  fetch: typeof fetch;
  /** The running worker (a new one after `startWorker`). */
  readonly worker: Worker;
  /** Stops the worker, as a crashed or redeployed worker process: the API and Temporal stay up. */
  stopWorker(): Promise<void>;
  /** Starts a fresh worker on the same task queue, as a restarted worker process. */
  startWorker(): Promise<void>;
  /** Mail that has arrived, parsed, oldest first. */
  mail(): Promise<OutboxMessage[]>;
  waitForMail(pred: (m: OutboxMessage) => boolean, count?: number, timeoutMs?: number): Promise<OutboxMessage[]>;
  close(): Promise<void>;
}

const defaultLogger = new DefaultLogger('WARN');

export async function startTestStack(
  env: TestWorkflowEnvironment,
  o: {
    taskQueue: string;
    config?: Record<string, string>;
    now?: () => number;
    /** The mail server the worker sends to, writing to the given outbox folder; the embedded sink unless given. */
    smtp?: (outboxDir: string) => Promise<SmtpSink>;
    /** Workflow interceptor modules of the worker (e.g. shorter activity timeouts). */
    workflowInterceptors?: string[];
    /** Overrides of the activities' dependencies. */
    activities?: Partial<ActivityDeps>;
    updateTimeoutMs?: number;
    logger?: Logger;
  },
): Promise<TestStack> {
  const logger = o.logger ?? defaultLogger;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-stack-'));
  const outboxDir = path.join(dataDir, 'outbox');
  const sink: SmtpSink = await (o.smtp ?? ((dir: string) => startSmtpSink({ port: 0, outboxDir: dir })))(outboxDir);
  const port = await freePort();
  const config = loadConfig(
    {
      DATA_DIR: dataDir,
      PROFILES_DIR: path.join(__dirname, '..', '..', 'profiles'),
      PORT: String(port),
      SMTP_SINK_PORT: String(sink.port),
      TEMPORAL_TASK_QUEUE: o.taskQueue,
      TEMPORAL_NAMESPACE: env.namespace ?? 'default',
      ...o.config,
    },
    '/nonexistent/.env',
  );
  const appDb = await openMigratedDatabase(config, logger);
  await storeProfiles(appDb, checkProfiles(config), logger);
  const mail = createMailTransport(config);
  const signingKeys = [generateSigningKey('t1')];
  const auditMacKeys = [generateSigningKey('a1')];
  const newWorker = () =>
    o.workflowInterceptors || o.activities
      ? Worker.create({
          connection: env.nativeConnection,
          namespace: config.TEMPORAL_NAMESPACE,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          workflowsPath: require.resolve('../../src/workflows'),
          activities: createActivities({ ...activityDeps({ config, appDb, mail, signingKeys, auditMacKeys }), ...o.activities }),
          ...(o.workflowInterceptors ? { interceptors: { workflowModules: o.workflowInterceptors } } : {}),
        })
      : createWorker({ config, connection: env.nativeConnection, appDb, mail, logger, signingKeys, auditMacKeys });
  let worker: Worker | undefined = await newWorker();
  let running: Promise<void> = worker.run();
  const stopWorker = async () => {
    if (!worker) return;
    worker.shutdown();
    await running;
    worker = undefined;
  };
  const health = async (): Promise<Check[]> => [];
  const outbox = new Outbox(outboxDir);
  const app = createApp({ config, appDb, client: env.client, signingKeys, auditMacKeys, health, outbox, logger, ...(o.now ? { now: o.now } : {}), ...(o.updateTimeoutMs ? { updateTimeoutMs: o.updateTimeoutMs } : {}) });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  keepIdleConnections(server);

  const all = async () => {
    const list = await outbox.list(1000);
    const msgs = await Promise.all(list.reverse().map((m) => outbox.read(m.id)));
    return msgs.filter((m): m is OutboxMessage => m !== undefined);
  };

  const auth = {
    commander: await createTestKey(appDb.db, 'commander', '*'),
    admin: await createTestKey(appDb.db, 'admin', '*'),
    auditor: await createTestKey(appDb.db, 'auditor', '*'),
  };
  return {
    config,
    appDb,
    signingKeys,
    auditMacKeys,
    outbox,
    baseUrl: `http://127.0.0.1:${port}`,
    auth,
    fetch: fetchWith(auth.commander),
    get worker() {
      if (!worker) throw new Error('the worker is stopped');
      return worker;
    },
    stopWorker,
    async startWorker() {
      if (worker) throw new Error('the worker is running');
      worker = await newWorker();
      running = worker.run();
    },
    mail: all,
    async waitForMail(pred, count = 1, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const found = (await all()).filter(pred);
        if (found.length >= count) return found;
        if (Date.now() > end) throw new Error(`expected ${count} message(s), have ${found.length}: ${(await all()).map((m) => `${m.to} ${m.subject}`).join('\n')}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await stopWorker();
      mail.transport.close();
      await sink.close();
      await appDb.close();
      // A stack's database grows to hundreds of MB in the long tests; a run starts some two hundred.
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The link in a task email's plain-text part. */
export function linkIn(m: OutboxMessage): string {
  const match = /https?:\/\/\S+\/t\/[A-Za-z0-9._-]+/.exec(m.text);
  if (!match) throw new Error(`no task link in:\n${m.text}`);
  return match[0];
}

/** Waits until `fn` returns a value that is not undefined. */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Waits until the incident, as the API shows it to people, has reached `status`: not the
 * workflow's memory, which moves on a moment before the projection is written.
 */
export async function waitForIncidentStatus(stack: Pick<TestStack, "baseUrl" | "fetch">, organisation: string, incidentId: string, status: string, timeoutMs = 30_000) {
  return eventually(
    async () => {
      const r = await stack.fetch(`${stack.baseUrl}/api/incidents/${organisation}/${incidentId}`);
      const view = r.ok ? await json(r) : undefined;
      return view?.status === status ? view : undefined;
    },
    timeoutMs,
    `incident ${incidentId} to be ${status}`,
  );
}

/** What a person's browser does without JavaScript: GET the page, keep its cookie and form token. */
export async function openTaskPage(url: string, method: 'GET' | 'HEAD' = 'GET') {
  const r = await fetch(url, { method, redirect: 'manual' });
  const html = await r.text();
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  return { status: r.status, html, cookie, csrf };
}

/** Posts a task page's form; a list is a field sent once per value (ticked checkboxes). */
export async function postTaskForm(url: string, form: Record<string, string | readonly string[]>, cookie?: string) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of typeof v === 'string' ? [v] : v) body.append(k, x);
  const r = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: body.toString(),
  });
  return { status: r.status, location: r.headers.get('location'), html: await r.text() };
}
