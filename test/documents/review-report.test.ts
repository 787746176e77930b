// The review campaign's report as its readers get it: the PDF's text (pdftotext) carries the
// organisation, the 和暦 fiscal year, each section's counts and every finding with its reason and
// who decided; its first page is kept as a PNG (pdftoppm) in test-artifacts/; the CSV opens in
// Excel (BOM, CRLF, RFC 4180, formulas guarded) and parses back; the XLSX reads back with the
// project's own reader, sheet by sheet, and passes Python's zip check.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { resolveJapaneseFont, sha256Hex } from '../../src/documents/pdf';
import {
  formatFiscalYearJa,
  guardFormula,
  isFinding,
  renderReviewReport,
  REVIEW_REPORT_COLUMNS,
  REVIEW_SUMMARY_COLUMNS,
  reviewReportCsv,
  reviewReportDocument,
  reviewReportFileName,
  reviewReportRows,
  reviewReportXlsx,
} from '../../src/documents/review-report';
import type { ReviewReport, ReviewReportItem } from '../../src/domain/review';
import { readXlsxRecords } from '../../src/imports/xlsx';
import { expectA4Pdf, expectFirstPagePng } from '../support/documents';

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'review-report');
const font = resolveJapaneseFont({ configured: process.env.PDF_FONT_PATH });
const pdftotext = (file: string, args: string[] = []) => execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', ...args, file, '-'], { encoding: 'utf8' });
/** pdftotext -layout pads columns with spaces: compare without them. */
const squeeze = (s: string) => s.replace(/[ \u3000]+/g, '');

const sato = { name: '佐藤 一郎', email: 'sato@niigata.example.jp' };
const item = (over: Partial<ReviewReportItem> & Pick<ReviewReportItem, 'userId' | 'personName'>): ReviewReportItem => ({
  permissions: ['照会'],
  flags: [],
  answer: 'keep',
  newPermissions: null,
  reason: '',
  decidedBy: sato,
  decidedAt: '2026-05-08T01:00:00Z',
  overdue: false,
  defaulted: null,
  carriedOut: null,
  ...over,
});

function fixture(): ReviewReport {
  return {
    organisation: 'niigata',
    organisationName: '新潟市',
    campaignId: 'review/niigata/FY2026',
    kind: 'annual',
    fiscalYear: 2026,
    startedAt: '2026-05-01T00:00:00Z',
    dueAt: '2026-05-15T00:00:00Z',
    closedAt: '2026-05-23T03:30:00Z',
    defaultOutcome: 'lock',
    sections: [
      {
        section: '中央区役所区民生活課',
        officer: { name: '佐藤 一郎', title: '区民生活課長' },
        items: [
          item({ userId: 'NG0001', personName: '高橋 誠' }),
          item({
            userId: 'NG0002',
            personName: '阿部 浩二',
            permissions: ['照会', '更新'],
            flags: ['dormant', 'retired'],
            answer: 'revoke',
            reason: '令和8年3月末で退職したため',
            carriedOut: { via: 'directory', by: 'jukinet-ops', at: '2026-05-08T01:05:00Z' },
          }),
          item({
            userId: 'NG0003',
            personName: '小林 さくら',
            permissions: ['照会', '更新'],
            flags: ['widerThanTemplate'],
            answer: 'changePermissions',
            newPermissions: ['照会'],
            reason: '窓口業務のみのため更新権限は不要',
            decidedAt: '2026-05-16T02:00:00Z',
            overdue: true,
            carriedOut: { via: 'person', by: '情報政策課 田中 花子', at: '2026-05-18T06:40:00Z' },
          }),
          item({
            userId: 'NG0004',
            personName: '山田, "太郎"',
            answer: null,
            reason: '',
            decidedBy: null,
            decidedAt: '2026-05-22T00:00:00Z',
            defaulted: 'lock',
            carriedOut: { via: 'directory', by: 'jukinet-ops', at: '2026-05-22T00:00:05Z' },
          }),
          item({ userId: 'NG0005', personName: '中村 愛', flags: ['passwordExpired'], reason: '=HYPERLINK("http://evil.example/","x")' }),
        ],
      },
      {
        section: '東区役所区民生活課',
        officer: null,
        items: [item({ userId: 'NG0101', personName: '鈴木 一' }), item({ userId: 'NG0102', personName: '伊藤 二郎', decidedBy: { name: '情報政策課 田中 花子', email: 'tanaka@niigata.example.jp' } })],
      },
    ],
  };
}

