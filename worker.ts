// The worker: runs the procedures' workflows and activities on the task queue. `createWorker`
// wires injected dependencies (the embedded stack uses it too); `main` is the production entry,
// a process of its own against a Temporal cluster, PostgreSQL and an SMTP relay.
import { parseLedgerDirectoriesEnv } from './src/imports/ledger-ldap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Logger, type NativeConnection, Worker } from '@temporalio/worker';
import type { Transporter } from 'nodemailer';
import { type ActivityDeps, createActivities } from './src/activities';
import { type Config, loadConfig, publicUrl } from './src/config';
import { parseDuration } from './src/domain/duration';
import { resolveJapaneseFont } from './src/documents/pdf';
import type { SigningKey } from './src/tokens';
import type { AppDatabase } from './src/db';
import { createMailTransport, type MailTransport } from './src/mail';
import { installRuntime, onShutdownSignal, openMigratedDatabase, requireSharedParts, resolveAuditMacKeys, resolveSigningKeys } from './src/runtime';
import { ensureAuditAnchor } from './src/temporal/audit-anchor';
import { connectClient, connectWorker } from './src/temporal/connection';

/** SMTP connections a notification batch keeps open (and messages in flight at once). */
const NOTIFY_CONNECTIONS = 5;

export const WORKFLOW_BUNDLE_PATH = path.join(__dirname, 'dist', 'workflow-bundle.js');

export interface WorkerDeps {
  config: Config;
  connection: NativeConnection;
  appDb: AppDatabase;
  mail: MailTransport;
  signingKeys: SigningKey[];
  /** The first MACs new audit rows; all verify. */
  auditMacKeys: SigningKey[];
  logger: Logger;
  /** Where the notify lane's pooled transports are listed as they are opened, for whoever closes them at shutdown. */
  notifyTransports?: Transporter[];
}

export function activityDeps({ config, appDb, mail, signingKeys, auditMacKeys, notifyTransports }: Omit<WorkerDeps, 'connection' | 'logger'>): ActivityDeps {
  return {
    db: appDb.db,
    engine: appDb.engine,
    mail,
    mailFrom: config.MAIL_FROM,
    smtpCheckRecipient: config.SMTP_CHECK_RECIPIENT,
    signingKeys,
    auditMacKeys,
    publicUrl: publicUrl(config),
    linkTtlMs: parseDuration(config.TASK_LINK_TTL)!,
    createNotifyTransport: () => {
      const { transport } = createMailTransport(config, { pool: { maxConnections: NOTIFY_CONNECTIONS } });
      notifyTransports?.push(transport);
      return transport;
    },
    notifyConcurrency: NOTIFY_CONNECTIONS,
    notifyStaleAfterMs: parseDuration(config.NOTIFY_STALE_AFTER)!,
    // PGlite blocks the event loop (and the SMTP connections) for each statement: gather marks.
    notifyMarkGatherMs: appDb.engine === 'pglite' ? 50 : 0,
    ...(config.PDF_FONT_PATH ? { pdfFontPath: config.PDF_FONT_PATH } : {}),
    ...(config.ALERT_WEBHOOK_URL ? { alertWebhookUrl: config.ALERT_WEBHOOK_URL } : {}),
    ...(config.NETWORK_OPERATOR_API_KEY ? { networkOperatorApiKey: config.NETWORK_OPERATOR_API_KEY } : {}),
    pdfFont: () => resolveJapaneseFont({ configured: config.PDF_FONT_PATH }),
    directories: parseLedgerDirectoriesEnv(config.LEDGER_DIRECTORIES),
  };
}

/** Workflow executions a worker keeps in memory; more are replayed from their history when they next run. */
export const MAX_CACHED_WORKFLOWS = 1000;

export function createWorker(deps: WorkerDeps): Promise<Worker> {
  const { config, connection, logger } = deps;
  // In production the workflows are bundled ahead of time (`npm run build:workflows`).
  const prebuilt = config.NODE_ENV === 'production' && fs.existsSync(WORKFLOW_BUNDLE_PATH);
  logger.info(prebuilt ? `Workflows from the prebuilt bundle ${WORKFLOW_BUNDLE_PATH}` : 'Workflows bundled from src/workflows');
  const workflows = prebuilt ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } } : { workflowsPath: require.resolve('./src/workflows') };
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...workflows,
    // Every organisation's review opens on the same morning and stays open for weeks: thousands of
    // open executions. The SDK's default cache (sized from the heap) held them all and ran the
    // workflow thread out of memory in the 1,741-organisation bench; evicted ones replay cheaply
    // (a review's histories stay under a hundred events).
    maxCachedWorkflows: MAX_CACHED_WORKFLOWS,
    // Fewer tasks taken at once than the SDK's defaults (40 and 100): a workflow task's 10-second
    // timeout starts when the worker takes it, and with 1,741 reviews opening together the tasks
    // taken queued behind each other on the workflow thread until the server timed them out and
    // handed them out again ("Workflow task not found"), a thrash that never finished. Left on the
    // server's queue instead, they wait without a clock running.
    maxConcurrentWorkflowTaskExecutions: 8,
    maxConcurrentActivityTaskExecutions: 40,
    // Two workflow threads rather than the SDK's one (with reused V8 contexts): in that bench the
    // one thread was the bottleneck, at 100% of a core, while the main thread (activities, the
    // API) used under a tenth of the other.
    workflowThreadPoolSize: 2,
    activities: createActivities(activityDeps(deps)),
  });
}

export async function main(): Promise<void> {
  const config = loadConfig();
  requireSharedParts(config, 'worker');
  const logger = installRuntime(config);
  const appDb = await openMigratedDatabase(config, logger);
  const mail = createMailTransport(config);
  const connection = await connectWorker(config);
  const notifyTransports: Transporter[] = [];
  const worker = await createWorker({ config, connection, appDb, mail, logger, signingKeys: resolveSigningKeys(config), auditMacKeys: resolveAuditMacKeys(config), notifyTransports });
  const running = worker.run();
  const client = await connectClient(config);
  await ensureAuditAnchor(client, { taskQueue: config.TEMPORAL_TASK_QUEUE, intervalMs: parseDuration(config.AUDIT_ANCHOR_INTERVAL)! });
  await client.connection.close();
  const close = async () => {
    await connection.close();
    mail.transport.close();
    // The notify lane's pooled SMTP connections too: a relay sees them quit, not drop.
    for (const t of notifyTransports) t.close();
    await appDb.close();
  };
  onShutdownSignal(logger, async () => {
    worker.shutdown();
    await running;
    await close();
  });
  logger.info(`Worker polling task queue ${config.TEMPORAL_TASK_QUEUE}`);
  try {
    await running;
  } catch (err) {
    await close();
    throw err;
  }
}
