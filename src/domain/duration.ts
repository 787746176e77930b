// Durations in profiles and configuration are written the way people say them: `30m`, `2h`, `3d`.
// Each use bounds them to what makes sense for it: a link that is dead on arrival, a reminder at
// 0 minutes or a window of 10^20 days would pass a bare pattern and then break the procedure.
import { z } from './zod';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DURATION_PATTERN = /^(\d{1,9})(s|m|h|d)$/;

export function parseDuration(text: string): number | undefined {
  const m = DURATION_PATTERN.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

export interface DurationBounds {
  min: string;
  max: string;
}

/** The bounds of each kind of duration. */
export const DURATION_BOUNDS = {
  /** How long a task link stays valid. */
  taskLink: { min: '1h', max: '90d' },
  /** A response window's reminder and escalation. */
  responseWindow: { min: '1m', max: '30d' },
  /** How often the audit chain's head is anchored: rows newer than the last anchor can vanish unnoticed. */
  auditAnchor: { min: '1m', max: '1d' },
  /**
   * How long the mail relay may stay silent (SMTP socket timeout): under the mail activities'
   * 5-minute start-to-close timeout, so a slow relay fails an attempt instead of the server retrying
   * a send that is still running.
   */
  smtpTimeout: { min: '5s', max: '3m' },
  /**
   * How long a person's row claimed by a notification batch may go unrefreshed before another
   * attempt takes it over (the claiming worker is taken for dead): long enough for a loaded
   * worker's refresh, short enough that a killed worker's persons are not held for long.
   */
  notifyStaleAfter: { min: '2s', max: '10m' },
  /** A console session left idle ends after this. */
  sessionIdle: { min: '5m', max: '12h' },
  /** A console session ends after this, however active (sign in again). */
  sessionMax: { min: '1h', max: '7d' },
  /** How long an account stays locked after too many failed sign-ins (an admin may unlock it sooner). */
  lockout: { min: '1m', max: '1d' },
  /** How long an invitation may stay undelivered before the commander is alerted. */
  deliveryAlert: { min: '1m', max: '12h' },
} as const satisfies Record<string, DurationBounds>;

/** A duration string within `bounds`, with a message that says the format or the range. */
export function boundedDuration(bounds: DurationBounds) {
  const min = parseDuration(bounds.min)!;
  const max = parseDuration(bounds.max)!;
  return z.string().superRefine((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `期間の形式が正しくありません（例: 30m, 2h, 1d）: ${text}` });
    } else if (ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `${bounds.min} 以上 ${bounds.max} 以下にしてください: ${text}` });
    }
  });
}
