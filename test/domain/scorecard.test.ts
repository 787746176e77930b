import { formatElapsed, profileTargets, scorecard } from '../../src/domain/scorecard';
import { loadProfile } from '../support/documents';

const katsuragi = loadProfile('katsuragi');
const wf = 'emergency-response/katsuragi/DRL-2026-0001';
const aware = new Date('2026-11-24T09:00:00+09:00');
const at = (minutes: number) => new Date(aware.getTime() + minutes * 60_000);

describe('the drill scorecard', () => {
  it('targets come from the profile’s windows: the chair or the stand-in, then the decider or the stand-in', () => {
    // katsuragi: acknowledgement escalates after 30m, decision after its own window.
    const t = profileTargets(katsuragi);
    expect(t.convene).toBe(60 * 60_000);
    expect(t.contain).toBeGreaterThan(t.convene);
  });

  it('judges a compressed drill in plan time: 2 real minutes at ×60 are 2 hours', () => {
    const card = scorecard({
      incidentId: 'DRL-2026-0001',
      workflowId: wf,
      awareAt: aware,
      timeScale: 60,
      profile: katsuragi,
      // The chair after 50 s real (50 plan minutes: met); the cut-off verified after 10 real minutes (10 plan hours: missed).
      trail: [
        { id: `${wf}/detect`, at: aware },
        { id: `${wf}/chair`, at: new Date(aware.getTime() + 50_000) },
        { id: `${wf}/containment/disconnect/verified`, at: at(10) },
      ],
      reportClocks: [
        { key: 'report:prefecture:first', label: '県への第1報', dueAfterMs: 8 * 3_600_000, sentAt: at(2) },
        { key: 'report:ppc:final', label: '個人情報保護委員会への確報', dueAfterMs: 30 * 86_400_000 },
      ],
      now: at(11),
    });
    expect(card.rows.map((r) => [r.key, r.result])).toEqual([
      ['convene', 'met'],
      ['contain', 'missed'],
      ['report:prefecture:first', 'met'],
      ['report:ppc:final', 'pending'],
    ]);
    expect(card.rows[0].planElapsedMs).toBe(50 * 60_000);
    expect(card.rows[2].planElapsedMs).toBe(2 * 3_600_000);
    expect([card.met, card.missed, card.pending]).toEqual([2, 1, 1]);
  });

  it('a milestone not reached is missed once its target has passed, pending before', () => {
    const base = { incidentId: 'DRL-2026-0001', workflowId: wf, awareAt: aware, timeScale: 1, profile: katsuragi, trail: [] };
    expect(scorecard({ ...base, now: at(30) }).rows[0].result).toBe('pending');
    expect(scorecard({ ...base, now: at(61) }).rows[0].result).toBe('missed');
    // Another workflow's row of the same key does not count.
    expect(scorecard({ ...base, trail: [{ id: 'emergency-response/katsuragi/DRL-2026-0002/chair', at: at(5) }], now: at(30) }).rows[0].reachedAt).toBeUndefined();
  });

  it('prints durations the way people say them', () => {
    expect(formatElapsed(45_000)).toBe('45秒');
    expect(formatElapsed(65 * 60_000)).toBe('1時間5分');
    expect(formatElapsed(30 * 86_400_000)).toBe('30日');
    expect(formatElapsed(0)).toBe('0秒');
  });
});
