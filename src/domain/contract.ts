// 委託処理 (Procedure 3): the rules of contractor approval that do not depend on where a contract
// is stored or how long its workflow runs — the investigation checklist and the hard gate on the
// chief's approval (tokyo:23.2, tokyo:24.2, jlis:25.1, kunitachi:8), the contract clauses without
// which a contract cannot become active (tokyo:25, jlis:25.2), the periodic inspections over the
// contract's life and the corrective actions of their findings (tokyo:26, jlis:25.3), the changes
// that need approval again (tokyo:24.1, kunitachi:9.1), and what a department head's request must
// carry (tokyo:24.1). Pure: the workflows' Update validators, the pages and the API all call them.
import { ARTICLE_REF_PATTERN, ORGANISATION_KEY_PATTERN } from './articles';
import { boundedDuration, parseDuration } from './duration';
import { endOfJstDay } from './report-clocks';
import { canonical } from './canonical-json';
import { text } from './text';
import { z } from './zod';

const JST_MS = 9 * 3_600_000;

const articleRef = z.string().regex(ARTICLE_REF_PATTERN, {
  error: '条項参照の形式が正しくありません（例: tokyo:24.2、第25条第1号は tokyo:25..1）',
});
const label = z.strictObject({
  ja: z.string().trim().min(1, { error: '日本語の名称を書いてください' }),
  en: z.string().trim().min(1, { error: '英語の名称を書いてください' }),
});

/**
 * One item of a checklist (調査項目 or 契約書の記載事項). `mandatory` items gate the step: an
 * approval (investigation) or the contract's activation (clauses). Items without articles are the
 * organisation's own additions or the defaults (the step's articles in `profile.articles` cite them).
 */
export const contractChecklistItemSchema = z.strictObject({
  key: z.string().regex(/^[a-z][A-Za-z0-9]{0,47}$/, { error: '項目キーは英小文字で始まる英数字（camelCase）にしてください' }),
  label,
  mandatory: z.boolean().default(true),
  articles: z.array(articleRef).default([]),
});
export type ContractChecklistItem = z.infer<typeof contractChecklistItemSchema>;

const checklist = (what: string) =>
  z
    .array(contractChecklistItemSchema)
    .min(1, { error: `${what}を一つ以上定めてください` })
    .max(50)
    .superRefine((items, ctx) => {
      items.forEach((item, i) => {
        if (items.slice(0, i).some((x) => x.key === item.key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `項目キーが重複しています: ${item.key}` });
      });
    });

type ItemInput = z.input<typeof contractChecklistItemSchema>;
const item = (key: string, ja: string, en: string, mandatory = true): ItemInput => ({ key, label: { ja, en }, mandatory, articles: [] });

/**
 * The investigation by default: what the seed regulations ask to be checked, together — the
 * information-protection setup (tokyo:23.2: 「情報の保護に関する体制」; kunitachi:8: 「秘密保持等の
 * 措置及び体制等」; jlis:25.1: 「個人情報保護措置の実施状況等」) and whether the contractor can keep
 * what the contract will bind it to (tokyo:25, jlis:25.2). A profile's own list replaces it.
 */
export const DEFAULT_INVESTIGATION: readonly ItemInput[] = [
  item('protectionSystem', '情報の保護に関する体制（責任者・管理組織）', 'Information-protection organisation (responsible person, structure)'),
  item('confidentialityMeasures', '秘密保持の措置（従事者の誓約・守秘義務）', 'Confidentiality measures (staff undertakings)'),
  item('safeguards', '漏えい・滅失・き損・改ざん等の防止措置（アクセス制御・持出し防止）', 'Safeguards against leak, loss, damage and tampering (access control, no removal)'),
  item('workSiteSecurity', '作業場所の物理的な安全管理（入退室管理・施錠）', 'Physical security of the work site (entry control, locks)'),
  item('staffEducation', '従事者への教育・意識啓発', 'Staff education and awareness'),
  item('subcontractingControl', '再委託の有無と再委託先の管理', 'Subcontracting and control of subcontractors'),
  item('incidentReporting', '事故等の報告体制', 'Incident reporting line'),
  item('dataReturnDisposal', '資料の保管・返還・廃棄の方法', 'Storage, return and disposal of records'),
  item('certification', '第三者認証（ISMS・プライバシーマーク等）', 'Third-party certification (ISMS, PrivacyMark)', false),
];

