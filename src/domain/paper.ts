// Paper mode (紙による運用): when the orchestrator itself is cut off with Juki-net, the plan is
// run from a printed copy, and what was done is entered afterwards with the real times, so the
// case's record is complete. This module holds the pure part: the emergency plan's steps in the
// order the printed checklist follows, their names, and the rules an entry from paper must meet.
//
// An entry from paper becomes an audit row written when it is entered (the chain is append-only
// and its `at` is when the row was recorded); the moment the step really happened is kept in the
// row's detail (`detail.paper.occurredAt`), and the case's timeline is ordered by it.
import { ARTICLE_REF_PATTERN, parseArticleRef } from './articles';
import type { OrganisationProfile } from './profile';
import type { ProcedureStep } from './procedures';
import { text } from './text';
import { z } from './zod';

/** The emergency plan's steps as the printed checklist follows them (Procedure 1 of DOMAIN.md). */
export const EMERGENCY_PLAN_STEPS = [
  'emergency.detect',
  'emergency.instruct',
  'emergency.conveneCouncil',
  'emergency.contain',
  'emergency.report',
  'emergency.notifyPersons',
  'emergency.reconnect',
  'emergency.recover',
  'emergency.preventRecurrence',
  'emergency.close',
] as const satisfies readonly ProcedureStep[];
export type EmergencyPlanStep = (typeof EMERGENCY_PLAN_STEPS)[number];

/** Each step's name, and what it asks for, as the printed plan and the entry form say it. */
export const EMERGENCY_STEP_LABELS: Record<EmergencyPlanStep, { ja: string; en: string; todo: string }> = {
  'emergency.detect': { ja: '検知・記録', en: 'Detect and record', todo: '誰が・いつ・何を見たかを記録し、種別と脅威度を判断する。覚知の日時を記録する。' },
  'emergency.instruct': { ja: '指示', en: 'Instruct', todo: '首長（又は定めた者）が統括責任者に状況の把握と必要な措置を指示する。' },
  'emergency.conveneCouncil': { ja: '会議招集', en: 'Convene the council', todo: '会議の構成員に連絡し出欠を確認する。議長不在時は代理者が務める。重大な脅威は会議の審議を経る。' },
  'emergency.contain': { ja: '切離し（封じ込め）', en: 'Contain (disconnect)', todo: '定めた者の判断で住基ネットを切り離し、又はシステムの全部若しくは一部を停止する。切れたことを確認する。' },
  'emergency.report': { ja: '報告', en: 'Report', todo: '首長、都道府県、機構（J-LIS）、漏えい等の場合は個人情報保護委員会に、期限内に報告する。' },
  'emergency.notifyPersons': { ja: '本人通知・公表', en: 'Notify the persons concerned', todo: '本人に遅滞なく通知し、又は公表する。' },
  'emergency.reconnect': { ja: '再接続', en: 'Reconnect', todo: '承認を得て再接続し、つながったことを確認する。' },
  'emergency.recover': { ja: '復旧', en: 'Recover', todo: '必要に応じバックアップから復元し、正常に動作することを確認する。' },
  'emergency.preventRecurrence': { ja: '再発防止', en: 'Prevent recurrence', todo: '原因を分析し、再発防止策を担当課に期限を付けて指示する。' },
  'emergency.close': { ja: '終結', en: 'Close', todo: '最終報告を行い、証拠を保存して終結する。年次の運用状況報告に計上する。' },
};

export const stepLabel = (step: string, locale: 'ja' | 'en' = 'ja'): string => EMERGENCY_STEP_LABELS[step as EmergencyPlanStep]?.[locale] ?? step;

/** How far ahead of this server's clock an entered time may be (a watch a little fast). */
export const PAPER_CLOCK_SKEW_MS = 5 * 60_000;
/** One entry at most: a day of work on paper is a few dozen lines. */
export const MAX_PAPER_RECORDS = 200;

const articleRef = z.string().regex(ARTICLE_REF_PATTERN, { error: '条項参照の形式が正しくありません（例: kunitachi:10.1、規程外の法令は law:個人情報保護法:68.1）' });

/** One line of the paper log, as it is entered. */
export const paperRecordSchema = z.strictObject({
  step: z.enum(EMERGENCY_PLAN_STEPS, { error: `次のいずれかにしてください: ${EMERGENCY_PLAN_STEPS.join(', ')}` }),
  /** When it really happened, as the paper says (ISO 8601 with its offset). */
  occurredAt: z.iso.datetime({ offset: true, error: 'ISO 8601 の日時にしてください（例: 2026-12-01T10:15:00+09:00）' }),
  /** Who did it, as written on paper (a name, a position). */
  actor: text({ max: 100 }),
  what: text({ max: 2000, multiline: true }),
  /** The articles the step rests on; the profile's for the step when absent. */
  articles: z.array(articleRef).min(1).max(20).optional(),
});
export type PaperRecordInput = z.output<typeof paperRecordSchema>;

