// The list of persons concerned by an incident (本人通知, kunitachi:14), as an office exports it
// from its own systems: read and checked by the shared table import (src/imports/table.ts: UTF-8
// or Shift_JIS, with or without a BOM, headers in Japanese or English, every bad row named by its
// line, nothing imported until the whole file is clean). Only the columns and their rules are here.
import { z } from '../domain/zod';
import { type CsvEncoding, parseCsvTable, type TableIssue, type TableSpec } from '../imports/table';

export { type CsvEncoding, CsvEncodingError, decodeCsv } from '../imports/table';

export type PersonField = 'name' | 'postalCode' | 'address' | 'email';

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

/** The columns we read, and the header names (Japanese or English, case and spaces ignored) that mean each. */
export const PERSONS_TABLE: TableSpec<PersonField, typeof personRowSchema> = {
  columns: {
    name: ['氏名', '名前', 'name', 'fullname'],
    postalCode: ['郵便番号', '〒', 'postalcode', 'postcode', 'zip', 'zipcode', 'postal'],
    address: ['住所', 'address'],
    email: ['メールアドレス', 'メール', 'email', 'e-mail', 'mail'],
  },
  required: ['name', 'postalCode', 'address'],
  row: personRowSchema,
  emptyMessage: '対象者が1人もいません / no persons in the file',
};

export type CsvIssue = TableIssue<PersonField>;

export type PersonsCsvResult = { ok: true; encoding: CsvEncoding; persons: PersonRow[] } | { ok: false; encoding?: CsvEncoding; issues: CsvIssue[] };

/** Reads and checks the whole file; `ok` only when every row is valid. */
export function parsePersonsCsv(bytes: Uint8Array): PersonsCsvResult {
  const r = parseCsvTable(bytes, PERSONS_TABLE);
  if (!r.ok) return { ok: false, ...(r.encoding ? { encoding: r.encoding } : {}), issues: r.issues };
  return { ok: true, encoding: r.encoding!, persons: r.rows };
}
