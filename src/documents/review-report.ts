// ユーザID及びパスワードの見直し 結果報告: what a closed review campaign found, per section — how
// many IDs were reviewed, kept, changed, revoked, answered late or left to the default outcome —
// and, for every ID that was not simply kept, its flags, the answer, the reason, who decided and
// how the change was carried out (niigata:15.2.4, niigata:16). Three forms of the same content,
// kept as evidence: a print-ready A4 PDF with 和暦 dates for the file and the chief, a CSV that
// opens in Excel as it is (UTF-8 with BOM, CRLF), and an .xlsx with a summary and a detail sheet.
// Building is pure; rendering is the shared layout layer's.
import { formatArticleRefJa, parseArticleRef } from '../domain/articles';
import {
  type CampaignKind,
  type DefaultOutcome,
  ID_FLAG_LABELS,
  ID_FLAGS,
  REVIEW_ANSWER_LABELS,
  type ReviewReport,
  type ReviewReportItem,
  type ReviewReportSection,
  type SectionCounts,
  sectionCounts,
} from '../domain/review';
import { formatWarekiDate, formatWarekiDateTime, jstParts, warekiYear } from '../domain/wareki';
import { type Block, type JapaneseFont, type PdfDocumentSpec, renderPdf } from './pdf';
import { buildWorkbook, type XlsxCell } from './xlsx-writer';

export const CAMPAIGN_KIND_LABELS: Record<CampaignKind, string> = { annual: '年次の見直し', targeted: '異動に伴う見直し' };
export const DEFAULT_OUTCOME_LABELS: Record<DefaultOutcome, string> = { lock: '利用停止（ロック）', revoke: '廃止', keepAndFlag: '継続（要確認の印を付す）' };
const VIA_LABELS = { directory: 'ディレクトリ', person: '担当者確認' } as const;

/** The count columns, in the report's order, with their Japanese labels. */
export const SECTION_COUNT_LABELS: ReadonlyArray<[keyof SectionCounts, string]> = [
  ['reviewed', '確認済'],
  ['kept', '継続'],
  ['changed', '権限変更'],
  ['revoked', '廃止'],
  ['overdue', '期限超過'],
  ['defaulted', '既定処理'],
];

/**
 * What the report cites when the campaign names nothing: the yearly review of every ID (新潟市
 * 要綱 第15条第2項第4号) and the section officers' duties over their operators (第16条).
 */
export const DEFAULT_REVIEW_ARTICLES = ['niigata:15.2.4', 'niigata:16'] as const;
// The regulations of the seed profiles the default articles come from.
const KNOWN_REGULATIONS: Record<string, string> = { niigata: '新潟市住民基本台帳ネットワークシステム管理運営要綱' };

/** `令和8年度（2026年度）`: a fiscal year is named by the era year of its 1 April. */
export function formatFiscalYearJa(fiscalYear: number): string {
  const w = warekiYear({ year: fiscalYear, month: 4, day: 1 });
  return `${w.era}${w.year === 1 ? '元' : w.year}年度（${fiscalYear}年度）`;
}

/** `2026/05/08 10:00` in Japan time: what Excel reads as a date and time in a Japanese locale. */
export function formatSpreadsheetDateTime(iso: string): string {
  const p = jstParts(Date.parse(iso));
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}/${two(p.month)}/${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}

/** How many IDs of a section carry each flag, in the order of ID_FLAGS. */
export const flagCounts = (items: readonly ReviewReportItem[]): number[] => ID_FLAGS.map((f) => items.filter((i) => i.flags.includes(f)).length);

/** An ID the report lists by name: any answer but keep, a flag, a late answer or none at all. */
export const isFinding = (i: ReviewReportItem): boolean => i.answer !== 'keep' || i.flags.length > 0 || i.overdue || i.defaulted !== null;

const wareki = (iso: string) => formatWarekiDateTime(Date.parse(iso));
/** In a table's narrow cell, the day over the time: 令和8年5月8日 / 10時00分. */
const shortWareki = (iso: string) => formatWarekiDateTime(Date.parse(iso), { western: false }).replace(' ', '\n');
const joined = (xs: readonly string[] | null, sep: string) => (xs && xs.length > 0 ? xs.join(sep) : '');

function articleLabel(report: ReviewReport, ref: string): string {
  const p = parseArticleRef(ref);
  const regulation = p?.organisation === undefined ? '' : p.organisation === report.organisation && report.regulation ? report.regulation : (KNOWN_REGULATIONS[p.organisation] ?? '');
  return `${regulation}${formatArticleRefJa(ref)}`;
}

