// Activities of the statutoryReports workflow: record each report's clock; generate a version's
// PDF from what the incident recorded (kept, so the bytes approved are the bytes sent); remind
// before the deadline and escalate once it passes; send the approved PDF to every contact of the
// target; record facts learnt later. Each is idempotent: a retry finds its rows and mails done
// (mail by key through sendMailOnce, rows by primary key, audit rows by id).
import { drillRecipients } from '../domain/drill';
import { caseSubject } from '../domain/incidents';
import { Context } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import { appendAudit, auditTrail } from '../db/audit';
import { getIncident } from '../db/incidents';
import { getOrganisation } from '../db/organisations';
import {
  getReport,
  getReportVersion,
  insertReportVersion,
  markEscalated,
  markReportWaived,
  markReviewing,
  markVersionSent,
  type ReportRef,
  reportLabel,
  upsertReportClocks,
} from '../db/reports';
import type { Database } from '../db/schema';
import { buildIncidentReport, type ReportFindings, type ReportKind, renderIncidentReport, reportFileNames } from '../documents/incident-report';
import { resolveJapaneseFont, sha256Hex, type JapaneseFont } from '../documents/pdf';
import { formatJst } from '../domain/calendar';
import { formatRemaining, type IncidentFacts, ppcGrounds, type ReportClock, type ReportTargetKind } from '../domain/report-clocks';
import type { Assignee } from '../domain/tasks';
import { type MailTransport, type OutgoingMail, sendMailOnce, type SendOptions } from '../mail';
import type { SigningKey } from '../tokens';

export interface ReportActivityDeps {
  db: Kysely<Database>;
  mail: MailTransport;
  mailFrom: string;
  auditMacKeys: readonly SigningKey[];
  publicUrl: string;
  /** PDF_FONT_PATH, when configured; else the system's Japanese font. */
  pdfFontPath?: string;
  send?: Omit<SendOptions, 'heartbeat'>;
}

function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // outside an activity (a test)
  }
}

const personActor = (p: { name: string; email: string }) => `${p.name} <${p.email}>`;
const footer = ['', '-- ', 'jukinet-ops（住基ネット セキュリティ手続）'];

export interface ReportVersionInfo {
  version: number;
  filename: string;
  sha256: string;
  size: number;
  /** Where a signed-in reader sees the PDF under review. */
  url: string;
}