/**
 * The contract clauses by default: tokyo:25 items 1-6 with what jlis:25.2 adds (安全確保, 教育,
 * 損害賠償, 法令の遵守). A profile's own list replaces it.
 */
export const DEFAULT_CLAUSES: readonly ItemInput[] = [
  item('subcontracting', '再委託の禁止又は制限に関する事項', 'Ban on or limits of subcontracting'),
  item('confidentiality', '情報の秘密保持に関する事項', 'Confidentiality'),
  item('purposeLimitation', '目的外使用の禁止に関する事項', 'No use outside the purpose'),
  item('noCopyingOrProvision', '資料の複製、複写及び第三者への提供の禁止に関する事項', 'No copying or provision to third parties'),
  item('dataHandling', '資料の保管、返還又は廃棄に関する事項', 'Storage, return or disposal of records'),
  item('incidentReporting', '事故等の報告に関する事項', 'Reporting of incidents'),
  item('safeguards', '本人確認情報の安全確保に関する事項', 'Safeguarding of identity information'),
  item('education', '意識の啓発及び教育に関する事項', 'Awareness and education'),
  item('damages', '損害賠償に関する事項', 'Damages'),
  item('legalCompliance', '法令の遵守に関する事項', 'Legal compliance'),
];

export const DEFAULT_INSPECTION = { intervalMonths: 12, articles: [] as string[] };
export const DEFAULT_CORRECTIVE_ACTION = { dueWithin: '30d', remindBefore: ['7d', '1d'], escalateAfter: '0d' };
export const DEFAULT_TASK_WINDOW = { respondWithin: '14d', remindBefore: ['3d'] };

/** The profile's `contracting` block (委託処理); every field has the default a municipality would choose. */
export const contractingPlanSchema = z.strictObject({
  /** 調査項目 (tokyo:23.2, jlis:25.1, kunitachi:8). */
  investigation: checklist('調査項目').default(() => DEFAULT_INVESTIGATION.map((i) => contractChecklistItemSchema.parse(i))),
  /** 契約書の記載事項 (tokyo:25, jlis:25.2). */
  clauses: checklist('契約書の記載事項').default(() => DEFAULT_CLAUSES.map((i) => contractChecklistItemSchema.parse(i))),
  /**
   * 定期検査 (tokyo:26, jlis:25.3). In calendar months, not days: a yearly inspection falls on
   * the same day of the year in Japan, leap years or not. On-demand inspections come on top.
   */
  inspection: z
    .strictObject({
      intervalMonths: z.number().int().min(1, { error: '検査の間隔は1か月以上にしてください' }).max(36, { error: '検査の間隔は36か月以下にしてください' }).default(12),
      articles: z.array(articleRef).default([]),
    })
    .default(() => ({ ...DEFAULT_INSPECTION, articles: [] })),
  /** 是正措置: a finding's corrective action, its deadline, reminders and escalation to the chief. */
  correctiveAction: z
    .strictObject({
      /** Due at the end of the Japan-time day this long after the finding (初日不算入, as report-clocks.ts counts). */
      dueWithin: boundedDuration({ min: '1d', max: '365d' }).default('30d'),
      /** Reminders to the action's owner before it is due. */
      remindBefore: z.array(boundedDuration({ min: '1h', max: '90d' })).max(5).default(['7d', '1d']),
      /** How long past due before the chief is told; `0d`: the moment it is overdue. */
      escalateAfter: boundedDuration({ min: '0s', max: '30d' }).default('0d'),
    })
    .default(() => ({ ...DEFAULT_CORRECTIVE_ACTION, remindBefore: [...DEFAULT_CORRECTIVE_ACTION.remindBefore] })),
  /**
   * How long each person has for a task of the procedure (the contractor's questionnaire, the
   * investigation, the chief's decision, the clauses, an inspection) before it moves to whoever
   * acts for them — or, for the contractor, before the investigation goes on without its answer.
   */
  taskWindow: z
    .strictObject({
      respondWithin: boundedDuration({ min: '1d', max: '90d' }).default('14d'),
      remindBefore: z.array(boundedDuration({ min: '1h', max: '60d' })).max(5).default(['3d']),
    })
    .default(() => ({ ...DEFAULT_TASK_WINDOW, remindBefore: [...DEFAULT_TASK_WINDOW.remindBefore] })),
});
export type ContractingPlan = z.infer<typeof contractingPlanSchema>;
export const DEFAULT_CONTRACTING_PLAN: ContractingPlan = contractingPlanSchema.parse({});