function answerText(i: ReviewReportItem): string {
  if (i.answer === null) return i.defaulted ? `回答なし（既定処理: ${DEFAULT_OUTCOME_LABELS[i.defaulted]}）` : '回答なし';
  const late = i.overdue ? '（期限超過後の回答）' : '';
  if (i.answer === 'changePermissions') return `${REVIEW_ANSWER_LABELS.changePermissions.ja}（変更後: ${joined(i.newPermissions, '、') || 'なし'}）${late}`;
  return `${REVIEW_ANSWER_LABELS[i.answer].ja}${late}`;
}

function carriedOutText(i: ReviewReportItem): string {
  if (i.carriedOut) return `${VIA_LABELS[i.carriedOut.via]}\n${i.carriedOut.by}\n${shortWareki(i.carriedOut.at)}`;
  const kept = i.answer === 'keep' || (i.answer === null && i.defaulted === 'keepAndFlag');
  return kept ? '不要（継続）' : '未実施';
}

function sectionTitle(s: ReviewReportSection): string {
  return s.officer ? `${s.section}（データ取扱責任者　${s.officer.title}　${s.officer.name}）` : `${s.section}（データ取扱責任者の指定なし：システム管理者が確認）`;
}

function decidedText(i: ReviewReportItem): string {
  const at = i.decidedAt ? `\n${shortWareki(i.decidedAt)}` : '';
  // The name only: a printed cell is too narrow for the address, which the CSV and XLSX carry.
  if (i.decidedBy) return `${i.decidedBy.name}${at}`;
  return i.defaulted ? `既定処理${at}` : '—';
}

/**
 * A section's findings as one table, a row per ID, kept on one page (unless longer than a page),
 * so each ID's answer stays beside who gave it and how it was carried out.
 */
function findingsTable(items: readonly ReviewReportItem[]): Block {
  return {
    type: 'table',
    columns: [{ header: 'ユーザID・氏名', width: 2.1 }, { header: '権限・フラグ', width: 2.5 }, { header: '回答・理由', width: 3.2 }, { header: '判断', width: 2 }, { header: '実施', width: 2.6 }],
    rows: items.map((i) => [
      `${i.userId}\n${i.personName}`,
      `${joined(i.permissions, '、') || '権限なし'}${i.flags.length > 0 ? `\n${i.flags.map((f) => `【${ID_FLAG_LABELS[f].ja}】`).join('')}` : ''}`,
      `${answerText(i)}${i.reason ? `\n理由: ${i.reason}` : ''}`,
      decidedText(i),
      carriedOutText(i),
    ]),
  };
}

