// A 人事異動 list as the personnel section sends it (CSV in UTF-8 or Shift_JIS, or a workbook's
// first sheet), read by the shared table import with the list's columns (src/domain/movements.ts),
// and its id: a hash of the list in canonical form, so the same list sent twice — reordered,
// re-saved as XLSX — is recognised as the campaign already started for it.
import { createHash } from 'node:crypto';
import { canonicalMovementList, MOVEMENT_COLUMNS, type MovementField, movementOf, type MovementRow, movementRowSchema } from '../domain/movements';
import type { Movement } from '../domain/review';
import { readTableFile, type TableIssue, type TableRecords, type TableSource, type TableSpec, validateTable } from './table';

export const MOVEMENTS_TABLE: TableSpec<MovementField, typeof movementRowSchema> = {
  columns: MOVEMENT_COLUMNS,
  // Without a name there is nobody to look for; without the kind and date, nothing to review before.
  required: ['personName', 'kind', 'effectiveAt'],
  row: movementRowSchema,
  emptyMessage: '異動の記載が1件もありません / no movements in the file',
};

export type MovementsFileResult = ({ ok: true; rows: MovementRow[]; columns: MovementField[] } | { ok: false; issues: TableIssue<MovementField>[] }) & TableSource;

/** Checks records read from a file (CSV or a spreadsheet's first sheet) as a 人事異動 list. */
export function validateMovementRecords(read: TableRecords): MovementsFileResult {
  return validateTable(read, MOVEMENTS_TABLE);
}

/** Reads and checks a 人事異動 list: an Excel workbook's first sheet (a zip), else CSV. */
export function parseMovementsFile(bytes: Uint8Array): MovementsFileResult {
  return validateMovementRecords(readTableFile(bytes));
}

/** The list's id: the first 16 hex digits of the SHA-256 of its canonical form (64 bits: no two lists of one organisation meet). */
export function movementListId(movements: readonly Movement[]): string {
  return createHash('sha256').update(canonicalMovementList(movements)).digest('hex').slice(0, 16);
}

/** The movements of checked rows, without their line numbers (what the campaign is given). */
export const movementsOf = (rows: readonly MovementRow[]): Movement[] => rows.map(movementOf);
