// The parts of a running jukinet-ops and how to tell each is well. Used by the health endpoint,
// by `jukinet-ops doctor`, and (database, SMTP) by the systemCheck workflow's activities, so the
// worker reports on its own view of the world.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Kysely } from 'kysely';
import type { Transporter } from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { undeliveredMail } from './db/delivery';
import { appliedMigration, LATEST_MIGRATION } from './db/migrations';
import type { Database } from './db/schema';
import type { Check, HealthPart } from './domain/health';
import type { MailTransport } from './mail';
import { checkJapaneseFont, resolveJapaneseFont } from './documents/pdf';

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

/**
 * How long a live worker may go without a new poll. The server's `lastAccessTime` is when a
 * poll arrived; a worker's long poll waits up to a minute (the server's long-poll expiry) for a
 * task, then it polls again, so an idle live worker's last poll is 0–60 s old (measured on the
 * dev server: it climbs to 60 s and drops to 0). Anything shorter than a minute would call a
 * live idle worker dead; a stopped one shows as failed 70 s after its last poll at the latest.
 */
const LONG_POLL_MS = 60_000;
export const POLLER_FRESH_MS = LONG_POLL_MS + 10_000;

const TASK_QUEUE_TYPES = [temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY];

export interface TemporalCheckOptions {
  /** The clock poll ages are measured by (tests move it). */
  now?: () => number;
}

export async function checkTemporal(client: Client, taskQueue: string, o: TemporalCheckOptions = {}): Promise<Check[]> {
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
    const described = await Promise.all(
      TASK_QUEUE_TYPES.map((taskQueueType) =>
        service.describeTaskQueue({
          namespace: client.options.namespace,
          taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType,
        }),
      ),
    );
    const polls = described.flatMap((r) => r.pollers ?? []).flatMap((p) => (p.lastAccessTime?.seconds != null ? [{ identity: p.identity ?? '', at: Number(p.lastAccessTime.seconds) * 1000 + Math.floor((p.lastAccessTime.nanos ?? 0) / 1e6) }] : []));
    if (polls.length === 0) return { part: 'worker', status: 'fail', detail: `no worker polling task queue ${taskQueue}` };
    const now = (o.now ?? Date.now)();
    const ageS = (at: number) => Math.max(0, Math.round((now - at) / 1000));
    const newest = Math.max(...polls.map((p) => p.at));
    const alive = new Set(polls.filter((p) => now - p.at < POLLER_FRESH_MS).map((p) => p.identity));
    return alive.size > 0
      ? { part: 'worker', status: 'ok', detail: `${alive.size} worker(s) polling task queue ${taskQueue}, last poll ${ageS(newest)} s ago` }
      : { part: 'worker', status: 'fail', detail: `no poll on task queue ${taskQueue} for ${ageS(newest)} s (a live worker polls at least every ${LONG_POLL_MS / 1000} s)` };
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

/** Who the SMTP check names in its envelope: MAIL_FROM (a display name allowed) and a recipient, MAIL_FROM's address unless set. */
export interface SmtpCheckEnvelope {
  mailFrom: string;
  recipient?: string | undefined;
}

/** SMTPConnection's command channel, as its own reset() uses it: nodemailer has no public call for an envelope without DATA. */
interface CommandChannel {
  _sendCommand(line: string): void;
  _responseActions: Array<(reply: string) => void>;
}

/**
 * Asks the relay what it would do with a message, as far as RCPT TO and no further: connect,
 * log in, MAIL FROM, RCPT TO, then RSET and QUIT. A relay answering 451 to every recipient
 * accepts logins all the same, so a login alone says nothing about delivery.
 */
async function rcptReply(transport: Transporter, from: string, to: string): Promise<string> {
  const options = (transport.transporter as unknown as { options: SMTPConnection.Options & { auth?: SMTPConnection.Credentials } }).options;
  const connection = new SMTPConnection({ ...options, connectionTimeout: CHECK_TIMEOUT_MS, greetingTimeout: CHECK_TIMEOUT_MS, socketTimeout: CHECK_TIMEOUT_MS });
  const lost = new Promise<never>((_, reject) => {
    connection.once('error', reject);
    connection.once('end', () => reject(new Error('the relay closed the connection')));
  });
  lost.catch(() => undefined);
  const step = <T>(p: Promise<T>) => Promise.race([p, lost]);
  const channel = connection as unknown as CommandChannel;
  const command = (line: string) =>
    step(
      new Promise<string>((resolve) => {
        channel._responseActions.push(resolve);
        channel._sendCommand(line);
      }),
    );
  let connected = false;
  try {
    await step(new Promise<void>((resolve, reject) => connection.connect((err) => (err ? reject(err) : resolve()))));
    connected = true;
    if (options.auth && connection.allowsAuth) {
      await step(new Promise<void>((resolve, reject) => connection.login(options.auth!, (err) => (err ? reject(err) : resolve()))));
    }
    const mail = await command(`MAIL FROM:<${from}>`);
    if (!mail.startsWith('2')) throw new Error(`refuses MAIL FROM <${from}>: ${mail}`);
    const rcpt = await command(`RCPT TO:<${to}>`);
    await command('RSET');
    return rcpt;
  } finally {
    if (connected) connection.quit();
    else connection.close();
  }
}

export function checkSmtp(mail: MailTransport, envelope: SmtpCheckEnvelope): Promise<Check> {
  return guarded('smtp', async () => {
    const from = /<([^<>]+)>/.exec(envelope.mailFrom)?.[1] ?? envelope.mailFrom.trim();
    const to = envelope.recipient ?? from;
    const reply = await rcptReply(mail.transport, from, to).catch((err: unknown) => {
      throw new Error(`${mail.description}: ${err instanceof Error ? err.message : String(err)}`);
    });
    return reply.startsWith('2')
      ? { part: 'smtp', status: 'ok', detail: `${mail.description} accepts RCPT TO <${to}>: ${reply}` }
      : { part: 'smtp', status: 'fail', detail: `${mail.description} refuses RCPT TO <${to}>: ${reply}` };
  });
}

/**
 * The Japanese font generated documents (reports, letters) embed: found (PDF_FONT_PATH or a system
 * path) and able to draw Japanese. Checked where it runs; reports are generated by the API and the worker.
 */
export function checkPdfFont(configured: string | undefined): Check {
  try {
    return { part: 'pdfFont', status: 'ok', detail: checkJapaneseFont(resolveJapaneseFont({ configured })) };
  } catch (err) {
    return { part: 'pdfFont', status: 'fail', detail: err instanceof Error ? err.message : String(err) };
  }
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
