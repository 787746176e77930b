// A user-ID ledger file (管理簿) as an office exports it, read by the shared table import: the
// ledger's columns (src/domain/ledger.ts), and one check the rows cannot make alone — an ID
// listed twice. Nothing is taken from a file with any issue.
import { LEDGER_COLUMNS, type LedgerField, type LedgerRow, ledgerRowSchema, duplicateIds } from '../domain/ledger';
import { readTableFile, type TableIssue, type TableRecords, type TableSource, type TableSpec, validateTable } from './table';

export const LEDGER_TABLE: TableSpec<LedgerField, typeof ledgerRowSchema> = {
  columns: LEDGER_COLUMNS,
  required: ['userId', 'personName', 'section'],
  row: ledgerRowSchema,
  emptyMessage: 'ユーザIDが1件もありません / no user IDs in the file',
};

export type LedgerFileResult = ({ ok: true; rows: LedgerRow[]; columns: LedgerField[] } | { ok: false; issues: TableIssue<LedgerField>[] }) & TableSource;

/** Checks records read from a file (CSV or a spreadsheet's first sheet) as a ledger. */
export function validateLedgerRecords(read: TableRecords): LedgerFileResult {
  const r = validateTable(read, LEDGER_TABLE);
  if (!r.ok) return r;
  const dup = duplicateIds(r.rows);
  return dup.length > 0 ? { ok: false, format: r.format, ...(r.encoding ? { encoding: r.encoding } : {}), issues: dup } : r;
}

/** Reads and checks a ledger file: an Excel workbook's first sheet (a zip), else CSV. */
export function parseLedgerFile(bytes: Uint8Array): LedgerFileResult {
  return validateLedgerRecords(readTableFile(bytes));
}
