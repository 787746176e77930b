// The embedded stack behind `npm start`: the whole product on one machine with no configuration.
// Temporal dev server (SQLite in the data folder) + PGlite + SMTP sink + worker + API/console,
// all in this one process because PGlite serves a single process. Stopping undoes each part in
// reverse order, and the data folder is reused by the next start.
import * as fs from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Logger } from '@temporalio/worker';
import { createWorker } from '../../worker';
import { listen } from '../api/server';
import { type Config, dataPath, isEmbeddedTemporal, publicUrl, temporalUiUrl } from '../config';
import { createMailTransport } from '../mail';
import { parseDuration } from '../domain/duration';
import { checkProfiles, openMigratedDatabase, resolveAuditMacKeys, resolveSigningKeys, storeProfiles } from '../runtime';
import { ensureAuditAnchor } from '../temporal/audit-anchor';
import { connectClient, connectWorker } from '../temporal/connection';
import { registerSearchAttributes } from '../temporal/search-attributes';
import { devServerExecutable } from '../temporal/tools';
import { Outbox } from './outbox';
import { startSmtpSink } from './smtp-sink';

export interface EmbeddedStack {
  urls: { console: string; outbox?: string; temporalUi?: string; health: string };
  stop(): Promise<void>;
}

export class AlreadyRunningError extends Error {
  constructor(pid: number, dir: string) {
    super(`jukinet-ops is already running on ${dir} (pid ${pid}); stop it first or set DATA_DIR`);
    this.name = 'AlreadyRunningError';
  }
}

const pidFile = (c: Config) => dataPath(c, 'jukinet-ops.pid');

function runningPid(c: Config): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile(c), 'utf8'));
    if (!pid || pid === process.pid) return undefined;
    process.kill(pid, 0); // throws when no such process: a stale file from a crash
    return pid;
  } catch {
    return undefined;
  }
}

/** Whether an embedded stack holds this data folder now. */
export function embeddedStackRunning(c: Config): boolean {
  return runningPid(c) !== undefined;
}

function claimDataDir(c: Config): () => void {
  const dir = dataPath(c);
  fs.mkdirSync(dir, { recursive: true });
  const pid = runningPid(c);
  if (pid !== undefined) throw new AlreadyRunningError(pid, dir);
  fs.writeFileSync(pidFile(c), String(process.pid));
  return () => fs.rmSync(pidFile(c), { force: true });
}

export async function startEmbeddedStack(config: Config, logger: Logger, progress: (line: string) => void): Promise<EmbeddedStack> {
  const undo: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    while (undo.length > 0) {
      try {
        await undo.pop()!();
      } catch (err) {
        logger.warn('Error while stopping', { error: String(err) });
      }
    }
  };
  try {
    // The profiles first: a bad file stops the start before any server or database is touched.
    const profiles = checkProfiles(config);
    undo.push(claimDataDir(config));

    if (isEmbeddedTemporal(config)) {
      const executable = devServerExecutable(config);
      progress(
        executable.type === 'existing-path'
          ? `Starting the Temporal dev server (${executable.path})…`
          : 'Starting the Temporal dev server (the SDK downloads it the first time)…',
      );
      const temporalServer = await TestWorkflowEnvironment.createLocal({
        server: {
          executable,
          dbFilename: dataPath(config, 'temporal.sqlite'),
          ip: '127.0.0.1',
          port: config.TEMPORAL_DEV_PORT,
          ui: true,
          uiPort: config.TEMPORAL_DEV_UI_PORT,
          namespace: config.TEMPORAL_NAMESPACE,
          log: { format: 'pretty', level: 'error' },
        },
      });
      undo.push(() => temporalServer.teardown());
    }

    progress(config.DATABASE_URL ? 'Opening PostgreSQL…' : 'Opening the embedded database (PGlite)…');
    const appDb = await openMigratedDatabase(config, logger);
    undo.push(() => appDb.close());
    await storeProfiles(appDb, profiles, logger);

    let outbox: Outbox | undefined;
    if (!config.SMTP_URL) {
      const sink = await startSmtpSink({ port: config.SMTP_SINK_PORT, outboxDir: dataPath(config, 'outbox') });
      undo.push(() => sink.close());
      outbox = new Outbox(dataPath(config, 'outbox'));
    }
    const mail = createMailTransport(config);
    undo.push(() => mail.transport.close());

    const client = await connectClient(config);
    undo.push(() => client.connection.close());
    await registerSearchAttributes(client);

    progress('Starting the worker…');
    const workerConnection = await connectWorker(config);
    undo.push(() => workerConnection.close());
    const signingKeys = resolveSigningKeys(config);
    const auditMacKeys = resolveAuditMacKeys(config);
    const worker = await createWorker({ config, connection: workerConnection, appDb, mail, logger, signingKeys, auditMacKeys });
    const running = worker.run();
    undo.push(async () => {
      worker.shutdown();
      await running;
    });
    running.catch((err) => logger.error('Worker stopped with an error', { error: String(err) }));
    await ensureAuditAnchor(client, { taskQueue: config.TEMPORAL_TASK_QUEUE, intervalMs: parseDuration(config.AUDIT_ANCHOR_INTERVAL)! });

    const http = await listen({ config, client, appDb, mail, logger, signingKeys, auditMacKeys, ...(outbox ? { outbox } : {}) });
    undo.push(() => http.close());

    const base = publicUrl(config);
    const ui = temporalUiUrl(config);
    return {
      urls: {
        console: `${base}/`,
        ...(outbox ? { outbox: `${base}/outbox` } : {}),
        ...(ui ? { temporalUi: `${ui}/` } : {}),
        health: `${base}/api/health`,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
