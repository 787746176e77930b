// The statutory incident report (事故報告): what the incident recorded, laid out as the nine
// items of the PPC report (個人情報保護法施行規則 — research notes §3.1), which the prefecture's
// and J-LIS's 第1報/第2報 follow as well. A report says what is known when it is written: an
// item nobody has recorded yet is printed as 「調査中」 and listed, to be filled in by the next
// report (第2報, 確報). Building the report's data is pure (tested without fonts); rendering it
// is the shared layout layer's job.
//
// What the incident recorded: the incident row (summary, what was observed, when it was detected
// and when the organisation became aware — 覚知), its audit timeline, and findings recorded by
// later steps as audit rows whose detail carries `reportItems` (e.g. `{ reportItems: { cause:
// '…' } }`); the latest row wins for each item.
import { formatArticleRefJa, parseArticleRef } from '../domain/articles';
import { INCIDENT_KIND_LABELS, type IncidentKind } from '../domain/incidents';
import { occurredAt, timelineOrder } from '../domain/paper';
import type { OrganisationProfile } from '../domain/profile';
import { formatWarekiDate, formatWarekiDateTime } from '../domain/wareki';
import { z } from '../domain/zod';
import type { AuditRow } from '../db/audit';
import type { IncidentRow } from '../db/incidents';
import { type Block, type JapaneseFont, type PdfDocumentSpec, renderPdf } from './pdf';