export function createReportActivities(deps: ReportActivityDeps) {
  const { db } = deps;
  let font: JapaneseFont | undefined;
  const pdfFont = () => (font ??= resolveJapaneseFont({ configured: deps.pdfFontPath }));
  const send = (m: OutgoingMail) => sendMailOnce(db, deps.mail, deps.mailFrom, m, { ...deps.send, heartbeat });
  const audit = (e: { id: string; organisation: string; caseId: string; actor?: string; outcome: string; articles: string[]; detail?: Record<string, unknown>; at?: Date }) =>
    appendAudit(db, { actor: 'system', step: 'emergency.report', at: new Date(), ...e }, deps.auditMacKeys[0]);
  const consoleUrl = (r: { organisation: string; caseId: string }) => `${deps.publicUrl}/incidents/${r.organisation}/${r.caseId}`;
  const articlesOf = async (r: ReportRef) => {
    const [row, profile] = await Promise.all([getReport(db, r), getOrganisation(db, r.organisation)]);
    return [...new Set([...(profile?.articles['emergency.report'] ?? []), ...(row?.articles ?? [])])];
  };

  return {
    /** Records the clocks (new ones, or moved deadlines) and says so in the audit log. */
    async recordReportClocks(o: { organisation: string; caseId: string; clocks: ReportClock[]; auditId: string; reason: string; facts?: IncidentFacts }): Promise<void> {
      await upsertReportClocks(db, o);
      const profile = await getOrganisation(db, o.organisation);
      const grounds = ppcGrounds(o.facts);
      await audit({
        id: o.auditId,
        organisation: o.organisation,
        caseId: o.caseId,
        outcome: `${o.reason}: ${o.clocks.map((c) => `${reportLabel({ target_name: c.targetName, kind: c.kind })} ${formatJst(Date.parse(c.dueAt))}まで（${c.rule}）`).join('、')}${grounds.length ? `（個人情報保護委員会への報告対象: ${grounds.join('、')}）` : ''}`,
        articles: [...new Set([...(profile?.articles['emergency.report'] ?? []), ...o.clocks.flatMap((c) => c.articles)])],
        detail: { clocks: o.clocks.map((c) => ({ key: c.key, dueAt: c.dueAt, rule: c.rule })), ppcGrounds: grounds },
      });
    },

    /** Facts learnt later: kept with the incident, and the number of persons goes into the reports (本人の数). */
    async recordIncidentFacts(o: { organisation: string; caseId: string; facts: IncidentFacts; update: IncidentFacts; by: { name: string; email: string }; auditId: string }): Promise<void> {
      await db.updateTable('incidents').set({ facts: JSON.stringify(o.facts) }).where('organisation', '=', o.organisation).where('incident_id', '=', o.caseId).execute();
      const profile = await getOrganisation(db, o.organisation);
      await audit({
        id: o.auditId,
        organisation: o.organisation,
        caseId: o.caseId,
        actor: personActor(o.by),
        outcome: `事実関係を更新: ${Object.entries(o.update).map(([k, v]) => `${k}=${String(v)}`).join(', ')}`,
        articles: profile?.articles['emergency.report'] ?? [],
        detail: { facts: o.facts, update: o.update, ...(o.update.personsAffected !== undefined ? { reportItems: { personCount: o.update.personsAffected } } : {}) },
      });
    },

    /**
     * Generates version `version` of the report from what the incident has recorded, addressed to
     * the report's target only, and keeps it: a retry returns the version already kept.
     */
    async prepareReportVersion(o: ReportRef & { version: number; generatedAt: number; note?: string; findings?: ReportFindings }): Promise<ReportVersionInfo> {
      const kept = await getReportVersion(db, o, o.version);
      const url = `${deps.publicUrl}/incidents/${o.organisation}/${o.caseId}/reports/${encodeURIComponent(o.key)}/${o.version}.pdf`;
      if (kept) {
        await markReviewing(db, o, o.version);
        return { version: o.version, filename: kept.filename, sha256: kept.sha256, size: kept.size, url };
      }
      const [incident, timeline, profile, report] = await Promise.all([
        getIncident(db, o.organisation, o.caseId),
        auditTrail(db, o.organisation, o.caseId),
        getOrganisation(db, o.organisation),
        getReport(db, o),
      ]);
      if (!incident || !profile || !report) throw new Error(`report ${o.organisation}/${o.caseId}/${o.key} not found`);
      const facts = incident.facts ?? {};
      const data = buildIncidentReport({
        incident,
        timeline,
        profile,
        kind: report.kind as ReportKind,
        generatedAt: new Date(o.generatedAt),
        targets: [report.target as ReportTargetKind],
        findings: { ...(facts.personsAffected !== undefined ? { personCount: `${facts.personsAffected.toLocaleString('ja-JP')}人` } : {}), ...(o.findings ?? {}) },
      });
      const bytes = await renderIncidentReport(data, pdfFont());
      const names = reportFileNames(data);
      const filename = o.version > 1 ? names.filename.replace(/\.pdf$/, `_v${o.version}.pdf`) : names.filename;
      const row = await insertReportVersion(db, { ...o, filename, sha256: sha256Hex(bytes), bytes, ...(o.note ? { note: o.note } : {}) });
      await markReviewing(db, o, o.version);
      return { version: o.version, filename: row.filename, sha256: row.sha256, size: row.size, url };
    },

    /**
     * Sends the approved version to every contact of the target, the PDF attached, each once (the
     * mail key names the version and the contact); then keeps the evidence and audits it.
     */
    async sendReport(o: ReportRef & { version: number; approvedBy: { name: string; email: string }; approvedAt: string }): Promise<{ recipients: string[]; sentAt: string }> {
      const [report, version, profile, incident] = await Promise.all([getReport(db, o), getReportVersion(db, o, o.version), getOrganisation(db, o.organisation), getIncident(db, o.organisation, o.caseId)]);
      if (!report || !version || !profile || !incident) throw new Error(`report ${o.organisation}/${o.caseId}/${o.key} v${o.version} not found`);
      const target = profile.reportTargets.find((t) => t.kind === report.target);
      if (!target) throw new Error(`report target ${report.target} is not in the profile of ${o.organisation}`);
      const label = reportLabel(report);
      const amended = o.version > 1 && report.sent_at !== null;
      // A drill reports to its participants, never to the real prefecture, J-LIS or PPC.
      const contacts = incident.drill ? drillRecipients(incident.drill, incident.detected_by) : target.contacts;
      let sentAt = new Date(0);
      for (const c of contacts) {
        const r = await send({
          key: `report/${o.organisation}/${o.caseId}/${o.key}/v${o.version}/${c.email.toLowerCase()}`,
          to: `${c.name} <${c.email}>`,
          subject: caseSubject(o.caseId, `【報告】${profile.organisation.name} ${o.caseId} 事故報告書（${label.replace(/^.*への/, '')}${amended ? '・訂正' : ''}）`),
          text: [
            `${target.name}`,
            `${c.name} 様（${c.title}）`,
            '',
            `${profile.organisation.name}における住民基本台帳ネットワークシステムに係る事案（${o.caseId}）について、添付のとおり報告します。`,
            ...(version.note ? ['', `${amended ? '訂正・追加の内容' : '備考'}: ${version.note}`] : []),
            '',
            `添付: ${version.filename}（SHA-256: ${version.sha256}）`,
            `承認: ${o.approvedBy.name}（${formatJst(Date.parse(o.approvedAt))}）`,
            ...footer,
          ].join('\n'),
          attachments: [{ filename: version.filename, content: Buffer.from(version.bytes), contentType: 'application/pdf' }],
        });
        if (r.sentAt > sentAt) sentAt = r.sentAt;
      }
      const recipients = contacts.map((c) => c.email);
      await markVersionSent(db, o, { version: o.version, approvedBy: { ...o.approvedBy, at: o.approvedAt }, recipients, sentAt });
      await audit({
        id: `report/${o.organisation}/${o.caseId}/${o.key}/v${o.version}/sent`,
        at: sentAt,
        organisation: o.organisation,
        caseId: o.caseId,
        actor: personActor(o.approvedBy),
        outcome: `${label}を送付${amended ? '（訂正・再送）' : ''}（${recipients.length}名、${version.filename}）`,
        articles: await articlesOf(o),
        detail: { key: o.key, version: o.version, filename: version.filename, sha256: version.sha256, size: version.size, recipients, approvedAt: o.approvedAt },
      });
      return { recipients, sentAt: sentAt.toISOString() };
    },

    /** A reminder before the deadline, to whoever is asked to approve (and the chief's stand-ins see it in the console). */
    async remindReport(o: ReportRef & { to: Assignee[]; beforeMs: number; dueAt: string }): Promise<void> {
      const report = await getReport(db, o);
      if (!report || report.state === 'sent' || report.state === 'waived') return;
      const label = reportLabel(report);
      const left = formatRemaining(o.beforeMs);
      for (const p of o.to) {
        await send({
          key: `report/${o.organisation}/${o.caseId}/${o.key}/remind-${o.beforeMs}/${p.email.toLowerCase()}`,
          to: `${p.name} <${p.email}>`,
          subject: caseSubject(o.caseId, `【期限まで${left}】${o.caseId} ${label}`),
          text: [`${p.name} 様（${p.title}）`, '', `${o.caseId} の${label}の期限は ${formatJst(Date.parse(o.dueAt))} です（${report.rule}）。`, '期限までに報告書を確認・承認してください。', '', `状況: ${consoleUrl(o)}`, ...footer].join('\n'),
        });
      }
      await audit({
        id: `report/${o.organisation}/${o.caseId}/${o.key}/remind-${o.beforeMs}`,
        organisation: o.organisation,
        caseId: o.caseId,
        outcome: `${label}の期限まで${left}: ${o.to.map((p) => p.name).join('、')} に督促`,
        articles: await articlesOf(o),
        detail: { key: o.key, dueAt: o.dueAt, beforeMs: o.beforeMs },
      });
    },

    /** The deadline passed with the report unsent: everyone who can act is told, and the console shows it overdue. */
    async escalateReport(o: ReportRef & { to: Assignee[]; dueAt: string }): Promise<void> {
      const report = await getReport(db, o);
      if (!report || report.state === 'sent' || report.state === 'waived') return;
      const label = reportLabel(report);
      for (const p of o.to) {
        await send({
          key: `report/${o.organisation}/${o.caseId}/${o.key}/overdue/${p.email.toLowerCase()}`,
          to: `${p.name} <${p.email}>`,
          subject: caseSubject(o.caseId, `【期限超過】${o.caseId} ${label}`),
          text: [
            `${p.name} 様（${p.title}）`,
            '',
            `${o.caseId} の${label}は期限（${formatJst(Date.parse(o.dueAt))}、${report.rule}）を過ぎましたが、まだ送付されていません。`,
            '直ちに報告書を承認して送付するか、報告しない理由を記録してください。',
            '',
            `状況: ${consoleUrl(o)}`,
            ...footer,
          ].join('\n'),
        });
      }
      await markEscalated(db, o, new Date());
      await audit({
        id: `report/${o.organisation}/${o.caseId}/${o.key}/overdue`,
        organisation: o.organisation,
        caseId: o.caseId,
        outcome: `${label}が期限を超過: ${o.to.map((p) => p.name).join('、')} に通知`,
        articles: await articlesOf(o),
        detail: { key: o.key, dueAt: o.dueAt },
      });
    },

    /** 報告不要・免除: the clock stops, with the reason and who decided it. */
    async recordReportWaived(o: ReportRef & { reason: string; by: { name: string; email: string }; at: string }): Promise<void> {
      const report = await getReport(db, o);
      await markReportWaived(db, o, { reason: o.reason, by: o.by, at: o.at });
      await audit({
        id: `report/${o.organisation}/${o.caseId}/${o.key}/waived`,
        organisation: o.organisation,
        caseId: o.caseId,
        actor: personActor(o.by),
        outcome: `${report ? reportLabel(report) : o.key}を要しないこととした（理由: ${o.reason}）`,
        articles: await articlesOf(o),
        detail: { key: o.key, reason: o.reason },
      });
    },
  };
}
