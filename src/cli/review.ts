// `jukinet-ops review start ORGANISATION [--fiscal-year N]`: the year's user-ID and password
// review (ユーザID及びパスワードの見直し) started now instead of on its Schedule's day. A client of
// the API (POST /api/review/:organisation/campaigns) with the stored key, as the incident commands.
import { parseArgs } from 'node:util';
import { type Config, publicUrl } from '../config';
import { ORGANISATION_KEY_PATTERN } from '../domain/articles';
import { callApi } from './api-call';

export const REVIEW_START_USAGE = `Usage: jukinet-ops review start ORGANISATION [--fiscal-year N] [--api URL]
  Starts the organisation's annual user-ID and password review (ユーザID及びパスワードの見直し) now:
  the same campaign its Schedule starts every year (by default on 1 May), for the current fiscal
  year (会計年度, April to March) unless --fiscal-year names an earlier one. A year's review is never
  started twice: the second start is refused, naming the campaign that runs or ran (exit 1).
  Needs an administrator's key of the organisation (jukinet-ops login).`;

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

/** `review <subcommand>`: the annual review's commands. */
export async function reviewCommand(args: string[], config: () => Config, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'start') {
    if (rest.includes('--help')) return (out(REVIEW_START_USAGE), 0);
    return reviewStart(rest, config(), out, err);
  }
  (sub === '--help' || sub === 'help' ? out : err)(REVIEW_START_USAGE);
  return sub === '--help' || sub === 'help' ? 0 : 2;
}