/** The organisation's contracting plan: its profile's `contracting` block, else the defaults. */
export const contractingPlanOf = (profile: { contracting?: ContractingPlan }): ContractingPlan => profile.contracting ?? DEFAULT_CONTRACTING_PLAN;

// ---- investigation and the hard gate (tokyo:24.2) -------------------------------------------------

/** What the system admin records for one investigation item: 該当 / 非該当 / 対象外. */
export const INVESTIGATION_ANSWERS = ['met', 'notMet', 'notApplicable'] as const;
export type InvestigationAnswer = (typeof INVESTIGATION_ANSWERS)[number];

export const INVESTIGATION_ANSWER_LABELS: Record<InvestigationAnswer, { ja: string; en: string }> = {
  met: { ja: '適合', en: 'Met' },
  notMet: { ja: '不適合', en: 'Not met' },
  notApplicable: { ja: '対象外', en: 'Not applicable' },
};

/** One recorded answer; `notApplicable` on a mandatory item must say why. */
export const investigationAnswerSchema = z
  .strictObject({
    answer: z.enum(INVESTIGATION_ANSWERS, { error: `調査結果は次のいずれかにしてください: ${INVESTIGATION_ANSWERS.join(', ')}` }),
    /** Why, or what was seen (a finding, a reason for 対象外). */
    note: text({ max: 2000, multiline: true, required: false }).optional(),
    /** Evidence ids (SHA-256 of stored attachments). */
    evidence: z.array(z.string().regex(/^[0-9a-f]{64}$/, { error: '証跡は SHA-256（16進64桁）で指定してください' })).max(20).default([]),
  });
export type InvestigationAnswerRecord = z.infer<typeof investigationAnswerSchema>;

export type BlockerReason = 'notMet' | 'unanswered' | 'notApplicableWithoutReason';

export const BLOCKER_REASON_LABELS: Record<BlockerReason, { ja: string; en: string }> = {
  notMet: { ja: '不適合', en: 'Not met' },
  unanswered: { ja: '未調査', en: 'Not yet investigated' },
  notApplicableWithoutReason: { ja: '対象外の理由がない', en: 'Not applicable without a reason' },
};

export interface ApprovalBlocker {
  key: string;
  label: { ja: string; en: string };
  articles: string[];
  reason: BlockerReason;
}

/** An answer as it may arrive at a validator: from the schema, or crafted. Anything else than the schema's values counts as unanswered. */
export type AnswerLike = { answer?: unknown; note?: unknown } | undefined | null;

/**
 * tokyo:24.2 「情報の保護に関する体制が適当と認められない場合には、前項の承認をしてはならない」:
 * the mandatory items that stand in the way of an approval — not met, not yet answered, or put
 * aside as 対象外 without a reason. Fails closed: an answer that is not exactly one of the schema's
 * values is unanswered. Non-mandatory items never block.
 */
