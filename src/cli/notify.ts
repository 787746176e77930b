// `jukinet-ops incident notify-status ORG INCIDENT`: how far the notices to the persons concerned
// (本人通知) have gone, from GET /api/incidents/:organisation/:incidentId/notifications.
import { parseArgs } from 'node:util';
import { type Config, publicUrl } from '../config';
import type { NotificationProgress } from '../notify/notifications';
import { callApi } from './api-call';

export const NOTIFY_STATUS_USAGE = 'Usage: jukinet-ops incident notify-status ORGANISATION INCIDENT-ID [--json] [--api URL]';

const duration = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)}時間${Math.round((s % 3600) / 60)}分` : s >= 60 ? `${Math.floor(s / 60)}分${s % 60}秒` : `${s}秒`);

/** One line per figure, Japanese first. */
export function formatNotificationProgress(p: NotificationProgress): string[] {
  const pct = p.email > 0 ? ` (${Math.floor((p.sent / p.email) * 100)}%)` : '';
  return [
    `対象者 / persons:        ${p.total}`,
    `メール送信済 / sent:     ${p.sent} / ${p.email}${pct}`,
    `送信失敗 / failed:       ${p.failed}（郵送へ / to letters）`,
    `未送信 / remaining:      ${p.remaining}`,
    `郵送 / letters:          ${p.letters}`,
    `速度 / rate:             ${p.ratePerSecond} 通/秒`,
    `完了見込み / ETA:        ${p.etaSeconds === null ? '—（送信停止中 / not moving）' : p.etaSeconds === 0 ? '完了 / done' : duration(p.etaSeconds)}`,
  ];
}

export async function incidentNotifyStatus(args: string[], config: Config, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  let values: { json?: boolean; api?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, api: { type: 'string' } } }));
  } catch (e) {
    err(`${(e as Error).message}\n\n${NOTIFY_STATUS_USAGE}`);
    return 2;
  }
  if (positionals.length !== 2) {
    err(NOTIFY_STATUS_USAGE);
    return 2;
  }
  const [organisation, incidentId] = positionals;
  const api = (values.api ?? publicUrl(config)).replace(/\/$/, '');
  const r = await callApi<NotificationProgress>(api, `/api/incidents/${encodeURIComponent(organisation)}/${encodeURIComponent(incidentId)}/notifications`, {}, err);
  if (!r.ok) return 1;
  const reply = r.body;
  if (values.json) out(JSON.stringify(reply, null, 2));
  else for (const l of formatNotificationProgress(reply)) out(l);
  return 0;
}
