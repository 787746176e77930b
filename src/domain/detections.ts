// Detections from monitoring systems (検知): `POST /api/detections` with a detector's API key.
// The source names its alert; the same alert sent again — twice, or twenty times in a storm —
// belongs to one incident and is appended to it, never a second declaration.
import { z } from './zod';
import { ORGANISATION_KEY_PATTERN } from './articles';
import { INCIDENT_KINDS, integerInput, pastInstant, THREAT_LEVEL_RANGE } from './incidents';
import { text } from './text';

export const detectionSchema = z.strictObject({
  organisation: z.string().regex(ORGANISATION_KEY_PATTERN, { error: '組織キーが正しくありません' }),
  /** The monitoring system, as it names itself (`siem-01`, `ids.katsuragi`). */
  source: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: '英数字・. _ - の 64 文字までにしてください' }),
  /** The source's own id of the alert: the same id again is the same alert. */
  alertId: z.string().regex(/^[\x21-\x7e]{1,128}$/, { error: '空白を含まない ASCII の 128 文字までにしてください' }),
  kind: z.enum(INCIDENT_KINDS, { error: `次のいずれかにしてください: ${INCIDENT_KINDS.join(', ')}` }),
  threatLevel: integerInput.pipe(z.number().min(THREAT_LEVEL_RANGE.min).max(THREAT_LEVEL_RANGE.max)),
  summary: text({ max: 200 }),
  observed: text({ max: 4000, multiline: true }),
  detectedAt: pastInstant,
});

export type Detection = z.output<typeof detectionSchema>;
