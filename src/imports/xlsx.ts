// The first sheet of an Excel workbook (.xlsx, Office Open XML) as table records, without a
// spreadsheet library: the zip's central directory, each part inflated with node's zlib, the
// shared strings and the sheet's cells read from their XML. Enough for what offices export —
// shared, inline and formula strings, numbers (dates stay Excel serials, which the ledger reads
// as days), booleans — and nothing more: no styles, no formulas evaluated, no Zip64.
import { inflateRawSync } from 'node:zlib';
import type { TableIssue, TableRecord, TableRecords } from './table';

/** What a workbook may inflate to: a ledger is a few megabytes; a zip bomb is refused. */
export const MAX_XLSX_INFLATED_BYTES = 64 * 1024 * 1024;

export const isZip = (bytes: Uint8Array) => bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;

class XlsxError extends Error {}

/** The entries of a zip archive by name, inflated on demand. */
function readZip(bytes: Uint8Array): Map<string, () => Buffer> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end-of-central-directory record: 22 bytes, then a comment of at most 65,535.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65_535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new XlsxError('zip の終端が見つかりません / not a zip archive');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) throw new XlsxError('Zip64 形式には対応していません / Zip64 is not supported');
  const entries = new Map<string, () => Buffer>();
  let inflated = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw new XlsxError('zip の目録が壊れています / broken zip central directory');
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLength).toString('utf8');
    p += 46 + nameLength + extraLength + commentLength;
    entries.set(name, () => {
      if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) throw new XlsxError(`zip の ${name} が壊れています / broken zip entry ${name}`);
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const data = buf.subarray(start, start + compressed);
      if (data.length !== compressed) throw new XlsxError(`zip の ${name} が途中で切れています / truncated zip entry ${name}`);
      inflated += size;
      if (inflated > MAX_XLSX_INFLATED_BYTES) throw new XlsxError('展開後のサイズが大きすぎます / the workbook inflates too large');
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data, { maxOutputLength: Math.max(size, 1) });
      throw new XlsxError(`zip の圧縮方式 ${method} には対応していません / unsupported zip method ${method}`);
    });
  }
  return entries;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML text as characters: entities, character references, and OOXML's _xHHHH_ escapes. */
export function xmlText(s: string): string {
  return s
    .replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
      e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : ENTITIES[e],
    )
    .replace(/_x([0-9a-fA-F]{4})_/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

/** The text of a string item (<si> or <is>): its runs joined, the phonetic guide (ふりがな, <rPh>) left out. */
function stringItem(xml: string): string {
  const body = xml.replace(/<rPh\b[\s\S]*?<\/rPh>/g, '');
  return [...body.matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>|<t(?:\s[^>]*)?\/>/g)].map((m) => xmlText(m[1] ?? '')).join('');
}

/** 'A' → 0, 'AB' → 27: the column of a cell reference. */
function columnIndex(ref: string): number {
  const letters = /^[A-Z]+/.exec(ref)?.[0] ?? '';
  let n = 0;
  for (const c of letters) n = n * 26 + (c.charCodeAt(0) - 64);
  return n - 1;
}

/** The path of the workbook's first sheet (or the one named), from workbook.xml and its relationships. */
function sheetPath(entries: Map<string, () => Buffer>, name?: string): string {
  const workbook = entries.get('xl/workbook.xml')?.().toString('utf8');
  const rels = entries.get('xl/_rels/workbook.xml.rels')?.().toString('utf8');
  const sheets = workbook ? [...workbook.matchAll(/<sheet\b[^>]*>/g)].map((m) => m[0]) : [];
  const sheet = name === undefined ? sheets[0] : sheets.find((t) => xmlText(attr(t, 'name') ?? '') === name);
  if (name !== undefined && !sheet) throw new XlsxError(`シート「${name}」が見つかりません / no sheet named ${name}`);
  const rid = sheet && attr(sheet, 'r:id');
  if (rid && rels) {
    for (const m of rels.matchAll(/<Relationship\b[^>]*>/g)) {
      if (attr(m[0], 'Id') !== rid) continue;
      const target = attr(m[0], 'Target') ?? '';
      const path = target.startsWith('/') ? target.slice(1) : `xl/${target}`;
      if (entries.has(path)) return path;
    }
  }
  if (name === undefined && entries.has('xl/worksheets/sheet1.xml')) return 'xl/worksheets/sheet1.xml';
  throw new XlsxError('ワークシートが見つかりません / no worksheet in the workbook');
}

/** The rows of the first sheet, or of the sheet named (the header first), numbered as Excel numbers them. */
export function readXlsxRecords(bytes: Uint8Array, o: { sheet?: string } = {}): TableRecords {
  const fail = (message: string): TableRecords => ({ ok: false, format: 'xlsx', issues: [{ line: 0, field: 'file', message } satisfies TableIssue] });
  try {
    const entries = readZip(bytes);
    const shared = entries.get('xl/sharedStrings.xml');
    const strings = shared ? [...shared().toString('utf8').matchAll(/<si>([\s\S]*?)<\/si>|<si\/>/g)].map((m) => stringItem(m[1] ?? '')) : [];
    const sheet = entries.get(sheetPath(entries, o.sheet))!().toString('utf8');
    const records: TableRecord[] = [];
    let nextRow = 1;
    for (const row of sheet.matchAll(/<row\b([^>]*?)(?:\/>|>([\s\S]*?)<\/row>)/g)) {
      const line = Number(attr(row[1], 'r') ?? nextRow);
      nextRow = line + 1;
      const cells: string[] = [];
      let nextCol = 0;
      for (const c of (row[2] ?? '').matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
        const ref = attr(c[1], 'r');
        const col = ref ? columnIndex(ref) : nextCol;
        nextCol = col + 1;
        const type = attr(c[1], 't') ?? 'n';
        const inner = c[2] ?? '';
        const v = /<v>([\s\S]*?)<\/v>/.exec(inner)?.[1];
        let text = '';
        if (type === 's') text = v === undefined ? '' : (strings[Number(v)] ?? '');
        else if (type === 'inlineStr') text = stringItem(/<is>([\s\S]*?)<\/is>/.exec(inner)?.[1] ?? '');
        else if (type === 'b') text = v === '1' ? 'TRUE' : 'FALSE';
        else text = v === undefined ? '' : xmlText(v);
        while (cells.length < col) cells.push('');
        cells[col] = text;
      }
      // Like an empty line of a CSV: a row with nothing in it is not a record.
      if (cells.some((x) => x.trim() !== '')) records.push({ line, cells });
    }
    return { ok: true, format: 'xlsx', records };
  } catch (e) {
    if (e instanceof XlsxError) return fail(e.message);
    return fail(`Excel ファイル（.xlsx）として読めません / not a readable .xlsx workbook: ${(e as Error).message}`);
  }
}
