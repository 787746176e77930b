import iconv from 'iconv-lite';
import { movementListId, movementsOf, parseMovementsFile } from '../../src/imports/movements-file';
import { buildXlsx } from '../support/xlsx';

const sjis = (s: string) => new Uint8Array(iconv.encode(s, 'shift_jis'));
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const jst = (s: string) => new Date(`${s}T00:00:00+09:00`).toISOString();

export const MOVEMENTS_HEADER_JA = 'ユーザID,氏名,メールアドレス,異動区分,発令日,異動先';

describe('parseMovementsFile', () => {
  it('reads a Shift_JIS list with Japanese headers: 和暦 dates as the start of the day in Japan, the kind from its word', () => {
    const r = parseMovementsFile(sjis(`${MOVEMENTS_HEADER_JA}\r\nNG0001,高橋 誠,takahashi@niigata.example.jp,配置換,令和8年4月1日,西区役所区民生活課\r\n,阿部 浩二,,定年退職,R8.3.31,\r\n`));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.encoding).toBe('shift_jis');
    expect(r.rows).toEqual([
      { line: 2, userId: 'NG0001', personName: '高橋 誠', email: 'takahashi@niigata.example.jp', kind: 'transfer', effectiveAt: jst('2026-04-01'), toSection: '西区役所区民生活課' },
      { line: 3, personName: '阿部 浩二', kind: 'retirement', effectiveAt: jst('2026-03-31') },
    ]);
    expect(movementsOf(r.rows)[1]).toEqual({ personName: '阿部 浩二', kind: 'retirement', effectiveAt: jst('2026-03-31') });
  });

  it('reads a workbook’s first sheet with other headers (職員氏名, 異動日 as a date serial, 新所属); the same list as CSV has the same id', () => {
    const book = buildXlsx([
      ['職員氏名', '区分', '異動日', '新所属', 'メール'],
      ['高橋 誠', '転出', { date: 46113 }, '西区役所区民生活課', 'Takahashi@niigata.example.jp'],
      [null, null, null, null, null],
      ['阿部　浩二', '退職', '2026/3/31', null, null],
    ]);
    const r = parseMovementsFile(book);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.format).toBe('xlsx');
    expect(r.columns).toEqual(['personName', 'email', 'kind', 'effectiveAt', 'toSection']);
    expect(r.rows.map((x) => [x.line, x.personName, x.kind, x.effectiveAt])).toEqual([
      [2, '高橋 誠', 'transfer', jst('2026-04-01')],
      // The name as written; matching and the list's id ignore its blanks.
      [4, '阿部　浩二', 'retirement', jst('2026-03-31')],
    ]);
    const csv = parseMovementsFile(utf8('氏名,メールアドレス,異動区分,発令日,異動先\n阿部 浩二,,離職,令和8年3月31日,\n高橋 誠,takahashi@niigata.example.jp,異動,2026-04-01,西区役所区民生活課\n'));
    if (!csv.ok) throw new Error(JSON.stringify(csv.issues));
    const id = movementListId(movementsOf(r.rows));
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(movementListId(movementsOf(csv.rows))).toBe(id);
    expect(movementListId(movementsOf(csv.rows.slice(1)))).not.toBe(id);
  });

  it('names every bad row by line and field in a Shift_JIS file, and takes nothing', () => {
    const r = parseMovementsFile(sjis(`${MOVEMENTS_HEADER_JA}\nNG0001,高橋 誠,,異動,令和8年4月1日,西区\nNG 2,,x@,休職,令和8年2月30日,\n,小林 さくら,,退職,,\n`));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.encoding).toBe('shift_jis');
    expect(r.issues.map((i) => [i.line, i.field])).toEqual([
      [3, 'userId'],
      [3, 'personName'],
      [3, 'email'],
      [3, 'kind'],
      [3, 'effectiveAt'],
      [4, 'effectiveAt'],
    ]);
    expect(r.issues[3].message).toMatch(/異動区分は/);
    expect(r).not.toHaveProperty('rows');
  });

  it('a file without the kind or the date column is refused on its header line', () => {
    expect(parseMovementsFile(utf8('氏名,所属\nA,x\n'))).toMatchObject({
      ok: false,
      issues: [
        { line: 1, field: 'header', message: expect.stringContaining('異動区分') },
        { line: 1, field: 'header', message: expect.stringContaining('発令日') },
      ],
    });
    expect(parseMovementsFile(utf8('氏名,異動区分,発令日\n'))).toMatchObject({ ok: false, issues: [{ line: 2, field: 'file' }] });
  });
});