export function approvalBlockers(checklist: readonly ContractChecklistItem[], answers: Readonly<Record<string, AnswerLike>>): ApprovalBlocker[] {
  const blockers: ApprovalBlocker[] = [];
  for (const i of checklist) {
    if (!i.mandatory) continue;
    const a = Object.prototype.hasOwnProperty.call(answers, i.key) ? answers[i.key] : undefined;
    const reason: BlockerReason | undefined =
      a?.answer === 'met'
        ? undefined
        : a?.answer === 'notMet'
          ? 'notMet'
          : a?.answer === 'notApplicable'
            ? typeof a.note === 'string' && a.note.trim() !== ''
              ? undefined
              : 'notApplicableWithoutReason'
            : 'unanswered';
    if (reason) blockers.push({ key: i.key, label: i.label, articles: i.articles, reason });
  }
  return blockers;
}

/** The chief's answers: 承認 / 不承認 / 差戻し (more investigation). */
export const CHIEF_ANSWERS = ['approve', 'refuse', 'sendBack'] as const;
export type ChiefAnswer = (typeof CHIEF_ANSWERS)[number];

export const CHIEF_ANSWER_LABELS: Record<ChiefAnswer, { ja: string; en: string }> = {
  approve: { ja: '承認', en: 'Approve' },
  refuse: { ja: '不承認', en: 'Refuse' },
  sendBack: { ja: '差戻し（再調査）', en: 'Send back for more investigation' },
};

/** tokyo:24.2: while any blocker exists the chief may only refuse or send back; approve only when none. */
export function allowedChiefAnswers(blockers: readonly unknown[]): ChiefAnswer[] {
  return blockers.length > 0 ? ['refuse', 'sendBack'] : ['approve', 'refuse', 'sendBack'];
}

/**
 * Why a chief's decision cannot be recorded (undefined: it can): an approval while blockers remain
 * (tokyo:24.2), a refusal or a sending back without reasons. The Update validator of the approval
 * workflow calls it with the blockers of the answers it holds, so no path records what it refuses.
 */
export function chiefDecisionProblem(decision: { answer: unknown; reasons?: unknown }, blockers: readonly ApprovalBlocker[], locale: 'ja' | 'en' = 'ja'): string | undefined {
  const ja = locale === 'ja';
  if (!(CHIEF_ANSWERS as readonly unknown[]).includes(decision.answer)) {
    return ja ? `判断は次のいずれかにしてください: ${CHIEF_ANSWERS.join(', ')}` : `The decision must be one of: ${CHIEF_ANSWERS.join(', ')}`;
  }
  if (!allowedChiefAnswers(blockers).includes(decision.answer as ChiefAnswer)) {
    return ja
      ? `必須の調査項目が満たされていないため承認できません（不承認又は差戻しのみ）: ${blockers.map((b) => `${b.label.ja}（${BLOCKER_REASON_LABELS[b.reason].ja}）`).join('、')}`
      : `Cannot approve while mandatory items are not satisfied (refuse or send back only): ${blockers.map((b) => `${b.label.en} (${BLOCKER_REASON_LABELS[b.reason].en})`).join(', ')}`;
  }
  if (decision.answer !== 'approve' && !(typeof decision.reasons === 'string' && decision.reasons.trim() !== '')) {
    if (decision.answer === 'refuse') return ja ? '不承認の理由を書いてください' : 'Give the reasons for the refusal';
    return ja ? '差戻しの理由（追加で調査する事項）を書いてください' : 'Say what is to be investigated further';
  }
  return undefined;
}

// ---- contract clauses (tokyo:25, jlis:25.2) --------------------------------------------------------

/** Where a clause is in the contract: its page, or stored evidence (SHA-256), or both. */
export const clauseEvidenceSchema = z
  .strictObject({
    page: z.number().int().min(1, { error: '頁は1以上にしてください' }).max(9999).optional(),
    /** The article of the contract that carries it, e.g. 第12条. */
    section: text({ max: 100, required: false }).optional(),
    evidence: z.string().regex(/^[0-9a-f]{64}$/, { error: '証跡は SHA-256（16進64桁）で指定してください' }).optional(),
  })
  .refine((c) => c.page !== undefined || c.evidence !== undefined, { error: '契約書の頁か証跡のどちらかを指定してください' });
