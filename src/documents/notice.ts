// The notice (通知文) as PDFs: the preview the approver reads, and the letters (郵送) for the
// persons without an email address or whose address was refused — a mail merge, one A4 page per
// person, folded in three into a 長形3号 window envelope, in files of at most 1,000 pages so a
// print shop (or an office printer) takes them one at a time.
//
// Where the address goes. A 長形3号 envelope is 120 × 235 mm; the A4 sheet folded in three
// (三つ折り, panels of 99 mm) goes in with its top panel against the front, read with the
// envelope turned landscape. Ready-made 長3 window envelopes have a window of about 90 × 45 mm,
// about 23 mm from the left and 13 mm from the top edge in that position (Japan Post's guideline
// keeps windows 12 mm from the edges). Folded sheets move a few millimetres in the envelope, so
// the address block is smaller than the window and inside it with a margin on every side:
// 25 mm from the sheet's left edge and 18 mm from its top, 80 × 38 mm (ADDRESS_BLOCK below).
// Envelopes differ by maker: the constants are the one place to change, and a test pins them.
// Nothing else on the sheet is drawn within the window's area, so no other text shows through.
import type { NoticeData } from '../notify/notice';
import { publicNoticePath } from '../notify/notice';
import { type Block, breakLines, type JapaneseFont, type PdfDocumentSpec, renderPdf } from './pdf';

/** The ready-made 長形3号 window assumed (landscape, from the envelope's top left), in mm. */
export const NAGA3_WINDOW = { xMm: 23, yMm: 13, widthMm: 90, heightMm: 45 } as const;
/** Where the address is printed on the A4 sheet (from its top left), in mm: inside NAGA3_WINDOW with a margin. */
export const ADDRESS_BLOCK = { xMm: 25, yMm: 18, widthMm: 80, heightMm: 38 } as const;
/** The sender (差出人) and date: right of the window, so they do not show through it. */
export const SENDER_BLOCK = { xMm: 122, yMm: 18, widthMm: 68 } as const;
/** The first fold of A4 in three; the body starts below the window area. */
export const BODY_TOP_MM = 64;
/** Pages per letters file (issue 10 §6). */
export const MAX_LETTER_PAGES_PER_FILE = 1_000;

const LINE_HEIGHT = 1.6; // as the layout layer sets lines
const MM_PER_PT = 25.4 / 72;
const ADDRESS_SIZES = [11, 10, 9, 8] as const;
const LETTER_BODY_SIZE = 9;

/**
 * A width estimate without the font (pure, for the address block): a full-width character is one
 * em, ASCII 0.6 em — Noto Sans CJK's proportional Latin is narrower, so lines never overrun.
 */
export const estimateWidth = (size: number) => (s: string) => Array.from(s).reduce((w, c) => w + (c.charCodeAt(0) < 0x7f ? 0.6 : 1) * size, 0);

export interface LetterPerson {
  personId: number;
  name: string;
  postalCode: string;
  address: string;
}

export interface AddressLayout {
  lines: string[];
  size: number;
  /** False when even the smallest size does not fit the block: that letter needs checking by hand. */
  fits: boolean;
}

/** The address block's lines: 〒, the address wrapped, a blank line, the name with 様; the largest size that fits. */
export function addressBlock(p: Pick<LetterPerson, 'name' | 'postalCode' | 'address'>): AddressLayout {
  const widthPt = ADDRESS_BLOCK.widthMm / MM_PER_PT;
  let last: AddressLayout | undefined;
  for (const size of ADDRESS_SIZES) {
    const measure = estimateWidth(size);
    const lines = [`〒${p.postalCode}`, ...breakLines(p.address, widthPt, measure), '', ...breakLines(`${p.name} 様`, widthPt, measure)];
    const height = lines.length * size * LINE_HEIGHT * MM_PER_PT;
    last = { lines, size, fits: height <= ADDRESS_BLOCK.heightMm };
    if (last.fits) return last;
  }
  return last!;
}

/** The files a number of letters is split into: 1-based file numbers, 0-based person offsets. */
export function planLetterFiles(count: number, maxPages: number = MAX_LETTER_PAGES_PER_FILE): Array<{ file: number; offset: number; pages: number }> {
  if (!Number.isInteger(maxPages) || maxPages < 1) throw new Error(`maxPages must be a positive integer, not ${maxPages}`);
  const files: Array<{ file: number; offset: number; pages: number }> = [];
  for (let offset = 0; offset < count; offset += maxPages) files.push({ file: files.length + 1, offset, pages: Math.min(maxPages, count - offset) });
  return files;
}

/** The notice for the approver: the same text every channel carries, addressed to no one. */
export function noticePreviewDocument(n: NoticeData, o: { generatedAt: Date; approved: boolean }): PdfDocumentSpec {
  const blocks: Block[] = [
    ...(o.approved ? [] : [{ type: 'paragraph', text: '【確認用・未承認】', align: 'right' } as Block]),
    { type: 'paragraph', text: n.date, align: 'right' },
    { type: 'paragraph', text: n.signatory, align: 'right' },
    { type: 'spacer', height: 8 },
    { type: 'title', text: n.title },
    { type: 'paragraph', text: n.apology },
    { type: 'paragraph', text: '記', align: 'center' },
  ];
  for (const item of n.items) {
    blocks.push({ type: 'heading', text: `${item.no}　${item.heading}`, level: 2 });
    blocks.push({ type: 'paragraph', text: item.text, indent: 12 });
  }
  blocks.push({ type: 'spacer', height: 6 });
  for (const l of n.contactLines) blocks.push({ type: 'paragraph', text: l });
  blocks.push({ type: 'paragraph', text: '以上', align: 'right' });
  return {
    documentId: n.documentId,
    title: `${n.title} ${n.incidentId}`,
    generatedAt: o.generatedAt,
    author: n.organisationName,
    subject: n.title,
    keywords: `${n.incidentId} 本人通知`,
    blocks,
  };
}

