// `jukinet-ops paper-plan ORG --out FILE`: the printed plan for paper mode (紙運用版), built here
// from the profile file — no API, no database, no network — because the day it is needed may be
// the day the network is down. The same profile and moment give the same bytes as the API's.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, publicUrl } from '../config';
import { canonicalJson } from '../db/audit';
import { ORGANISATION_KEY_PATTERN } from '../domain/articles';
import type { OrganisationProfile } from '../domain/profile';
import { formatWarekiDateTime } from '../domain/wareki';
import { paperPlanFileNames, profileHash, renderPaperPlan, shortHash } from '../documents/paper-plan';
import { PdfFontMissingError, resolveJapaneseFont } from '../documents/pdf';
import { formatProblems, loadProfileFile, loadProfileFiles, profileFilesIn } from '../profiles';
import { callApi } from './api-call';

export const PAPER_PLAN_USAGE = `Usage: jukinet-ops paper-plan ORGANISATION --out FILE [--profile FILE] [--at ISO-8601]

  The emergency plan for paper mode (紙運用版 緊急時対応計画) as an A4 PDF, from the organisation's
  profile file: offline, without the API (the profile in PROFILES_DIR, or --profile FILE).
  --at   the generation time printed on it (default: now); the same profile and time give the same file.`;

export type ProfileLookup = { ok: true; profile: OrganisationProfile; file: string } | { ok: false; problems: string[] };

/** The profile of `organisation`: from `file` when given (its key must match), else the one in `dir` with that key. */
export function findProfile(organisation: string, o: { file?: string; dir: string }): ProfileLookup {
  if (o.file) {
    const r = loadProfileFile(o.file);
    if (!r.ok) return { ok: false, problems: formatProblems(r) };
    if (r.profile.organisation.key !== organisation) {
      return { ok: false, problems: [`${o.file}: the profile of ${r.profile.organisation.key}, not ${organisation}（組織キーが違います）`] };
    }
    return { ok: true, profile: r.profile, file: o.file };
  }
  let files: string[];
  try {
    files = profileFilesIn(o.dir);
  } catch (e) {
    return { ok: false, problems: [`${o.dir}: cannot read PROFILES_DIR (${(e as NodeJS.ErrnoException).code ?? String(e)})`] };
  }
  const results = loadProfileFiles(files);
  const found = results.find((r) => r.ok && r.profile.organisation.key === organisation);
  if (found?.ok) return { ok: true, profile: found.profile, file: found.file };
  const known = results.flatMap((r) => (r.ok ? [r.profile.organisation.key] : []));
  const broken = results.flatMap((r) => (r.ok ? [] : formatProblems(r)));
  return {
    ok: false,
    problems: [`no profile of ${organisation} in ${o.dir}（組織プロファイルが見つかりません）; found: ${known.join(', ') || 'none'}`, ...broken],
  };
}

