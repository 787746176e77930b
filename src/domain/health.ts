// The parts of a running jukinet-ops and their state, as the health endpoint, `doctor` and the
// systemCheck workflow report them.
/** `pdfFont`: the Japanese font generated documents embed, as `doctor` finds it on its own host. */
export const HEALTH_PARTS = ['temporal', 'namespace', 'worker', 'database', 'smtp', 'mail', 'pdfFont'] as const;
export type HealthPart = (typeof HEALTH_PARTS)[number];
export type CheckStatus = 'ok' | 'fail' | 'skipped';

export interface Check {
  part: HealthPart;
  status: CheckStatus;
  detail: string;
}

export function overallStatus(checks: readonly Check[]): 'ok' | 'degraded' {
  return checks.every((c) => c.status === 'ok') ? 'ok' : 'degraded';
}