/** One person's page: the address in the window, the sender beside it, the notice below. */
function letterPage(n: NoticeData, p: LetterPerson, publicUrl: string | undefined): Block[] {
  const address = addressBlock(p);
  const link = publicUrl && n.publish ? `${publicUrl.replace(/\/$/, '')}${publicNoticePath(n.organisation, n.noticeId)}` : undefined;
  return [
    { type: 'fixed', ...ADDRESS_BLOCK, lines: address.lines, size: address.size },
    { type: 'fixed', ...SENDER_BLOCK, lines: [n.date, n.organisationName, ...(n.signatory !== n.organisationName ? [n.signatory] : [])], size: 9 },
    // The flow starts at the top margin: down to below the window.
    { type: 'spacer', height: (BODY_TOP_MM - 20) / MM_PER_PT },
    { type: 'paragraph', text: n.title, align: 'center', size: 13 },
    { type: 'paragraph', text: `${p.name} 様`, size: LETTER_BODY_SIZE },
    { type: 'paragraph', text: n.apology, size: LETTER_BODY_SIZE },
    ...n.items.map((item): Block => ({ type: 'paragraph', text: `${item.no}．【${item.heading}】${item.text}`, size: LETTER_BODY_SIZE })),
    { type: 'paragraph', text: n.contactLines.join('　'), size: LETTER_BODY_SIZE },
    ...(link ? [{ type: 'paragraph', text: `このお知らせはホームページでも公表しています：${link}`, size: 8 } as Block] : []),
  ];
}

export interface LetterFileInput {
  notice: NoticeData;
  /** This file's persons, in order: one page each. */
  persons: readonly LetterPerson[];
  file: number;
  files: number;
  /** The approval's time: the same letters give the same bytes. */
  generatedAt: Date;
  /** The console's base address, for the public page's URL (printed when the notice is published). */
  publicUrl?: string;
}

export function letterFileDocument(o: LetterFileInput): PdfDocumentSpec {
  const blocks = o.persons.flatMap((p, i) => [...(i > 0 ? [{ type: 'pageBreak' } as Block] : []), ...letterPage(o.notice, p, o.publicUrl)]);
  return {
    documentId: `${o.notice.documentId}:letters:${o.file}/${o.files}`,
    title: `${o.notice.title}（郵送分 ${o.file}/${o.files}）`,
    generatedAt: o.generatedAt,
    author: o.notice.organisationName,
    subject: o.notice.title,
    keywords: `${o.notice.incidentId} 本人通知 郵送`,
    blocks,
  };
}

export class LetterOverflowError extends Error {
  constructor(
    public readonly pages: number,
    public readonly persons: number,
  ) {
    super(`通知文が1枚に収まりません（${persons} 人に ${pages} ページ）。項目を短くしてください / the notice does not fit one page per person (${pages} pages for ${persons} persons): shorten the items`);
    this.name = 'LetterOverflowError';
  }
}

/** Pages in a PDF of ours (pdfkit writes page objects uncompressed). */
export function countPdfPages(pdf: Uint8Array): number {
  return (Buffer.from(pdf).toString('latin1').match(/\/Type \/Page\b(?!s)/g) ?? []).length;
}

/** A letters file's PDF; refuses (LetterOverflowError) when some person's letter runs over one page. */
export async function renderLetterFile(o: LetterFileInput, font: JapaneseFont): Promise<Buffer> {
  const pdf = await renderPdf(letterFileDocument(o), font);
  const pages = countPdfPages(pdf);
  if (pages !== o.persons.length) throw new LetterOverflowError(pages, o.persons.length);
  return pdf;
}

/**
 * Every letters file for a list of persons, one after the other (one file in memory at a time):
 * for a print run and for the benchmark that times letters for N persons.
 */
export async function* renderLetterFiles(
  o: { notice: NoticeData; persons: readonly LetterPerson[]; generatedAt: Date; publicUrl?: string; maxPages?: number },
  font: JapaneseFont,
): AsyncGenerator<{ file: number; files: number; pages: number; pdf: Buffer }> {
  const plan = planLetterFiles(o.persons.length, o.maxPages);
  for (const f of plan) {
    const persons = o.persons.slice(f.offset, f.offset + f.pages);
    const pdf = await renderLetterFile({ notice: o.notice, persons, file: f.file, files: plan.length, generatedAt: o.generatedAt, ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}) }, font);
    yield { file: f.file, files: plan.length, pages: f.pages, pdf };
  }
}

/** `通知文_郵送_INC-2026-0001_01of03.pdf`, and the ASCII fallback. */
export function letterFileNames(n: Pick<NoticeData, 'incidentId' | 'noticeId'>, file: number, files: number): { filename: string; ascii: string } {
  const pad = (x: number) => String(x).padStart(String(files).length < 2 ? 2 : String(files).length, '0');
  return {
    filename: `通知文_郵送_${n.incidentId}_${n.noticeId}_${pad(file)}of${pad(files)}.pdf`,
    ascii: `notice-letters-${n.incidentId}-${n.noticeId}-${pad(file)}of${pad(files)}.pdf`,
  };
}
