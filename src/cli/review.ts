// `jukinet-ops review start ORGANISATION [--fiscal-year N]`: the year's user-ID and password
// review (ユーザID及びパスワードの見直し) started now instead of on its Schedule's day. A client of
// the API (POST /api/review/:organisation/campaigns) with the stored key, as the incident commands.
// `jukinet-ops review targeted ORGANISATION FILE`: the review of the IDs of the people a 人事異動
// list moves (POST /api/review/:organisation/targeted), the file sent as it is.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, publicUrl } from '../config';
import { ORGANISATION_KEY_PATTERN } from '../domain/articles';
import { jstParts } from '../domain/wareki';
import { callApi } from './api-call';

export const REVIEW_START_USAGE = `Usage: jukinet-ops review start ORGANISATION [--fiscal-year N] [--api URL]
  Starts the organisation's annual user-ID and password review (ユーザID及びパスワードの見直し) now:
  the same campaign its Schedule starts every year (by default on 1 May), for the current fiscal
  year (会計年度, April to March) unless --fiscal-year names an earlier one. A year's review is never
  started twice: the second start is refused, naming the campaign that runs or ran (exit 1).
  Needs an administrator's key of the organisation (jukinet-ops login).

Usage: jukinet-ops review targeted ORGANISATION FILE [--dry-run] [--api URL]
  Starts the review of the IDs of the people a personnel-change list (人事異動) moves, before
  their date: FILE is a CSV (UTF-8 or Shift_JIS) or an .xlsx workbook (its first sheet) with the
  columns 氏名, 異動区分, 発令日 and optionally ユーザID, メールアドレス, 異動先. Prints the campaign,
  the number of IDs, the deadline and the lines that concern no ID in the ledger; --dry-run
  starts nothing and lists each ID a line concerns. A list with errors (each named by line and
  field), one that concerns no ID, or the same list sent again is refused (exit 1).
  Needs an administrator's key of the organisation (jukinet-ops login).`;

/** The most a list may be (the API's limit too). */
const MAX_LIST_BYTES = 5 * 1024 * 1024;

const pad = (n: number) => String(n).padStart(2, '0');
/** A moment as Japan's wall clock (2026-12-06 00:00 JST). */
const jst = (iso: string) => {
  const p = jstParts(Date.parse(iso));
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)} JST`;
};
const day = (iso: string) => jst(iso).slice(0, 10);

interface MovementLine {
  line: number;
  personName: string;
  kind: string;
  effectiveAt: string;
  userId?: string;
}
interface TargetedAnswer {
  campaignId: string;
  dueAt: string;
  unmatched: MovementLine[];
  /** The count when started; each ID with its line on a dry run. */
  targets: number | Array<{ userId: string; personName: string; section: string; line: number; movement: { kind: string; effectiveAt: string; toSection?: string } }>;
}

export async function reviewTargeted(args: string[], config: Config, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  let values: { 'dry-run'?: boolean; api?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'dry-run': { type: 'boolean' }, api: { type: 'string' } } }));
  } catch (e) {
    err(`${(e as Error).message}\n\n${REVIEW_START_USAGE}`);
    return 2;
  }
  const [organisation, file, ...extra] = positionals;
  const problems = [
    ...(!organisation ? ['ORGANISATION is required'] : []),
    ...(organisation && !ORGANISATION_KEY_PATTERN.test(organisation) ? ['ORGANISATION: not an organisation key'] : []),
    ...(organisation && !file ? ['FILE is required (the 人事異動 list: CSV or .xlsx)'] : []),
    ...(extra.length > 0 ? [`unexpected ${extra.join(' ')}`] : []),
  ];
  if (problems.length > 0) {
    err(`${problems.join('; ')}\n\n${REVIEW_START_USAGE}`);
    return 2;
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file!);
  } catch (e) {
    err(`FILE: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 2;
  }
  if (bytes.length > MAX_LIST_BYTES) {
    err(`FILE: ${file} is larger than ${MAX_LIST_BYTES / 1024 / 1024} MB`);
    return 2;
  }
  const api = (values.api ?? publicUrl(config)).replace(/\/$/, '');
  const query = new URLSearchParams({ filename: path.basename(file!), ...(values['dry-run'] ? { dryRun: '1' } : {}) });
  const r = await callApi<TargetedAnswer>(
    api,
    `/api/review/${encodeURIComponent(organisation!)}/targeted?${query}`,
    { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) },
    err,
  );
  if (!r.ok) return 1;
  const { campaignId, dueAt, unmatched, targets } = r.body;
  const count = Array.isArray(targets) ? targets.length : targets;
  if (Array.isArray(targets)) {
    out(`Dry run: nothing started (試行: 見直しは始めていません). Campaign ${campaignId}: ${count} ID(s), due ${jst(dueAt)}`);
    for (const t of targets) out(`  line ${t.line}: ${t.userId} ${t.personName} (${t.section}) — ${t.movement.kind} ${day(t.movement.effectiveAt)}${t.movement.toSection ? ` → ${t.movement.toSection}` : ''}`);
  } else {
    out(`Started ${campaignId}: ${count} ID(s) to review, due ${jst(dueAt)} (人事異動に伴う見直しを開始しました: ${count} 件、回答期限 ${jst(dueAt)})`);
  }
  if (unmatched.length > 0) {
    out(`${unmatched.length} line(s) concern no ID in the ledger (管理簿のユーザIDに当たらない行):`);
    for (const u of unmatched) out(`  line ${u.line}: ${u.userId ? `${u.userId} ` : ''}${u.personName} — ${u.kind} ${day(u.effectiveAt)}`);
  }
  return 0;
}

