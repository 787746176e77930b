// The mail transport: a real relay when SMTP_URL is set, else the embedded SMTP sink on loopback.
import nodemailer, { type Transporter } from 'nodemailer';
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
