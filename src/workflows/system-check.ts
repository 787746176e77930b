// 自己診断: proves that a worker picks up workflow tasks and that its activities reach the
// database and the mail relay, and reports mail the relay has not taken for over a minute. `jukinet-ops doctor` runs it.
import { proxyActivities } from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../activities';
import type { Check } from '../domain/health';

const { checkDatabaseFromWorker, checkSmtpFromWorker, checkMailDeliveryFromWorker } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 2 },
});

export async function systemCheck(): Promise<Check[]> {
  return Promise.all([checkDatabaseFromWorker(), checkSmtpFromWorker(), checkMailDeliveryFromWorker()]);
}
