// `jukinet-ops incident list | show`: the commander's view from a terminal, through the API (so
// the same roles apply as in the console: only the organisations the key may read).
import { parseArgs } from 'node:util';
import { type Config, publicUrl } from '../config';
import { formatJst } from '../domain/calendar';
import { INCIDENT_ID_PATTERN } from '../domain/incidents';
import { countdown } from '../domain/checklist';
import { callApi } from './api-call';

export const LIST_USAGE = 'Usage: jukinet-ops incident list [--organisation KEY] [--json] [--api URL]';
export const SHOW_USAGE = 'Usage: jukinet-ops incident show ORGANISATION INCIDENT-ID [--json] [--api URL]';

type Out = (line: string) => void;

interface IncidentSummary {
  organisation: string;
  incidentId: string;
  threatLevel: number;
  status: string;
  summary: string;
  awareAt: string;
}

interface IncidentView extends IncidentSummary {
  kind: string;
  observed: string;
  council: { acknowledged: Array<{ name: string; position: string; answer: string }>; awaited: Array<{ name: string; position: string; due: string }> };
  timeline: Array<{ at: string; step: string; outcome: string; articles: string[] }>;
  /** Absent from APIs before the council's decisions were recorded. */
  councilDecisions?: Array<{ decidedAt: string; decision: string; reason: string; presidedBy: string; minutes?: { filename: string; sha256: string } }>;
  checklist: Array<{ label: string; state: 'done' | 'waiting' | 'todo' | 'waived'; waitingOn: string[]; dueAt: string | null }>;
}

const MARK = { done: '✔', waiting: '…', todo: '□', waived: '－' } as const;

const jst = (iso: string) => formatJst(Date.parse(iso), 'ja');

function options(args: string[], usage: string, err: Out) {
  try {
    return parseArgs({ args, allowPositionals: true, options: { organisation: { type: 'string' }, json: { type: 'boolean' }, api: { type: 'string' } } });
  } catch (e) {
    err(`${(e as Error).message}\n\n${usage}`);
    return undefined;
  }
}

export async function incidentList(args: string[], config: Config, out: Out, err: Out): Promise<number> {
  const parsed = options(args, LIST_USAGE, err);
  if (!parsed || parsed.positionals.length > 0) {
    if (parsed) err(LIST_USAGE);
    return 2;
  }
  const { values } = parsed;
  const api = (values.api ?? publicUrl(config)).replace(/\/$/, '');
  const query = values.organisation ? `?organisation=${encodeURIComponent(values.organisation)}` : '';
  const r = await callApi<{ incidents: IncidentSummary[] }>(api, `/api/incidents${query}`, {}, err);
  if (!r.ok) return 1;
  if (values.json) {
    out(JSON.stringify(r.body.incidents, null, 2));
    return 0;
  }
  if (r.body.incidents.length === 0) out('No incidents (インシデントはありません).');
  for (const i of r.body.incidents) out(`${i.incidentId}  ${i.organisation.padEnd(10)} L${i.threatLevel}  ${i.status.padEnd(30)} ${jst(i.awareAt)}  ${i.summary}`);
  return 0;
}

export async function incidentShow(args: string[], config: Config, out: Out, err: Out): Promise<number> {
  const parsed = options(args, SHOW_USAGE, err);
  if (!parsed) return 2;
  const [organisation, incidentId] = parsed.positionals;
  if (parsed.positionals.length !== 2 || !INCIDENT_ID_PATTERN.test(incidentId)) {
    err(parsed.positionals.length === 2 ? `INCIDENT-ID: not an incident id (INC-YYYY-NNNN or DRL-YYYY-NNNN): ${incidentId}\n\n${SHOW_USAGE}` : SHOW_USAGE);
    return 2;
  }
  const api = (parsed.values.api ?? publicUrl(config)).replace(/\/$/, '');
  const r = await callApi<IncidentView>(api, `/api/incidents/${encodeURIComponent(organisation)}/${incidentId}`, {}, err);
  if (!r.ok) return 1;
  const v = r.body;
  if (parsed.values.json) {
    out(JSON.stringify(v, null, 2));
    return 0;
  }
  out(`${v.incidentId} (${v.organisation})  ${v.summary}`);
  out(`  status: ${v.status}   threat level: L${v.threatLevel}   kind: ${v.kind}   aware (覚知): ${jst(v.awareAt)}`);
  out(`  observed: ${v.observed.replace(/\n/g, ' ')}`);
  if (v.council.acknowledged.length + v.council.awaited.length > 0) {
    out(`  council: ${v.council.acknowledged.map((a) => `${a.position} ${a.name}: ${a.answer}`).join(', ') || '—'}`);
    for (const a of v.council.awaited) out(`    awaited: ${a.position} ${a.name} (due ${jst(a.due)})`);
  }
  for (const d of v.councilDecisions ?? []) {
    out(`  decision (会議の決定) ${jst(d.decidedAt)}: ${d.decision.replace(/\n/g, ' ')} — 理由: ${d.reason.replace(/\n/g, ' ')}${d.presidedBy ? ` (議長 ${d.presidedBy})` : ''}`);
    if (d.minutes) out(`    minutes: ${d.minutes.filename} SHA-256 ${d.minutes.sha256}`);
  }
  out('  checklist:');
  for (const c of v.checklist) {
    const due = c.dueAt ? ` (due ${jst(c.dueAt)}, ${countdown(new Date(c.dueAt), new Date()).text})` : '';
    out(`    ${MARK[c.state]} ${c.label}${c.waitingOn.length > 0 ? ` — waiting on ${c.waitingOn.join(', ')}` : ''}${due}`);
  }
  out('  timeline:');
  for (const e of v.timeline) out(`    ${jst(e.at)}  ${e.outcome}${e.articles.length > 0 ? `  [${e.articles.join(', ')}]` : ''}`);
  return 0;
}