export type ClauseEvidence = z.infer<typeof clauseEvidenceSchema>;

/**
 * tokyo:25 「契約書には…次に掲げる事項を明記しなければならない」, jlis:25.2 「…事項を委託先事業者と
 * 取り交わすものとする」: the mandatory clauses that point at no page and no evidence. The contract
 * becomes active only when this is empty.
 */
export function missingClauses(plan: Pick<ContractingPlan, 'clauses'>, clauseEvidence: Readonly<Record<string, { page?: unknown; evidence?: unknown } | undefined | null>>): ContractChecklistItem[] {
  return plan.clauses.filter((c) => {
    if (!c.mandatory) return false;
    const e = Object.prototype.hasOwnProperty.call(clauseEvidence, c.key) ? clauseEvidence[c.key] : undefined;
    const page = Number.isInteger(e?.page) && (e!.page as number) >= 1;
    const evidence = typeof e?.evidence === 'string' && /^[0-9a-f]{64}$/.test(e.evidence);
    return !page && !evidence;
  });
}

// ---- periodic inspections and corrective actions (tokyo:26, jlis:25.3) -------------------------

export interface InspectionDate {
  /** 1 for the first periodic inspection. */
  n: number;
  /** The day in Japan, YYYY-MM-DD. */
  date: string;
  /** 09:00 of that day in Japan: when the inspection task opens. */
  at: Date;
}

/** The hour of the day (Japan) an inspection opens. */
export const INSPECTION_HOUR = 9;

const civil = (at: Date) => {
  const l = new Date(at.getTime() + JST_MS);
  return { y: l.getUTCFullYear(), m: l.getUTCMonth(), d: l.getUTCDate() };
};

/** `months` calendar months after a day; the 31st becomes the last day of a shorter month. */
function addMonths(day: { y: number; m: number; d: number }, months: number) {
  const total = day.y * 12 + day.m + months;
  const y = Math.floor(total / 12);
  const m = total % 12;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return { y, m, d: Math.min(day.d, last) };
}

const isoDay = (d: { y: number; m: number; d: number }) => `${d.y}-${String(d.m + 1).padStart(2, '0')}-${String(d.d).padStart(2, '0')}`;

/**
 * tokyo:26 「受託者におけるセキュリティ対策の実施状況について検査する」, jlis:25.3 「適切な監督を行う」:
 * the periodic inspections over a contract's life, every `intervalMonths` counted from the day the
 * contract starts in Japan, each strictly before its end (at the end, the end procedure checks
 * instead). Counted from the start each time, so a 31 January start stays on the 31st when it can.
 */
export function inspectionSchedule(plan: Pick<ContractingPlan, 'inspection'>, contract: { startsAt: Date; endsAt: Date }): InspectionDate[] {
  const start = civil(contract.startsAt);
  const out: InspectionDate[] = [];
  for (let n = 1; ; n++) {
    const day = addMonths(start, n * plan.inspection.intervalMonths);
    const at = new Date(Date.UTC(day.y, day.m, day.d, INSPECTION_HOUR) - JST_MS);
    if (at.getTime() >= contract.endsAt.getTime()) return out;
    out.push({ n, date: isoDay(day), at });
  }
}

/** The next periodic inspection strictly after `after`, if the contract has one left. */
export function nextInspection(plan: Pick<ContractingPlan, 'inspection'>, contract: { startsAt: Date; endsAt: Date }, after: Date): InspectionDate | undefined {
  return inspectionSchedule(plan, contract).find((i) => i.at.getTime() > after.getTime());
}

/**
 * A finding's corrective action (是正措置): due at the end of the Japan-time day `dueWithin` after
 * the finding, reminders before it (those that would fall before the finding dropped), and the
 * moment it escalates to the chief as overdue.
 */
