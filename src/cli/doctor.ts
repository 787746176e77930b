// `jukinet-ops doctor`: checks each part from the outside (Temporal, namespace, a worker on the
// task queue), then asks a worker to run the systemCheck workflow, so the database and SMTP
// checks are the worker's own view of them.
import type { Client } from '@temporalio/client';
import { type Config, isEmbeddedTemporal } from '../config';
import { type Check, HEALTH_PARTS, overallStatus } from '../domain/health';
import { checkPdfFont, checkTemporal } from '../health';
import type { systemCheck } from '../workflows';
import { connectClient } from '../temporal/connection';

const MARK = { ok: '✔', fail: '✘', skipped: '–' } as const;

/** The parts the systemCheck workflow reports, as a worker sees them. */
const FROM_WORKER = ['database', 'smtp', 'mail'] as const;
type FromWorker = (typeof FROM_WORKER)[number];

export async function collectDoctorChecks(config: Config): Promise<{ checks: Check[]; systemCheckWorkflowId?: string }> {
  // The font is this host's own: checked whatever Temporal says.
  const font = checkPdfFont(config.PDF_FONT_PATH);
  const r = await collectRemoteChecks(config);
  return { ...r, checks: [...r.checks, font] };
}

async function collectRemoteChecks(config: Config): Promise<{ checks: Check[]; systemCheckWorkflowId?: string }> {
  let client: Client;
  try {
    client = await connectClient(config, { connectTimeout: '5s' });
  } catch (e) {
    return {
      checks: HEALTH_PARTS.filter((part) => part !== 'pdfFont').map((part) =>
        part === 'temporal'
          ? { part, status: 'fail', detail: (e as Error).message }
          : { part, status: 'skipped', detail: 'Temporal unreachable' },
      ),
    };
  }
  try {
    const temporal = await checkTemporal(client, config.TEMPORAL_TASK_QUEUE);
    if (temporal.find((c) => c.part === 'worker')?.status !== 'ok') {
      const skipped = (part: FromWorker): Check => ({ part, status: 'skipped', detail: 'checked by a worker; none is polling' });
      return { checks: [...temporal, ...FROM_WORKER.map(skipped)] };
    }
    const workflowId = `system-check-${new Date().toISOString()}`;
    try {
      const fromWorker = await client.workflow.execute<typeof systemCheck>('systemCheck', {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId,
        workflowExecutionTimeout: '1 minute',
      });
      return { checks: [...temporal, ...fromWorker.map((c) => ({ ...c, detail: `${c.detail} (from the worker)` }))], systemCheckWorkflowId: workflowId };
    } catch (e) {
      const failed = (part: FromWorker): Check => ({ part, status: 'fail', detail: `systemCheck workflow failed: ${(e as Error).message}` });
      return { checks: [...temporal, ...FROM_WORKER.map(failed)], systemCheckWorkflowId: workflowId };
    }
  } finally {
    await client.connection.close();
  }
}

export async function runDoctor(config: Config, o: { json: boolean; out: (line: string) => void }): Promise<number> {
  const { checks, systemCheckWorkflowId } = await collectDoctorChecks(config);
  const status = overallStatus(checks);
  if (o.json) {
    o.out(JSON.stringify({ status, checks, systemCheckWorkflowId }, null, 2));
  } else {
    o.out('jukinet-ops doctor');
    for (const c of checks) o.out(`  ${MARK[c.status]} ${c.part.padEnd(10)} ${c.detail}`);
    o.out(status === 'ok' ? 'All parts are well (すべて正常です).' : 'Some parts need attention (異常があります).');
    if (isEmbeddedTemporal(config) && checks[0].status !== 'ok') o.out('Is the embedded stack running? Start it with `npm start`.');
  }
  return status === 'ok' ? 0 : 1;
}
