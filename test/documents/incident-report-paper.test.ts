// The report's 経緯 (timeline) puts a line entered afterwards from paper at the time it happened,
// not at the time it was typed in.
import { buildIncidentReport } from '../../src/documents/incident-report';
import { auditRow, leakIncident, loadProfile } from '../support/documents';

it('orders the report timeline by the real time of lines entered from paper', () => {
  const paper = (seq: number, enteredAt: string, occurredAt: string, outcome: string) =>
    auditRow(seq, enteredAt, outcome, { paper: { occurredAt, enteredBy: { name: '入力者', email: 'x@kunitachi.example.jp' }, enteredAt, submissionId: 's', line: seq } });
  const r = buildIncidentReport({
    incident: leakIncident(),
    profile: loadProfile('kunitachi'),
    kind: 'second',
    generatedAt: new Date('2026-12-03T09:00:00+09:00'),
    timeline: [
      auditRow(1, '2026-12-01T10:06:00+09:00', 'インシデントを宣言'),
      auditRow(2, '2026-12-02T08:00:00+09:00', '再接続を確認'),
      paper(3, '2026-12-02T09:00:00+09:00', '2026-12-01T11:30:00+09:00', '【紙の記録】LAN ケーブルを抜いた'),
    ],
  });
  expect(r.timeline.map((t) => [t.at, t.outcome])).toEqual([
    ['令和8年（2026年）12月1日 10時06分', 'インシデントを宣言'],
    ['令和8年（2026年）12月1日 11時30分', '【紙の記録】LAN ケーブルを抜いた'],
    ['令和8年（2026年）12月2日 8時00分', '再接続を確認'],
  ]);
});