export function correctiveActionTimeline(plan: Pick<ContractingPlan, 'correctiveAction'>, foundAt: Date): { dueAt: Date; reminders: Date[]; escalateAt: Date } {
  const ca = plan.correctiveAction;
  const due = endOfJstDay(foundAt.getTime() + parseDuration(ca.dueWithin)!);
  const reminders = [...new Set(ca.remindBefore.map((d) => due - parseDuration(d)!).filter((t) => t > foundAt.getTime()))].sort((a, b) => a - b).map((t) => new Date(t));
  return { dueAt: new Date(due), reminders, escalateAt: new Date(due + parseDuration(ca.escalateAfter)!) };
}

// ---- the request (tokyo:24.1) ---------------------------------------------------------------------

/** 法人番号: 13 digits, the first a check digit over the other twelve (9 − Σ digit × (1, 2 alternating from the right) mod 9, as 国税庁 publishes it). */
export function isCorporateNumber(s: string): boolean {
  if (!/^[1-9]\d{12}$/.test(s)) return false;
  const base = s.slice(1);
  let sum = 0;
  for (let n = 1; n <= 12; n++) sum += Number(base[12 - n]) * (n % 2 === 1 ? 1 : 2);
  return Number(s[0]) === 9 - (sum % 9);
}

const field = (labelJa: string, max: number, multiline = false) => text({ max, multiline, required: `${labelJa}を入力してください` });
const email = (labelJa: string) => z.email({ error: `${labelJa}のメールアドレスが正しくありません` });
const corporateNumber = z.string().refine(isCorporateNumber, { error: '法人番号は13桁の数字で、先頭の検査用数字が合うものにしてください' });
const isoDate = (labelJa: string) =>
  z.iso.date({ error: `${labelJa}は YYYY-MM-DD で書いてください` });

/** 作業場所の種別: the organisation's own premises, the contractor's, a data centre, or elsewhere. */
export const WORK_SITE_KINDS = ['ownPremises', 'contractorPremises', 'dataCentre', 'other'] as const;
export const WORK_SITE_KIND_LABELS: Record<(typeof WORK_SITE_KINDS)[number], { ja: string; en: string }> = {
  ownPremises: { ja: '庁舎内', en: 'Our premises' },
  contractorPremises: { ja: '受託者の事業所', en: "Contractor's premises" },
  dataCentre: { ja: 'データセンター', en: 'Data centre' },
  other: { ja: 'その他', en: 'Other' },
};

const workSite = z.strictObject({
  kind: z.enum(WORK_SITE_KINDS, { error: `作業場所の種別は次のいずれかにしてください: ${WORK_SITE_KINDS.join(', ')}` }),
  address: field('作業場所の所在地', 200),
  description: text({ max: 1000, multiline: true, required: false }).optional(),
});

/** How many persons' records a contract may involve at most (more than Japan's population is a typo). */
export const DATA_VOLUME_MAX = 200_000_000;

/** The longest contract period accepted (the end day must come before the same day so many years on). */
export const CONTRACT_YEARS_MAX = 10;

