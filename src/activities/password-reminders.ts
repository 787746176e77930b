// The daily reminder of passwords about to expire (niigata:15.2.5-6): reads the organisation's
// ledger, emails each holder whose password expires within two weeks once per expiry, and records
// the run as one audit row. Idempotent: a retry, or the next day's run, finds each mail sent under
// its key and the day's audit row written under its id.
import { Context } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import { appendAudit } from '../db/audit';
import { ledgerEntries } from '../db/ledger';
import { getOrganisation } from '../db/organisations';
import type { Database } from '../db/schema';
import {
  PASSWORD_REMINDER_DAYS,
  passwordReminderArticles,
  passwordReminderCaseId,
  passwordReminderMail,
  passwordRemindersDue,
} from '../domain/password-reminders';
import { passwordRuleSetOf } from '../domain/profile';
import { describeSmtpError, type MailTransport, sendMailOnce, type SendOptions } from '../mail';
import type { SigningKey } from '../tokens';

export interface PasswordReminderActivityDeps {
  db: Kysely<Database>;
  mail: MailTransport;
  mailFrom: string;
  /** The first MACs new audit rows. */
  auditMacKeys: readonly SigningKey[];
  /** Overrides of the in-progress mark's timing (tests). */
  send?: Omit<SendOptions, 'heartbeat'>;
}

export interface PasswordRemindersInput {
  organisation: string;
  /** The moment the run is for (ms; the Schedule's time): every retry selects the same holders. */
  at: number;
}

export interface PasswordRemindersResult {
  organisation: string;
  /** Holders whose password expires within the window (with an address). */
  due: number;
  /** Mailed by this run. */
  reminded: number;
  /** Mailed already, by an earlier run or attempt. */
  alreadyReminded: number;
  /** The relay refused or could not be reached: tried again by the next run. */
  failed: number;
  /** Due, but the ledger has no address for them. */
  withoutEmail: number;
}

/** The Schedule fires every morning; the day (Japan time) names the run's audit row. */
const jstDay = (ms: number) => new Date(ms + 9 * 3_600_000).toISOString().slice(0, 10);

export const PASSWORD_REMINDER_STEP = 'userIdReview.passwordPolicy';

function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // called outside an activity (a test): nothing to tell
  }
}

export function createPasswordReminderActivities(deps: PasswordReminderActivityDeps) {
  const { db } = deps;
  return {
    /**
     * Emails every holder due a reminder at `at`, each once per expiry (sendMailOnce under
     * `password-reminder/<org>/<userId>/<expiresAt>`), then appends the day's audit row with the
     * counts. A mail the relay refuses does not stop the others: it is counted, named in the audit
     * row and sent by the next day's run (its key is unsent). The organisation not loaded is an error.
     */
    async sendPasswordReminders(input: PasswordRemindersInput): Promise<PasswordRemindersResult> {
      const { organisation } = input;
      const profile = await getOrganisation(db, organisation);
      if (!profile) throw new Error(`organisation ${organisation} is not loaded`);
      const ruleSet = passwordRuleSetOf(profile);
      const articles = passwordReminderArticles(profile);
      const now = new Date(input.at);
      const { remind, withoutEmail } = passwordRemindersDue(organisation, await ledgerEntries(db, organisation), ruleSet, now, { reminderDays: PASSWORD_REMINDER_DAYS });
      const out: PasswordRemindersResult = { organisation, due: remind.length, reminded: 0, alreadyReminded: 0, failed: 0, withoutEmail: withoutEmail.length };
      const failures: Array<{ userId: string; error: string }> = [];
      for (const r of remind) {
        heartbeat();
        const m = passwordReminderMail({ reminder: r, organisationName: profile.organisation.name, ruleSet, articles });
        try {
          const sent = await sendMailOnce(db, deps.mail, deps.mailFrom, { key: `password-reminder/${r.key}`, to: `${r.personName} <${r.email}>`, ...m }, { ...deps.send, heartbeat });
          sent.status === 'sent' ? out.reminded++ : out.alreadyReminded++;
        } catch (err) {
          out.failed++;
          failures.push({ userId: r.userId, error: describeSmtpError(err) });
        }
      }
      const day = jstDay(input.at);
      await appendAudit(
        db,
        {
          id: `${passwordReminderCaseId(organisation)}/${day}`,
          at: new Date(),
          caseId: passwordReminderCaseId(organisation),
          organisation,
          actor: 'system',
          step: PASSWORD_REMINDER_STEP,
          outcome:
            `パスワード有効期限の事前通知（${day}）: 対象 ${out.due} 件、送信 ${out.reminded} 件、送信済 ${out.alreadyReminded} 件` +
            (out.failed ? `、送信失敗 ${out.failed} 件（翌日再送）` : '') +
            (out.withoutEmail ? `、メールアドレスなし ${out.withoutEmail} 件` : ''),
          articles,
          detail: {
            ruleSet,
            reminderDays: PASSWORD_REMINDER_DAYS,
            at: now.toISOString(),
            counts: out,
            // IDs and expiries only: the addresses are in the ledger and the sent mail's record.
            due: remind.map((r) => ({ userId: r.userId, expiresAt: r.expiresAt })),
            failures,
            withoutEmail,
          },
        },
        deps.auditMacKeys[0],
      );
      return out;
    },
  };
}
