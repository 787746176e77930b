// `jukinet-ops incident close ORG ID [--reason TEXT]` and `jukinet-ops audit verify-bundle FILE`:
// closing a case through the API (refused, naming each open obligation, while any is open), and
// checking a downloaded evidence bundle offline.
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { type Config, publicUrl } from '../config';
import { verifyEvidenceBundle } from '../evidence/bundle';
import type { SigningKey } from '../tokens';
import { apiFetch, LOGIN_HINT } from './credentials';

export const CLOSE_USAGE = `Usage: jukinet-ops incident close ORGANISATION INCIDENT-ID [--reason TEXT] [--api URL]
  Closes the incident (終結). Refused while a report, the notice, a recovery task or the final report
  is neither done nor waived; each is named with its key (waive one: POST /api/incidents/ORG/ID/waivers).`;

export const VERIFY_BUNDLE_USAGE = `Usage: jukinet-ops audit verify-bundle FILE
  Checks an evidence bundle (証拠一式): each file's SHA-256 and size against its manifest, that
  nothing is missing or extra, and the audit rows' links; their MACs too when AUDIT_MAC_KEYS is set.`;

interface Blocker {
  key: string;
  label: string;
  dueAt?: string;
}

export async function incidentClose(args: string[], config: Config, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  let values: { reason?: string; api?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, allowPositionals: true, options: { reason: { type: 'string' }, api: { type: 'string' } } }));
  } catch (e) {
    err(`${(e as Error).message}\n\n${CLOSE_USAGE}`);
    return 2;
  }
  if (positionals.length !== 2) {
    err(CLOSE_USAGE);
    return 2;
  }
  const [organisation, incidentId] = positionals;
  const api = (values.api ?? publicUrl(config)).replace(/\/$/, '');
  let res: Response;
  try {
    res = await apiFetch(api, `/api/incidents/${encodeURIComponent(organisation)}/${encodeURIComponent(incidentId)}/close`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: values.reason ?? '' }),
    });
  } catch (e) {
    err(`cannot reach the API at ${api}: ${(e as Error).cause ?? (e as Error).message} (is jukinet-ops running? try npm start)`);
    return 1;
  }
  const body = (await res.json().catch(() => ({}))) as { message?: string; status?: string; blockers?: Blocker[]; issues?: Array<{ path: string; message: string }> };
  if (res.status === 409 && body.blockers) {
    err(`終結できません / cannot close ${incidentId}: ${body.blockers.length} obligation(s) open`);
    for (const b of body.blockers) err(`  ✘ ${b.key}: ${b.label}${b.dueAt ? `（期限 ${b.dueAt}）` : ''}`);
    err('  Do them, or waive each with a reason (POST /api/incidents/ORG/ID/waivers {key, reason}).');
    return 1;
  }
  if (!res.ok) {
    err(`${res.status}: ${body.message ?? 'request failed'}${res.status === 401 ? `\n  ${LOGIN_HINT}` : ''}`);
    for (const i of body.issues ?? []) err(`  ${i.path}: ${i.message}`);
    return 1;
  }
  out(`Closed: ${incidentId} (${body.status ?? 'CLOSED'})`);
  return 0;
}

export function auditVerifyBundle(args: string[], macKeys: readonly SigningKey[] | undefined, out: (l: string) => void, err: (l: string) => void): number {
  if (args.length !== 1 || args[0].startsWith('-')) {
    (args.includes('--help') ? out : err)(VERIFY_BUNDLE_USAGE);
    return args.includes('--help') ? 0 : 2;
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(args[0]);
  } catch (e) {
    err(`audit verify-bundle: cannot read ${args[0]}: ${(e as Error).message}`);
    return 2;
  }
  const report = verifyEvidenceBundle(bytes, macKeys ? { macKeys } : {});
  const m = report.manifest;
  if (m) out(`Bundle of ${m.organisation}/${m.caseId} (${m.status}), made ${m.createdAt}: ${m.files.length} files, ${m.audit.rows} audit rows`);
  for (const p of report.problems) out(`  ✘ ${p}`);
  if (!macKeys) out('  ⚠ not checked (未確認): AUDIT_MAC_KEYS is not set, so the audit rows\' MACs were not checked');
  else for (const u of report.unchecked) out(`  ⚠ not checked (未確認): ${u}`);
  if (!report.ok) out(`Bundle TAMPERED or incomplete: ${report.problems.length} problem(s) (証拠一式に改ざん・欠落があります).`);
  else out(`Bundle intact: every file matches its manifest${macKeys ? ', audit links and MACs verified' : ', audit links verified'} (証拠一式は改ざんされていません).`);
  return report.ok ? 0 : 1;
}