/** A department head's request for a contract (委託処理の承認申請, tokyo:24.1). */
export const contractRequestSchema = z
  .strictObject({
    organisation: z.string().regex(ORGANISATION_KEY_PATTERN, { error: '組織キーが正しくありません' }),
    contractor: z.strictObject({
      name: field('委託先の名称', 200),
      corporateNumber: corporateNumber.optional(),
      address: field('委託先の所在地', 200),
      /** The contractor's person answering the questionnaire (its link is sent here). */
      contact: z.strictObject({
        name: field('委託先担当者の氏名', 100),
        email: email('委託先担当者'),
      }),
    }),
    /** 委託する業務の内容及び範囲 (tokyo:24.1). */
    business: z.strictObject({
      content: field('委託する業務の内容', 4000, true),
      scope: field('委託する業務の範囲', 4000, true),
    }),
    /** The data the contractor will handle. */
    data: z.strictObject({
      /** 本人確認情報（住基法第30条の6）を取り扱うか. */
      identityInformation: z.boolean({ error: '本人確認情報を取り扱うかどうか（true / false）を指定してください' }),
      /** 取り扱う情報の項目, e.g. 氏名, 住所. */
      items: z.array(field('取り扱う情報の項目', 100)).max(50).default([]),
      /** 件数: how many persons' records, at most. */
      volume: z.number({ error: '取り扱う件数を数値で指定してください' }).int({ error: '取り扱う件数は整数にしてください' }).min(0, { error: '取り扱う件数は0以上にしてください' }).max(DATA_VOLUME_MAX, { error: '取り扱う件数が大きすぎます' }),
    }),
    /** 委託する理由 (tokyo:24.1). */
    reason: field('委託する理由', 4000, true),
    /** 情報の保護に関する事項: the contractor's protection measures (tokyo:24.1). */
    protectionMeasures: field('情報の保護に関する措置', 4000, true),
    workSite,
    /** 従事者 */
    staff: z
      .array(
        z.strictObject({
          name: field('従事者の氏名', 100),
          role: field('従事者の役割', 100),
          email: email('従事者').optional(),
        }),
      )
      .min(1, { error: '従事者を一人以上書いてください' })
      .max(200, { error: '従事者は200人までです' }),
    /**
     * 再委託先, a chain: each names by `via` whom it works for — the contractor or a subcontractor
     * listed before it (kunitachi:9.1: a sub-subcontractor is a 受託者 too). Each link is approved.
     */
    subcontractors: z
      .array(
        z.strictObject({
          name: field('再委託先の名称', 200),
          corporateNumber: corporateNumber.optional(),
          via: field('再委託元（委託先又は先に書いた再委託先の名称）', 200),
          business: field('再委託する業務の内容', 2000, true),
          workSite: workSite.optional(),
        }),
      )
      .max(20, { error: '再委託先は20までです' })
      .default([]),
    /** 契約期間, days in Japan, both included. */
    // Checked on its own, so a form shows a wrong period together with the other fields' problems.
    period: z
      .strictObject({
        startsOn: isoDate('契約期間の開始日'),
        endsOn: isoDate('契約期間の終了日'),
      })
      .superRefine((p, ctx) => {
        if (p.startsOn >= p.endsOn) {
          ctx.addIssue({ code: 'custom', path: ['endsOn'], message: '契約期間の終了日は開始日より後にしてください' });
        } else if (p.endsOn >= `${Number(p.startsOn.slice(0, 4)) + CONTRACT_YEARS_MAX}${p.startsOn.slice(4)}`) {
          ctx.addIssue({ code: 'custom', path: ['endsOn'], message: `契約期間は${CONTRACT_YEARS_MAX}年以内にしてください` });
        }
      }),
  })
  .superRefine(
    (r, ctx) => chainProblems(r.contractor.name, r.subcontractors).forEach((p) => ctx.addIssue({ code: 'custom', path: ['subcontractors', p.index, p.field], message: p.message })),
    // Also beside other fields' problems, as long as the names it compares are there (an empty
    // text field aborts the parse in zod, and the chain is then reported once that is fixed).
    { when: (payload) => chainReadable(payload.value) },
  );

/** Whether the chain's names can be compared: the contractor's name and each link's name and `via` are strings. */
function chainReadable(v: unknown): boolean {
  const r = v as { contractor?: { name?: unknown }; subcontractors?: unknown } | undefined;
  return typeof r?.contractor?.name === 'string' && Array.isArray(r.subcontractors) && r.subcontractors.every((s: { name?: unknown; via?: unknown } | null) => typeof s?.name === 'string' && typeof s?.via === 'string');
}
export type ContractRequest = z.output<typeof contractRequestSchema>;

