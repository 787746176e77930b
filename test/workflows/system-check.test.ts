// The systemCheck workflow on the real dev server (the provisioned Temporal CLI), with the real
// activities against PGlite and an SMTP sink.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Worker } from '@temporalio/worker';
import { devServer } from '../support/temporal';
import { createActivities } from '../../src/activities';
import { LATEST_MIGRATION } from '../../src/db/migrations';
import { loadConfig } from '../../src/config';
import type { AppDatabase } from '../../src/db';
import { startSmtpSink, type SmtpSink } from '../../src/embedded/smtp-sink';
import { checkTemporal } from '../../src/health';
import { createMailTransport } from '../../src/mail';
import { openMigratedDatabase } from '../../src/runtime';
import { devServerExecutable } from '../../src/temporal/tools';
import { systemCheck } from '../../src/workflows';
import { generateSigningKey } from '../../src/tokens';
import { activityDeps } from '../../worker';


describe('systemCheck on the dev server', () => {
  let env: TestWorkflowEnvironment;
  let appDb: AppDatabase;
  let sink: SmtpSink;
  const config = loadConfig({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-wf-')) }, '/nonexistent/.env');

  beforeAll(async () => {
    const executable = devServerExecutable(config);
    expect(executable.type).toBe('existing-path'); // the provisioned CLI, not a download
    env = await devServer();
    appDb = await openMigratedDatabase(config, new DefaultLogger('WARN'));
    sink = await startSmtpSink({ port: 0, outboxDir: path.join(config.DATA_DIR, 'outbox') });
  });
  afterAll(async () => {
    await sink?.close();
    await appDb?.close();
    await env?.teardown();
  });

  const workerFor = (taskQueue: string, smtpPort: number) =>
    Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../../src/workflows'),
      activities: createActivities(activityDeps({ config, appDb, mail: createMailTransport({ ...config, SMTP_SINK_PORT: smtpPort }), signingKeys: [generateSigningKey('t1')], auditMacKeys: [generateSigningKey('a1')] })),
    });

  it('reports the database and SMTP as the worker sees them, and the worker as polling', async () => {
    const taskQueue = `system-check-${Date.now()}`;
    const worker = await workerFor(taskQueue, sink.port);
    const [checks, temporal] = await worker.runUntil(async () => {
      const result = await env.client.workflow.execute(systemCheck, { taskQueue, workflowId: `${taskQueue}-wf` });
      return [result, await checkTemporal(env.client, taskQueue)] as const;
    });
    expect(checks).toEqual([
      { part: 'database', status: 'ok', detail: `pglite, migrated to ${LATEST_MIGRATION}` },
      { part: 'smtp', status: 'ok', detail: `SMTP sink 127.0.0.1:${sink.port} accepts RCPT TO <jukinet-ops@localhost>: 250 Accepted` },
      { part: 'mail', status: 'ok', detail: 'every mail delivered (none waiting over 1 min)' },
    ]);
    expect(temporal.map((c) => [c.part, c.status])).toEqual([
      ['temporal', 'ok'],
      ['namespace', 'ok'],
      ['worker', 'ok'],
    ]);
  });

  it('reports a mail relay that does not answer as failing, without failing the workflow', async () => {
    const taskQueue = `system-check-dead-smtp-${Date.now()}`;
    const closed = await startSmtpSink({ port: 0, outboxDir: path.join(config.DATA_DIR, 'outbox2') });
    await closed.close();
    const worker = await workerFor(taskQueue, closed.port);
    const checks = await worker.runUntil(env.client.workflow.execute(systemCheck, { taskQueue, workflowId: `${taskQueue}-wf` }));
    expect(checks.find((c) => c.part === 'smtp')?.status).toBe('fail');
    expect(checks.find((c) => c.part === 'database')?.status).toBe('ok');
  });

  it('lists mail the relay has not taken for over a minute, with its last error', async () => {
    const taskQueue = `system-check-undelivered-${Date.now()}`;
    await appDb.db
      .insertInto('sent_mail')
      .values({ key: `stuck-${taskQueue}`, recipient: '中西 弘 <fukuchoucho@katsuragi.example.jp>', subject: '【要回答】招集', created_at: new Date(Date.now() - 5 * 60_000), attempts: 4, last_error: 'EENVELOPE at RCPT TO: 451 4.3.0 relay busy' })
      .execute();
    const worker = await workerFor(taskQueue, sink.port);
    const checks = await worker.runUntil(env.client.workflow.execute(systemCheck, { taskQueue, workflowId: `${taskQueue}-wf` }));
    const mail = checks.find((c) => c.part === 'mail')!;
    expect(mail.status).toBe('fail');
    expect(mail.detail).toContain('1 mail(s) undelivered for over 1 min: 中西 弘 <fukuchoucho@katsuragi.example.jp> "【要回答】招集"');
    expect(mail.detail).toContain('4 attempt(s), last error: EENVELOPE at RCPT TO: 451 4.3.0 relay busy');
    await appDb.db.deleteFrom('sent_mail').where('key', '=', `stuck-${taskQueue}`).execute();
  });

  it('finds no worker on a task queue nobody polls', async () => {
    const checks = await checkTemporal(env.client, `nobody-${Date.now()}`);
    expect(checks.find((c) => c.part === 'worker')).toMatchObject({ status: 'fail' });
  });
});
