// The mail transport: a real relay when SMTP_URL is set, else the embedded SMTP sink on loopback.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Database } from './db/schema';
import { type Config, maskUrlPassword } from './config';

export interface MailTransport {
  transport: Transporter;
  /** Where mail goes, safe to show (no password). */
  description: string;
}

export function createMailTransport(c: Config): MailTransport {
  if (c.SMTP_URL) {
    return { transport: nodemailer.createTransport(c.SMTP_URL), description: `SMTP relay ${maskUrlPassword(c.SMTP_URL)}` };
  }
  return {
    transport: nodemailer.createTransport({ host: '127.0.0.1', port: c.SMTP_SINK_PORT, secure: false, ignoreTLS: true }),
    description: `SMTP sink 127.0.0.1:${c.SMTP_SINK_PORT}`,
  };
}

export interface OutgoingMail {
  /** Idempotency key: a message with the same key is sent once. */
  key: string;
  to: string;
  subject: string;
  text: string;
}

/**
 * Sends a message once per key. The key is recorded before sending and marked after; a retry
 * after a completed send finds the mark and sends nothing. (A crash between the relay's accept
 * and the mark can resend once; the Message-ID is derived from the key, so mail clients show
 * one message.)
 */
export async function sendMailOnce(db: Kysely<Database>, mail: MailTransport, from: string, m: OutgoingMail): Promise<'sent' | 'already-sent'> {
  const existing = await db.selectFrom('sent_mail').select('sent_at').where('key', '=', m.key).executeTakeFirst();
  if (existing?.sent_at) return 'already-sent';
  if (!existing) {
    await db.insertInto('sent_mail').values({ key: m.key, recipient: m.to, subject: m.subject }).onConflict((oc) => oc.column('key').doNothing()).execute();
  }
  const messageId = `<${createHash('sha256').update(m.key).digest('hex').slice(0, 32)}@jukinet-ops>`;
  await mail.transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, messageId });
  await db.updateTable('sent_mail').set({ sent_at: new Date(), message_id: messageId }).where('key', '=', m.key).execute();
  return 'sent';
}