/** What is wrong with a subcontractor chain: a link whose `via` is nobody before it, a name twice. */
export function chainProblems(contractorName: string, subs: ReadonlyArray<{ name: string; via: string }>): Array<{ index: number; field: 'name' | 'via'; message: string }> {
  const out: Array<{ index: number; field: 'name' | 'via'; message: string }> = [];
  const known = [contractorName];
  subs.forEach((s, i) => {
    if (known.includes(s.name)) out.push({ index: i, field: 'name', message: `再委託先の名称が重複しています: ${s.name}` });
    if (!known.includes(s.via)) out.push({ index: i, field: 'via', message: `再委託元は委託先か、先に書いた再委託先にしてください: ${s.via}` });
    known.push(s.name);
  });
  return out;
}

/** The contract period as instants: from 00:00 of the first day to 24:00 of the last, Japan time. */
export function contractPeriod(period: { startsOn: string; endsOn: string }): { startsAt: Date; endsAt: Date } {
  const at = (day: string) => Date.parse(`${day}T00:00:00+09:00`);
  return { startsAt: new Date(at(period.startsOn)), endsAt: new Date(at(period.endsOn) + 86_400_000) };
}

// ---- change (tokyo:24.1, kunitachi:9.1) -----------------------------------------------------------

/** What a change may touch; each changed scope needs approval again and is suspended until then. */
export const CONTRACT_SCOPES = ['content', 'staff', 'subcontractors', 'site', 'data'] as const;
export type ContractScope = (typeof CONTRACT_SCOPES)[number];

export const CONTRACT_SCOPE_LABELS: Record<ContractScope, { ja: string; en: string }> = {
  content: { ja: '委託の内容・範囲・理由・保護措置・期間', en: 'Content, scope, reason, protection measures, period' },
  staff: { ja: '従事者', en: 'Staff' },
  subcontractors: { ja: '再委託先', en: 'Subcontractors' },
  site: { ja: '作業場所', en: 'Work site' },
  data: { ja: '取り扱う情報', en: 'Data involved' },
};

/** A contract's approved content, as the request gave it (or as a change request gives it anew). */
export type ContractTerms = Pick<ContractRequest, 'contractor' | 'business' | 'data' | 'reason' | 'protectionMeasures' | 'workSite' | 'staff' | 'subcontractors' | 'period'>;

/** A list whose order carries no meaning (staff, subcontractors, data items). */
const asSet = (list: readonly unknown[]) => canonical(list.map(canonical).sort());

/**
 * tokyo:24.1 「委託処理の内容を変更しようとするときは…その承認を得なければならない」: the scopes a
 * change touches, in the order of CONTRACT_SCOPES; each is approved again and suspended meanwhile.
 * What tokyo:24.1 names for approval — content, scope, reason, protection measures — and the
 * period and the contractor's details are `content`. The order of lists is no change.
 */
export function changedScopes(before: ContractTerms, after: ContractTerms): ContractScope[] {
  const content = (t: ContractTerms) => canonical({ contractor: t.contractor, business: t.business, reason: t.reason, protectionMeasures: t.protectionMeasures, period: t.period });
  const changed: Record<ContractScope, boolean> = {
    content: content(before) !== content(after),
    staff: asSet(before.staff) !== asSet(after.staff),
    subcontractors: asSet(before.subcontractors) !== asSet(after.subcontractors),
    site: canonical(before.workSite) !== canonical(after.workSite),
    data: canonical({ ...before.data, items: asSet(before.data.items) }) !== canonical({ ...after.data, items: asSet(after.data.items) }),
  };
  return CONTRACT_SCOPES.filter((s) => changed[s]);
}

/** The subcontractor links a change adds or alters (by name): each needs its own approval (kunitachi:9.1). */
export function changedSubcontractors(before: ContractTerms, after: ContractTerms): string[] {
  const was = new Map(before.subcontractors.map((s) => [s.name, canonical(s)]));
  return after.subcontractors.filter((s) => was.get(s.name) !== canonical(s)).map((s) => s.name);
}
