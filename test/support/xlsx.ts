// Real .xlsx workbooks for the import tests, written by the project's own writer
// (src/documents/xlsx-writer.ts) in the shapes an office's export takes.
import { buildWorkbook, type XlsxCell } from '../../src/documents/xlsx-writer';

export { zip, type XlsxCell } from '../../src/documents/xlsx-writer';

/**
 * A workbook whose first sheet holds `rows` (row 1 first, or after `skipRows` empty rows): strings
 * shared (as Excel writes them), inline where asked, numbers, booleans, dates as serials, and a
 * second sheet that must be ignored.
 */
export function buildXlsx(rows: XlsxCell[][], o: { deflate?: boolean; sheetName?: string; skipRows?: number } = {}): Buffer {
  return buildWorkbook(
    [
      // The first sheet in the workbook is stored as sheet2.xml: the order of sheets counts, not the part names.
      { name: o.sheetName ?? '管理簿', rows, firstRow: 1 + (o.skipRows ?? 0), part: 2 },
      { name: 'メモ', rows: [[{ inline: 'これはメモのシートです' }]], part: 1 },
    ],
    { deflate: o.deflate ?? true },
  );
}
