import { type AuditAnchor, nextAnchor } from '../../src/domain/audit';

const anchor = (seq: number, hash: string, keyedFrom: number | null = 1): AuditAnchor => ({ seq, hash, keyedFrom, at: `2026-11-23T01:0${seq}:00Z` });

describe('the anchor a run carries on', () => {
  it('follows the head as it grows', () => {
    expect(nextAnchor(undefined, null)).toBeUndefined();
    expect(nextAnchor(undefined, anchor(3, 'c'))).toEqual(anchor(3, 'c'));
    expect(nextAnchor(anchor(3, 'c'), anchor(5, 'e'))).toEqual(anchor(5, 'e'));
    expect(nextAnchor(anchor(3, 'c'), null)).toEqual(anchor(3, 'c'));
  });

  it('never moves back to a shorter table, nor to a rewritten head', () => {
    expect(nextAnchor(anchor(5, 'e'), anchor(3, 'c'))).toEqual(anchor(5, 'e'));
    expect(nextAnchor(anchor(5, 'e'), anchor(5, 'x'))).toEqual(anchor(5, 'e'));
  });

  it('keeps the earliest first keyed row', () => {
    expect(nextAnchor(anchor(3, 'c', 2), anchor(5, 'e', 5))).toEqual(anchor(5, 'e', 2));
    expect(nextAnchor(anchor(3, 'c', null), anchor(5, 'e', 4))).toEqual(anchor(5, 'e', 4));
  });
});