const generatedAt = new Date('2026-05-23T12:35:00+09:00');

describe('the review report PDF', () => {
  let pdf: Buffer;
  let file: string;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    pdf = await renderReviewReport(fixture(), generatedAt, font);
    file = path.join(ARTIFACTS, 'review-report.pdf');
    fs.writeFileSync(file, pdf);
  });

  it('is an A4 PDF with the organisation, the 和暦 fiscal year and dates, each section’s counts and the totals', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(expectA4Pdf(file)).toBeGreaterThanOrEqual(2);
    const text = squeeze(pdftotext(file));
    for (const expected of [
      'ユーザID及びパスワードの見直し結果報告',
      '新潟市',
      '令和8年度（2026年度）年次の見直し',
      '令和8年（2026年）5月1日9時00分', // started, JST
      '令和8年（2026年）5月15日9時00分', // due
      '令和8年（2026年）5月23日12時30分', // closed
      '利用停止（ロック）',
      '課対象確認済継続権限変更廃止期限超過既定処理',
      // 対象 確認済 継続 権限変更 廃止 期限超過 既定処理
      '中央区役所区民生活課5421111',
      '東区役所区民生活課2220000',
      '合計7641111',
      // flags: 長期間未使用 パスワードの有効期間切れ 職務に必要な範囲を超える権限 異動 退職
      '中央区役所区民生活課11101',
      '合計11101',
      '新潟市住民基本台帳ネットワークシステム管理運営要綱第15条第2項第4号',
      '新潟市住民基本台帳ネットワークシステム管理運営要綱第16条',
      'review/niigata/FY2026/report', // every page's footer
    ])
      expect(text).toContain(expected);
  });

  it('lists every finding, one table row each, with its flags, answer, reason, decider and how it was carried out, and no plain keep', () => {
    // -raw gives the text in drawing order, each cell's lines in turn: a row reads left to right.
    const flat = execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
    expect(flat).toContain('中央区役所区民生活課（データ取扱責任者区民生活課長佐藤一郎）');
    expect(flat).toContain('NG0002阿部浩二照会、更新【長期間未使用】【退職】廃止理由:令和8年3月末で退職したため佐藤一郎令和8年5月8日10時00分ディレクトリjukinet-ops令和8年5月8日10時05分');
    expect(flat).toContain('NG0003小林さくら照会、更新【職務に必要な範囲を超える権限】権限変更（変更後:照会）（期限超過後の回答）理由:窓口業務のみのため更新権限は不要佐藤一郎令和8年5月16日11時00分担当者確認情報政策課田中花子令和8年5月18日15時40分');
    expect(flat).toContain('NG0004山田,"太郎"照会回答なし（既定処理:利用停止（ロック））既定処理令和8年5月22日9時00分ディレクトリjukinet-ops令和8年5月22日9時00分');
    expect(flat).toContain('NG0005中村愛照会【パスワードの有効期間切れ】継続理由:=HYPERLINK'); // kept, but flagged
    expect(flat).toContain('不要（継続）');
    expect(flat).not.toContain('NG0001'); // kept and unflagged: counted, not listed
    expect(flat).toContain('東区役所区民生活課（データ取扱責任者の指定なし：システム管理者が確認）');
    expect(flat).toContain('所見なし（全てのユーザIDについて継続の回答）');
  });

  it('draws page 1 (pdftoppm), kept in test-artifacts/', () => {
    expectFirstPagePng(file, path.join(ARTIFACTS, 'review-report-page1'));
    expect(fs.existsSync(path.join(ARTIFACTS, 'review-report-page1.png'))).toBe(true);
  });

  it('gives the same bytes for the same input', async () => {
    expect(sha256Hex(await renderReviewReport(fixture(), generatedAt, font))).toBe(sha256Hex(pdf));
  });

  it('runs a long summary table onto the next page with its header repeated', async () => {
    const many = fixture();
    many.sections = Array.from({ length: 70 }, (_, n) => ({ section: `第${n + 1}課`, officer: null, items: [item({ userId: `U${n}`, personName: '職員' })] }));
    const f = path.join(ARTIFACTS, 'review-report-many.pdf');
    fs.writeFileSync(f, await renderReviewReport(many, generatedAt, font));
    const page2 = squeeze(pdftotext(f, ['-f', '2', '-l', '2']));
    expect(page2).toContain('課対象確認済継続権限変更廃止期限超過既定処理');
    expect(squeeze(pdftotext(f))).toContain('合計707070000');
    expect(squeeze(pdftotext(f))).toContain('第70課1110000');
  });

  it('continues a finding longer than a page on the next, under the header again, losing no line', async () => {
    const long = fixture();
    const reason = Array.from({ length: 120 }, (_, n) => `理由その${n + 1}。`).join('');
    long.sections[0].items[1].reason = reason;
    const f = path.join(ARTIFACTS, 'review-report-long-reason.pdf');
    fs.writeFileSync(f, await renderReviewReport(long, generatedAt, font));
    expect(expectA4Pdf(f)).toBeGreaterThanOrEqual(3);
    // In drawing order: the row's first part (every cell), each page's footer, the header again, the rest of the reason.
    const flat = execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', f, '-'], { encoding: 'utf8' })
      .replace(/\s+/g, '')
      .replace(/review\/niigata\/FY2026\/report作成令和8年（2026年）5月23日12時35分\d\/\d/g, '')
      .replace(/ユーザID・氏名権限・フラグ回答・理由判断実施/g, '')
      .replace('佐藤一郎令和8年5月8日10時00分ディレクトリjukinet-ops令和8年5月8日10時05分', '');
    expect(flat).toContain(`【退職】廃止理由:${reason}NG0003`);
    expect(squeeze(pdftotext(f, ['-f', '2', '-l', '2']))).toContain('ユーザID・氏名権限・フラグ回答・理由判断実施');
  });

  it('names a targeted review and cites the organisation’s own articles when the campaign gives them', () => {
    const r = { ...fixture(), kind: 'targeted' as const, organisation: 'kunitachi', organisationName: '国立市', regulation: '国立市住基ネット管理規程', articles: ['kunitachi:5.1', 'law:住民基本台帳法:30-24'] };
    const spec = reviewReportDocument(r, generatedAt);
    const text = JSON.stringify(spec.blocks);
    expect(text).toContain('異動に伴う見直し');
    expect(text).toContain('国立市住基ネット管理規程第5条第1項');
    expect(text).toContain('住民基本台帳法第30条の24');
  });
});