export const REPORT_KINDS = ['first', 'second', 'preliminary', 'final'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export const reportKindSchema = z.enum(REPORT_KINDS, { error: `次のいずれかにしてください: ${REPORT_KINDS.join(', ')}` });

/** 第1報 / 第2報 to the executive, the prefecture and J-LIS; 速報 / 確報 to the PPC. */
export const REPORT_KIND_LABELS: Record<ReportKind, { ja: string; en: string }> = {
  first: { ja: '第1報', en: 'First report' },
  second: { ja: '第2報', en: 'Second report' },
  preliminary: { ja: '速報', en: 'Preliminary report' },
  final: { ja: '確報', en: 'Final report' },
};

/** The nine items, in the order of the rule (規則第8条第1項各号 and its public-body counterpart). */
export const REPORT_ITEMS = [
  { key: 'summary', ja: '概要', en: 'Summary' },
  { key: 'dataItems', ja: '漏えい等が発生し、又は発生したおそれがある個人データ（保有個人情報）の項目', en: 'Data items leaked or possibly leaked' },
  { key: 'personCount', ja: '漏えい等が発生し、又は発生したおそれがある個人データ（保有個人情報）に係る本人の数', en: 'Number of persons concerned' },
  { key: 'cause', ja: '原因', en: 'Cause' },
  { key: 'secondaryHarm', ja: '二次被害又はそのおそれの有無及びその内容', en: 'Secondary harm, or its risk, and what it is' },
  { key: 'responseToPersons', ja: '本人への対応の実施状況', en: 'What has been done for the persons concerned' },
  { key: 'publication', ja: '公表の実施状況', en: 'Public disclosure' },
  { key: 'prevention', ja: '再発防止のための措置', en: 'Measures to prevent recurrence' },
  { key: 'other', ja: 'その他参考となる事項', en: 'Other relevant matters' },
] as const;
export type ReportItemKey = (typeof REPORT_ITEMS)[number]['key'];
const REPORT_ITEM_KEYS = new Set<string>(REPORT_ITEMS.map((i) => i.key));

/** What later steps have found out, item by item. */
export type ReportFindings = Partial<Record<ReportItemKey, string>>;

export const PENDING = '調査中';

/**
 * The findings recorded in the audit timeline: each row's `detail.reportItems`, later rows
 * overriding earlier ones. Numbers (本人の数) are printed as `300人`; empty text counts as unknown.
 */
export function findingsFromTrail(trail: readonly AuditRow[]): ReportFindings {
  const out: ReportFindings = {};
  for (const row of [...trail].sort((a, b) => a.seq - b.seq)) {
    const items = (row.detail as { reportItems?: unknown } | undefined)?.reportItems;
    if (!items || typeof items !== 'object' || Array.isArray(items)) continue;
    for (const [k, v] of Object.entries(items as Record<string, unknown>)) {
      if (!REPORT_ITEM_KEYS.has(k)) continue;
      const text = typeof v === 'number' && Number.isFinite(v) ? `${v.toLocaleString('ja-JP')}人` : typeof v === 'string' ? v.trim() : '';
      if (text) out[k as ReportItemKey] = text;
    }
  }
  return out;
}

export interface ReportAddressee {
  kind: OrganisationProfile['reportTargets'][number]['kind'];
  name: string;
  /** 様 for a person's office (the mayor), 御中 for a body. */
  honorific: '様' | '御中';
}

export interface IncidentReportData {
  /** In the footer and the PDF's metadata: `organisation:INC-YYYY-NNNN:kind`. */
  documentId: string;
  kind: ReportKind;
  kindLabel: string;
  title: string;
  subtitle: string;
  /** 報告日: the day the report was generated, 和暦 with the Western year. */
  reportDate: string;
  addressees: ReportAddressee[];
  sender: { organisation: string; position?: string; name?: string };
  incident: {
    organisation: string;
    incidentId: string;
    kindLabel: string;
    threatLevel: string;
    detectedAt: string;
    detectedBy: string;
    awareAt: string;
  };
  items: Array<{ no: number; key: ReportItemKey; heading: string; text: string; pending: boolean }>;
  /** The headings of the items still 調査中. */
  pending: string[];
  /** The articles the report rests on, as references and in Japanese. */
  articles: Array<{ ref: string; label: string }>;
  /** 経緯: the audit timeline, oldest first. */
  timeline: Array<{ at: string; actor: string; outcome: string }>;
  generatedAt: Date;
}

export interface IncidentReportInput {
  incident: IncidentRow;
  timeline: readonly AuditRow[];
  profile: OrganisationProfile;
  kind: ReportKind;
  /** The injected clock: the report date, the footer and the PDF's CreationDate. */
  generatedAt: Date;
  /** Findings given directly; they override those recorded in the timeline. */
  findings?: ReportFindings;
  /** Whom to address; by default the PPC for 速報/確報 and every other target for 第1報/第2報. */
  targets?: ReadonlyArray<ReportAddressee['kind']>;
}

/** The targets a report of this kind goes to, by default. */
export function defaultTargets(profile: OrganisationProfile, kind: ReportKind): ReportAddressee['kind'][] {
  const ppc = kind === 'preliminary' || kind === 'final';
  return [...new Set(profile.reportTargets.map((t) => t.kind).filter((k) => (k === 'ppc') === ppc))];
}

const actorName = (actor: string) => (actor === 'system' ? 'jukinet-ops' : actor.replace(/\s*<[^>]*>$/, ''));

/** The report's content from what the incident recorded. Pure: same input, same data. */
export function buildIncidentReport(input: IncidentReportInput): IncidentReportData {
  const { incident: i, profile, kind } = input;
  const trail = [...input.timeline].sort((a, b) => a.seq - b.seq);
  const findings: ReportFindings = { ...findingsFromTrail(trail), ...definedOnly(input.findings ?? {}) };
  const wanted = new Set(input.targets ?? defaultTargets(profile, kind));
  const targets = profile.reportTargets.filter((t) => wanted.has(t.kind));
  const kindLabel = REPORT_KIND_LABELS[kind].ja;
  const incidentKind = INCIDENT_KIND_LABELS[i.kind as IncidentKind]?.ja ?? i.kind;
  const level = profile.threatLevels.find((l) => l.level === i.threat_level);
  const chief = profile.roles.find((r) => r.role === 'chief');

  // 概要 is always known: what the declaration said, when it was seen and when the organisation knew.
  const summary =
    findings.summary ??
    [
      `${i.summary}`,
      `${formatWarekiDateTime(i.detected_at.getTime())}、${i.detected_by.name}が検知し、${formatWarekiDateTime(i.aware_at.getTime())}に覚知した（${incidentKind}、脅威度 L${i.threat_level}${level ? ` ${level.name}` : ''}）。`,
      i.observed,
    ].join('\n');
  const items = REPORT_ITEMS.map((item, n) => {
    const text = item.key === 'summary' ? summary : findings[item.key];
    return { no: n + 1, key: item.key, heading: item.ja, text: text ?? PENDING, pending: text === undefined };
  });

  const refs = [...new Set([...(profile.articles['emergency.report'] ?? []), ...targets.flatMap((t) => t.articles)])];
  const articleLabel = (ref: string) => {
    const p = parseArticleRef(ref);
    return p && p.law === undefined ? `${profile.organisation.regulation}${formatArticleRefJa(ref)}` : formatArticleRefJa(ref);
  };

  const ppc = kind === 'preliminary' || kind === 'final';
  return {
    documentId: `${i.organisation}:${i.incident_id}:${kind}`,
    kind,
    kindLabel,
    title: `事故報告書（${kindLabel}）`,
    subtitle: ppc ? '保有個人情報の漏えい等事案に関する報告' : `住民基本台帳ネットワークシステムに係る${incidentKind}事案について`,
    reportDate: formatWarekiDate(input.generatedAt.getTime()),
    addressees: targets.map((t) => ({ kind: t.kind, name: t.name, honorific: t.kind === 'executive' ? '様' : '御中' })),
    sender: {
      organisation: profile.organisation.name,
      ...(chief ? { position: chief.position, name: chief.person.name } : {}),
    },
    incident: {
      organisation: profile.organisation.name,
      incidentId: i.incident_id,
      kindLabel: incidentKind,
      threatLevel: `L${i.threat_level}${level ? ` ${level.name}` : ''}`,
      detectedAt: formatWarekiDateTime(i.detected_at.getTime()),
      detectedBy: i.detected_by.name,
      awareAt: formatWarekiDateTime(i.aware_at.getTime()),
    },
    items,
    pending: items.filter((x) => x.pending).map((x) => x.heading),
    articles: refs.map((ref) => ({ ref, label: articleLabel(ref) })),
    // At the real time: lines entered afterwards from paper where they happened.
    timeline: timelineOrder(trail).map((r) => ({ at: formatWarekiDateTime(occurredAt(r).getTime()), actor: actorName(r.actor), outcome: r.outcome })),
    generatedAt: input.generatedAt,
  };
}

function definedOnly(f: ReportFindings): ReportFindings {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => typeof v === 'string' && v.trim() !== '')) as ReportFindings;
}

