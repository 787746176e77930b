// パスワード有効期限の事前通知: the regulation renews every user ID's password at least yearly with
// a validity period (niigata:15.2.5-6). The annual review only finds the passwords already past it;
// expiries are spread over the year, so a daily job tells each holder before theirs. Which holders
// to tell on a given day, and under which key (one expiry, one reminder), is decided here. Pure.
import { formatArticleRefJa } from './articles';
import { formatJst } from './calendar';
import type { LedgerEntry } from './ledger';
import { PASSWORD_RULE_SETS, passwordExpiry, type PasswordRuleSetName } from './password-policy';
import type { OrganisationProfile } from './profile';

/** Days before expiry a holder is reminded (passwordExpiry's default: two weeks, two office weeks to act). */
export const PASSWORD_REMINDER_DAYS = 14;

/** The Schedule that runs an organisation's reminders every morning, and the case its audit rows belong to. */
export const passwordReminderScheduleId = (organisation: string): string => `password-reminders/${organisation}`;
export const passwordReminderCaseId = passwordReminderScheduleId;

/**
 * One reminder's idempotency key: the organisation, the ID and the expiry it warns of. The next
 * day's run finds the same key (reminded once); a new password has a new expiry, so a new key.
 */
export const passwordReminderKey = (organisation: string, userId: string, expiresAt: Date): string => `${organisation}/${userId}/${expiresAt.toISOString()}`;

/** Articles a reminder cites: the profile's password rules, else the regulation's validity and no-writing-down items. */
export const passwordReminderArticles = (profile: Pick<OrganisationProfile, 'articles'>): string[] =>
  profile.articles['userIdReview.passwordPolicy'] ?? ['niigata:15.2.5', 'niigata:15.2.6', 'niigata:15.2.8'];

/** Whether the rule set expires passwords at all: NIST's does not (SP 800-63B-4 forbids periodic expiry), so nobody is reminded. */
export const ruleSetExpires = (ruleSet: PasswordRuleSetName): boolean => PASSWORD_RULE_SETS[ruleSet].validityMonths !== null;

export interface PasswordReminder {
  key: string;
  userId: string;
  personName: string;
  email: string;
  section: string;
  /** The first moment the password is no longer valid (00:00 JST of the day after its last day). */
  expiresAt: string;
  /** Whole days left (0 on the last day). */
  daysLeft: number;
}

export interface PasswordReminderSelection {
  remind: PasswordReminder[];
  /** Due but without an email address in the ledger: nobody can be told; the run's audit row names them. */
  withoutEmail: string[];
}

/**
 * The holders to remind now: active IDs whose password's expiry is within `reminderDays` and not
 * past (a past one is the review's `passwordExpired` flag, not a reminder). Locked and revoked IDs,
 * and IDs whose password change is not recorded, are left out: nothing can be said of them.
 */
export function passwordRemindersDue(
  organisation: string,
  entries: readonly Pick<LedgerEntry, 'userId' | 'personName' | 'email' | 'section' | 'passwordChangedAt' | 'status'>[],
  ruleSet: PasswordRuleSetName,
  now: Date,
  o: { reminderDays?: number } = {},
): PasswordReminderSelection {
  const out: PasswordReminderSelection = { remind: [], withoutEmail: [] };
  if (!ruleSetExpires(ruleSet)) return out;
  const reminderDays = o.reminderDays ?? PASSWORD_REMINDER_DAYS;
  for (const e of entries) {
    if (e.status !== 'active' || !e.passwordChangedAt) continue;
    const changedAt = new Date(e.passwordChangedAt);
    if (Number.isNaN(changedAt.getTime())) continue;
    const x = passwordExpiry(ruleSet, changedAt, now, { reminderDays });
    if (!x.reminderDue || !x.expiresAt || x.daysLeft === null) continue;
    if (!e.email) {
      out.withoutEmail.push(e.userId);
      continue;
    }
    out.remind.push({
      key: passwordReminderKey(organisation, e.userId, x.expiresAt),
      userId: e.userId,
      personName: e.personName,
      email: e.email,
      section: e.section,
      expiresAt: x.expiresAt.toISOString(),
      daysLeft: x.daysLeft,
    });
  }
  return out;
}

/**
 * The reminder as its holder reads it: the ID, the last moment the password is valid in Japan
 * time (the expiry itself is 00:00 of the next day, which reads as a day too late), what to do, the
 * rule, and that the new password is not to be written down where others see it (niigata:15.2.8).
 * No link: the password is changed on the system itself, never through a mail.
 */
const NO_WRITING_DOWN = 'niigata:15.2.8';

export function passwordReminderMail(o: { reminder: PasswordReminder; organisationName: string; ruleSet: PasswordRuleSetName; articles: readonly string[] }): { subject: string; text: string } {
  const { reminder: r } = o;
  const set = PASSWORD_RULE_SETS[o.ruleSet];
  const lastMoment = Date.parse(r.expiresAt) - 60_000;
  const left = r.daysLeft === 0 ? '本日が期限です' : `残り ${r.daysLeft} 日`;
  // The renewal sentence cites the validity items where the profile lists them (niigata:15.2.5-6), else all its password articles.
  const validity = o.articles.filter((a) => set.validityReference.split(/,\s*/).includes(a));
  const cited = (validity.length > 0 ? validity : o.articles).map(formatArticleRefJa).join('、');
  return {
    subject: `【お知らせ】パスワードの有効期限が近づいています（ユーザID ${r.userId}）`,
    text: [
      `${r.personName} 様（${r.section}）`,
      '',
      `${o.organisationName} のユーザID「${r.userId}」のパスワードの有効期限が近づいています。`,
      `有効期限: ${formatJst(lastMoment)} まで（${left}）`,
      '',
      '期限までに、お使いのシステムでパスワードを変更してください。期限を過ぎたパスワードは見直しで「有効期間切れ」として報告されます。',
      `パスワードは${set.validityMonths}か月ごとに（少なくとも年1回）変更することになっています（${set.title.ja}、${cited}）。`,
      `新しいパスワードは、他人の目に触れる場所に書き留めたり貼ったりしないでください${o.articles.includes(NO_WRITING_DOWN) ? `（${formatArticleRefJa(NO_WRITING_DOWN)}）` : ''}。`,
      '',
      `(English) The password of user ID ${r.userId} at ${o.organisationName} expires after ${formatJst(lastMoment, 'en')} (Japan time). Change it on the system before then; never write it down where others can see it.`,
      '',
      '-- ',
      'jukinet-ops（住基ネット セキュリティ手続）',
    ].join('\n'),
  };
}