describe('the report’s rows (CSV and XLSX)', () => {
  it('has one row per ID, in section order, with Japanese labels and JST times Excel reads', () => {
    const rows = reviewReportRows(fixture());
    expect(rows.map((r) => r[1])).toEqual(['NG0001', 'NG0002', 'NG0003', 'NG0004', 'NG0005', 'NG0101', 'NG0102']);
    expect(rows.every((r) => r.length === REVIEW_REPORT_COLUMNS.length)).toBe(true);
    expect(rows[2]).toEqual([
      '中央区役所区民生活課',
      'NG0003',
      '小林 さくら',
      '照会;更新',
      '職務に必要な範囲を超える権限',
      '権限変更',
      '照会',
      '窓口業務のみのため更新権限は不要',
      '佐藤 一郎',
      'sato@niigata.example.jp',
      '2026/05/16 11:00',
      'はい',
      '',
      '担当者確認',
      '情報政策課 田中 花子',
      '2026/05/18 15:40',
    ]);
    expect(rows[3].slice(5, 16)).toEqual(['', '', '', '', '', '2026/05/22 09:00', '', '利用停止（ロック）', 'ディレクトリ', 'jukinet-ops', '2026/05/22 09:00']);
    expect(rows[1][4]).toBe('長期間未使用;退職');
  });

  it('says which IDs are findings', () => {
    expect(fixture().sections[0].items.map(isFinding)).toEqual([false, true, true, true, true]);
  });

  it('guards cells a spreadsheet would take for a formula', () => {
    expect(['=1+1', '+81 3', '-x', '@SUM(A1)', '\tx', '\rx', 'a=b', '一=二', ''].map(guardFormula)).toEqual(["'=1+1", "'+81 3", "'-x", "'@SUM(A1)", "'\tx", "'\rx", 'a=b', '一=二', '']);
  });

  it('names its files in Japanese, with an ASCII name for old clients', () => {
    expect(reviewReportFileName(fixture(), 'pdf')).toEqual({ filename: 'ユーザID見直し結果_新潟市_FY2026.pdf', ascii: 'review-report-niigata-FY2026.pdf' });
    const targeted = { ...fixture(), kind: 'targeted' as const, campaignId: 'review/niigata/targeted/3f2a9c' };
    expect(reviewReportFileName(targeted, 'xlsx')).toEqual({ filename: 'ユーザID見直し結果_新潟市_FY2026_異動.xlsx', ascii: 'review-report-niigata-targeted-3f2a9c.xlsx' });
  });

  it('names the fiscal year by the era of its 1 April', () => {
    expect(formatFiscalYearJa(2026)).toBe('令和8年度（2026年度）');
    expect(formatFiscalYearJa(2020)).toBe('令和2年度（2020年度）');
    expect(formatFiscalYearJa(2019)).toBe('平成31年度（2019年度）'); // 令和 began on 1 May 2019
  });
});

