// `jukinet-ops incident declare …`: the incident commander's command line. It is a client of the
// API (POST /api/incidents), so it works the same against the embedded stack and production.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, publicUrl } from '../config';
import { declareIncidentSchema, INCIDENT_ID_PATTERN, INCIDENT_KINDS } from '../domain/incidents';
import { formatIssuePath } from '../domain/profile';
import { callApi } from './api-call';
import { participantLines } from '../domain/drill';

export const DECLARE_USAGE = `Usage: jukinet-ops incident declare --kind KIND --threat-level N --summary TEXT --observed TEXT
         --detected-by-name NAME --detected-by-email EMAIL [--organisation KEY]
         [--detected-at ISO] [--aware-at ISO] [--declaration-id UUID] [--api URL]
         [--drill [--time-scale N] [--participant "NAME <EMAIL>"]...]
  KIND: ${INCIDENT_KINDS.join(' | ')}   times default to now; --api defaults to PUBLIC_URL
  --drill runs the playbook as a drill (訓練): numbered DRL-…, 【訓練】 in every subject, reports only
  to the participants; --time-scale 60 divides every window and deadline by 60`;

export async function incidentDeclare(args: string[], config: Config, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  let values: Record<string, string | undefined>;
  let drill: { on: boolean; participants: string[] };
  try {
    const parsed = parseArgs({
      args,
      options: {
        ...Object.fromEntries(
          ['organisation', 'kind', 'threat-level', 'summary', 'observed', 'detected-by-name', 'detected-by-email', 'detected-at', 'aware-at', 'declaration-id', 'api', 'time-scale'].map(
            (k) => [k, { type: 'string' as const }],
          ),
        ),
        drill: { type: 'boolean' as const },
        participant: { type: 'string' as const, multiple: true },
      },
    });
    const { drill: on, participant, ...rest } = parsed.values as Record<string, unknown>;
    values = rest as Record<string, string | undefined>;
    drill = { on: on === true, participants: (participant as string[] | undefined) ?? [] };
    if (!drill.on && (values['time-scale'] !== undefined || drill.participants.length > 0)) throw new Error('--time-scale and --participant need --drill');
  } catch (e) {
    err(`${(e as Error).message}\n\n${DECLARE_USAGE}`);
    return 2;
  }
  const now = new Date().toISOString();
  const body = {
    organisation: values.organisation ?? config.DEMO_ORGANISATION,
    kind: values.kind,
    threatLevel: values['threat-level'],
    summary: values.summary,
    observed: values.observed,
    detectedBy: { name: values['detected-by-name'], email: values['detected-by-email'] },
    detectedAt: values['detected-at'] ?? now,
    awareAt: values['aware-at'] ?? values['detected-at'] ?? now,
    // The same id on a retried command returns the same incident instead of a second one.
    declarationId: values['declaration-id'] ?? randomUUID(),
    ...(drill.on ? { drill: { timeScale: values['time-scale'] ?? '1', participants: participantLines(drill.participants.join('\n')) } } : {}),
  };
  const checked = declareIncidentSchema.safeParse(body);
  if (!checked.success) {
    for (const i of checked.error.issues) err(`${formatIssuePath(i.path)}: ${i.message}`);
    err(`\n${DECLARE_USAGE}`);
    return 2;
  }
  const api = (values.api ?? publicUrl(config)).replace(/\/$/, '');
  const r = await callApi<{ incidentId: string; status: string; links?: { console: string } }>(
    api,
    '/api/incidents',
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(checked.data) },
    err,
  );
  if (!r.ok) return 1;
  const reply = r.body;
  out(`${r.status === 201 ? 'Declared' : 'Already declared'}: ${reply.incidentId} (${reply.status})`);
  out(`  ${api}${reply.links?.console ?? ''}`);
  return 0;
}

export const RAISE_LEVEL_USAGE = `Usage: jukinet-ops incident raise-level --incident INC-YYYY-NNNN --level N --reason TEXT
         [--organisation KEY] [--api URL]
  Raises or lowers the incident's threat level (脅威度) on the organisation's scale, with the reason;
  a raised level that convenes the council convenes it. --organisation defaults to DEMO_ORGANISATION`;

