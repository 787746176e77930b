import iconv from 'iconv-lite';
import { decodeCsv, parsePersonsCsv } from '../../src/notify/persons-csv';

const JA = '氏名,郵便番号,住所,メールアドレス\r\n国立 太郎,186-8501,東京都国立市富士見台2-47-1,taro@example.jp\r\n髙橋 花子,1868501,東京都国立市中1-1,\r\n';
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const sjis = (s: string) => new Uint8Array(iconv.encode(s, 'shift_jis'));
const withBom = (b: Uint8Array) => new Uint8Array([0xef, 0xbb, 0xbf, ...b]);

describe('decodeCsv', () => {
  it('takes a BOM as UTF-8, valid UTF-8 as UTF-8, anything else as Shift_JIS', () => {
    expect(decodeCsv(withBom(utf8('氏名'))).encoding).toBe('utf-8');
    expect(decodeCsv(withBom(utf8('氏名'))).text).toBe('氏名');
    expect(decodeCsv(utf8('氏名')).encoding).toBe('utf-8');
    expect(decodeCsv(sjis('氏名,住所')).encoding).toBe('shift_jis');
    expect(decodeCsv(sjis('氏名,住所')).text).toBe('氏名,住所');
  });
  it('refuses bytes that are neither', () => {
    expect(() => decodeCsv(new Uint8Array([0x82, 0xff, 0xff, 0x80]))).toThrow(/Shift_JIS/);
  });
});

describe('parsePersonsCsv', () => {
  it.each([
    ['UTF-8', utf8(JA)],
    ['UTF-8 with BOM', withBom(utf8(JA))],
    ['Shift_JIS', sjis(JA)],
  ])('reads %s with Japanese headers, normalising postal codes and empty emails', (_, bytes) => {
    const r = parsePersonsCsv(bytes);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.persons).toEqual([
      { line: 2, name: '国立 太郎', postalCode: '186-8501', address: '東京都国立市富士見台2-47-1', email: 'taro@example.jp' },
      { line: 3, name: '髙橋 花子', postalCode: '186-8501', address: '東京都国立市中1-1', email: null },
    ]);
  });
  it('reads English headers in any order, email column optional', () => {
    const r = parsePersonsCsv(utf8('Address,Name,Postal Code\n"Kunitachi, Tokyo",Taro,186-0001\n'));
    expect(r).toMatchObject({ ok: true, persons: [{ line: 2, name: 'Taro', address: 'Kunitachi, Tokyo', postalCode: '186-0001', email: null }] });
  });
  it('names every bad row by line and field, and returns no persons', () => {
    const r = parsePersonsCsv(sjis('氏名,郵便番号,住所,メールアドレス\n太郎,186-8501,国立市,taro@example.jp\n,12345,国立市,x@\n花子,186-8501,,\n'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.encoding).toBe('shift_jis');
    expect(r.issues.map((i) => [i.line, i.field])).toEqual([
      [3, 'name'],
      [3, 'postalCode'],
      [3, 'email'],
      [4, 'address'],
    ]);
    expect(r.issues[1].message).toMatch(/郵便番号/);
    expect(r).not.toHaveProperty('persons');
  });
  it('counts lines through quoted fields that span lines', () => {
    const r = parsePersonsCsv(utf8('name,postal,address\nA,186-0001,"line1\nline2"\nB,bad,x\n'));
    expect(r).toMatchObject({ ok: false, issues: [{ line: 4, field: 'postalCode' }] });
  });
  it('reports missing columns on the header line', () => {
    expect(parsePersonsCsv(utf8('氏名,メール\nA,a@b.jp\n'))).toMatchObject({ ok: false, issues: [{ line: 1, field: 'header' }, { line: 1, field: 'header' }] });
  });
});
