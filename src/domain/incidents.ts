// Incidents (インシデント) of the emergency response plan: the kinds of DOMAIN.md, business ids
// per organisation and year, and what a declaration must carry.
import { z } from './zod';
import { ORGANISATION_KEY_PATTERN } from './articles';

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
  DECLARED = 'DECLARED',
  CONVENING_COUNCIL = 'CONVENING_COUNCIL',
  /** Where the containment step (切離し) of the next slice continues from. */
  AWAITING_CONTAINMENT_DECISION = 'AWAITING_CONTAINMENT_DECISION',
}

export const INCIDENT_ID_PATTERN = /^INC-(\d{4})-(\d{4,})$/;

export function formatIncidentId(year: number, n: number): string {
  return `INC-${year}-${String(n).padStart(4, '0')}`;
}

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

const isoInstant = z.iso.datetime({ offset: true, error: 'ISO 8601 の日時にしてください（例: 2026-11-23T10:15:00+09:00）' });

export const declareIncidentSchema = z
  .strictObject({
    organisation: z.string().regex(ORGANISATION_KEY_PATTERN, { error: '組織キーが正しくありません' }),
    kind: z.enum(INCIDENT_KINDS, { error: `次のいずれかにしてください: ${INCIDENT_KINDS.join(', ')}` }),
    threatLevel: z.coerce.number().int().min(THREAT_LEVEL_RANGE.min).max(THREAT_LEVEL_RANGE.max),
    summary: z.string().trim().min(1, { error: '必須項目です' }).max(200),
    /** What was seen, by whom, where. */
    observed: z.string().trim().min(1, { error: '必須項目です' }).max(4000),
    detectedBy: z.strictObject({
      name: z.string().trim().min(1, { error: '必須項目です' }).max(100),
      email: z.email({ error: '有効なメールアドレスではありません' }),
    }),
    detectedAt: isoInstant,
    /** The moment the organisation became aware (覚知): every statutory clock counts from it. */
    awareAt: isoInstant,
    /** The caller's idempotency key: declaring with the same key again returns the same incident. */
    declarationId: z.uuid({ error: 'UUID にしてください' }).optional(),
  })
  .refine((d) => Date.parse(d.awareAt) >= Date.parse(d.detectedAt), {
    path: ['awareAt'],
    error: '覚知の日時は検知の日時より後にしてください',
  });

export type DeclareIncident = z.output<typeof declareIncidentSchema>;
