import { formatNotificationProgress } from '../../src/cli/notify';
import { isPermanentRecipientFailure, noticeMessageId, notificationProgress } from '../../src/notify/notifications';

describe('noticeMessageId', () => {
  it('is the same for a person and notice on every attempt, different for another', () => {
    const a = noticeMessageId({ organisation: 'kunitachi', incidentId: 'INC-2026-0001', noticeId: 'N1', personId: 7 });
    expect(a).toMatch(/^<notice-[0-9a-f]{32}@jukinet-ops>$/);
    expect(noticeMessageId({ organisation: 'kunitachi', incidentId: 'INC-2026-0001', noticeId: 'N1', personId: 7 })).toBe(a);
    expect(noticeMessageId({ organisation: 'kunitachi', incidentId: 'INC-2026-0001', noticeId: 'N1', personId: 8 })).not.toBe(a);
    expect(noticeMessageId({ organisation: 'kunitachi', incidentId: 'INC-2026-0001', noticeId: 'N2', personId: 7 })).not.toBe(a);
  });
});

describe('isPermanentRecipientFailure', () => {
  it('takes a 5xx to the recipient as final and anything else as passing', () => {
    expect(isPermanentRecipientFailure({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' })).toBe(true);
    expect(isPermanentRecipientFailure({ code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' })).toBe(false);
    expect(isPermanentRecipientFailure({ code: 'ECONNREFUSED' })).toBe(false);
    expect(isPermanentRecipientFailure({ code: 'EPROTOCOL', responseCode: 421, command: 'MAIL FROM' })).toBe(false);
    expect(isPermanentRecipientFailure({ code: 'EMESSAGE', responseCode: 554, command: 'DATA' })).toBe(false);
  });
});

describe('notificationProgress', () => {
  const counts = { total: 1000, email: { total: 900, sent: 300 }, letter: { total: 110 }, failed: 10, remaining: 600, recentlySent: 600, lastSentAt: new Date('2026-12-01T00:00:00Z') };
  it('gives the ETA at the last minute’s pace', () => {
    expect(notificationProgress(counts, 60_000)).toEqual({
      total: 1000,
      email: 910,
      sent: 300,
      failed: 10,
      remaining: 600,
      letters: 110,
      ratePerSecond: 10,
      etaSeconds: 60,
      lastSentAt: '2026-12-01T00:00:00.000Z',
    });
  });
  it('has no ETA while nothing moves, and 0 once done', () => {
    expect(notificationProgress({ ...counts, recentlySent: 0 }, 60_000).etaSeconds).toBeNull();
    expect(notificationProgress({ ...counts, remaining: 0 }, 60_000).etaSeconds).toBe(0);
  });
  it('reads on the command line', () => {
    const lines = formatNotificationProgress(notificationProgress(counts, 60_000));
    expect(lines).toContain('メール送信済 / sent:     300 / 910 (32%)');
    expect(lines.at(-1)).toContain('1分0秒');
  });
});
