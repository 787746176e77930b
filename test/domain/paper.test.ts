// Paper mode's rules: what an entry from paper may say, given the case's facts, and the timeline
// in the order things happened.
import {
  checkPaperRecords,
  EMERGENCY_PLAN_STEPS,
  occurredAt,
  paperRecordArticles,
  paperRecordsBodySchema,
  type PaperRecordInput,
  timelineOrder,
} from '../../src/domain/paper';
import { PROCEDURE_STEPS } from '../../src/domain/procedures';
import { formatIssuePath } from '../../src/domain/profile';
import { loadProfile } from '../support/documents';

const profile = loadProfile('kunitachi');
const ctx = {
  profile,
  detectedAt: new Date('2026-12-01T09:40:00+09:00'),
  awareAt: new Date('2026-12-01T10:05:00+09:00'),
  now: new Date('2026-12-02T12:00:00+09:00'),
};
const line = (over: Partial<PaperRecordInput> = {}): PaperRecordInput => ({
  step: 'emergency.contain',
  occurredAt: '2026-12-01T11:00:00+09:00',
  actor: '中島 哲也',
  what: 'LAN ケーブルを抜き切離しを確認',
  ...over,
});

describe('the plan steps', () => {
  it('are every emergency step of the procedure list, each once', () => {
    expect([...EMERGENCY_PLAN_STEPS].sort()).toEqual(PROCEDURE_STEPS.filter((s) => s.startsWith('emergency.')).sort());
  });
});

describe('checkPaperRecords', () => {
  it('accepts lines between the awareness and now, and a detection between detection and awareness', () => {
    expect(checkPaperRecords([line(), line({ step: 'emergency.detect', occurredAt: '2026-12-01T09:50:00+09:00' })], ctx)).toEqual([]);
  });

  it('refuses a time in the future, beyond a few minutes of clock skew, naming the line', () => {
    const issues = checkPaperRecords([line(), line(), line({ occurredAt: '2026-12-02T12:10:00+09:00' })], ctx);
    expect(issues.map((i) => formatIssuePath(i.path))).toEqual(['records[2].occurredAt']);
    expect(issues[0].message).toContain('未来');
    expect(checkPaperRecords([line({ occurredAt: '2026-12-02T12:04:00+09:00' })], ctx)).toEqual([]);
  });

  it('refuses a step other than the detection before the awareness (覚知), and a detection before the detection', () => {
    const issues = checkPaperRecords(
      [line({ occurredAt: '2026-12-01T10:00:00+09:00' }), line({ step: 'emergency.detect', occurredAt: '2026-12-01T09:00:00+09:00' })],
      ctx,
    );
    expect(issues.map((i) => formatIssuePath(i.path))).toEqual(['records[0].occurredAt', 'records[1].occurredAt']);
    expect(issues[0].message).toContain('覚知の日時（2026-12-01 10:05）より前');
    expect(issues[1].message).toContain('検知の日時（2026-12-01 09:40）より前');
  });

  it("refuses another organisation's articles, but not a law's", () => {
    const issues = checkPaperRecords([line({ articles: ['law:番号法:29-4.1', 'tokyo:9.1'] })], ctx);
    expect(issues.map((i) => formatIssuePath(i.path))).toEqual(['records[0].articles[1]']);
  });
});

describe('paperRecordArticles', () => {
  it("is the line's own, else the profile's for the step, else none", () => {
    expect(paperRecordArticles(line({ articles: ['kunitachi:13.2'] }), profile)).toEqual(['kunitachi:13.2']);
    expect(paperRecordArticles(line(), profile)).toEqual(['kunitachi:13.1', 'kunitachi:13.2']);
    expect(paperRecordArticles(line({ step: 'emergency.recover' }), { articles: {} })).toEqual([]); // a profile that names none for the step
  });
});

describe('paperRecordsBodySchema', () => {
  it('names the field of the line in error', () => {
    const r = paperRecordsBodySchema.safeParse({ records: [line(), line({ step: 'contractor.inspect' as never }), line({ occurredAt: '12月1日' })] });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => formatIssuePath(i.path)).sort()).toEqual(['records[1].step', 'records[2].occurredAt']);
  });

  it('refuses an empty entry, an unknown field, and an empty actor', () => {
    expect(paperRecordsBodySchema.safeParse({ records: [] }).success).toBe(false);
    expect(paperRecordsBodySchema.safeParse({ records: [{ ...line(), extra: 1 }] }).success).toBe(false);
    expect(paperRecordsBodySchema.safeParse({ records: [line({ actor: '  ' })] }).success).toBe(false);
  });
});

describe('timelineOrder', () => {
  const row = (seq: number, at: string, paperAt?: string) => ({
    seq,
    at: new Date(at),
    detail: paperAt ? { paper: { occurredAt: paperAt, enteredBy: { name: 'x', email: 'x@example.jp' }, enteredAt: at, submissionId: 's', line: 0 } } : {},
  });

  it('puts rows entered from paper at their real time, and keeps the recorded order for the same moment', () => {
    const rows = [
      row(1, '2026-12-01T01:05:00Z'),
      row(2, '2026-12-01T01:10:00Z'),
      row(3, '2026-12-02T03:00:00Z', '2026-12-01T01:07:00.000Z'),
      row(4, '2026-12-02T03:00:00Z', '2026-12-01T01:10:00.000Z'),
      row(5, '2026-12-02T03:05:00Z'),
    ];
    expect(timelineOrder(rows).map((r) => r.seq)).toEqual([1, 3, 2, 4, 5]);
    expect(occurredAt(rows[2]).toISOString()).toBe('2026-12-01T01:07:00.000Z');
    expect(occurredAt(rows[0]).toISOString()).toBe('2026-12-01T01:05:00.000Z');
  });
});

describe('timelineOrder among rows the system recorded out of time order', () => {
  it('keeps the system rows in the order of the chain, whatever their times', () => {
    const row = (seq: number, at: string) => ({ seq, at: new Date(at), detail: {} });
    const paper = { seq: 9, at: new Date('2026-12-02T00:00:00Z'), detail: { paper: { occurredAt: '2026-12-01T00:00:01.500Z', enteredBy: { name: 'x', email: 'x@example.jp' }, enteredAt: '', submissionId: 's', line: 0 } } };
    // Two activities appended concurrently: the later seq carries the earlier time by a millisecond.
    const rows = [row(1, '2026-12-01T00:00:01.000Z'), row(2, '2026-12-01T00:00:02.001Z'), row(3, '2026-12-01T00:00:02.000Z'), paper];
    expect(timelineOrder(rows).map((r) => r.seq)).toEqual([1, 9, 2, 3]);
  });
});