/** The report as a document of the shared layout layer. */
export function reviewReportDocument(report: ReviewReport, generatedAt: Date): PdfDocumentSpec {
  const fy = formatFiscalYearJa(report.fiscalYear);
  const kind = CAMPAIGN_KIND_LABELS[report.kind];
  const counted = report.sections.map((s) => ({ s, c: sectionCounts(s.items) }));
  const ids = counted.reduce((n, x) => n + x.s.items.length, 0);
  const total = (k: keyof SectionCounts) => counted.reduce((n, x) => n + x.c[k], 0);
  const blocks: Block[] = [
    { type: 'paragraph', text: report.campaignId, align: 'right' },
    { type: 'paragraph', text: formatWarekiDate(generatedAt.getTime()), align: 'right' },
    { type: 'paragraph', text: report.organisationName, align: 'right' },
    { type: 'spacer', height: 10 },
    { type: 'title', text: 'ユーザID及びパスワードの見直し 結果報告' },
    { type: 'paragraph', text: `${fy}　${kind}`, align: 'center' },
    { type: 'spacer', height: 8 },
    { type: 'paragraph', text: `住民基本台帳ネットワークシステムのユーザID及びパスワードの見直し（${kind}）を下記のとおり実施したので報告します。` },
    { type: 'paragraph', text: '記', align: 'center' },
    {
      type: 'keyValues',
      rows: [
        { key: '団体', value: report.organisationName },
        { key: '年度', value: fy },
        { key: '種別', value: kind },
        { key: '開始日時', value: wareki(report.startedAt) },
        { key: '回答期限', value: wareki(report.dueAt) },
        { key: '終了日時', value: wareki(report.closedAt) },
        { key: '未回答時の既定処理', value: DEFAULT_OUTCOME_LABELS[report.defaultOutcome] },
        { key: '対象', value: `${report.sections.length}課　ユーザID ${ids}件` },
      ],
    },
    { type: 'heading', text: '1　課ごとの集計', level: 2 },
    {
      type: 'table',
      columns: [{ header: '課', width: 3.2 }, { header: '対象', align: 'right' }, ...SECTION_COUNT_LABELS.map(([, label]) => ({ header: label, align: 'right' as const }))],
      rows: counted.map(({ s, c }) => [s.section, String(s.items.length), ...SECTION_COUNT_LABELS.map(([k]) => String(c[k]))]),
      totals: ['合計', String(ids), ...SECTION_COUNT_LABELS.map(([k]) => String(total(k)))],
    },
    {
      type: 'paragraph',
      size: 8.5,
      text: `確認済: データ取扱責任者が回答したID。継続・権限変更・廃止: 回答（回答がなく既定処理が「廃止」又は「継続」のものを含む）。期限超過: 回答期限の後に回答したID。既定処理: 回答がなく、既定の処理（${DEFAULT_OUTCOME_LABELS[report.defaultOutcome]}）をしたID。`,
    },
    { type: 'heading', text: '2　フラグ別の件数', level: 2 },
    {
      type: 'table',
      columns: [{ header: '課', width: 3.2 }, ...ID_FLAGS.map((f) => ({ header: ID_FLAG_LABELS[f].ja, width: 1.5, align: 'right' as const }))],
      rows: report.sections.map((s) => [s.section, ...flagCounts(s.items).map(String)]),
      totals: ['合計', ...flagCounts(report.sections.flatMap((s) => s.items)).map(String)],
    },
    { type: 'heading', text: '3　課ごとの所見（継続以外の回答、フラグのあるID、期限超過又は既定処理のID）', level: 2 },
  ];
  for (const { s, c } of counted) {
    blocks.push({ type: 'heading', text: sectionTitle(s), level: 2 });
    blocks.push({ type: 'paragraph', indent: 12, text: [`対象 ${s.items.length}件`, ...SECTION_COUNT_LABELS.map(([k, label]) => `${label} ${c[k]}`)].join('　') });
    const findings = s.items.filter(isFinding);
    if (findings.length === 0) blocks.push({ type: 'paragraph', indent: 12, text: s.items.length === 0 ? '対象のユーザIDなし' : '所見なし（全てのユーザIDについて継続の回答）' });
    else blocks.push(findingsTable(findings));
  }
  blocks.push({ type: 'heading', text: '根拠規定', level: 2 });
  blocks.push({ type: 'list', items: (report.articles ?? DEFAULT_REVIEW_ARTICLES).map((r) => articleLabel(report, r)) });
  blocks.push({ type: 'paragraph', text: '以上', align: 'right' });
  return {
    documentId: `${report.campaignId}/report`,
    title: `ユーザID及びパスワードの見直し 結果報告 ${report.organisationName} ${fy}`,
    generatedAt,
    author: report.organisationName,
    subject: 'ユーザID及びパスワードの見直し 結果報告',
    keywords: `${report.campaignId} ユーザID 見直し`,
    blocks,
  };
}

export function renderReviewReport(report: ReviewReport, generatedAt: Date, font: JapaneseFont): Promise<Buffer> {
  return renderPdf(reviewReportDocument(report, generatedAt), font);
}

