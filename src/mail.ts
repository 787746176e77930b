// The mail transport: a real relay when SMTP_URL is set, else the embedded SMTP sink on loopback.
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Database } from './db/schema';
import { type Config, maskUrlPassword } from './config';
import { parseDuration } from './domain/duration';

export interface MailTransport {
  transport: Transporter;
  /** Where mail goes, safe to show (no password). */
  description: string;
}

/** Connecting and the relay's greeting take at most this long (or SMTP_TIMEOUT if shorter). */
const CONNECT_TIMEOUT_MS = 30_000;

/**
 * `pool`: a few connections kept open and reused, each carrying many messages — for sending to
 * thousands of persons, where a connection per message would spend most of its time greeting.
 */
export function createMailTransport(c: Config, o: { pool?: { maxConnections: number } } = {}): MailTransport {
  // nodemailer would wait up to 10 minutes for a silent relay: far past the mail activities'
  // start-to-close timeout, after which the server retries a send that is still running.
  const socketTimeout = parseDuration(c.SMTP_TIMEOUT)!;
  const timeouts = {
    connectionTimeout: Math.min(CONNECT_TIMEOUT_MS, socketTimeout),
    greetingTimeout: Math.min(CONNECT_TIMEOUT_MS, socketTimeout),
    socketTimeout,
    ...(o.pool ? { pool: true, maxConnections: o.pool.maxConnections, maxMessages: Infinity } : {}),
  };
  if (c.SMTP_URL) {
    return { transport: nodemailer.createTransport({ url: c.SMTP_URL, ...timeouts }), description: `SMTP relay ${maskUrlPassword(c.SMTP_URL)}` };
  }
  return {
    transport: nodemailer.createTransport({ host: '127.0.0.1', port: c.SMTP_SINK_PORT, secure: false, ignoreTLS: true, ...timeouts }),
    description: `SMTP sink 127.0.0.1:${c.SMTP_SINK_PORT}`,
  };
}

export interface OutgoingMail {
  /** Idempotency key: a message with the same key is sent once. */
  key: string;
  to: string;
  subject: string;
  text: string;
  /** Files sent with the message (a report's PDF). */
  attachments?: Array<{ filename: string; content: Buffer; contentType: string }>;
}

export interface SendResult {
  status: 'sent' | 'already-sent';
  /** When the relay accepted the message (by this attempt or an earlier one). */
  sentAt: Date;
}

export interface SendOptions {
  /** Called while the send runs (the activity heartbeats from it). */
  heartbeat?: () => void;
  /** How often a running send refreshes its in-progress mark and heartbeats. */
  beatMs?: number;
  /** A mark not refreshed for this long belongs to a dead attempt (a killed worker): send again. */
  staleAfterMs?: number;
  /** A send still running after this long stops refreshing its mark, so a hung attempt cannot block the mail for ever. */
  maxSendMs?: number;
}

/** Another attempt is sending this message right now; retry later, it will have finished. */
export class SendInProgressError extends Error {
  constructor(key: string, startedAt: Date | null) {
    super(`mail ${key}: an earlier attempt (started ${startedAt?.toISOString() ?? '?'}) is still sending it; not sending it twice`);
    this.name = 'SendInProgressError';
  }
}

/** An SMTP error as one line for the record: the relay's answer and the stage, no stack. */
export function describeSmtpError(err: unknown): string {
  const e = err as { message?: string; code?: string; command?: string; responseCode?: number; response?: string };
  const parts = [e.code, e.command && `at ${e.command}`].filter(Boolean).join(' ');
  const text = e.response && !(e.message ?? '').includes(e.response) ? `${e.message} (${e.response})` : (e.message ?? String(err));
  return (parts ? `${parts}: ${text}` : text).replace(/\s+/g, ' ').slice(0, 500);
}

/**
 * Sends a message once per key. The key is recorded, then the attempt marks itself as sending
 * (and keeps the mark fresh while the relay holds it), then the relay's acceptance is recorded.
 * A retry after a completed send finds `sent_at` and sends nothing; a retry while another attempt
 * is still sending finds its fresh mark and fails with SendInProgressError (retryable); a mark gone
 * stale is a dead attempt's, and the message is sent again. A failed send records its SMTP error.
 * (A worker killed after the relay took the message and before `sent_at` was written — while the
 * relay holds DATA — sends it again once the mark is stale; the Message-ID is derived from the key,
 * so mail clients show one message.)
 */
export async function sendMailOnce(db: Kysely<Database>, mail: MailTransport, from: string, m: OutgoingMail, o: SendOptions = {}): Promise<SendResult> {
  const beatMs = o.beatMs ?? 5_000;
  const staleAfterMs = o.staleAfterMs ?? 30_000;
  const maxSendMs = o.maxSendMs ?? 5 * 60_000;
  await db.insertInto('sent_mail').values({ key: m.key, recipient: m.to, subject: m.subject }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const attemptId = randomUUID();
  const now = new Date();
  const taken = await db
    .updateTable('sent_mail')
    .set((eb) => ({ attempt_id: attemptId, attempt_started_at: now, attempt_seen_at: now, attempts: eb('attempts', '+', 1) }))
    .where('key', '=', m.key)
    .where('sent_at', 'is', null)
    .where((eb) => eb.or([eb('attempt_id', 'is', null), eb('attempt_seen_at', '<', new Date(now.getTime() - staleAfterMs))]))
    .executeTakeFirst();
  if (Number(taken.numUpdatedRows) === 0) {
    const row = await db.selectFrom('sent_mail').select(['sent_at', 'attempt_started_at']).where('key', '=', m.key).executeTakeFirstOrThrow();
    if (row.sent_at) return { status: 'already-sent', sentAt: row.sent_at };
    throw new SendInProgressError(m.key, row.attempt_started_at);
  }
  const updateMail = () => db.updateTable('sent_mail');
  const mine = () => updateMail().where('key', '=', m.key).where('attempt_id', '=', attemptId);

  const messageId = `<${createHash('sha256').update(m.key).digest('hex').slice(0, 32)}@jukinet-ops>`;
  const beat = setInterval(() => {
    o.heartbeat?.();
    if (Date.now() - now.getTime() < maxSendMs) {
      mine().set({ attempt_seen_at: new Date() }).execute().catch(() => undefined);
    }
  }, beatMs);
  try {
    await mail.transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, messageId, ...(m.attachments ? { attachments: m.attachments } : {}) });
  } catch (err) {
    clearInterval(beat);
    await mine().set({ attempt_id: null, last_error: describeSmtpError(err), last_error_at: new Date() }).execute();
    throw err;
  }
  clearInterval(beat);
  const sentAt = new Date();
  await updateMail().set({ sent_at: sentAt, message_id: messageId }).where('key', '=', m.key).where('sent_at', 'is', null).execute();
  await mine().set({ attempt_id: null }).execute();
  const row = await db.selectFrom('sent_mail').select('sent_at').where('key', '=', m.key).executeTakeFirstOrThrow();
  return { status: 'sent', sentAt: row.sent_at ?? sentAt };
}
