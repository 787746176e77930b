// Incidents (インシデント) of the emergency response plan: the kinds of DOMAIN.md, business ids
// per organisation and year, and what a declaration must carry.
import { z } from './zod';
import { ORGANISATION_KEY_PATTERN } from './articles';
import { text } from './text';
import { incidentFactsSchema } from './report-clocks';

export const INCIDENT_KINDS = ['failure', 'misconduct', 'leak', 'disaster'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** 障害 / 不正行為 / 漏えい等 / 災害 */
export const INCIDENT_KIND_LABELS: Record<IncidentKind, { ja: string; en: string }> = {
  failure: { ja: '障害', en: 'Failure' },
  misconduct: { ja: '不正行為', en: 'Misconduct' },
  leak: { ja: '漏えい等', en: 'Leak, loss or damage' },
  disaster: { ja: '災害', en: 'Disaster' },
};

export enum IncidentStatus {
  /** Numbered, but Temporal did not confirm the workflow's start: sending the same declaration again completes it. */
  START_UNCERTAIN = 'START_UNCERTAIN',
  DECLARED = 'DECLARED',
  CONVENING_COUNCIL = 'CONVENING_COUNCIL',
  /** Where the containment step (切離し) of the next slice continues from. */
  AWAITING_CONTAINMENT_DECISION = 'AWAITING_CONTAINMENT_DECISION',
  /** 切離し中: ordered, not yet verified (the operator's read-back or the two attestations). */
  CONTAINING = 'CONTAINING',
  /** 切離し済み: verified cut off; waiting for the reconnection decision. */
  CONTAINED = 'CONTAINED',
  /** 再接続中: reconnection ordered, not yet verified. */
  RECOVERING = 'RECOVERING',
  /** 再接続済み: verified reconnected. */
  RECOVERED = 'RECOVERED',
  /** A level that convenes nobody: the chief assesses and monitors (評価・監視). */
  MONITORING = 'MONITORING',
  /** 終結 */
  CLOSED = 'CLOSED',
}

/** 訓練 (drills) are numbered apart from real incidents: `DRL-2026-0001` beside `INC-2026-0001`. */
export const INCIDENT_SERIES = ['INC', 'DRL'] as const;
export type IncidentSeries = (typeof INCIDENT_SERIES)[number];

export const INCIDENT_ID_PATTERN = /^(?:INC|DRL)-(\d{4})-(\d{4,})$/;

export function formatIncidentId(year: number, n: number, series: IncidentSeries = 'INC'): string {
  return `${series}-${year}-${String(n).padStart(4, '0')}`;
}

/** The parts of an incident id: its series, year and number. */
export function parseIncidentId(incidentId: string): { series: IncidentSeries; year: number; n: number } | undefined {
  const m = /^(INC|DRL)-(\d{4})-(\d{4,})$/.exec(incidentId);
  return m ? { series: m[1] as IncidentSeries, year: Number(m[2]), n: Number(m[3]) } : undefined;
}

/** A drill's case: every email subject and page that names it carries 【訓練】. */
export const isDrill = (caseId: string) => caseId.startsWith('DRL-');

export const DRILL_MARK = '【訓練】';

/** The subject of any email about the case: a drill's begins with 【訓練】, whatever else it says. */
export const caseSubject = (caseId: string, subject: string) => (isDrill(caseId) && !subject.startsWith(DRILL_MARK) ? `${DRILL_MARK}${subject}` : subject);

/** How far a drill may compress time: 1 (real time) to 1,440 (a day in a minute). */
export const TIME_SCALE_RANGE = { min: 1, max: 1440 } as const;

/** The workflow id is derived from the business id: one workflow per incident, ever. */
export function emergencyWorkflowId(organisation: string, incidentId: string): string {
  return `emergency-response/${organisation}/${incidentId}`;
}

const JST_OFFSET_MS = 9 * 3_600_000; // Japan keeps no daylight saving time

/** The calendar year in Japan of a moment, for numbering. */
export function yearInJapan(ms: number): number {
  return new Date(ms + JST_OFFSET_MS).getUTCFullYear();
}

/** Threat levels as regulations number them: some from 0 (区分0–3), most from 1; the profile names its own. */
export const THREAT_LEVEL_RANGE = { min: 0, max: 9 } as const;

/** No incident of the Resident Registry Network is older than this (the network began in 2002). */
export const EARLIEST_INSTANT = '2000-01-01T00:00:00+09:00';
/** How far ahead of this server's clock a declarer's clock may be. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** A moment that has happened: an ISO 8601 instant with its offset, from 2000 up to now. */
export const pastInstant = z.iso
  .datetime({ offset: true, error: 'ISO 8601 の日時にしてください（例: 2026-11-23T10:15:00+09:00）', abort: true })
  .refine((v) => Date.parse(v) >= Date.parse(EARLIEST_INSTANT), { error: '2000年以降の日時にしてください', abort: true })
  .refine((v) => Date.parse(v) <= Date.now() + CLOCK_SKEW_MS, { error: '未来の日時は指定できません' });

/** An integer as JSON writes it, or as a form or a command line sends it (decimal digits); never `"0x3"`, `[3]` or `true`. */
export const integerInput = z.preprocess((v) => (typeof v === 'string' && /^[0-9]{1,6}$/.test(v) ? Number(v) : v), z.number().int());

export const declareIncidentSchema = z
  .strictObject({
    organisation: z.string().regex(ORGANISATION_KEY_PATTERN, { error: '組織キーが正しくありません' }),
    kind: z.enum(INCIDENT_KINDS, { error: `次のいずれかにしてください: ${INCIDENT_KINDS.join(', ')}` }),
    threatLevel: integerInput.pipe(z.number().min(THREAT_LEVEL_RANGE.min).max(THREAT_LEVEL_RANGE.max)),
    summary: text({ max: 200 }),
    /** What was seen, by whom, where. */
    observed: text({ max: 4000, multiline: true }),
    detectedBy: z.strictObject({
      name: text({ max: 100 }),
      email: z.email({ error: '有効なメールアドレスではありません' }),
    }),
    detectedAt: pastInstant,
    /** The moment the organisation became aware (覚知): every statutory clock counts from it. */
    awareAt: pastInstant,
    /** What is known of a leak (本人の数, 要配慮個人情報, …): decides the PPC's reports (R9, R13); may be updated later. */
    facts: incidentFactsSchema.optional(),
    /** The caller's idempotency key: declaring with the same key again returns the same incident. */
    declarationId: z.uuid({ error: 'UUID にしてください' }).optional(),
    /**
     * 訓練: run the playbook as a drill (numbered DRL-…, 【訓練】 everywhere, reports only to the
     * participants), optionally with time compressed: every window and deadline divided by `timeScale`.
     */
    drill: z
      .strictObject({
        timeScale: integerInput.pipe(z.number().min(TIME_SCALE_RANGE.min).max(TIME_SCALE_RANGE.max)).default(1),
        /** Who receives what would go outside (the prefecture, J-LIS, the PPC): the drill's participants. */
        participants: z.array(z.strictObject({ name: text({ max: 100 }), email: z.email({ error: '有効なメールアドレスではありません' }) })).max(50).default([]),
      })
      .optional(),
  })
  .refine((d) => Date.parse(d.awareAt) >= Date.parse(d.detectedAt), {
    path: ['awareAt'],
    error: '覚知の日時は検知の日時より後にしてください',
  });

export type DeclareIncident = z.output<typeof declareIncidentSchema>;
/** 訓練: a drill's time scale and participants. */
export type DrillSettings = NonNullable<DeclareIncident['drill']>;
