// Alerts (警報): when a procedure cannot reach a person — an invitation the relay has not taken
// for longer than the profile allows — the incident's commander (who declared it), the system
// administrator and the night/holiday contacts are told, by a channel other than that mail.
import { formatJst } from './calendar';
import type { OrganisationProfile } from './profile';
import type { Assignee } from './tasks';

export interface AlertRecipient {
  name: string;
  position: string;
  email: string;
  phone?: string;
  mobile?: string;
}

/**
 * Who is told that a person's invitation is undelivered: the commander first, then the system
 * administrator (whose relay it is), then the night/holiday contacts in their order; each once,
 * and never the person the mail cannot reach.
 */
export function deliveryAlertRecipients(profile: OrganisationProfile, commander: { name: string; email: string } | undefined, unreachable: { email: string }): AlertRecipient[] {
  const admin = profile.roles.find((r) => r.role === 'systemAdmin');
  const all: AlertRecipient[] = [
    ...(commander ? [{ name: commander.name, position: '指揮者（宣言者）', email: commander.email }] : []),
    ...(admin ? [{ ...admin.person, position: admin.position }] : []),
    ...profile.contacts.nightHoliday,
  ];
  const seen = new Set([unreachable.email.toLowerCase()]);
  return all
    .filter((p) => {
      const key = p.email.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((p) => ({ name: p.name, position: p.position, email: p.email, ...(p.phone ? { phone: p.phone } : {}), ...(p.mobile ? { mobile: p.mobile } : {}) }));
}

/** The alert's one-line message, as the audit log, the console banner and the webhook carry it. */
export function undeliveredInvitationMessage(o: { assignee: Assignee; title: string; sinceMs: number; lastError: string | null }): string {
  return (
    `${o.assignee.position} ${o.assignee.name} への依頼メール（${o.title}）が ${formatJst(o.sinceMs)} から届いていません` +
    `${o.lastError ? `（最後のエラー: ${o.lastError}）` : ''}。電話等で連絡してください`
  );
}