export async function reviewStart(args: string[], config: Config, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  let values: Record<string, string | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'fiscal-year': { type: 'string' }, api: { type: 'string' } } }));
  } catch (e) {
    err(`${(e as Error).message}\n\n${REVIEW_START_USAGE}`);
    return 2;
  }
  const [organisation, ...extra] = positionals;
  const year = values['fiscal-year'];
  const problems = [
    ...(!organisation ? ['ORGANISATION is required'] : []),
    ...(organisation && !ORGANISATION_KEY_PATTERN.test(organisation) ? ['ORGANISATION: not an organisation key'] : []),
    ...(extra.length > 0 ? [`unexpected ${extra.join(' ')}`] : []),
    ...(year !== undefined && !/^\d{4}$/.test(year) ? ['--fiscal-year: a year such as 2026 (the fiscal year beginning in April of it)'] : []),
  ];
  if (problems.length > 0) {
    err(`${problems.join('; ')}\n\n${REVIEW_START_USAGE}`);
    return 2;
  }
  const api = (values.api ?? publicUrl(config)).replace(/\/$/, '');
  const r = await callApi<{ campaignId: string; fiscalYear: number }>(
    api,
    `/api/review/${encodeURIComponent(organisation!)}/campaigns`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(year ? { fiscalYear: Number(year) } : {}) },
    err,
  );
  if (!r.ok) return 1;
  out(`Started the review for fiscal year ${r.body.fiscalYear}: ${r.body.campaignId} (${r.body.fiscalYear}年度のユーザID及びパスワードの見直しを開始しました)`);
  return 0;
}

/** `review <subcommand>`: the annual review's and the targeted review's commands. */
export async function reviewCommand(args: string[], config: () => Config, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'start') {
    if (rest.includes('--help')) return (out(REVIEW_START_USAGE), 0);
    return reviewStart(rest, config(), out, err);
  }
  if (sub === 'targeted') {
    if (rest.includes('--help')) return (out(REVIEW_START_USAGE), 0);
    return reviewTargeted(rest, config(), out, err);
  }
  (sub === '--help' || sub === 'help' ? out : err)(REVIEW_START_USAGE);
  return sub === '--help' || sub === 'help' ? 0 : 2;
}
