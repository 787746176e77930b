// The parts of a running jukinet-ops and how to tell each is well. Used by the health endpoint,
// by `jukinet-ops doctor`, and (database, SMTP) by the systemCheck workflow's activities, so the
// worker reports on its own view of the world.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Kysely } from 'kysely';
import type { Transporter } from 'nodemailer';
import { undeliveredMail } from './db/delivery';
import { appliedMigration, LATEST_MIGRATION } from './db/migrations';
import type { Database } from './db/schema';
import type { Check, HealthPart } from './domain/health';

const CHECK_TIMEOUT_MS = 5_000;

async function guarded(part: HealthPart, fn: () => Promise<Check>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve({ part, status: 'fail', detail: `no answer within ${CHECK_TIMEOUT_MS / 1000} s` }), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } catch (err) {
    return { part, status: 'fail', detail: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** A poller counts as alive when it polled within this window (a long poll lasts up to a minute). */
const POLLER_FRESH_MS = 90_000;

export async function checkTemporal(client: Client, taskQueue: string): Promise<Check[]> {
  const service = client.workflowService;
  const reachable = await guarded('temporal', async () => {
    const info = await service.getSystemInfo({});
    return { part: 'temporal', status: 'ok', detail: `server ${info.serverVersion || 'reachable'}` };
  });
  if (reachable.status !== 'ok') {
    return [
      reachable,
      { part: 'namespace', status: 'skipped', detail: 'Temporal unreachable' },
      { part: 'worker', status: 'skipped', detail: 'Temporal unreachable' },
    ];
  }
  const namespace = await guarded('namespace', async () => {
    await service.describeNamespace({ namespace: client.options.namespace });
    return { part: 'namespace', status: 'ok', detail: client.options.namespace };
  });
  const worker = await guarded('worker', async () => {
    const r = await service.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    const now = Date.now();
    const alive = (r.pollers ?? []).filter((p) => {
      const s = p.lastAccessTime?.seconds;
      return s != null && now - Number(s) * 1000 < POLLER_FRESH_MS;
    });
    return alive.length > 0
      ? { part: 'worker', status: 'ok', detail: `${alive.length} poller(s) on task queue ${taskQueue}` }
      : { part: 'worker', status: 'fail', detail: `no worker polling task queue ${taskQueue}` };
  });
  return [reachable, namespace, worker];
}

export function checkDatabase(db: Kysely<any>, engine: string): Promise<Check> {
  return guarded('database', async () => {
    const applied = await appliedMigration(db);
    return applied === LATEST_MIGRATION
      ? { part: 'database', status: 'ok', detail: `${engine}, migrated to ${applied}` }
      : { part: 'database', status: 'fail', detail: `${engine}, at ${applied ?? 'no migration'}; expected ${LATEST_MIGRATION}` };
  });
}

export function checkSmtp(transport: Transporter, description: string): Promise<Check> {
  return guarded('smtp', async () => {
    await transport.verify();
    return { part: 'smtp', status: 'ok', detail: `${description} accepting` };
  });
}

/** Mail the relay has not taken for longer than this is reported by `doctor`. */
export const UNDELIVERED_AFTER_MS = 60_000;

/** Mail not accepted by the relay for over a minute: whom it is for, since when, the last SMTP error. */
export function checkMailDelivery(db: Kysely<Database>): Promise<Check> {
  return guarded('mail', async () => {
    const stuck = await undeliveredMail(db, UNDELIVERED_AFTER_MS);
    if (stuck.length === 0) return { part: 'mail', status: 'ok', detail: 'every mail delivered (none waiting over 1 min)' };
    const shown = stuck
      .slice(0, 5)
      .map((m) => `${m.recipient} "${m.subject}" since ${m.since.toISOString()}, ${m.attempts} attempt(s)${m.lastError ? `, last error: ${m.lastError}` : ''}`);
    return { part: 'mail', status: 'fail', detail: `${stuck.length} mail(s) undelivered for over 1 min: ${shown.join('; ')}${stuck.length > 5 ? '; …' : ''}` };
  });
}
