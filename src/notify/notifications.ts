// Notifying the persons concerned by email (本人通知, kunitachi:14): the pure parts — which SMTP
// refusals are final, the message's stable Message-ID, progress and its ETA.
import { createHash } from 'node:crypto';

/**
 * One Message-ID per person and notice, the same on every attempt: should a killed worker's
 * message be sent again (the one window no database can close: the relay accepted, the process
 * died before the row was marked), the two copies are recognisably one message, for mail clients
 * and for whoever counts.
 */
export function noticeMessageId(o: { organisation: string; incidentId: string; noticeId: string; personId: number }): string {
  const h = createHash('sha256').update(`${o.organisation}\n${o.incidentId}\n${o.noticeId}\n${o.personId}`).digest('hex').slice(0, 32);
  return `<notice-${h}@jukinet-ops>`;
}

/**
 * A 5xx answer to the recipient (or nodemailer's own refusal of the address) is final: the person
 * gets a letter. Anything else — a relay down, a 4xx, a timeout — may pass and is tried again.
 */
export function isPermanentRecipientFailure(err: unknown): boolean {
  const e = err as { code?: string; responseCode?: number; command?: string };
  if (e.code === 'EENVELOPE' && (e.responseCode === undefined || e.responseCode >= 500)) return true;
  return typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600 && /RCPT/i.test(e.command ?? '');
}

export interface NotificationProgress {
  total: number;
  /** Persons with an address. */
  email: number;
  sent: number;
  /** Addresses refused for good; these persons are on the letters list. */
  failed: number;
  /** Emails not yet sent (pending or in flight). */
  remaining: number;
  /** Persons notified by letter: no address, or their address failed. */
  letters: number;
  /** Emails per second over the last minute. */
  ratePerSecond: number;
  /** Seconds until every email is sent at that rate; null when nothing is moving. */
  etaSeconds: number | null;
  lastSentAt: string | null;
}

export function notificationProgress(c: {
  total: number;
  email: { total: number; sent: number };
  letter: { total: number };
  failed: number;
  remaining: number;
  recentlySent: number;
  lastSentAt: Date | null;
}, rateWindowMs: number): NotificationProgress {
  const ratePerSecond = c.recentlySent / (rateWindowMs / 1000);
  return {
    total: c.total,
    email: c.email.total + c.failed,
    sent: c.email.sent,
    failed: c.failed,
    remaining: c.remaining,
    letters: c.letter.total,
    ratePerSecond: Math.round(ratePerSecond * 10) / 10,
    etaSeconds: c.remaining === 0 ? 0 : ratePerSecond > 0 ? Math.ceil(c.remaining / ratePerSecond) : null,
    lastSentAt: c.lastSentAt?.toISOString() ?? null,
  };
}

/**
 * A plain email naming who writes and about which incident: only what a batch sends when built
 * without a composer (the batch's own tests). The product's workers compose every email from the
 * approved notice (src/activities/notices.ts, noticeEmail in ./notice.ts).
 */
export function composePersonNotice(o: { organisationName: string; incidentId: string; personName: string }): { subject: string; text: string } {
  return {
    subject: `【重要】個人情報に関するお知らせ（${o.organisationName}）`,
    text: [
      `${o.personName} 様`,
      '',
      `${o.organisationName}より、お客様の個人情報に関わる事案（${o.incidentId}）についてお知らせいたします。`,
      '詳細は本市のホームページに掲載しております。ご不明な点は担当窓口までお問い合わせください。',
      '',
      `This is a notice from ${o.organisationName} about an incident (${o.incidentId}) concerning your personal information.`,
    ].join('\n'),
  };
}
