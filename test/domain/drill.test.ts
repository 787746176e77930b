import { compressDuration, compressProfile, participantLines } from '../../src/domain/drill';
import { caseSubject, declareIncidentSchema, formatIncidentId, INCIDENT_ID_PATTERN, isDrill, parseIncidentId } from '../../src/domain/incidents';
import { loadProfile } from '../support/documents';
import { declaration } from '../support/declarations';

describe('drills (訓練)', () => {
  it('are numbered apart: DRL-2026-0001 beside INC-2026-0001, both valid ids', () => {
    expect(formatIncidentId(2026, 1, 'DRL')).toBe('DRL-2026-0001');
    expect(INCIDENT_ID_PATTERN.test('DRL-2026-0001')).toBe(true);
    expect(INCIDENT_ID_PATTERN.test('DRX-2026-0001')).toBe(false);
    expect(parseIncidentId('DRL-2026-0012')).toEqual({ series: 'DRL', year: 2026, n: 12 });
    expect(isDrill('DRL-2026-0001')).toBe(true);
    expect(isDrill('INC-2026-0001')).toBe(false);
  });

  it('mark every subject of a drill case with 【訓練】 once, and no real case', () => {
    expect(caseSubject('DRL-2026-0001', '【要回答】会議の招集')).toBe('【訓練】【要回答】会議の招集');
    expect(caseSubject('DRL-2026-0001', '【訓練】会議の招集')).toBe('【訓練】会議の招集');
    expect(caseSubject('INC-2026-0001', '会議の招集')).toBe('会議の招集');
  });

  it('compress time: windows divided by the scale, never under a second', () => {
    expect(compressDuration('30m', 60)).toBe('30s');
    expect(compressDuration('2h', 60)).toBe('120s');
    expect(compressDuration('1m', 1440)).toBe('1s');
    expect(compressDuration('30m', 1)).toBe('30m');
    const katsuragi = loadProfile('katsuragi');
    const drill = compressProfile(katsuragi, 60);
    expect(drill.responseWindows.decision.remindAfter).toBe(compressDuration(katsuragi.responseWindows.decision.remindAfter, 60));
    expect(drill.responseWindows.acknowledgement.escalateAfter).not.toBe(katsuragi.responseWindows.acknowledgement.escalateAfter);
    expect(compressProfile(katsuragi, 1)).toBe(katsuragi);
    expect(compressProfile(katsuragi, undefined)).toBe(katsuragi);
  });

  it('a declaration may ask for a drill, with a time scale from 1 to 1,440 and participants', () => {
    const ok = declareIncidentSchema.parse({ ...declaration(), drill: { timeScale: '60', participants: [{ name: '訓練 太郎', email: 'kunren@example.jp' }] } });
    expect(ok.drill).toEqual({ timeScale: 60, participants: [{ name: '訓練 太郎', email: 'kunren@example.jp' }] });
    expect(declareIncidentSchema.parse({ ...declaration(), drill: {} }).drill).toEqual({ timeScale: 1, participants: [] });
    const bad = declareIncidentSchema.safeParse({ ...declaration(), drill: { timeScale: 5000, participants: [{ name: 'x', email: 'no' }] } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['drill.participants.0.email', 'drill.timeScale']);
  });

  it('reads participants one per line, “Name <email>” or a bare address', () => {
    expect(participantLines('訓練 太郎 <taro@example.jp>\r\n\n  hanako@example.jp  \n<only@example.jp>')).toEqual([
      { name: '訓練 太郎', email: 'taro@example.jp' },
      { name: 'hanako@example.jp', email: 'hanako@example.jp' },
      { name: 'only@example.jp', email: 'only@example.jp' },
    ]);
    expect(participantLines(undefined)).toEqual([]);
  });
});
