// Reading an .xlsx's first sheet without a spreadsheet library: workbooks written by Python's
// zipfile (a fixture) and by our own writer (stored and deflated), checked by Python's zipfile
// too, so the reader is not only agreeing with itself.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseLedgerFile } from '../../src/imports/ledger-file';
import { readXlsxRecords, xmlText } from '../../src/imports/xlsx';
import { buildXlsx, zip } from '../support/xlsx';

const fixture = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'ledger', 'ledger.xlsx'));

/** Python's own check of the archive: every entry's CRC-32 and sizes. */
function pythonTestzip(bytes: Buffer): void {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xlsx-')), 'book.xlsx');
  fs.writeFileSync(file, bytes);
  expect(execFileSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.testzip())', file]).toString().trim()).toBe('None');
}

describe('readXlsxRecords', () => {
  it('reads a workbook written by Python: shared strings without their ふりがな, numbers, booleans, formula strings, row numbers as Excel shows them', () => {
    const r = readXlsxRecords(fixture);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.records).toEqual([
      { line: 1, cells: ['ユーザID', '氏名', '所属', '権限', '発行日', '照合情報登録', '状態'] },
      { line: 2, cells: ['NG0001', '高橋 誠', '中央区役所区民生活課', '照会;更新', '45748', 'TRUE', '有効'] },
      { line: 4, cells: ['20002', '阿部 浩二', '東区役所区民生活課', '照会', '2025-04-01', 'FALSE', 'ロック'] },
    ]);
  });

  it.each([
    ['deflated', true],
    ['stored', false],
  ])('reads the first sheet in the workbook’s order of a %s workbook, with inline strings, gaps and dates as serials', (_name, deflate) => {
    const book = buildXlsx(
      [
        ['ユーザID', '氏名', '所属', '発行日', '照合情報登録'],
        ['u1', { phonetic: ['小林 さくら', 'コバヤシ サクラ'] }, { inline: 'A & B 課' }, { date: 46113 }, true],
        [null, null, null, null, null],
        ['u2', '佐藤\r花子', '市民課', null, false], // written as Excel writes a CR: _x000D_
      ],
      { deflate },
    );
    pythonTestzip(book);
    const r = readXlsxRecords(book);
    expect(r).toEqual({
      ok: true,
      format: 'xlsx',
      records: [
        { line: 1, cells: ['ユーザID', '氏名', '所属', '発行日', '照合情報登録'] },
        { line: 2, cells: ['u1', '小林 さくら', 'A & B 課', '46113', 'TRUE'] },
        { line: 4, cells: ['u2', '佐藤\r花子', '市民課', '', 'FALSE'] },
      ],
    });
  });

  it('refuses what is not a workbook, naming the file', () => {
    expect(readXlsxRecords(zip({ 'hello.txt': 'hi' }))).toMatchObject({ ok: false, issues: [{ line: 0, field: 'file', message: expect.stringMatching(/ワークシート/) }] });
    expect(readXlsxRecords(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]))).toMatchObject({ ok: false, issues: [{ field: 'file' }] });
    const truncated = buildXlsx([['ID', '氏名', '所属']]).subarray(0, 200);
    expect(readXlsxRecords(truncated)).toMatchObject({ ok: false });
  });

  it('decodes XML text: entities, character references, _xHHHH_', () => {
    expect(xmlText('&lt;a&gt; &amp; &#x9AD9;&#39641;_x0009_')).toBe('<a> & 髙髙\t');
  });
});

describe('a ledger from .xlsx', () => {
  it('is checked like a CSV: rows by their sheet row, dates from serials, the 照合情報 flag from a boolean', () => {
    const r = parseLedgerFile(fixture);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.format).toBe('xlsx');
    expect(r.rows.map((x) => [x.line, x.userId, x.personName, x.issuedAt, x.verificationRegistered, x.status])).toEqual([
      [2, 'NG0001', '高橋 誠', '2025-03-31T15:00:00.000Z', true, 'active'],
      [4, '20002', '阿部 浩二', '2025-03-31T15:00:00.000Z', false, 'locked'],
    ]);
  });
  it('names a bad row by its sheet row', () => {
    const r = parseLedgerFile(buildXlsx([['ユーザID', '氏名', '所属', '状態'], ['u1', 'A', 'x', '有効'], ['u2', '', 'x', '???']], { deflate: true }));
    expect(r).toMatchObject({ ok: false, format: 'xlsx', issues: [{ line: 3, field: 'personName' }, { line: 3, field: 'status' }] });
  });
});