export async function paperPlanCommand(
  args: string[],
  config: Pick<Config, 'PROFILES_DIR' | 'PDF_FONT_PATH'>,
  out: (l: string) => void,
  err: (l: string) => void,
  now: () => Date = () => new Date(),
): Promise<number> {
  let values: { out?: string; profile?: string; at?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, profile: { type: 'string' }, at: { type: 'string' } } }));
  } catch (e) {
    err(`paper-plan: ${(e as Error).message}\n${PAPER_PLAN_USAGE}`);
    return 2;
  }
  const [organisation, ...extra] = positionals;
  if (!organisation || extra.length > 0 || !values.out) {
    err(PAPER_PLAN_USAGE);
    return 2;
  }
  if (!ORGANISATION_KEY_PATTERN.test(organisation)) {
    err(`paper-plan: ${organisation} is not an organisation key（組織キーが正しくありません）`);
    return 2;
  }
  let at = now();
  if (values.at !== undefined) {
    // An instant with its offset, as the API takes them: a bare local time would depend on the machine's zone.
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(values.at) || Number.isNaN(Date.parse(values.at))) {
      err(`paper-plan: --at ${values.at}: an ISO 8601 time with its offset, e.g. 2026-12-01T10:00:00+09:00`);
      return 2;
    }
    at = new Date(values.at);
  }
  const found = findProfile(organisation, { dir: path.resolve(config.PROFILES_DIR), ...(values.profile ? { file: values.profile } : {}) });
  if (!found.ok) {
    for (const p of found.problems) err(`paper-plan: ${p}`);
    return 1;
  }
  let pdf: Buffer;
  try {
    pdf = await renderPaperPlan(found.profile, at, resolveJapaneseFont({ configured: config.PDF_FONT_PATH }));
  } catch (e) {
    if (e instanceof PdfFontMissingError) {
      err(`paper-plan: ${e.message}`);
      return 1;
    }
    throw e;
  }
  // Written beside the target and renamed: a half-written plan never stands where the last good one was.
  const target = path.resolve(values.out);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, pdf);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    err(`paper-plan: cannot write ${values.out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return 1;
  }
  const hash = profileHash(found.profile);
  out(`${values.out}: ${paperPlanFileNames(found.profile).filename} (${pdf.length} bytes)`);
  out(`  profile: ${found.file}, version SHA-256 ${shortHash(hash)}（プロファイルの版）`);
  out(`  generated: ${formatWarekiDateTime(at.getTime())}（作成日時）`);
  return 0;
}

// --- entering what was done on paper ---

export const PAPER_RECORDS_USAGE = `Usage: jukinet-ops incident paper-records ORGANISATION INCIDENT-ID --file FILE.json [--api URL]

  Enters afterwards what was done on paper (紙の記録), at the times it really happened, through the
  API (a commander's key). FILE holds {"records": [...]} or the list itself; each line:
    {"step": "emergency.contain", "occurredAt": "2026-12-01T10:15:00+09:00", "actor": "中島 哲也",
     "what": "LAN ケーブルを抜き切離しを確認", "articles": ["kunitachi:13.2"]}   (articles optional)
  All or nothing: one wrong line and nothing is recorded. The same file sent again records nothing more.`;

/**
 * The submission id of a file's lines: a UUID from the SHA-256 of what they say, so sending the
 * same file again (a retry after a timeout) is recognised by the API and written once.
 */
export function submissionIdOf(records: unknown): string {
  const h = createHash('sha256').update(canonicalJson(records)).digest('hex');
  // Shaped as a version-5-style UUID (name-based), which the API's uuid check accepts.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function incidentPaperRecords(args: string[], config: Config, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  let values: { file?: string; api?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, allowPositionals: true, options: { file: { type: 'string' }, api: { type: 'string' } } }));
  } catch (e) {
    err(`${(e as Error).message}\n\n${PAPER_RECORDS_USAGE}`);
    return 2;
  }
  if (positionals.length !== 2 || !values.file) {
    err(PAPER_RECORDS_USAGE);
    return 2;
  }
  const [organisation, incidentId] = positionals;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(values.file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    err(`paper-records: ${values.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}（JSON として読めません）`);
    return 1;
  }
  const records = Array.isArray(parsed) ? parsed : (parsed as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) {
    err(`paper-records: ${values.file}: a list of lines, or {"records": [...]}, is expected`);
    return 1;
  }
  const api = (values.api ?? publicUrl(config)).replace(/\/$/, '');
  const r = await callApi<{ records: Array<{ seq: number; step: string; occurredAt: string; actor: string; outcome: string }> }>(
    api,
    `/api/incidents/${encodeURIComponent(organisation)}/${encodeURIComponent(incidentId)}/paper-records`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records, submissionId: submissionIdOf(records) }) },
    err,
  );
  if (!r.ok) return 1;
  out(r.status === 201 ? `Recorded ${r.body.records.length} line(s) from paper（紙の記録を入力しました）:` : `Already recorded（入力済み）: ${r.body.records.length} line(s)`);
  for (const x of r.body.records) out(`  #${x.seq} ${formatWarekiDateTime(Date.parse(x.occurredAt))} ${x.step} ${x.actor}: ${x.outcome}`);
  return 0;
}
