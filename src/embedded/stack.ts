// The embedded stack behind `npm start`: the whole product on one machine with no configuration.
// Temporal dev server (SQLite in the data folder) + PGlite + SMTP sink + worker + API/console,
// all in this one process because PGlite serves a single process. Stopping undoes each part in
// reverse order, also when a signal comes while starting, and the data folder is reused by the
// next start. No process outlives the stack: a watchdog stops the dev server if this process is
// killed, and the next start stops a dev server of this data folder that is still running.
import type { Transporter } from 'nodemailer';
import { firstAdminLink, setupUrl } from '../auth/accounts';
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
import { connectClient, connectWorker, probeTemporal } from '../temporal/connection';
import { registerSearchAttributes } from '../temporal/search-attributes';
import { syncReviewSchedules } from '../temporal/review-schedule';
import { devServerExecutable } from '../temporal/tools';
import { ensurePortFree, listenOn, StartupError } from '../startup';
import { Outbox } from './outbox';
import { commandLine, devServersOf, stopProcess, watchdog } from './processes';
import { startSmtpSink } from './smtp-sink';

export interface EmbeddedStack {
  /** Resolves once every part runs; never settles when stop() came first. */
  /** `setup`: the first administrator's one-time link, on a data folder with no account yet. */
  ready: Promise<{ console: string; outbox?: string; temporalUi?: string; health: string; setup?: string }>;
  /** Stops what has started so far, also while starting (a signal in the first seconds). */
  stop(): Promise<void>;
}

class AlreadyRunningError extends StartupError {
  constructor(pid: number, dir: string, file: string) {
    super('DATA_DIR', `jukinet-ops is already running on ${dir} (pid ${pid}); stop it first or set DATA_DIR (すでに起動しています。残っている古いファイルなら ${file} を確認して削除してください)`);
    this.name = 'AlreadyRunningError';
  }
}

const pidFile = (c: Config) => dataPath(c, 'jukinet-ops.pid');

/** The pid of the jukinet-ops holding the data folder; a file left by a crash, or naming a reused pid, is stale. */
function runningPid(c: Config): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile(c), 'utf8'));
    if (!pid || pid === process.pid) return undefined;
    process.kill(pid, 0); // throws when no such process
  } catch {
    return undefined;
  }
  const command = commandLine(pid);
  return command === undefined || /\bjukinet-ops(\.js)? start\b/.test(command) ? pid : undefined;
}

/** Whether an embedded stack holds this data folder now. */
export function embeddedStackRunning(c: Config): boolean {
  return runningPid(c) !== undefined;
}

function claimDataDir(c: Config): () => void {
  const dir = dataPath(c);
  fs.mkdirSync(dir, { recursive: true });
  const pid = runningPid(c);
  if (pid !== undefined) throw new AlreadyRunningError(pid, dir, pidFile(c));
  fs.writeFileSync(pidFile(c), String(process.pid));
  return () => fs.rmSync(pidFile(c), { force: true });
}

