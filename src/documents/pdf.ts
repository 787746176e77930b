// Generated documents (報告書, 通知文, 成績表) as Japanese A4 PDFs: a small layout layer over
// pdfkit that every document kind shares. A document is data (a list of blocks); this module
// alone knows about fonts, pages, line breaking and footers. Its output is deterministic: the
// creation date comes from the caller's clock and nothing else varies, so the same input gives
// the same bytes and the same SHA-256, which the evidence bundle records.
//
// Line breaking is ours, not pdfkit's: Japanese wraps between any two characters, except that a
// line may not start with closing punctuation (、。」 …) nor end with an opening bracket (「（ …)
// — 禁則処理, done here by pushing the character before down to the next line (追い出し). Runs
// of ASCII (a word, an address, an id) stay whole unless they are wider than the line.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { formatWarekiDateTime } from '../domain/wareki';

// --- fonts ---

/** A font file, and for a collection (.ttc) the PostScript name of the face to use. */
export interface FontFace {
  path: string;
  postscriptName?: string;
}

export interface JapaneseFont {
  regular: FontFace;
  /** For headings; the regular face when none is found. */
  bold?: FontFace;
  /** Where it was found: `PDF_FONT_PATH` or the system path. */
  source: 'PDF_FONT_PATH' | 'system';
}

/**
 * Where Japanese fonts live on the systems we run on, in order of preference: Debian's
 * fonts-noto-cjk (a collection: the face is named), IPAex and Takao (single fonts).
 */
