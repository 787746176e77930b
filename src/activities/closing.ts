// Activities of recovery and close: record a task assigned to a section and its result, gather the
// case's obligations, and issue the final report (PDF) to the executive. Each is idempotent: a
// retry finds its row, its document and its mail already there.
import type { Kysely } from 'kysely';
import { caseSubject } from '../domain/incidents';
import { drillRecipients } from '../domain/drill';
import { appendAudit, auditTrail } from '../db/audit';
import { finishRecoveryTask, insertCaseDocument, insertRecoveryTask, listCaseDocuments, listRecoveryTasks, listWaivers } from '../db/closing';
import { getIncident } from '../db/incidents';
import { getOrganisation } from '../db/organisations';
import type { Database } from '../db/schema';
import { finalReportDocument, finalReportFileName } from '../documents/final-report';
import { type JapaneseFont, renderPdf, resolveJapaneseFont, sha256Hex } from '../documents/pdf';
import { closingArticles, FINAL_REPORT_KEY, finalReportAddressee, RECOVERY_TASK_LABELS } from '../domain/closing';
import type { Obligation } from '../domain/obligations';
import { gatherObligations } from '../closing/obligations';
import { type MailTransport, sendMailOnce } from '../mail';
import type { SigningKey } from '../tokens';
import type { AssignRecoveryTaskInput } from '../workflows/messages';

export interface ClosingActivityDeps {
  db: Kysely<Database>;
  mail: MailTransport;
  mailFrom: string;
  auditMacKeys: readonly SigningKey[];
  /** The font the final report embeds (PDF_FONT_PATH or the system's). */
  pdfFont?: () => JapaneseFont;
}

type CaseRef = { organisation: string; caseId: string };

/** A task as assigned (the Update's input, the commander as `assignedBy`), numbered within its case. */
export interface RecoveryTaskRecord extends CaseRef, Omit<AssignRecoveryTaskInput, 'by'> {
  n: number;
  assignedBy: { name: string; email: string };
  workflowId: string;
}

export interface FinalReportIssued {
  documentId: string;
  filename: string;
  sha256: string;
  size: number;
  recipients: string[];
}

const person = (p: { name: string; email: string }) => `${p.name} <${p.email}>`;