export function startEmbeddedStack(config: Config, logger: Logger, progress: (line: string) => void): EmbeddedStack {
  const undo: Array<() => Promise<void> | void> = [];
  const undoAll = async () => {
    while (undo.length > 0) {
      try {
        await undo.pop()!();
      } catch (err) {
        logger.warn('Error while stopping', { error: String(err) });
      }
    }
  };
  let stopping = false;
  /** After each step: a stop requested meanwhile ends the start here, undoing what has started. */
  const checkpoint = () => {
    if (stopping) throw new Error('stopped while starting');
  };

  const start = async () => {
    try {
      // The profiles first: a bad file stops the start before any server or database is touched.
      const profiles = checkProfiles(config);
      undo.push(claimDataDir(config));
      const temporalDb = dataPath(config, 'temporal.sqlite');
      for (const pid of devServersOf(temporalDb)) {
        progress(`Stopping a Temporal dev server an earlier run left behind (pid ${pid})…`);
        await stopProcess(pid);
      }
      // Every port before anything starts: another installation's Temporal on TEMPORAL_DEV_PORT must not be shared.
      const ports: Array<[string, number, string]> = [['PORT', config.PORT, config.HOST]];
      if (isEmbeddedTemporal(config)) ports.push(['TEMPORAL_DEV_PORT', config.TEMPORAL_DEV_PORT, '127.0.0.1'], ['TEMPORAL_DEV_UI_PORT', config.TEMPORAL_DEV_UI_PORT, '127.0.0.1']);
      if (!config.SMTP_URL) ports.push(['SMTP_SINK_PORT', config.SMTP_SINK_PORT, '127.0.0.1']);
      for (const [variable, port, host] of ports) await ensurePortFree(variable, port, host);
      if (!isEmbeddedTemporal(config)) await probeTemporal(config); // before the database: fail within seconds

      progress(config.DATABASE_URL ? 'Opening PostgreSQL…' : 'Opening the embedded database (PGlite)…');
      const appDb = await openMigratedDatabase(config, logger);
      undo.push(() => appDb.close());
      checkpoint();
      await storeProfiles(appDb, profiles, logger);
      checkpoint();

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
            dbFilename: temporalDb,
            ip: '127.0.0.1',
            port: config.TEMPORAL_DEV_PORT,
            ui: true,
            uiPort: config.TEMPORAL_DEV_UI_PORT,
            namespace: config.TEMPORAL_NAMESPACE,
            log: { format: 'pretty', level: 'error' },
          },
        }).catch(async (err: unknown) => {
          // A port taken since the check above: say which, not the SDK's advice about temp files.
          await ensurePortFree('TEMPORAL_DEV_PORT', config.TEMPORAL_DEV_PORT);
          await ensurePortFree('TEMPORAL_DEV_UI_PORT', config.TEMPORAL_DEV_UI_PORT);
          throw err;
        });
        undo.push(() => temporalServer.teardown());
        // The server must not outlive us, even after kill -9: a watchdog stops it then.
        for (const pid of devServersOf(temporalDb, process.pid)) undo.push(watchdog(pid, temporalDb));
        checkpoint();
      }

      const client = await connectClient(config);
      undo.push(() => client.connection.close());
      checkpoint();

      let outbox: Outbox | undefined;
      if (!config.SMTP_URL) {
        const sink = await listenOn('SMTP_SINK_PORT', config.SMTP_SINK_PORT, () =>
          startSmtpSink({ port: config.SMTP_SINK_PORT, outboxDir: dataPath(config, 'outbox') }),
        );
        undo.push(() => sink.close());
        outbox = new Outbox(dataPath(config, 'outbox'));
        checkpoint();
      }
      const mail = createMailTransport(config);
      undo.push(() => mail.transport.close());

      await registerSearchAttributes(client);
      checkpoint();

      progress('Starting the worker…');
      const workerConnection = await connectWorker(config);
      undo.push(() => workerConnection.close());
      checkpoint();
      const signingKeys = resolveSigningKeys(config);
      const auditMacKeys = resolveAuditMacKeys(config);
      // The notify lane's pooled SMTP connections close after the worker has stopped (undone in reverse).
      const notifyTransports: Transporter[] = [];
      undo.push(() => notifyTransports.forEach((t) => t.close()));
      const worker = await createWorker({ config, connection: workerConnection, appDb, mail, logger, signingKeys, auditMacKeys, notifyTransports });
      const running = worker.run();
      undo.push(async () => {
        worker.shutdown();
        await running;
      });
      running.catch((err) => logger.error('Worker stopped with an error', { error: String(err) }));
      checkpoint();
      await ensureAuditAnchor(client, { taskQueue: config.TEMPORAL_TASK_QUEUE, intervalMs: parseDuration(config.AUDIT_ANCHOR_INTERVAL)! });
      checkpoint();
      // Each organisation's review and password-reminder Schedules, in step with the profiles just loaded (created, moved, or deleted).
      const schedules = await syncReviewSchedules(client, config.TEMPORAL_TASK_QUEUE, profiles.map(({ profile }) => ({ key: profile.organisation.key, profile })));
      logger.info('Review and password-reminder schedules in step with the profiles', { ...schedules });
      checkpoint();

      const http = await listen({ config, client, appDb, mail, logger, signingKeys, auditMacKeys, ...(outbox ? { outbox } : {}) });
      undo.push(() => http.close());
      checkpoint();

      const base = publicUrl(config);
      const ui = temporalUiUrl(config);
      const setupToken = await firstAdminLink({ db: appDb.db, auditMacKey: auditMacKeys[0], now: () => new Date() });
      return {
        console: `${base}/`,
        ...(setupToken ? { setup: setupUrl(base, setupToken) } : {}),
        ...(outbox ? { outbox: `${base}/outbox` } : {}),
        ...(ui ? { temporalUi: `${ui}/` } : {}),
        health: `${base}/api/health`,
      };
    } catch (err) {
      await undoAll();
      throw err;
    }
  };

  const started = start();
  let stopped: Promise<void> | undefined;
  return {
    ready: started.catch((err: unknown) => (stopping ? new Promise<never>(() => undefined) : Promise.reject(err))),
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        await started.catch(() => undefined);
        await undoAll();
      })()),
  };
}
