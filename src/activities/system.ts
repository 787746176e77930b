// Activities of the systemCheck workflow: the worker's own view of the database and the mail relay.
import type { Kysely } from 'kysely';
import type { Check } from '../domain/health';
import { checkDatabase, checkMailDelivery, checkSmtp } from '../health';
import type { MailTransport } from '../mail';

export interface SystemActivityDeps {
  db: Kysely<any>;
  engine: string;
  mail: MailTransport;
  /** MAIL_FROM and SMTP_CHECK_RECIPIENT: the envelope the SMTP check asks the relay about. */
  mailFrom: string;
  smtpCheckRecipient?: string | undefined;
}

export function createSystemActivities({ db, engine, mail, mailFrom, smtpCheckRecipient }: SystemActivityDeps) {
  return {
    async checkDatabaseFromWorker(): Promise<Check> {
      return checkDatabase(db, engine);
    },
    async checkSmtpFromWorker(): Promise<Check> {
      return checkSmtp(mail, { mailFrom, recipient: smtpCheckRecipient });
    },
    async checkMailDeliveryFromWorker(): Promise<Check> {
      return checkMailDelivery(db);
    },
  };
}