/** The report as a document of the shared layout layer. */
export function incidentReportDocument(r: IncidentReportData): PdfDocumentSpec {
  const blocks: Block[] = [
    { type: 'paragraph', text: r.incident.incidentId, align: 'right' },
    { type: 'paragraph', text: r.reportDate, align: 'right' },
    { type: 'spacer', height: 6 },
    ...r.addressees.map((a): Block => ({ type: 'paragraph', text: `${a.name}　${a.honorific}`, size: 11.5 })),
    { type: 'spacer', height: 6 },
    { type: 'paragraph', text: r.sender.organisation, align: 'right' },
    ...(r.sender.position ? [{ type: 'paragraph', text: `${r.sender.position}　${r.sender.name ?? ''}`.trim(), align: 'right' } as Block] : []),
    { type: 'spacer', height: 12 },
    { type: 'title', text: r.title },
    { type: 'paragraph', text: r.subtitle, align: 'center' },
    { type: 'spacer', height: 8 },
    {
      type: 'paragraph',
      text: `標記の件について、下記のとおり${r.kindLabel}として報告します。${r.pending.length > 0 ? '「調査中」とした事項は、判明し次第、追って報告します。' : ''}`,
    },
    { type: 'paragraph', text: '記', align: 'center' },
    {
      type: 'keyValues',
      rows: [
        { key: '報告の区分', value: r.kindLabel },
        { key: '事案番号', value: r.incident.incidentId },
        { key: '事案の種別', value: `${r.incident.kindLabel}（脅威度 ${r.incident.threatLevel}）` },
        { key: '検知日時', value: `${r.incident.detectedAt}（${r.incident.detectedBy}）` },
        { key: '覚知日時', value: r.incident.awareAt },
        { key: '報告日', value: r.reportDate },
      ],
    },
  ];
  for (const item of r.items) {
    blocks.push({ type: 'heading', text: `${item.no}　${item.heading}`, level: 2 });
    blocks.push({ type: 'paragraph', text: item.text, indent: 12 });
  }
  if (r.pending.length > 0) {
    blocks.push({ type: 'heading', text: `調査中の事項（${r.pending.length}件）` });
    blocks.push({ type: 'list', items: r.pending });
  }
  if (r.articles.length > 0) {
    blocks.push({ type: 'heading', text: '根拠規定' });
    blocks.push({ type: 'list', items: r.articles.map((a) => a.label) });
  }
  if (r.timeline.length > 0) {
    blocks.push({ type: 'heading', text: '経緯（監査記録より）' });
    blocks.push({ type: 'keyValues', rows: r.timeline.map((t) => ({ key: t.at, value: `${t.outcome}（${t.actor}）` })), keyWidth: 200 });
  }
  blocks.push({ type: 'paragraph', text: '以上', align: 'right' });
  return {
    documentId: r.documentId,
    title: `${r.title} ${r.incident.incidentId}`,
    generatedAt: r.generatedAt,
    author: r.sender.organisation,
    subject: r.subtitle,
    keywords: `${r.incident.incidentId} ${r.kindLabel}`,
    blocks,
  };
}

/** The report's PDF bytes. */
export function renderIncidentReport(r: IncidentReportData, font: JapaneseFont): Promise<Buffer> {
  return renderPdf(incidentReportDocument(r), font);
}

/** `事故報告書_第1報_INC-2026-0001.pdf`, and its ASCII fallback `incident-report-first-INC-2026-0001.pdf`. */
export function reportFileNames(r: Pick<IncidentReportData, 'kind' | 'kindLabel' | 'incident'>): { filename: string; ascii: string } {
  return {
    filename: `事故報告書_${r.kindLabel}_${r.incident.incidentId}.pdf`,
    ascii: `incident-report-${r.kind}-${r.incident.incidentId}.pdf`,
  };
}
