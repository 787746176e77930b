// Excel workbooks (.xlsx, Office Open XML) written without a spreadsheet library: a zip of the
// XML parts, each stored or deflated with its CRC-32 (node's zlib has both). The counterpart of
// src/imports/xlsx.ts, which reads what offices export; this writes what they open — the review
// report's sheets, and the import tests' workbooks. Strings are shared (as Excel writes them), so
// a text cell starting with `=` stays text: nothing written here is ever a formula.
import { crc32, deflateRawSync } from 'node:zlib';

/**
 * A cell: text (shared), a number, a boolean, a date as an Excel serial (shown yyyy/mm/dd hh:mm),
 * inline text, or text with its reading (ふりがな, as Excel keeps what the IME typed). Null is empty.
 */
export type XlsxCell = string | number | boolean | null | { date: number } | { inline: string } | { phonetic: [string, string] };

export interface XlsxSheet {
  /** The tab's name: at most 31 characters, none of []:*?/\ (Excel refuses the book otherwise). */
  name: string;
  rows: ReadonlyArray<ReadonlyArray<XlsxCell>>;
  /** The row number of `rows[0]` (default 1). */
  firstRow?: number;
  /** Row 1 is a header: bold, and frozen so it stays while scrolling. */
  header?: boolean;
  /** Column widths in characters, from column A. */
  widths?: readonly number[];
  /** The part's number (`xl/worksheets/sheetN.xml`); by default its place in the book. The tab order is the array's. */
  part?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/**
 * Text as OOXML carries it: XML 1.0 cannot hold most control characters and turns CR into LF, so
 * Excel writes them as _xHHHH_; a literal `_xHHHH_` in the text is itself escaped (_x005F_).
 */
const xmlChars = (s: string) =>
  esc(s)
    .replace(/_(x[0-9A-Fa-f]{4})_/g, '_x005F_$1_')
    .replace(/[\x00-\x08\x0B-\x1F]/g, (c) => `_x${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}_`);
export const columnName = (i: number): string => (i < 26 ? String.fromCharCode(65 + i) : columnName(Math.floor(i / 26) - 1) + String.fromCharCode(65 + (i % 26)));

/** A zip archive of the given files (method 8 when `deflate`, else stored), names in UTF-8. */
export function zip(files: Record<string, string | Buffer>, deflate = true): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    const body = deflate ? deflateRawSync(data) : data;
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const head = Buffer.alloc(46);
    head.writeUInt32LE(0x02014b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(20, 6);
    head.writeUInt16LE(0x0800, 8);
    head.writeUInt16LE(deflate ? 8 : 0, 10);
    head.writeUInt32LE(crc, 16);
    head.writeUInt32LE(body.length, 20);
    head.writeUInt32LE(data.length, 24);
    head.writeUInt16LE(nameBuf.length, 28);
    head.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, body);
    central.push(head, nameBuf);
    offset += local.length + nameBuf.length + body.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

// Cell formats (cellXfs): 0 plain, 1 a date and time, 2 a bold header.
const STYLES =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
  '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/mm/dd hh:mm"/></numFmts>' +
  '<fonts count="2"><font><sz val="11"/><name val="游ゴシック"/><family val="3"/><charset val="128"/></font><font><b/><sz val="11"/><name val="游ゴシック"/><family val="3"/><charset val="128"/></font></fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>';

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** A workbook of the given sheets, in their order; the first is the one a reader opens on. */
export function buildWorkbook(sheets: readonly XlsxSheet[], o: { deflate?: boolean } = {}): Buffer {
  if (sheets.length === 0) throw new RangeError('a workbook needs a sheet');
  const shared: string[] = [];
  const sharedIndex = new Map<string, number>();
  let references = 0;
  const share = (text: string, xml = `<t xml:space="preserve">${xmlChars(text)}</t>`) => {
    references++;
    let i = sharedIndex.get(xml);
    if (i === undefined) {
      i = shared.length;
      shared.push(`<si>${xml}</si>`);
      sharedIndex.set(xml, i);
    }
    return i;
  };
  const parts = sheets.map((s, i) => s.part ?? i + 1);
  const sheetXml = (s: XlsxSheet) => {
    const start = s.firstRow ?? 1;
    const rowXml = s.rows
      .map((cells, r) => {
        const n = start + r;
        const bold = s.header && n === 1 ? ' s="2"' : '';
        const cs = cells
          .map((c, i) => {
            const ref = `${columnName(i)}${n}`;
            if (c === null) return '';
            if (typeof c === 'number') return `<c r="${ref}"${bold}><v>${c}</v></c>`;
            if (typeof c === 'boolean') return `<c r="${ref}"${bold} t="b"><v>${c ? 1 : 0}</v></c>`;
            if (typeof c === 'string') return `<c r="${ref}"${bold} t="s"><v>${share(c)}</v></c>`;
            if ('date' in c) return `<c r="${ref}" s="1"><v>${c.date}</v></c>`;
            if ('inline' in c) return `<c r="${ref}"${bold} t="inlineStr"><is><t xml:space="preserve">${xmlChars(c.inline)}</t></is></c>`;
            const [text, reading] = c.phonetic;
            return `<c r="${ref}"${bold} t="s"><v>${share(text, `<r><t>${xmlChars(text)}</t></r><rPh sb="0" eb="${text.length}"><t>${xmlChars(reading)}</t></rPh><phoneticPr fontId="1"/>`)}</v></c>`;
          })
          .join('');
        return `<row r="${n}">${cs}</row>`;
      })
      .join('');
    const freeze = s.header ? '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>' : '';
    const cols = s.widths?.length ? `<cols>${s.widths.map((w, i) => `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`).join('')}</cols>` : '';
    return `${XML}<worksheet ${NS}>${freeze}${cols}<sheetData>${rowXml}</sheetData></worksheet>`;
  };
  const files: Record<string, string> = {};
  // Sheets first: their strings fill the shared table that is written after them.
  sheets.forEach((s, i) => (files[`xl/worksheets/sheet${parts[i]}.xml`] = sheetXml(s)));
  const sharedId = `rId${Math.max(...parts) + 1}`;
  const stylesId = `rId${Math.max(...parts) + 2}`;
  return zip(
    {
      '[Content_Types].xml':
        `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
        `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
        parts.map((p) => `<Override PartName="/xl/worksheets/sheet${p}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('') +
        `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`,
      '_rels/.rels': `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      'xl/workbook.xml': `${XML}<workbook ${NS}><sheets>${sheets.map((s, i) => `<sheet name="${esc(s.name)}" sheetId="${parts[i]}" r:id="rId${parts[i]}"/>`).join('')}</sheets></workbook>`,
      'xl/_rels/workbook.xml.rels':
        `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
        parts.map((p) => `<Relationship Id="rId${p}" Type="${REL}/worksheet" Target="worksheets/sheet${p}.xml"/>`).join('') +
        `<Relationship Id="${sharedId}" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="${stylesId}" Type="${REL}/styles" Target="styles.xml"/></Relationships>`,
      ...files,
      'xl/sharedStrings.xml': `${XML}<sst ${NS} count="${references}" uniqueCount="${shared.length}">${shared.join('')}</sst>`,
      'xl/styles.xml': STYLES,
    },
    o.deflate ?? true,
  );
}
