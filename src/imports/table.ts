// One import mechanism for the tables offices export from their own systems (the persons
// concerned by an incident, the user-ID ledger): CSV in UTF-8 or Shift_JIS (Excel's default in
// Japan), with or without a BOM, headers in Japanese or English. The whole file is checked before
// anything is imported, and every bad row is named by its line so the office can fix its export
// and send it again. A table is described once (its columns, their header names, a zod schema per
// row); reading the file and reporting what is wrong is the same for every table.
import { parse } from 'csv-parse/sync';
import type { z, ZodType } from '../domain/zod';
import { isZip, readXlsxRecords } from './xlsx';

export type CsvEncoding = 'utf-8' | 'shift_jis';

/**
 * A BOM means UTF-8; bytes that are valid UTF-8 are UTF-8 (plain ASCII is both); anything else
 * must decode as Shift_JIS without a replacement character, or the file is refused rather than
 * imported with garbled names.
 */
export function decodeCsv(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8' };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    // not UTF-8: try Shift_JIS below
  }
  try {
    return { text: new TextDecoder('shift_jis', { fatal: true }).decode(bytes), encoding: 'shift_jis' };
  } catch {
    throw new CsvEncodingError();
  }
}

export class CsvEncodingError extends Error {
  constructor() {
    super('文字コードを判別できません（UTF-8 または Shift_JIS で保存してください） / cannot decode the file as UTF-8 or Shift_JIS');
    this.name = 'CsvEncodingError';
  }
}

/** One row of a file as read, before it is checked: its cells and the line (or sheet row) it ends on. */
export interface TableRecord {
  /** The line in the file (1 = the header), as a text editor or Excel numbers it. */
  line: number;
  cells: string[];
}

export interface TableIssue<F extends string = string> {
  /** The line in the file (1 = the header; 0 = the file as a whole). */
  line: number;
  field: F | 'header' | 'file';
  message: string;
}

/** Where the records come from, as the validation report names it. */
export interface TableSource {
  format: 'csv' | 'xlsx' | 'ldap';
  /** CSV only: the encoding the file was read in. */
  encoding?: CsvEncoding;
}

export type TableRecords = ({ ok: true; records: TableRecord[] } | { ok: false; issues: TableIssue[] }) & TableSource;

/** At most this many issues are listed: a wrong file would otherwise list 100,000. */
export const MAX_ISSUES = 200;

/** The records of a CSV file (the header first), or why it cannot be read at all. */
export function readCsvRecords(bytes: Uint8Array): TableRecords {
  let decoded: { text: string; encoding: CsvEncoding };
  try {
    decoded = decodeCsv(bytes);
  } catch (e) {
    return { ok: false, format: 'csv', issues: [{ line: 0, field: 'file', message: (e as Error).message }] };
  }
  const { encoding } = decoded;
  try {
    const parsed = parse(decoded.text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
    // csv-parse counts the lines read so far: the record's own last line (quoted fields may span lines).
    return { ok: true, format: 'csv', encoding, records: parsed.map(({ record, info }) => ({ line: info.lines, cells: record })) };
  } catch (e) {
    const line = (e as { lines?: number }).lines ?? 0;
    return { ok: false, format: 'csv', encoding, issues: [{ line, field: 'file', message: `CSV として読めません / not valid CSV: ${(e as Error).message}` }] };
  }
}

/** A table's shape: the fields read, the header names that mean each, the check of one row. */
export interface TableSpec<F extends string, S extends ZodType> {
  /** Header names per field (Japanese or English; NFKC, case, spaces and underscores ignored); the first is the one shown. */
  columns: Record<F, readonly string[]>;
  /** Fields whose column must be present. */
  required: readonly F[];
  /** Checks one row, given every field's cell as text ('' when the column is absent). */
  row: S;
  /** What the report says when the file has a header but no rows. */
  emptyMessage: string;
}

export type TableResult<F extends string, S extends ZodType> =
  | ({ ok: true; rows: (z.output<S> & { line: number })[]; /** The fields whose column the file has. */ columns: F[] } & TableSource)
  | ({ ok: false; issues: TableIssue<F>[] } & TableSource);

export const normaliseHeader = (h: string) => h.normalize('NFKC').replace(/[\s_]/g, '').toLowerCase();

/** Checks every row of the records against the table's spec; `ok` only when every row is valid. */
export function validateTable<F extends string, S extends ZodType>(read: TableRecords, spec: TableSpec<F, S>): TableResult<F, S> {
  const source: TableSource = { format: read.format, ...(read.encoding ? { encoding: read.encoding } : {}) };
  if (!read.ok) return { ok: false, ...source, issues: read.issues as TableIssue<F>[] };
  const { records } = read;
  if (records.length === 0) return { ok: false, ...source, issues: [{ line: 1, field: 'header', message: '見出し行がありません / no header row' }] };

  const header = records[0].cells.map((c) => normaliseHeader(c ?? ''));
  const fields = Object.keys(spec.columns) as F[];
  const column: Partial<Record<F, number>> = {};
  for (const field of fields) {
    const i = header.findIndex((h) => spec.columns[field].some((a) => normaliseHeader(a) === h));
    if (i >= 0) column[field] = i;
  }
  const missing = spec.required.filter((f) => column[f] === undefined);
  if (missing.length > 0) {
    return { ok: false, ...source, issues: missing.map((f) => ({ line: records[0].line, field: 'header' as const, message: `列「${spec.columns[f][0]}」(${f}) がありません / missing column ${f}` })) };
  }

  const rows: (z.output<S> & { line: number })[] = [];
  const issues: TableIssue<F>[] = [];
  for (const { cells, line } of records.slice(1)) {
    const raw = Object.fromEntries(fields.map((f) => [f, column[f] === undefined ? '' : (cells[column[f]] ?? '')]));
    const r = spec.row.safeParse(raw);
    if (r.success) rows.push({ ...(r.data as object), line } as z.output<S> & { line: number });
    else for (const i of r.error.issues) if (issues.length < MAX_ISSUES) issues.push({ line, field: (i.path[0] as F) ?? 'file', message: i.message });
  }
  if (rows.length === 0 && issues.length === 0) issues.push({ line: 2, field: 'file', message: spec.emptyMessage });
  return issues.length > 0 ? { ok: false, ...source, issues } : { ok: true, ...source, rows, columns: fields.filter((f) => column[f] !== undefined) };
}

/** Reads and checks a whole CSV file against a table's spec. */
export function parseCsvTable<F extends string, S extends ZodType>(bytes: Uint8Array, spec: TableSpec<F, S>): TableResult<F, S> {
  return validateTable(readCsvRecords(bytes), spec);
}

/** The records of an uploaded table: an Excel workbook's first sheet (a zip), else CSV. */
export function readTableFile(bytes: Uint8Array): TableRecords {
  return isZip(bytes) ? readXlsxRecords(bytes) : readCsvRecords(bytes);
}