export const paperRecordsBodySchema = z.strictObject({
  records: z.array(paperRecordSchema).min(1, { error: '記録を一行以上入力してください' }).max(MAX_PAPER_RECORDS),
  /** The caller's idempotency key: the same entry sent twice is written once. */
  submissionId: z.uuid({ error: 'UUID にしてください' }).optional(),
});
export type PaperRecordsBody = z.output<typeof paperRecordsBodySchema>;

export interface PaperRecordContext {
  profile: Pick<OrganisationProfile, 'organisation' | 'articles'>;
  /** 検知: nothing of the case happened before it. */
  detectedAt: Date;
  /** 覚知: every step but the detection itself follows it. */
  awareAt: Date;
  now: Date;
}

export interface PaperIssue {
  /** `records[2].occurredAt` */
  path: PropertyKey[];
  message: string;
}

const jst = (d: Date) => new Date(d.getTime() + 9 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

/**
 * What the case's own facts forbid, line by line: a time in the future; a time before the
 * detection (for the detection itself) or before the awareness (覚知, for every other step: the
 * organisation cannot have acted on what it did not yet know); an article of another
 * organisation's regulation. Empty when every line may be written.
 */
export function checkPaperRecords(records: readonly PaperRecordInput[], ctx: PaperRecordContext): PaperIssue[] {
  const issues: PaperIssue[] = [];
  records.forEach((r, i) => {
    const at = Date.parse(r.occurredAt);
    if (at > ctx.now.getTime() + PAPER_CLOCK_SKEW_MS) {
      issues.push({ path: ['records', i, 'occurredAt'], message: '未来の日時は入力できません' });
    } else if (r.step === 'emergency.detect' ? at < ctx.detectedAt.getTime() : at < ctx.awareAt.getTime()) {
      issues.push({
        path: ['records', i, 'occurredAt'],
        message:
          r.step === 'emergency.detect'
            ? `検知の日時（${jst(ctx.detectedAt)}）より前です`
            : `覚知の日時（${jst(ctx.awareAt)}）より前です（検知・記録の手順だけが覚知より前にできます）`,
      });
    }
    r.articles?.forEach((ref, j) => {
      const org = parseArticleRef(ref)?.organisation;
      if (org !== undefined && org !== ctx.profile.organisation.key) {
        issues.push({ path: ['records', i, 'articles', j], message: `他の組織の規程は参照できません: ${ref}` });
      }
    });
  });
  return issues;
}

/** The articles a line cites: its own, else the profile's for its step (none when the profile names none). */
export function paperRecordArticles(r: Pick<PaperRecordInput, 'step' | 'articles'>, profile: Pick<OrganisationProfile, 'articles'>): string[] {
  return r.articles ?? profile.articles[r.step] ?? [];
}

/** What an audit row entered from paper carries in its detail. */
export interface PaperDetail {
  /** When it really happened (ISO 8601). */
  occurredAt: string;
  /** Who entered it, and when. */
  enteredBy: { name: string; email: string };
  enteredAt: string;
  submissionId: string;
  /** The line's place in its entry, from 0. */
  line: number;
}

/** The paper detail of an audit row, when it was entered from paper. */
export function paperDetailOf(row: { detail?: Record<string, unknown> }): PaperDetail | undefined {
  const p = (row.detail as { paper?: unknown } | undefined)?.paper;
  if (!p || typeof p !== 'object') return undefined;
  const d = p as Partial<PaperDetail>;
  return typeof d.occurredAt === 'string' && !Number.isNaN(Date.parse(d.occurredAt)) ? (d as PaperDetail) : undefined;
}

/** When the step of a row really happened: the paper's time for a row entered from paper, else when it was recorded. */
export function occurredAt(row: { at: Date; detail?: Record<string, unknown> }): Date {
  const p = paperDetailOf(row);
  return p ? new Date(p.occurredAt) : row.at;
}

/**
 * The case's timeline in the order things happened: the rows the system recorded keep their order
 * (the chain's, by seq), and each row entered from paper is placed among them at its real time —
 * after every system row recorded at or before that moment. Rows from paper of the same moment
 * keep the order they were entered in.
 */
export function timelineOrder<T extends { seq: number; at: Date; detail?: Record<string, unknown> }>(rows: readonly T[]): T[] {
  const bySeq = [...rows].sort((a, b) => a.seq - b.seq);
  const system = bySeq.filter((r) => !paperDetailOf(r));
  const paper = bySeq.filter((r) => paperDetailOf(r)).sort((a, b) => occurredAt(a).getTime() - occurredAt(b).getTime() || a.seq - b.seq);
  const out: T[] = [];
  let p = 0;
  for (const r of system) {
    while (p < paper.length && occurredAt(paper[p]).getTime() < r.at.getTime()) out.push(paper[p++]);
    out.push(r);
  }
  return [...out, ...paper.slice(p)];
}

/** The audit row's outcome for a line from paper: marked, so every reader of the log sees where it came from. */
export const paperOutcome = (what: string) => `【紙の記録】${what}`;
