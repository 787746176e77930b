// 最終報告: the report to the executive (首長) that closes the recovery — what happened, the cause
// found, the measures against recurrence and who carries each out, and the whole timeline — from
// what the incident recorded (its audit trail and its recovery tasks). Building is pure; rendering
// is the shared layout layer's, in the style of the statutory report.
import { formatArticleRefJa, parseArticleRef } from '../domain/articles';
import { finalReportAddressee, RECOVERY_TASK_LABELS } from '../domain/closing';
import { INCIDENT_KIND_LABELS, type IncidentKind } from '../domain/incidents';
import type { OrganisationProfile } from '../domain/profile';
import { formatWarekiDate, formatWarekiDateTime } from '../domain/wareki';
import type { AuditRow } from '../db/audit';
import type { RecoveryTaskRow } from '../db/closing';
import type { IncidentRow } from '../db/incidents';
import { findingsFromTrail, PENDING } from './incident-report';
import type { Block, PdfDocumentSpec } from './pdf';

export interface FinalReportInput {
  incident: IncidentRow;
  timeline: readonly AuditRow[];
  profile: OrganisationProfile;
  tasks: readonly RecoveryTaskRow[];
  /** 第n版: a final report may be issued again (amended). */
  edition: number;
  generatedAt: Date;
}

const actorName = (actor: string) => (actor === 'system' ? 'jukinet-ops' : actor.replace(/\s*<[^>]*>$/, ''));

/** The final report as a document of the shared layout layer. */
export function finalReportDocument(input: FinalReportInput): PdfDocumentSpec {
  const { incident: i, profile } = input;
  const trail = [...input.timeline].sort((a, b) => a.seq - b.seq);
  const findings = findingsFromTrail(trail);
  const executive = finalReportAddressee(profile);
  const chief = profile.roles.find((r) => r.role === 'chief');
  const kind = INCIDENT_KIND_LABELS[i.kind as IncidentKind]?.ja ?? i.kind;
  const taskLine = (t: RecoveryTaskRow) =>
    `${RECOVERY_TASK_LABELS[t.kind].ja}　${t.section}　${t.title}（期限 ${formatWarekiDate(t.due_at.getTime())}、${t.state === 'DONE' ? `完了: ${t.result ?? ''}` : t.state === 'WITHDRAWN' ? '取下げ' : '実施中'}）`;
  const refs = [...new Set(['emergency.recover', 'emergency.preventRecurrence', 'emergency.close'].flatMap((s) => profile.articles[s as 'emergency.close'] ?? []))];
  const articleLabel = (ref: string) => {
    const p = parseArticleRef(ref);
    return p && p.law === undefined ? `${profile.organisation.regulation}${formatArticleRefJa(ref)}` : formatArticleRefJa(ref);
  };
  const blocks: Block[] = [
    { type: 'paragraph', text: i.incident_id, align: 'right' },
    { type: 'paragraph', text: formatWarekiDate(input.generatedAt.getTime()), align: 'right' },
    { type: 'spacer', height: 6 },
    ...(executive.name ? [{ type: 'paragraph', text: `${executive.name}　様`, size: 11.5 } as Block] : []),
    { type: 'spacer', height: 6 },
    { type: 'paragraph', text: profile.organisation.name, align: 'right' },
    ...(chief ? [{ type: 'paragraph', text: `${chief.position}　${chief.person.name}`, align: 'right' } as Block] : []),
    { type: 'spacer', height: 12 },
    { type: 'title', text: `最終報告書${input.edition > 1 ? `（第${input.edition}版）` : ''}` },
    { type: 'paragraph', text: `住民基本台帳ネットワークシステムに係る${kind}事案の復旧及び再発防止について`, align: 'center' },
    { type: 'spacer', height: 8 },
    { type: 'paragraph', text: '標記の件について、復旧及び再発防止の措置を下記のとおり報告します。' },
    { type: 'paragraph', text: '記', align: 'center' },
    {
      type: 'keyValues',
      rows: [
        { key: '事案番号', value: i.incident_id },
        { key: '事案の種別', value: `${kind}（脅威度 L${i.threat_level}）` },
        { key: '検知日時', value: `${formatWarekiDateTime(i.detected_at.getTime())}（${i.detected_by.name}）` },
        { key: '覚知日時', value: formatWarekiDateTime(i.aware_at.getTime()) },
      ],
    },
    { type: 'heading', text: '1　概要', level: 2 },
    { type: 'paragraph', text: `${i.summary}\n${i.observed}`, indent: 12 },
    { type: 'heading', text: '2　原因', level: 2 },
    { type: 'paragraph', text: findings.cause ?? PENDING, indent: 12 },
    { type: 'heading', text: '3　再発防止のための措置', level: 2 },
    { type: 'paragraph', text: findings.prevention ?? PENDING, indent: 12 },
    { type: 'heading', text: '4　原因究明・再発防止策の実施体制', level: 2 },
    input.tasks.length > 0 ? { type: 'list', items: input.tasks.map(taskLine) } : { type: 'paragraph', text: 'なし', indent: 12 },
  ];
  if (refs.length > 0) {
    blocks.push({ type: 'heading', text: '根拠規定' });
    blocks.push({ type: 'list', items: refs.map(articleLabel) });
  }
  blocks.push({ type: 'heading', text: '経緯（監査記録より）' });
  blocks.push({ type: 'keyValues', rows: trail.map((t) => ({ key: formatWarekiDateTime(t.at.getTime()), value: `${t.outcome}（${actorName(t.actor)}）` })), keyWidth: 200 });
  blocks.push({ type: 'paragraph', text: '以上', align: 'right' });
  return {
    documentId: `${i.organisation}:${i.incident_id}:final-report:${input.edition}`,
    title: `最終報告書 ${i.incident_id}`,
    generatedAt: input.generatedAt,
    author: profile.organisation.name,
    subject: '復旧及び再発防止についての最終報告',
    keywords: `${i.incident_id} 最終報告`,
    blocks,
  };
}

export const finalReportFileName = (incidentId: string, edition: number) => ({
  filename: `最終報告書_${incidentId}${edition > 1 ? `_第${edition}版` : ''}.pdf`,
  ascii: `final-report-${incidentId}-${edition}.pdf`,
});
