// 訓練 (kunitachi:16, tokyo:22, jlis:21): any playbook run as a drill. Time may be compressed:
// every response window the profile sets is divided by the drill's time scale, so a drill of a
// day's procedure fits in a morning. The statutory clocks are scaled the same way by their owner.
import type { OrganisationProfile } from './profile';
import { parseDuration } from './duration';
import type { DrillSettings } from './incidents';

/** `30m` at scale 60 is `30s`: never below one second, so a window is still a window. */
export function compressDuration(text: string, timeScale: number): string {
  const ms = parseDuration(text);
  if (ms === undefined || timeScale === 1) return text;
  return `${Math.max(1, Math.round(ms / timeScale / 1000))}s`;
}

/** The profile as a drill at `timeScale` runs it: its response windows and delivery alert compressed. */
export function compressProfile(profile: OrganisationProfile, timeScale: number | undefined): OrganisationProfile {
  if (!timeScale || timeScale === 1) return profile;
  const window = (w: { remindAfter: string; escalateAfter: string }) => ({ remindAfter: compressDuration(w.remindAfter, timeScale), escalateAfter: compressDuration(w.escalateAfter, timeScale) });
  return {
    ...profile,
    responseWindows: { acknowledgement: window(profile.responseWindows.acknowledgement), decision: window(profile.responseWindows.decision) },
    contacts: { ...profile.contacts, ...(profile.contacts.deliveryAlertAfter ? { deliveryAlertAfter: compressDuration(profile.contacts.deliveryAlertAfter, timeScale) } : {}) },
  };
}

/** A drill's participants, one `氏名 <email>` per line (a bare address is its own name). */
export function participantLines(text: string | undefined): Array<{ name: string; email: string }> {
  return (text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^(.*?)\s*<([^<>]*)>$/.exec(l);
      return m ? { name: m[1] || m[2], email: m[2] } : { name: l, email: l };
    });
}

/** A deadline `dueAt` counted from `awareAt`, as a drill at `timeScale` runs it: that much sooner. */
export function compressDeadline(awareAt: string, dueAt: string, timeScale: number | undefined): string {
  if (!timeScale || timeScale === 1) return dueAt;
  const aware = Date.parse(awareAt);
  return new Date(aware + Math.round((Date.parse(dueAt) - aware) / timeScale)).toISOString();
}

/**
 * Who receives a drill's reports: its participants — never the real prefecture, J-LIS or PPC —
 * or, when none were named, whoever declared it.
 */
export function drillRecipients(drill: DrillSettings, declarer: { name: string; email: string }): Array<{ name: string; email: string; title: string }> {
  const people = drill.participants.length > 0 ? drill.participants : [declarer];
  return people.map((p) => ({ name: p.name, email: p.email, title: '訓練参加者' }));
}