export function createClosingActivities(deps: ClosingActivityDeps) {
  const { db } = deps;
  const audit = (e: Parameters<typeof appendAudit>[1]) => appendAudit(db, e, deps.auditMacKeys[0]);
  const profileOf = async (organisation: string) => {
    const p = await getOrganisation(db, organisation);
    if (!p) throw new Error(`organisation ${organisation} is not loaded`);
    return p;
  };

  return {
    /** Records the task the commander assigned to a section, and the audit row naming section, person and due date. */
    async recordRecoveryTask(t: RecoveryTaskRecord): Promise<void> {
      const profile = await profileOf(t.organisation);
      const kind = RECOVERY_TASK_LABELS[t.kind];
      await insertRecoveryTask(db, { ...t, dueAt: new Date(t.dueAt), assignedBy: person(t.assignedBy) });
      await audit({
        id: `${t.workflowId}/assigned`,
        at: new Date(),
        caseId: t.caseId,
        organisation: t.organisation,
        actor: person(t.assignedBy),
        step: kind.step,
        outcome: `${kind.ja}を${t.section}（${t.assignee.name}）に指示: ${t.title}（期限 ${t.dueAt}）`,
        articles: profile.articles[kind.step] ?? [],
        detail: { n: t.n, kind: t.kind, section: t.section, assignee: t.assignee, dueAt: t.dueAt, detail: t.detail },
      });
    },

    /**
     * The section reported its result (or the task was withdrawn at close): recorded, and the result
     * carried into the reports' items (原因 / 再発防止のための措置) through `reportItems`.
     */
    async finishRecoveryTask(o: CaseRef & { n: number; workflowId: string; state: 'DONE' | 'WITHDRAWN'; result?: string; by?: { name: string; email: string }; at: string }): Promise<void> {
      const profile = await profileOf(o.organisation);
      const task = (await listRecoveryTasks(db, o)).find((t) => t.n === o.n);
      if (!task) throw new Error(`recovery task ${o.n} of ${o.caseId} not found`);
      const kind = RECOVERY_TASK_LABELS[task.kind];
      await finishRecoveryTask(db, o, { state: o.state, ...(o.result !== undefined ? { result: o.result } : {}), at: new Date(o.at) });
      await audit({
        id: `${o.workflowId}/${o.state === 'DONE' ? 'done' : 'withdrawn'}`,
        at: new Date(o.at),
        caseId: o.caseId,
        organisation: o.organisation,
        actor: o.by ? person(o.by) : 'system',
        step: kind.step,
        outcome: o.state === 'DONE' ? `${kind.ja}完了（${task.section}）: ${task.title}${o.result ? ` — ${o.result}` : ''}` : `${kind.ja}を取下げ（終結のため）: ${task.title}`,
        articles: profile.articles[kind.step] ?? [],
        detail: { n: o.n, state: o.state, ...(o.state === 'DONE' && o.result ? { reportItems: { [kind.reportItem]: o.result } } : {}) },
      });
    },

    /** Every obligation of the case, with waivers applied. */
    async gatherCaseObligations(o: CaseRef): Promise<Obligation[]> {
      return gatherObligations(db, { ...o, profile: await profileOf(o.organisation) });
    },

    /** The waivers of the case, for the closing audit row. */
    async listCaseWaivers(o: CaseRef): Promise<Array<{ key: string; reason: string; waivedBy: string; waivedAt: string }>> {
      return (await listWaivers(db, o)).map((w) => ({ key: w.key, reason: w.reason, waivedBy: w.waived_by, waivedAt: w.waived_at.toISOString() }));
    },

    /**
     * 最終報告: renders the final report from the trail, keeps it with its SHA-256, emails it to the
     * profile's executive report target, and records the audit row with the hash. The edition's
     * document id is fixed by the workflow, so a retry keeps and sends the first rendering.
     */
    async issueFinalReport(o: CaseRef & { edition: number; by: { name: string; email: string }; at: string }): Promise<FinalReportIssued> {
      const profile = await profileOf(o.organisation);
      const incident = await getIncident(db, o.organisation, o.caseId);
      if (!incident) throw new Error(`incident ${o.organisation}/${o.caseId} not found`);
      const documentId = `${o.organisation}/${o.caseId}/final-report/${o.edition}`;
      const names = finalReportFileName(o.caseId, o.edition);
      if (!(await listCaseDocuments(db, o)).some((d) => d.id === documentId)) {
        const [timeline, tasks] = await Promise.all([auditTrail(db, o.organisation, o.caseId), listRecoveryTasks(db, o)]);
        const font = (deps.pdfFont ?? (() => resolveJapaneseFont()))();
        const pdf = await renderPdf(finalReportDocument({ incident, timeline, profile, tasks, edition: o.edition, generatedAt: new Date(o.at) }), font);
        await insertCaseDocument(db, { ...o, id: documentId, kind: 'final-report', filename: names.filename, mediaType: 'application/pdf', bytes: pdf, sha256: sha256Hex(pdf), at: new Date(o.at) });
      }
      const doc = (await db.selectFrom('case_documents').selectAll().where('id', '=', documentId).executeTakeFirstOrThrow());
      const executive = finalReportAddressee(profile);
      // A drill's final report goes to its participants, like its other reports.
      const recipients = incident.drill ? drillRecipients(incident.drill, incident.detected_by) : executive.contacts;
      for (const c of recipients) {
        await sendMailOnce(db, deps.mail, deps.mailFrom, {
          key: `${documentId}/${c.email.toLowerCase()}`,
          to: person(c),
          subject: caseSubject(o.caseId, `最終報告書（${o.caseId}）${o.edition > 1 ? `第${o.edition}版` : ''}`),
          text: [
            `${executive.name} ${c.name} 様`.trim(),
            '',
            `${profile.organisation.name}の${o.caseId}について、復旧及び再発防止の措置を最終報告書（添付 PDF）のとおり報告します。`,
            `SHA-256: ${doc.sha256}`,
            '',
            '-- ',
            'jukinet-ops（住基ネット セキュリティ手続）',
          ].join('\n'),
          attachments: [{ filename: names.filename, content: Buffer.from(doc.bytes), contentType: 'application/pdf' }],
        });
      }
      await audit({
        id: `${documentId}/sent`,
        at: new Date(),
        caseId: o.caseId,
        organisation: o.organisation,
        actor: person(o.by),
        step: 'emergency.close',
        outcome: `最終報告書${o.edition > 1 ? `（第${o.edition}版）` : ''}を${executive.name || '（宛先なし）'}に送付（SHA-256 ${doc.sha256.slice(0, 12)}…）`,
        articles: [...new Set([...closingArticles(profile), ...executive.articles])],
        detail: { obligation: FINAL_REPORT_KEY, documentId, filename: names.filename, sha256: doc.sha256, size: doc.size, recipients: recipients.map((r) => r.email) },
      });
      return { documentId, filename: names.filename, sha256: doc.sha256, size: doc.size, recipients: recipients.map((r) => r.email) };
    },
  };
}