export async function incidentRaiseLevel(args: string[], config: Config, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({ args, options: Object.fromEntries(['organisation', 'incident', 'level', 'reason', 'api'].map((k) => [k, { type: 'string' as const }])) }));
  } catch (e) {
    err(`${(e as Error).message}\n\n${RAISE_LEVEL_USAGE}`);
    return 2;
  }
  const organisation = values.organisation ?? config.DEMO_ORGANISATION;
  const missing = (['incident', 'level', 'reason'] as const).filter((k) => !values[k]);
  if (missing.length > 0 || !INCIDENT_ID_PATTERN.test(values.incident ?? '')) {
    err(`${missing.length > 0 ? `missing ${missing.map((k) => `--${k}`).join(', ')}` : `--incident: not an incident id (INC-YYYY-NNNN)`}\n\n${RAISE_LEVEL_USAGE}`);
    return 2;
  }
  const api = (values.api ?? publicUrl(config)).replace(/\/$/, '');
  const r = await callApi<{ previous: number; level: number; convenesCouncil: boolean; incident?: { links?: { console: string } } }>(
    api,
    `/api/incidents/${encodeURIComponent(organisation)}/${values.incident}/threat-level`,
    // The level as typed: the API checks it against the organisation's scale and names body.level.
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ level: values.level, reason: values.reason }) },
    err,
  );
  if (!r.ok) return 1;
  const reply = r.body;
  out(`Threat level of ${values.incident}: L${reply.previous} → L${reply.level}${reply.convenesCouncil ? ' (the council is convened)' : ''}`);
  out(`  ${api}${reply.incident?.links?.console ?? ''}`);
  return 0;
}

export const DECIDE_USAGE = `Usage: jukinet-ops incident decide ORGANISATION INCIDENT-ID --decision TEXT --reason TEXT
         [--minutes FILE] [--decided-at ISO] [--presided-by NAME] [--api URL]
  Records a decision of the security council (会議の決定): what was decided and why, when (default
  now), who presided (default: whoever accepted the council call as chair), with the minutes
  (議事録: PDF, PNG, JPEG or UTF-8 text, at most 10 MB), kept with their SHA-256`;

export async function incidentDecide(args: string[], config: Config, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  let values: Record<string, string | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: Object.fromEntries(['decision', 'reason', 'minutes', 'decided-at', 'presided-by', 'api'].map((k) => [k, { type: 'string' as const }])),
    }));
  } catch (e) {
    err(`${(e as Error).message}\n\n${DECIDE_USAGE}`);
    return 2;
  }
  const [organisation, incidentId, ...extra] = positionals;
  const missing = (['decision', 'reason'] as const).filter((k) => !values[k]);
  const problems = [
    ...(!organisation || !incidentId ? ['ORGANISATION and INCIDENT-ID are required'] : []),
    ...(extra.length > 0 ? [`unexpected ${extra.join(' ')}`] : []),
    ...(incidentId && !INCIDENT_ID_PATTERN.test(incidentId) ? ['INCIDENT-ID: not an incident id (INC-YYYY-NNNN)'] : []),
    ...(missing.length > 0 ? [`missing ${missing.map((k) => `--${k}`).join(', ')}`] : []),
  ];
  if (problems.length > 0) {
    err(`${problems.join('; ')}\n\n${DECIDE_USAGE}`);
    return 2;
  }
  const fields: Record<string, string> = { decision: values.decision!, reason: values.reason! };
  if (values['decided-at']) fields.decidedAt = values['decided-at'];
  if (values['presided-by']) fields.presidedBy = values['presided-by'];
  let init: RequestInit;
  if (values.minutes) {
    let bytes: Buffer;
    try {
      bytes = await readFile(values.minutes);
    } catch (e) {
      err(`--minutes: cannot read ${values.minutes}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return 2;
    }
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.set('minutes', new Blob([new Uint8Array(bytes)]), path.basename(values.minutes));
    init = { method: 'POST', body: form };
  } else {
    init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fields) };
  }
  const api = (values.api ?? publicUrl(config)).replace(/\/$/, '');
  const r = await callApi<{ decisionId: string; council: string; decidedAt: string; presidedBy: string; minutes?: { filename: string; sha256: string } }>(
    api,
    `/api/incidents/${encodeURIComponent(organisation)}/${incidentId}/decisions`,
    init,
    err,
  );
  if (!r.ok) return 1;
  const d = r.body;
  out(`Recorded the decision of ${d.council} on ${incidentId} (${d.decisionId}), decided at ${d.decidedAt}${d.presidedBy ? `, presided by ${d.presidedBy}` : ''}`);
  if (d.minutes) out(`  minutes: ${d.minutes.filename} SHA-256 ${d.minutes.sha256}`);
  out(`  ${api}/incidents/${organisation}/${incidentId}`);
  return 0;
}
