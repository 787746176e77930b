// The list of persons concerned by an incident (本人通知, kunitachi:14), as an office exports it
// from its own systems: CSV in UTF-8 or Shift_JIS (Excel's default in Japan), with or without a
// BOM, headers in Japanese or English. The whole file is checked before anything is imported, and
// every bad row is named by its line so the office can fix its export and send it again.
import { parse } from 'csv-parse/sync';
import { z } from '../domain/zod';

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

/** The columns we read, and the header names (Japanese or English, case and spaces ignored) that mean each. */
const HEADER_ALIASES: Record<PersonField, readonly string[]> = {
  name: ['氏名', '名前', 'name', 'fullname'],
  postalCode: ['郵便番号', '〒', 'postalcode', 'postcode', 'zip', 'zipcode', 'postal'],
  address: ['住所', 'address'],
  email: ['メールアドレス', 'メール', 'email', 'e-mail', 'mail'],
};
export type PersonField = 'name' | 'postalCode' | 'address' | 'email';
const REQUIRED: readonly PersonField[] = ['name', 'postalCode', 'address'];

const normaliseHeader = (h: string) => h.normalize('NFKC').replace(/[\s_]/g, '').toLowerCase();

/** A postal code as 123-4567; full-width digits and hyphens (ＮＦＫＣ) and a missing hyphen are accepted. */
function normalisePostal(v: string): string {
  const digits = v.normalize('NFKC').replace(/[‐－ー−-]/g, '').replace(/^〒/, '').trim();
  return /^\d{7}$/.test(digits) ? `${digits.slice(0, 3)}-${digits.slice(3)}` : v;
}

export const personRowSchema = z.object({
  name: z.string().trim().min(1).max(200),
  postalCode: z.string().trim().transform(normalisePostal).pipe(z.string().regex(/^\d{3}-\d{4}$/, { error: '郵便番号は7桁（123-4567） / postal code must be 7 digits' })),
  address: z.string().trim().min(1).max(500),
  email: z
    .string()
    .trim()
    .transform((v) => v.normalize('NFKC'))
    .pipe(z.union([z.literal(''), z.email()]))
    .transform((v) => (v === '' ? null : v)),
});
export type PersonRow = z.output<typeof personRowSchema> & { line: number };

export interface CsvIssue {
  /** The line in the file (1 = the header), as a text editor or Excel numbers it. */
  line: number;
  field: PersonField | 'header' | 'file';
  message: string;
}

export type PersonsCsvResult = { ok: true; encoding: CsvEncoding; persons: PersonRow[] } | { ok: false; encoding?: CsvEncoding; issues: CsvIssue[] };

/** At most this many issues are listed: a wrong file would otherwise list 100,000. */
const MAX_ISSUES = 200;

/** Reads and checks the whole file; `ok` only when every row is valid. */
export function parsePersonsCsv(bytes: Uint8Array): PersonsCsvResult {
  let decoded: { text: string; encoding: CsvEncoding };
  try {
    decoded = decodeCsv(bytes);
  } catch (e) {
    return { ok: false, issues: [{ line: 0, field: 'file', message: (e as Error).message }] };
  }
  const { encoding } = decoded;
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(decoded.text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as never;
  } catch (e) {
    const line = (e as { lines?: number }).lines ?? 0;
    return { ok: false, encoding, issues: [{ line, field: 'file', message: `CSV として読めません / not valid CSV: ${(e as Error).message}` }] };
  }
  if (records.length === 0) return { ok: false, encoding, issues: [{ line: 1, field: 'header', message: '見出し行がありません / no header row' }] };

  const header = records[0].record.map(normaliseHeader);
  const column: Partial<Record<PersonField, number>> = {};
  for (const [field, aliases] of Object.entries(HEADER_ALIASES) as [PersonField, readonly string[]][]) {
    const i = header.findIndex((h) => aliases.some((a) => normaliseHeader(a) === h));
    if (i >= 0) column[field] = i;
  }
  const missing = REQUIRED.filter((f) => column[f] === undefined);
  if (missing.length > 0) {
    return { ok: false, encoding, issues: missing.map((f) => ({ line: 1, field: 'header' as const, message: `列「${HEADER_ALIASES[f][0]}」(${f}) がありません / missing column ${f}` })) };
  }

  const persons: PersonRow[] = [];
  const issues: CsvIssue[] = [];
  for (const { record, info } of records.slice(1)) {
    // csv-parse counts the lines read so far: the record's own last line (quoted fields may span lines).
    const line = info.lines;
    const raw = Object.fromEntries((Object.keys(HEADER_ALIASES) as PersonField[]).map((f) => [f, column[f] === undefined ? '' : (record[column[f]] ?? '')]));
    const r = personRowSchema.safeParse(raw);
    if (r.success) persons.push({ ...r.data, line });
    else for (const i of r.error.issues) if (issues.length < MAX_ISSUES) issues.push({ line, field: (i.path[0] as PersonField) ?? 'file', message: i.message });
  }
  if (persons.length === 0 && issues.length === 0) issues.push({ line: 2, field: 'file', message: '対象者が1人もいません / no persons in the file' });
  return issues.length > 0 ? { ok: false, encoding, issues } : { ok: true, encoding, persons };
}
