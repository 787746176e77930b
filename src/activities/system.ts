// Activities of the systemCheck workflow: the worker's own view of the database and the mail relay.
import type { Kysely } from 'kysely';
import type { Check } from '../domain/health';
import { checkDatabase, checkMailDelivery, checkSmtp } from '../health';
import type { MailTransport } from '../mail';

export interface SystemActivityDeps {
  db: Kysely<any>;
  engine: string;
  mail: MailTransport;
}

export function createSystemActivities({ db, engine, mail }: SystemActivityDeps) {
  return {
    async checkDatabaseFromWorker(): Promise<Check> {
      return checkDatabase(db, engine);
    },
    async checkSmtpFromWorker(): Promise<Check> {
      return checkSmtp(mail.transport, mail.description);
    },
    async checkMailDeliveryFromWorker(): Promise<Check> {
      return checkMailDelivery(db);
    },
  };
}