export const SYSTEM_FONT_CANDIDATES: ReadonlyArray<{ regular: FontFace; bold?: FontFace }> = [
  {
    regular: { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', postscriptName: 'NotoSansCJKjp-Regular' },
    bold: { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc', postscriptName: 'NotoSansCJKjp-Bold' },
  },
  {
    regular: { path: '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc', postscriptName: 'NotoSansCJKjp-Regular' },
    bold: { path: '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc', postscriptName: 'NotoSansCJKjp-Bold' },
  },
  {
    regular: { path: '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc', postscriptName: 'NotoSansCJKjp-Regular' },
    bold: { path: '/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc', postscriptName: 'NotoSansCJKjp-Bold' },
  },
  { regular: { path: '/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf' } },
  { regular: { path: '/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf' } },
  { regular: { path: '/usr/share/fonts/truetype/takao-gothic/TakaoPGothic.ttf' } },
  { regular: { path: '/usr/share/fonts/truetype/takao-gothic/TakaoGothic.ttf' } },
  { regular: { path: '/usr/share/fonts/truetype/fonts-japanese-gothic.ttf' } },
];

export class PdfFontMissingError extends Error {
  constructor(detail: string) {
    super(
      `日本語フォントが見つかりません。PDF_FONT_PATH に TrueType/OpenType フォントのパスを設定するか（コレクション .ttc は "パス#PostScript名"、例: /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc#NotoSansCJKjp-Regular）、fonts-noto-cjk を入れてください。` +
        ` / No Japanese font found: set PDF_FONT_PATH to a TrueType/OpenType font (for a .ttc collection "path#PostScriptName"), or install fonts-noto-cjk. (${detail})`,
    );
    this.name = 'PdfFontMissingError';
  }
}

/** `path#PostScriptName` → the face; a Noto CJK collection without a name gets its Japanese face. */
export function parseFontSetting(value: string): FontFace {
  const hash = value.lastIndexOf('#');
  if (hash > 0) return { path: value.slice(0, hash), postscriptName: value.slice(hash + 1) };
  const noto = /Noto(Sans|Serif)CJK-(\w+)\.ttc$/.exec(value);
  if (noto) return { path: value, postscriptName: `Noto${noto[1]}CJKjp-${noto[2]}` };
  return { path: value };
}

export interface FontResolution {
  /** PDF_FONT_PATH as configured. */
  configured?: string | undefined;
  /** Tests give their own file system. */
  exists?: (path: string) => boolean;
  candidates?: typeof SYSTEM_FONT_CANDIDATES;
}

/** PDF_FONT_PATH when set (it must exist: a typo is not silently replaced), else the first system font found. */
export function resolveJapaneseFont(o: FontResolution = {}): JapaneseFont {
  const exists = o.exists ?? existsSync;
  if (o.configured) {
    const face = parseFontSetting(o.configured);
    if (!exists(face.path)) throw new PdfFontMissingError(`PDF_FONT_PATH=${o.configured}: no such file`);
    return { regular: face, source: 'PDF_FONT_PATH' };
  }
  const candidates = o.candidates ?? SYSTEM_FONT_CANDIDATES;
  for (const c of candidates) {
    if (exists(c.regular.path)) return { regular: c.regular, ...(c.bold && exists(c.bold.path) ? { bold: c.bold } : {}), source: 'system' };
  }
  throw new PdfFontMissingError(`PDF_FONT_PATH unset; none of ${candidates.map((c) => c.regular.path).join(', ')}`);
}

// Font files are large (a CJK collection is about 20 MB): read each once per process.
const fontBytes = new Map<string, Buffer>();
function readFont(path: string): Buffer {
  let b = fontBytes.get(path);
  if (!b) {
    b = readFileSync(path);
    fontBytes.set(path, b);
  }
  return b;
}

function registerFaces(doc: PDFKit.PDFDocument, font: JapaneseFont): void {
  const register = (alias: string, face: FontFace) => {
    try {
      if (face.postscriptName) doc.registerFont(alias, readFont(face.path), face.postscriptName);
      else doc.registerFont(alias, readFont(face.path));
      doc.font(alias); // parses the face now, so a wrong name fails here with its path
    } catch (err) {
      throw new PdfFontMissingError(`${face.path}${face.postscriptName ? `#${face.postscriptName}` : ''}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  register('jp', font.regular);
  register('jp-bold', font.bold ?? font.regular);
}

/** Loads the font into a throw-away document and draws Japanese with it: what `doctor` reports. */
export function checkJapaneseFont(font: JapaneseFont): string {
  const doc = new PDFDocument({ size: 'A4', autoFirstPage: true });
  registerFaces(doc, font);
  const width = doc.font('jp').fontSize(10).widthOfString('住民基本台帳');
  if (!(width > 0)) throw new PdfFontMissingError(`${font.regular.path}: draws no Japanese`);
  const name = (f: FontFace) => `${f.path}${f.postscriptName ? `#${f.postscriptName}` : ''}`;
  return `${name(font.regular)}${font.bold ? ` (bold ${name(font.bold)})` : ''} from ${font.source}`;
}

// --- line breaking (pure) ---

/** 行頭禁則: characters a line may not start with. */
export const NOT_AT_LINE_START = new Set(Array.from('、。，．,.）)]｝}〕〉》」』】〙〗〟’”｠»ゝゞヽヾーァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎゕゖ‐゠–〜～…‥・：；:;？！?!%％'));
/** 行末禁則: characters a line may not end with. */
export const NOT_AT_LINE_END = new Set(Array.from('（([｛{〔〈《「『【〘〖〝‘“｟«'));

/** Units that stay together: a run of printable ASCII (a word, a number, an address), a space, or one character. */
function units(text: string): string[] {
  return text.match(/[\x21-\x7E]+|\s|[\s\S]/gu) ?? [];
}

/**
 * Breaks text into lines no wider than `maxWidth` (as `measure` says), at character boundaries,
 * with 禁則処理. Newlines in the text start new lines; an empty line stays empty.
 */
export function breakLines(text: string, maxWidth: number, measure: (s: string) => number): string[] {
  const out: string[] = [];
  for (const para of text.replace(/\r\n?/g, '\n').split('\n')) {
    // A unit wider than the line (a long URL) is cut into characters.
    const us = units(para).flatMap((u) => (u.length > 1 && measure(u) > maxWidth ? Array.from(u) : [u]));
    let line: string[] = [];
    let width = 0;
    const lines: string[][] = [];
    for (const u of us) {
      const w = measure(u);
      if (line.length > 0 && width + w > maxWidth && !/^\s$/.test(u)) {
        // 追い出し: carry characters down until the new line starts and the old one ends legally.
        const next: string[] = [u];
        while (line.length > 1 && (NOT_AT_LINE_START.has(Array.from(next[0])[0]) || NOT_AT_LINE_END.has(Array.from(line[line.length - 1]).at(-1)!))) {
          next.unshift(line.pop()!);
        }
        lines.push(line);
        line = next;
        width = next.reduce((s, x) => s + measure(x), 0);
      } else {
        line.push(u);
        width += w;
      }
    }
    lines.push(line);
    for (const l of lines) out.push(l.join('').trim());
  }
  return out;
}

// --- documents ---

export type Block =
  /** The document's title, centred and large. */
  | { type: 'title'; text: string }
  | { type: 'heading'; text: string; level?: 1 | 2 }
  | { type: 'paragraph'; text: string; align?: 'left' | 'right' | 'center'; size?: number; indent?: number }
  /** A two-column table of labels and values; values wrap, rows continue on the next page. */
  | { type: 'keyValues'; rows: ReadonlyArray<{ key: string; value: string }>; keyWidth?: number }
  /**
   * A table: a shaded header row, repeated at the top of every page the table runs onto; cells
   * wrap; column widths are relative (default equal). A row is kept on one page unless it is
   * longer than a page. `totals` is a last row, shaded and bold like the header.
   */
  | { type: 'table'; columns: ReadonlyArray<{ header: string; width?: number; align?: 'left' | 'right' | 'center' }>; rows: ReadonlyArray<ReadonlyArray<string>>; totals?: ReadonlyArray<string> }
  | { type: 'list'; items: readonly string[]; marker?: string }
  | { type: 'spacer'; height?: number }
  | { type: 'pageBreak' }
  /** Text at a fixed place on the current page, in millimetres from the top left (e.g. an address block for a window envelope). */
  | { type: 'fixed'; xMm: number; yMm: number; widthMm: number; lines: readonly string[]; size?: number }
  /** Ruled lines to write on by hand (a blank form), each line `label` first when given; kept on one page. */
  | { type: 'writingLines'; count: number; label?: string; indent?: number };

export interface PdfDocumentSpec {
  /** Printed in every footer and stored in the metadata (e.g. `kunitachi/INC-2026-0001/report/first/1`). */
  documentId: string;
  title: string;
  /** The injected clock's time: the PDF's CreationDate and the footer's 作成日時. */
  generatedAt: Date;
  author?: string;
  subject?: string;
  keywords?: string;
  blocks: readonly Block[];
}

export const MM = 72 / 25.4;
export const A4 = { width: 595.28, height: 841.89 } as const;
/** Page margins in points: 20 mm around, 25 mm at the bottom for the footer. */
export const MARGINS = { top: 20 * MM, left: 20 * MM, right: 20 * MM, bottom: 25 * MM } as const;

const BODY_SIZE = 10.5;
const LINE = 1.6; // line height as a multiple of the font size: Japanese needs air between lines
const CELL_PAD = 4;
const TABLE_SIZE = 9.5; // a table's many columns want a smaller face than the body's

/** Renders a document to PDF bytes. Throws PdfFontMissingError when the font cannot be used. */
export function renderPdf(spec: PdfDocumentSpec, font: JapaneseFont): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGINS,
    bufferPages: true,
    autoFirstPage: true,
    pdfVersion: '1.7',
    lang: 'ja-JP',
    displayTitle: true,
    info: {
      Title: spec.title,
      Author: spec.author ?? 'jukinet-ops',
      Subject: spec.subject ?? spec.title,
      Keywords: spec.keywords ?? spec.documentId,
      Creator: 'jukinet-ops',
      Producer: 'jukinet-ops',
      CreationDate: spec.generatedAt,
      ModDate: spec.generatedAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  try {
    registerFaces(doc, font);
    layout(doc, spec);
  } catch (err) {
    doc.end();
    return done.then(() => Promise.reject(err));
  }
  doc.end();
  return done;
}

/** Lays the blocks out on pages, keeping our own cursor so every line is placed where we say. */
function layout(doc: PDFKit.PDFDocument, spec: PdfDocumentSpec): void {
  const left = MARGINS.left;
  const width = A4.width - MARGINS.left - MARGINS.right;
  const bottom = A4.height - MARGINS.bottom;
  let y = MARGINS.top;

  const newPage = () => {
    doc.addPage();
    y = MARGINS.top;
  };
  const set = (bold: boolean, size: number) => doc.font(bold ? 'jp-bold' : 'jp').fontSize(size);
  const measurer = (bold: boolean, size: number) => {
    set(bold, size);
    return (s: string) => doc.widthOfString(s);
  };
  /** Draws one line at the cursor; a new page first when it would not fit. */
  const line = (text: string, o: { x?: number; w?: number; size?: number; bold?: boolean; align?: 'left' | 'right' | 'center' } = {}) => {
    const size = o.size ?? BODY_SIZE;
    const h = size * LINE;
    if (y + h > bottom) newPage();
    set(o.bold ?? false, size);
    const x = o.x ?? left;
    const w = o.w ?? width;
    const tw = doc.widthOfString(text);
    const dx = o.align === 'right' ? w - tw : o.align === 'center' ? (w - tw) / 2 : 0;
    doc.text(text, x + dx, y + (h - size) / 2, { lineBreak: false });
    y += h;
  };
  const wrapped = (text: string, o: { x?: number; w?: number; size?: number; bold?: boolean; align?: 'left' | 'right' | 'center' } = {}) => {
    const size = o.size ?? BODY_SIZE;
    for (const l of breakLines(text, o.w ?? width, measurer(o.bold ?? false, size))) line(l, o);
  };

  for (const b of spec.blocks) {
    switch (b.type) {
      case 'title':
        wrapped(b.text, { size: 16, bold: true, align: 'center' });
        y += 8;
        break;
      case 'heading': {
        const size = b.level === 2 ? 11 : 12.5;
        // Keep a heading with at least two lines of what follows.
        if (y + size * LINE + 2 * BODY_SIZE * LINE > bottom) newPage();
        y += 6;
        wrapped(b.text, { size, bold: true });
        if (b.level !== 2) {
          doc.save().lineWidth(0.5).moveTo(left, y).lineTo(left + width, y).stroke().restore();
          y += 3;
        }
        break;
      }
      case 'paragraph': {
        const indent = b.indent ?? 0;
        wrapped(b.text, { x: left + indent, w: width - indent, ...(b.size ? { size: b.size } : {}), ...(b.align ? { align: b.align } : {}) });
        break;
      }
      case 'list': {
        const marker = b.marker ?? '・';
        const mw = measurer(false, BODY_SIZE)(marker);
        for (const item of b.items) {
          const lines = breakLines(item, width - mw, measurer(false, BODY_SIZE));
          lines.forEach((l, i) => {
            if (i === 0) {
              if (y + BODY_SIZE * LINE > bottom) newPage();
              set(false, BODY_SIZE);
              doc.text(marker, left, y + (BODY_SIZE * LINE - BODY_SIZE) / 2, { lineBreak: false });
            }
            line(l, { x: left + mw, w: width - mw });
          });
        }
        break;
      }
      case 'keyValues': {
        const kw = b.keyWidth ?? width * 0.3;
        const h = BODY_SIZE * LINE;
        for (const row of b.rows) {
          const keyLines = breakLines(row.key, kw - 2 * CELL_PAD, measurer(true, BODY_SIZE));
          const valueLines = breakLines(row.value, width - kw - 2 * CELL_PAD, measurer(false, BODY_SIZE));
          let k = 0;
          let v = 0;
          // A row taller than what is left of the page continues on the next, its label repeated blank.
          while (k < keyLines.length || v < valueLines.length || (k === 0 && v === 0)) {
            let fit = Math.floor((bottom - y - 2 * CELL_PAD) / h);
            const need = Math.max(keyLines.length - k, valueLines.length - v, 1);
            if (fit < Math.min(need, 2)) {
              newPage();
              fit = Math.floor((bottom - y - 2 * CELL_PAD) / h);
            }
            const n = Math.min(need, fit);
            const top = y;
            const cellH = n * h + 2 * CELL_PAD;
            doc.save().lineWidth(0.5).rect(left, top, kw, cellH).fillAndStroke('#f0f0f0', '#000000').restore();
            doc.save().lineWidth(0.5).rect(left + kw, top, width - kw, cellH).stroke().restore();
            doc.fillColor('#000000');
            for (let i = 0; i < n; i++) {
              const ty = top + CELL_PAD + i * h + (h - BODY_SIZE) / 2;
              if (k + i < keyLines.length) {
                set(true, BODY_SIZE);
                doc.text(keyLines[k + i], left + CELL_PAD, ty, { lineBreak: false });
              }
              if (v + i < valueLines.length) {
                set(false, BODY_SIZE);
                doc.text(valueLines[v + i], left + kw + CELL_PAD, ty, { lineBreak: false });
              }
            }
            k = Math.min(keyLines.length, k + n);
            v = Math.min(valueLines.length, v + n);
            y = top + cellH;
            if (k >= keyLines.length && v >= valueLines.length) break;
          }
        }
        y += 4;
        break;
      }
      case 'table': {
        const size = TABLE_SIZE;
        const h = size * LINE;
        const weights = b.columns.map((c) => c.width ?? 1);
        const total = weights.reduce((a, w) => a + w, 0);
        const ws = weights.map((w) => (width * w) / total);
        const xs = ws.map((_, i) => left + ws.slice(0, i).reduce((a, w) => a + w, 0));
        const shape = (cells: ReadonlyArray<string>, bold: boolean) => {
          const lines = b.columns.map((_, i) => breakLines(cells[i] ?? '', ws[i] - 2 * CELL_PAD, measurer(bold, size)));
          return { lines, count: Math.max(1, ...lines.map((l) => l.length)), bold };
        };
        type Row = ReturnType<typeof shape>;
        const rowHeight = (lines: number) => lines * h + 2 * CELL_PAD;
        /** Lines [from, from + n) of a row, as cells n lines high at the cursor. */
        const paint = (row: Row, from: number, n: number) => {
          const cellH = rowHeight(n);
          b.columns.forEach((c, i) => {
            const r = doc.save().lineWidth(0.5).rect(xs[i], y, ws[i], cellH);
            (row.bold ? r.fillAndStroke('#f0f0f0', '#000000') : r.stroke()).restore();
            doc.fillColor('#000000');
            set(row.bold, size);
            row.lines[i].slice(from, from + n).forEach((l, k) => {
              const tw = doc.widthOfString(l);
              const inner = ws[i] - 2 * CELL_PAD;
              const dx = c.align === 'right' ? inner - tw : c.align === 'center' ? (inner - tw) / 2 : 0;
              doc.text(l, xs[i] + CELL_PAD + dx, y + CELL_PAD + k * h + (h - size) / 2, { lineBreak: false });
            });
          });
          y += cellH;
        };
        const header = shape(
          b.columns.map((c) => c.header),
          true,
        );
        const headerOnNewPage = () => {
          newPage();
          paint(header, 0, header.count);
        };
        const body = [...b.rows.map((r) => shape(r, false)), ...(b.totals ? [shape(b.totals, true)] : [])];
        // The header never stands alone at the foot of a page.
        if (y + rowHeight(header.count) + rowHeight(Math.min(body[0]?.count ?? 0, 2)) > bottom) newPage();
        paint(header, 0, header.count);
        const pageLines = Math.floor((bottom - MARGINS.top - rowHeight(header.count) - 2 * CELL_PAD) / h);
        for (const row of body) {
          // A row that fits on a page is kept whole; a longer one (a long reason) continues on the next, under the header again.
          if (y + rowHeight(row.count) > bottom && (row.count <= pageLines || bottom - y < rowHeight(2))) headerOnNewPage();
          for (let from = 0; from < row.count; ) {
            const n = Math.max(1, Math.min(row.count - from, Math.floor((bottom - y - 2 * CELL_PAD) / h)));
            paint(row, from, n);
            from += n;
            if (from < row.count) headerOnNewPage();
          }
        }
        y += 4;
        break;
      }
      case 'spacer':
        y += b.height ?? BODY_SIZE;
        if (y > bottom) newPage();
        break;
      case 'pageBreak':
        newPage();
        break;
      case 'writingLines': {
        const gap = 8 * MM; // handwriting needs about 8 mm a line
        const indent = b.indent ?? 0;
        if (y + b.count * gap > bottom) newPage();
        for (let n = 0; n < b.count; n++) {
          y += gap;
          if (n === 0 && b.label) {
            set(false, 9);
            doc.text(b.label, left + indent, y - 9 * LINE, { lineBreak: false });
          }
          doc.save().lineWidth(0.4).strokeColor('#777777').moveTo(left + indent, y).lineTo(left + width, y).stroke().restore();
        }
        y += 4;
        break;
      }
      case 'fixed': {
        const size = b.size ?? BODY_SIZE;
        set(false, size);
        b.lines.forEach((l, i) => doc.text(l, b.xMm * MM, b.yMm * MM + i * size * LINE, { lineBreak: false, width: b.widthMm * MM }));
        break;
      }
    }
  }
  footers(doc, spec);
}

/** Every page: the document id and when it was generated on the left, `n / N` on the right. */
function footers(doc: PDFKit.PDFDocument, spec: PdfDocumentSpec): void {
  const range = doc.bufferedPageRange();
  const size = 8;
  const y = A4.height - MARGINS.bottom + 10 * MM;
  const left = MARGINS.left;
  const width = A4.width - MARGINS.left - MARGINS.right;
  const generated = `${spec.documentId}　作成 ${formatWarekiDateTime(spec.generatedAt.getTime())}`;
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    // Writing below the bottom margin would make pdfkit open a page: lift the margin for the footer.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font('jp').fontSize(size).fillColor('#444444');
    doc.save().lineWidth(0.3).strokeColor('#888888').moveTo(left, y - 4).lineTo(left + width, y - 4).stroke().restore();
    doc.text(generated, left, y, { lineBreak: false });
    const pages = `${i + 1} / ${range.count}`;
    doc.text(pages, left + width - doc.widthOfString(pages), y, { lineBreak: false });
    doc.page.margins.bottom = margin;
  }
  doc.fillColor('#000000');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * `Content-Disposition` for a download: an ASCII fallback (`filename`) for old clients and the
 * real name in UTF-8 (`filename*`, RFC 5987/6266).
 */
export function contentDisposition(filename: string, asciiFallback: string, disposition: 'attachment' | 'inline' = 'attachment'): string {
  const ascii = asciiFallback.replace(/[^\x20-\x7E]|["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
