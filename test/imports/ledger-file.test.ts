import iconv from 'iconv-lite';
import { parseLedgerFile } from '../../src/imports/ledger-file';

const sjis = (s: string) => new Uint8Array(iconv.encode(s, 'shift_jis'));
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

export const LEDGER_HEADER_JA = 'ユーザID,氏名,メールアドレス,所属,権限,発行日,最終利用日,パスワード変更日,状態,操作者カード番号,照合情報登録,照合情報登録日';

describe('parseLedgerFile', () => {
  it('reads a Shift_JIS ledger with Japanese headers: dates in Japan time, permissions as a sorted set, 照合情報', () => {
    const r = parseLedgerFile(
      sjis(`${LEDGER_HEADER_JA}\r\nNG0001,高橋 誠,takahashi@niigata.example.jp,中央区役所区民生活課,更新;照会,令和7年4月1日,2026/11/30 17:05,2026-04-01,有効,C-000123,有,R7.4.2\r\nNG0002,阿部 浩二,,東区役所区民生活課,照会,2025-04-01,,,ロック,,無,\r\n`),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.encoding).toBe('shift_jis');
    expect(r.columns).toHaveLength(12);
    expect(r.rows[0]).toEqual({
      line: 2,
      userId: 'NG0001',
      personName: '高橋 誠',
      email: 'takahashi@niigata.example.jp',
      section: '中央区役所区民生活課',
      permissions: ['更新', '照会'].sort(),
      issuedAt: '2025-03-31T15:00:00.000Z',
      lastUsedAt: '2026-11-30T08:05:00.000Z',
      passwordChangedAt: '2026-03-31T15:00:00.000Z',
      status: 'active',
      operatorCard: 'C-000123',
      verificationRegistered: true,
      verificationRegisteredAt: '2025-04-01T15:00:00.000Z',
    });
    expect(r.rows[1]).toMatchObject({ line: 3, status: 'locked', email: null, lastUsedAt: null, verificationRegistered: false });
  });

  it('reads English headers, leaving absent columns out of the file’s columns', () => {
    const r = parseLedgerFile(utf8('User ID,Name,Section,Status\nu1,Taro,Citizens,revoked\n'));
    expect(r).toMatchObject({ ok: true, columns: ['userId', 'personName', 'section', 'status'], rows: [{ userId: 'u1', status: 'revoked', permissions: [] }] });
  });

  it('names every bad row by line and field in a Shift_JIS file, and takes nothing', () => {
    const r = parseLedgerFile(sjis(`${LEDGER_HEADER_JA}\nNG0001,高橋 誠,,中央区役所区民生活課,照会,2025-04-01,,,有効,,無,\nNG 2,,x@,東区,照会,2025-02-30,,,消えた,,たぶん,\n`));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.encoding).toBe('shift_jis');
    expect(r.issues.map((i) => [i.line, i.field])).toEqual([
      [3, 'userId'],
      [3, 'personName'],
      [3, 'email'],
      [3, 'issuedAt'],
      [3, 'status'],
      [3, 'verificationRegistered'],
    ]);
    expect(r).not.toHaveProperty('rows');
  });

  it('an ID listed twice is an issue on the later line', () => {
    const r = parseLedgerFile(utf8('ID,氏名,所属\na,A,x\nb,B,x\na,C,y\n'));
    expect(r).toMatchObject({ ok: false, issues: [{ line: 4, field: 'userId', message: expect.stringContaining('2 行目') }] });
  });

  it('a file without the key columns is refused on its header line', () => {
    expect(parseLedgerFile(utf8('氏名,権限\nA,照会\n'))).toMatchObject({ ok: false, issues: [{ line: 1, field: 'header' }, { line: 1, field: 'header' }] });
  });
});
