// The incident report's data from what the incident recorded: the nine items with 調査中 for
// what nobody has recorded yet, the addressees per report kind, the articles, 和暦 dates.
import { buildIncidentReport, defaultTargets, findingsFromTrail, PENDING, REPORT_ITEMS, reportFileNames } from '../../src/documents/incident-report';
import { auditRow, leakIncident, loadProfile } from '../support/documents';

const generatedAt = new Date('2026-12-01T15:30:00+09:00');

describe('the incident report’s data', () => {
  const profile = loadProfile('kunitachi');

  it('prints the nine items in order; what is not yet known is 調査中 and listed', () => {
    const r = buildIncidentReport({ incident: leakIncident(), timeline: [], profile, kind: 'first', generatedAt });
    expect(r.items.map((i) => i.heading)).toEqual(REPORT_ITEMS.map((i) => i.ja));
    expect(r.items.map((i) => i.no)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // 概要 comes from the declaration, with 和暦 and Western dates
    expect(r.items[0]).toMatchObject({ key: 'summary', pending: false });
    expect(r.items[0].text).toContain('住民票の写しの誤送付');
    expect(r.items[0].text).toContain('令和8年（2026年）12月1日 9時40分、市民課 佐藤が検知し、令和8年（2026年）12月1日 10時05分に覚知した');
    expect(r.items.slice(1).every((i) => i.pending && i.text === PENDING)).toBe(true);
    expect(r.pending).toHaveLength(8);
    expect(r.pending[0]).toBe(REPORT_ITEMS[1].ja);
    expect(r.reportDate).toBe('令和8年（2026年）12月1日');
    expect(r.incident.awareAt).toBe('令和8年（2026年）12月1日 10時05分');
    expect(r.title).toBe('事故報告書（第1報）');
    expect(r.documentId).toBe('kunitachi:INC-2026-0007:first');
  });

  it('takes findings recorded in the timeline, the latest winning, and findings given directly over both', () => {
    const timeline = [
      auditRow(3, '2026-12-02T09:00:00+09:00', '原因を特定', { reportItems: { cause: '宛名ラベルの差込みの誤り（確定）' } }),
      auditRow(2, '2026-12-01T18:00:00+09:00', '原因を調査', { reportItems: { cause: '宛名ラベルの差込みの誤り（推定）', personCount: 300, unknownItem: 'x' } }),
      auditRow(1, '2026-12-01T10:05:00+09:00', 'インシデントを宣言', {}, '危機管理課 田中 <tanaka@kunitachi.example.jp>'),
    ];
    expect(findingsFromTrail(timeline)).toEqual({ cause: '宛名ラベルの差込みの誤り（確定）', personCount: '300人' });
    const r = buildIncidentReport({ incident: leakIncident(), timeline, profile, kind: 'second', generatedAt, findings: { publication: '12月2日 市ホームページに掲載', other: '  ' } });
    const text = Object.fromEntries(r.items.map((i) => [i.key, i.text]));
    expect(text.cause).toBe('宛名ラベルの差込みの誤り（確定）');
    expect(text.personCount).toBe('300人');
    expect(text.publication).toBe('12月2日 市ホームページに掲載');
    expect(text.other).toBe(PENDING); // blank is not an answer
    expect(r.pending).toEqual(['dataItems', 'secondaryHarm', 'responseToPersons', 'prevention', 'other'].map((k) => REPORT_ITEMS.find((i) => i.key === k)!.ja));
    // 経緯 oldest first, the actor's address left out
    expect(r.timeline.map((t) => t.outcome)).toEqual(['インシデントを宣言', '原因を調査', '原因を特定']);
    expect(r.timeline[0]).toEqual({ at: '令和8年（2026年）12月1日 10時05分', actor: '危機管理課 田中', outcome: 'インシデントを宣言' });
  });

  it('addresses 第1報/第2報 to the executive, prefecture and J-LIS, and 速報/確報 to the PPC, citing their articles', () => {
    expect(defaultTargets(profile, 'first')).toEqual(['executive', 'jlis']);
    expect(defaultTargets(profile, 'final')).toEqual(['ppc']);
    const first = buildIncidentReport({ incident: leakIncident(), timeline: [], profile, kind: 'first', generatedAt });
    expect(first.addressees).toEqual([
      { kind: 'executive', name: '国立市長', honorific: '様' },
      { kind: 'jlis', name: '地方公共団体情報システム機構（住民基本台帳ネットワークシステム全国センター）', honorific: '御中' },
    ]);
    expect(first.articles.map((a) => a.ref)).toEqual(['kunitachi:10.3', 'kunitachi:10.1', 'kunitachi:13.2', 'kunitachi:14']);
    expect(first.articles[0].label).toBe(`${profile.organisation.regulation}第10条第3項`);
    const prelim = buildIncidentReport({ incident: leakIncident(), timeline: [], profile, kind: 'preliminary', generatedAt });
    expect(prelim.kindLabel).toBe('速報');
    expect(prelim.addressees.map((a) => a.name)).toEqual(['個人情報保護委員会']);
    expect(prelim.articles.map((a) => a.label)).toEqual([`${profile.organisation.regulation}第10条第3項`, '個人情報保護法第68条第1項', '番号法第29条の4第1項']);
    // a chosen target only
    expect(buildIncidentReport({ incident: leakIncident(), timeline: [], profile, kind: 'first', generatedAt, targets: ['jlis'] }).addressees.map((a) => a.kind)).toEqual(['jlis']);
  });

  it('is signed by the organisation and its chief (統括責任者)', () => {
    const r = buildIncidentReport({ incident: leakIncident(), timeline: [], profile, kind: 'first', generatedAt });
    const chief = profile.roles.find((x) => x.role === 'chief')!;
    expect(r.sender).toEqual({ organisation: profile.organisation.name, position: chief.position, name: chief.person.name });
  });

  it('names its file in Japanese with an ASCII fallback', () => {
    const r = buildIncidentReport({ incident: leakIncident(), timeline: [], profile, kind: 'preliminary', generatedAt });
    expect(reportFileNames(r)).toEqual({ filename: '事故報告書_速報_INC-2026-0007.pdf', ascii: 'incident-report-preliminary-INC-2026-0007.pdf' });
  });
});
