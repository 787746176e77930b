// The notice's PDFs: the letters' layout (the address in the 長3 window, one page per person,
// files of at most 1,000 pages) as pure functions, then real PDFs read back with pdftotext and
// pdfinfo: page count = persons, each page the person's address and the whole notice.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ADDRESS_BLOCK,
  addressBlock,
  BODY_TOP_MM,
  countPdfPages,
  LetterOverflowError,
  letterFileNames,
  NAGA3_WINDOW,
  noticePreviewDocument,
  planLetterFiles,
  renderLetterFile,
  renderLetterFiles,
  SENDER_BLOCK,
} from '../../src/documents/notice';
import { renderPdf, resolveJapaneseFont, sha256Hex } from '../../src/documents/pdf';
import { buildNotice, noticeFieldsSchema } from '../../src/notify/notice';
import { leakIncident, loadProfile } from '../support/documents';
import { noticeFields } from '../support/notices';

const OUT = path.join(os.tmpdir(), 'jukinet-documents');
const font = resolveJapaneseFont({ configured: process.env.PDF_FONT_PATH });
const pdftotext = (file: string, page?: number) =>
  execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', ...(page ? ['-f', String(page), '-l', String(page)] : []), file, '-'], { encoding: 'utf8' });
const squeeze = (s: string) => s.replace(/[ \u3000]+/g, '');

const notice = buildNotice({ incident: leakIncident(), profile: loadProfile('kunitachi'), fields: noticeFieldsSchema.parse(noticeFields()), noticeId: 'INC-2026-0007-1', builtAt: new Date('2026-12-02T09:00:00+09:00') });
const person = (i: number) => ({ personId: i, name: `国立 ${i}郎`, postalCode: '186-8501', address: `東京都国立市富士見台二丁目${i}番地 国立ハイツ${i}号室` });

describe('the letter layout', () => {
  it('keeps the address block inside the 長3 window with a margin, and nothing else in it', () => {
    expect(ADDRESS_BLOCK.xMm).toBeGreaterThanOrEqual(NAGA3_WINDOW.xMm + 2);
    expect(ADDRESS_BLOCK.yMm).toBeGreaterThanOrEqual(NAGA3_WINDOW.yMm + 2);
    expect(ADDRESS_BLOCK.xMm + ADDRESS_BLOCK.widthMm).toBeLessThanOrEqual(NAGA3_WINDOW.xMm + NAGA3_WINDOW.widthMm - 2);
    expect(ADDRESS_BLOCK.yMm + ADDRESS_BLOCK.heightMm).toBeLessThanOrEqual(NAGA3_WINDOW.yMm + NAGA3_WINDOW.heightMm - 2);
    expect(SENDER_BLOCK.xMm).toBeGreaterThan(NAGA3_WINDOW.xMm + NAGA3_WINDOW.widthMm);
    expect(BODY_TOP_MM).toBeGreaterThan(NAGA3_WINDOW.yMm + NAGA3_WINDOW.heightMm);
    expect(BODY_TOP_MM).toBeLessThan(99); // the first fold
  });

  it('wraps the address and shrinks the type until it fits', () => {
    const short = addressBlock(person(1));
    expect(short).toMatchObject({ size: 11, fits: true });
    expect(short.lines[0]).toBe('〒186-8501');
    expect(short.lines.at(-1)).toBe('国立 1郎 様');
    const long = addressBlock({ ...person(2), address: '東京都国立市富士見台二丁目四十七番地の一 国立市役所前グランドマンション南棟 千二百三十四号室 気付 株式会社国立商事 総務部 経理課 文書管理担当' });
    expect(long.fits).toBe(true);
    expect(long.size).toBeLessThan(11);
    const absurd = addressBlock({ ...person(3), address: 'あ'.repeat(400) });
    expect(absurd.fits).toBe(false);
  });

  it('splits letters into files of at most 1,000 pages', () => {
    expect(planLetterFiles(0)).toEqual([]);
    expect(planLetterFiles(1000)).toEqual([{ file: 1, offset: 0, pages: 1000 }]);
    expect(planLetterFiles(2501)).toEqual([
      { file: 1, offset: 0, pages: 1000 },
      { file: 2, offset: 1000, pages: 1000 },
      { file: 3, offset: 2000, pages: 501 },
    ]);
    const many = planLetterFiles(100_000);
    expect(many).toHaveLength(100);
    expect(many.every((f) => f.pages === 1000)).toBe(true);
    expect(() => planLetterFiles(10, 0)).toThrow();
  });

  it('names the files in order', () => {
    expect(letterFileNames(notice, 2, 3)).toEqual({ filename: '通知文_郵送_INC-2026-0007_INC-2026-0007-1_02of03.pdf', ascii: 'notice-letters-INC-2026-0007-INC-2026-0007-1-02of03.pdf' });
  });
});