/** The report's files, a Japanese name for the download and an ASCII one for old clients. */
export function reviewReportFileName(report: ReviewReport, ext: 'pdf' | 'csv' | 'xlsx'): { filename: string; ascii: string } {
  const kind = report.kind === 'annual' ? '' : '_異動';
  const tail = report.campaignId.replace(/^review\//, '').replace(/[^A-Za-z0-9_-]+/g, '-');
  return { filename: `ユーザID見直し結果_${report.organisationName}_FY${report.fiscalYear}${kind}.${ext}`, ascii: `review-report-${tail}.${ext}` };
}

// --- the table forms (CSV and XLSX) ---

/** The detail rows' columns: one row per ID, as the CSV and the XLSX's 明細 sheet have them. */
export const REVIEW_REPORT_COLUMNS = [
  '課',
  'ユーザID',
  '氏名',
  '権限',
  'フラグ',
  '回答',
  '変更後の権限',
  '理由',
  '判断者',
  '判断者メールアドレス',
  '判断日時',
  '期限超過',
  '既定処理',
  '実施方法',
  '実施者',
  '実施日時',
] as const;

/** Every ID of the report as text cells in the order of REVIEW_REPORT_COLUMNS; lists joined with `;`, times `YYYY/MM/DD HH:mm` JST. */
export function reviewReportRows(report: ReviewReport): string[][] {
  return report.sections.flatMap((s) =>
    s.items.map((i) => [
      s.section,
      i.userId,
      i.personName,
      joined(i.permissions, ';'),
      i.flags.map((f) => ID_FLAG_LABELS[f].ja).join(';'),
      i.answer ? REVIEW_ANSWER_LABELS[i.answer].ja : '',
      joined(i.newPermissions, ';'),
      i.reason,
      i.decidedBy?.name ?? '',
      i.decidedBy?.email ?? '',
      i.decidedAt ? formatSpreadsheetDateTime(i.decidedAt) : '',
      i.overdue ? 'はい' : '',
      i.defaulted ? DEFAULT_OUTCOME_LABELS[i.defaulted] : '',
      i.carriedOut ? VIA_LABELS[i.carriedOut.via] : '',
      i.carriedOut?.by ?? '',
      i.carriedOut ? formatSpreadsheetDateTime(i.carriedOut.at) : '',
    ]),
  );
}

/**
 * A cell as a spreadsheet may safely open it: text starting with = + - @ (or a tab or CR, which
 * some spreadsheets skip before looking) would be read as a formula — CSV injection, OWASP — so
 * it gets a leading apostrophe, which Excel shows as text and does not display.
 */
export function guardFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
const csvField = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);

/** The detail rows as a CSV Excel opens as it is: UTF-8 with a BOM, CRLF line ends, a header row, formulas guarded. */
export function reviewReportCsv(report: ReviewReport): Buffer {
  const lines = [[...REVIEW_REPORT_COLUMNS], ...reviewReportRows(report)].map((row) => row.map((c) => csvField(guardFormula(c))).join(','));
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

/** The 集計 sheet's columns. */
export const REVIEW_SUMMARY_COLUMNS = ['課', 'データ取扱責任者', '対象', ...SECTION_COUNT_LABELS.map(([, label]) => label), ...ID_FLAGS.map((f) => ID_FLAG_LABELS[f].ja)] as const;

/**
 * The report as a workbook: 集計 (a row per section and a total — the counts, then the flags —
 * then the campaign's facts) and
 * 明細 (the CSV's rows). Cells are shared strings, which Excel never evaluates, so they are written
 * as they are, unguarded; counts are numbers.
 */
export function reviewReportXlsx(report: ReviewReport): Buffer {
  const counted = report.sections.map((s) => ({ s, c: sectionCounts(s.items) }));
  const sum = (f: (x: (typeof counted)[number]) => number) => counted.reduce((n, x) => n + f(x), 0);
  const summary: XlsxCell[][] = [
    [...REVIEW_SUMMARY_COLUMNS],
    ...counted.map(({ s, c }): XlsxCell[] => [s.section, s.officer ? `${s.officer.title} ${s.officer.name}` : '', s.items.length, ...SECTION_COUNT_LABELS.map(([k]) => c[k]), ...flagCounts(s.items)]),
    ['合計', '', sum((x) => x.s.items.length), ...SECTION_COUNT_LABELS.map(([k]) => sum((x) => x.c[k])), ...flagCounts(report.sections.flatMap((s) => s.items))],
    [],
    ['団体', report.organisationName],
    ['年度', formatFiscalYearJa(report.fiscalYear)],
    ['種別', CAMPAIGN_KIND_LABELS[report.kind]],
    ['開始日時', formatSpreadsheetDateTime(report.startedAt)],
    ['回答期限', formatSpreadsheetDateTime(report.dueAt)],
    ['終了日時', formatSpreadsheetDateTime(report.closedAt)],
    ['未回答時の既定処理', DEFAULT_OUTCOME_LABELS[report.defaultOutcome]],
    ['キャンペーン', report.campaignId],
  ];
  return buildWorkbook([
    { name: '集計', rows: summary, header: true, widths: [24, 24, 8, ...SECTION_COUNT_LABELS.map(() => 10), ...ID_FLAGS.map(() => 14)] },
    { name: '明細', rows: [[...REVIEW_REPORT_COLUMNS], ...reviewReportRows(report)], header: true, widths: [20, 14, 14, 20, 24, 10, 20, 40, 14, 28, 17, 9, 18, 12, 20, 17] },
  ]);
}