describe('the review report CSV', () => {
  const csv = reviewReportCsv(fixture());

  it('is UTF-8 with a BOM and CRLF line ends, and parses back to the rows with formulas guarded', () => {
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = csv.toString('utf8');
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const parsed = parse(csv, { bom: true }) as string[][];
    expect(parsed[0]).toEqual([...REVIEW_REPORT_COLUMNS]);
    const rows = reviewReportRows(fixture());
    expect(parsed.slice(1)).toEqual(rows.map((r) => r.map(guardFormula)));
    expect(parsed[4][2]).toBe('山田, "太郎"'); // RFC 4180 quoting round-trips
    expect(parsed[5][7]).toBe('\'=HYPERLINK("http://evil.example/","x")');
    expect(text).toContain('"山田, ""太郎"""');
  });
});

describe('the review report XLSX', () => {
  const book = reviewReportXlsx(fixture());

  it('reads back with the project’s reader: 明細 has the CSV’s rows unguarded, 集計 the counts', () => {
    const detail = readXlsxRecords(book, { sheet: '明細' });
    if (!detail.ok) throw new Error(JSON.stringify(detail.issues));
    expect(detail.records.map((r) => r.cells)).toEqual([[...REVIEW_REPORT_COLUMNS], ...reviewReportRows(fixture())]);
    expect(detail.records[5].cells[7]).toBe('=HYPERLINK("http://evil.example/","x")'); // a shared string: text, never a formula

    const summary = readXlsxRecords(book); // the first sheet: 集計
    if (!summary.ok) throw new Error(JSON.stringify(summary.issues));
    expect(summary.records.slice(0, 4).map((r) => r.cells)).toEqual([
      [...REVIEW_SUMMARY_COLUMNS],
      // the counts, then the flags: 長期間未使用 パスワード 権限 異動 退職
      ['中央区役所区民生活課', '区民生活課長 佐藤 一郎', '5', '4', '2', '1', '1', '1', '1', '1', '1', '1', '0', '1'],
      ['東区役所区民生活課', '', '2', '2', '2', '0', '0', '0', '0', '0', '0', '0', '0', '0'],
      ['合計', '', '7', '6', '4', '1', '1', '1', '1', '1', '1', '1', '0', '1'],
    ]);
    expect(summary.records.find((r) => r.cells[0] === '年度')?.cells[1]).toBe('令和8年度（2026年度）');
    expect(readXlsxRecords(book, { sheet: 'なし' })).toMatchObject({ ok: false, issues: [{ field: 'file', message: expect.stringMatching(/なし/) }] });
  });

  it('is a sound zip (Python’s zipfile checks every CRC) of well-formed XML parts, with the parts Excel needs', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'review-xlsx-')), 'report.xlsx');
    fs.writeFileSync(file, book);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, 'review-report.xlsx'), book);
    const names = execFileSync('python3', ['-c', 'import sys, zipfile, xml.dom.minidom as m; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; [m.parseString(z.read(n)) for n in z.namelist()]; print("\\n".join(z.namelist()))', file], { encoding: 'utf8' }).trim().split('\n');
    expect(names).toEqual(expect.arrayContaining(['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/worksheets/sheet1.xml', 'xl/worksheets/sheet2.xml', 'xl/sharedStrings.xml', 'xl/styles.xml']));
  });

  it('escapes what XML cannot carry as Excel does, and reads it back', () => {
    const r = fixture();
    r.sections[1].items[0].reason = '一行目\r\n二行目 _x0041_ <a&b>';
    const back = readXlsxRecords(reviewReportXlsx(r), { sheet: '明細' });
    if (!back.ok) throw new Error('unreadable');
    expect(back.records[6].cells[7]).toBe('一行目\r\n二行目 _x0041_ <a&b>');
  });
});