describe('the letters as PDFs', () => {
  beforeAll(() => fs.mkdirSync(OUT, { recursive: true }));
  const generatedAt = new Date('2026-12-02T10:00:00+09:00');

  it('has one A4 page per person, each with the address and the whole notice', async () => {
    const persons = [1, 2, 3].map(person);
    const pdf = await renderLetterFile({ notice, persons, file: 1, files: 1, generatedAt, publicUrl: 'https://ops.example.jp' }, font);
    const file = path.join(OUT, 'notice-letters.pdf');
    fs.writeFileSync(file, pdf);
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(info).toMatch(/Pages:\s+3\n/);
    expect(info).toMatch(/Page size:\s+595\.2\d? x 841\.8\d? pts \(A4\)/);
    expect(countPdfPages(pdf)).toBe(3);
    for (const p of persons) {
      const text = squeeze(pdftotext(file, p.personId));
      expect(text).toContain('〒186-8501');
      expect(text).toContain(squeeze(`${p.name} 様`));
      expect(text).toContain('国立市長山田太郎');
      for (const item of notice.items) expect(text).toContain(squeeze(item.heading));
      expect(text).toContain('宛名ラベルの印刷時に');
      expect(text).toContain('https://ops.example.jp/public/kunitachi/notices/INC-2026-0007-1');
      // Only this person's name on this page.
      for (const other of persons.filter((o) => o !== p)) expect(text).not.toContain(squeeze(other.name));
    }
    execFileSync('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', file, path.join(OUT, 'notice-letters')]);
    // Deterministic: the same letters give the same bytes.
    const again = await renderLetterFile({ notice, persons, file: 1, files: 1, generatedAt, publicUrl: 'https://ops.example.jp' }, font);
    expect(sha256Hex(again)).toBe(sha256Hex(pdf));
  });

  it('keeps a notice at the budget on one page per person', async () => {
    // Every item given, together exactly at the budget, with the longest apology.
    const text = (n: number) => 'あいうえおかきくけこ、さしすせそ。'.repeat(40).slice(0, n);
    const lengths = { event: 80, parties: 60, dataItems: 60, place: 60, circumstances: 120, cause: 120, secondaryHarm: 80, response: 160, other: 60 };
    expect(Object.values(lengths).reduce((s, n) => s + n, 0)).toBe(800);
    const fields = Object.fromEntries(Object.entries(lengths).map(([k, n]) => [k, text(n)]));
    const long = buildNotice({
      incident: leakIncident(),
      profile: loadProfile('kunitachi'),
      fields: noticeFieldsSchema.parse(noticeFields({ ...fields, apology: 'お'.repeat(150) })),
      noticeId: 'N2',
      builtAt: generatedAt,
    });
    const pdf = await renderLetterFile({ notice: long, persons: [person(1), person(2)], file: 1, files: 1, generatedAt, publicUrl: 'https://ops.example.jp' }, font);
    expect(countPdfPages(pdf)).toBe(2);
  });

  it('splits a print run into files, each page one person, in order', async () => {
    const persons = [1, 2, 3, 4, 5].map(person);
    const files = [];
    for await (const f of renderLetterFiles({ notice, persons, generatedAt, maxPages: 2 }, font)) files.push(f);
    expect(files.map((f) => [f.file, f.files, f.pages, countPdfPages(f.pdf)])).toEqual([
      [1, 3, 2, 2],
      [2, 3, 2, 2],
      [3, 3, 1, 1],
    ]);
    const file = path.join(OUT, 'notice-letters-3of3.pdf');
    fs.writeFileSync(file, files[2].pdf);
    expect(squeeze(pdftotext(file))).toContain('国立5郎様');
  });

  it('refuses a letter that would run over a page', async () => {
    const tooLong = { ...notice, items: notice.items.map((i) => ({ ...i, text: 'あ'.repeat(300) })) };
    await expect(renderLetterFile({ notice: tooLong, persons: [person(1)], file: 1, files: 1, generatedAt }, font)).rejects.toBeInstanceOf(LetterOverflowError);
  });

  it('previews the notice for the approver, marked unapproved until it is', async () => {
    const file = path.join(OUT, 'notice-preview.pdf');
    fs.writeFileSync(file, await renderPdf(noticePreviewDocument(notice, { generatedAt, approved: false }), font));
    const text = squeeze(pdftotext(file));
    expect(text).toContain('【確認用・未承認】');
    expect(text).toContain(squeeze(notice.title));
    for (const item of notice.items) expect(text).toContain(squeeze(item.heading));
    fs.writeFileSync(file, await renderPdf(noticePreviewDocument(notice, { generatedAt, approved: true }), font));
    expect(squeeze(pdftotext(file))).not.toContain('未承認');
  });
});
