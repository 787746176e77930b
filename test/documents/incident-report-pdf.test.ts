// The incident report as a reader gets it: a PDF whose text (pdftotext) carries the title, the
// 和暦 dates, the nine headings and 調査中; whose first page draws Japanese glyphs (pdftoppm);
// and whose bytes are the same for the same input, so its SHA-256 can stand as evidence.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildIncidentReport, REPORT_ITEMS, renderIncidentReport } from '../../src/documents/incident-report';
import { renderPdf, resolveJapaneseFont, sha256Hex } from '../../src/documents/pdf';
import { auditRow, leakIncident, loadProfile } from '../support/documents';

// Kept after the run for a person to look at (the first page as PNG).
const OUT = path.join(os.tmpdir(), 'jukinet-documents');
const font = resolveJapaneseFont({ configured: process.env.PDF_FONT_PATH });

const pdftotext = (file: string) => execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
/** pdftotext -layout pads columns with spaces: compare without them. */
const squeeze = (s: string) => s.replace(/[ \u3000]+/g, '');

describe('the incident report PDF', () => {
  const profile = loadProfile('kunitachi');
  const timeline = Array.from({ length: 30 }, (_, n) =>
    auditRow(n + 1, new Date(Date.parse('2026-12-01T10:05:00+09:00') + n * 7 * 60_000).toISOString(), n === 0 ? 'インシデントを宣言' : `協議会の委員${n}が参集の呼出しに応答した`, n === 5 ? { reportItems: { personCount: 300 } } : {}),
  );
  const data = buildIncidentReport({ incident: leakIncident(), timeline, profile, kind: 'first', generatedAt: new Date('2026-12-01T15:30:00+09:00') });
  let pdf: Buffer;
  let file: string;

  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    pdf = await renderIncidentReport(data, font);
    file = path.join(OUT, 'incident-report-first.pdf');
    fs.writeFileSync(file, pdf);
  });

  it('is an A4 PDF whose text has the title, 和暦 dates, the nine headings and 調査中', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(info).toMatch(/Page size:\s+595\.2\d? x 841\.8\d? pts \(A4\)/);
    expect(info).toMatch(/Pages:\s+[2-9]/); // the timeline runs onto a second page
    const text = squeeze(pdftotext(file));
    expect(text).toContain('事故報告書（第1報）');
    expect(text).toContain('令和8年（2026年）12月1日');
    expect(text).toContain('令和8年（2026年）12月1日10時05分'); // 覚知
    for (const item of REPORT_ITEMS) expect(text).toContain(squeeze(item.ja));
    expect(text).toContain('調査中');
    expect(text).toContain('調査中の事項（7件）');
    expect(text).toContain('300人');
    expect(text).toContain('国立市長様');
    expect(text).toContain(`${squeeze(profile.organisation.regulation)}第10条第3項`);
    // every page's footer: the document id and n / N
    const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
    expect(text).toContain('kunitachi:INC-2026-0007:first');
    expect(text).toContain(`1/${pages}`);
    expect(text).toContain(`${pages}/${pages}`);
  });

  it('draws Japanese on page 1 (pdftoppm), with the font embedded', () => {
    const prefix = path.join(OUT, 'incident-report-first');
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, prefix]);
    const png = fs.readFileSync(`${prefix}.png`);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // a blank A4 page at 60 dpi compresses to about 1 KB; a page of text is tens of KB
    expect(png.length).toBeGreaterThan(20_000);
    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' });
    expect(fonts).toMatch(/Noto|IPA|Takao/i);
    expect(fonts.split('\n').slice(2).every((l) => l.trim() === '' || /\byes\s+yes\b/.test(l))).toBe(true); // embedded, subset
  });

  it('gives the same bytes (and SHA-256) for the same input, and other bytes at another time', async () => {
    const again = await renderIncidentReport(buildIncidentReport({ incident: leakIncident(), timeline, profile, kind: 'first', generatedAt: new Date('2026-12-01T15:30:00+09:00') }), font);
    expect(sha256Hex(again)).toBe(sha256Hex(pdf));
    const later = await renderIncidentReport(buildIncidentReport({ incident: leakIncident(), timeline, profile, kind: 'first', generatedAt: new Date('2026-12-01T15:31:00+09:00') }), font);
    expect(sha256Hex(later)).not.toBe(sha256Hex(pdf));
  });

  it('reports an unusable font naming PDF_FONT_PATH', async () => {
    await expect(renderPdf({ documentId: 'x', title: 'x', generatedAt: new Date(0), blocks: [] }, { regular: { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', postscriptName: 'NoSuchFace' }, source: 'PDF_FONT_PATH' })).rejects.toThrow(/PDF_FONT_PATH/);
  });
});
