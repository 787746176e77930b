// The organisation profile (組織プロファイル): one file per organisation binds the role keys of
// DOMAIN.md to positions and people, names the council, the contacts, the report targets, the
// response windows, the threat-level scale and the articles each procedure step rests on.
// Every object is strict, so a misspelt key is reported instead of silently ignored.
import { z } from './zod';
import { ARTICLE_REF_PATTERN, ORGANISATION_KEY_PATTERN, parseArticleRef } from './articles';
import { WEEKDAYS } from './calendar';
import { boundedDuration, DURATION_BOUNDS, parseDuration } from './duration';
import { PROCEDURE_STEPS } from './procedures';
import { REQUIRED_ROLES, ROLE_KEYS, SINGLE_HOLDER_ROLES } from './roles';
import { THREAT_LEVEL_RANGE } from './incidents';
import { DEFAULT_PASSWORD_RULE_SET, PASSWORD_RULE_SET_NAMES, type PasswordRuleSetName } from './password-policy';
import { reviewPlanSchema } from './review';
import { contractingPlanSchema } from './contract';

const text = z.string().trim().min(1, { error: '空にできません' });
const roleKey = z.enum(ROLE_KEYS, {
  error: (iss) => `未知の役割キーです: ${String(iss.input)}（${ROLE_KEYS.join(', ')} のいずれか）`,
});
const articleRef = z.string().regex(ARTICLE_REF_PATTERN, {
  error: '条項参照の形式が正しくありません（例: katsuragi:3.4、第5条第1号は katsuragi:5..1、規程外の法令は law:個人情報保護法:26）',
});
const duration = boundedDuration(DURATION_BOUNDS.responseWindow);
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: '時刻は HH:MM で書いてください' });
const monthDay = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { error: '月日は MM-DD で書いてください（例: 12-29）' });
const isoDate = z.iso.date({ error: '日付は YYYY-MM-DD で書いてください' });
const phone = z.string().regex(/^\+?[0-9][0-9-]{5,19}$/, { error: '電話番号の形式が正しくありません' });

export const personSchema = z.strictObject({
  name: text,
  title: text,
  email: z.email({ error: '有効なメールアドレスではありません' }),
  /** The office line (庁内・直通). */
  phone,
  /** A mobile number for nights and holidays (携帯電話). */
  mobile: phone.optional(),
});
export type Person = z.infer<typeof personSchema>;

/**
 * Someone who acts for a person who does not answer (代理者), in the order they are asked. A
 * stand-in acts in the position of the person they stand in for unless their own is named.
 */
export const standInSchema = personSchema.extend({
  position: text.optional(),
  role: roleKey.optional(),
});
export type StandIn = z.infer<typeof standInSchema>;
const standIns = z.array(standInSchema).default([]);

/** A role key bound to a position (職) and the person holding it, with the stand-ins (代理者) in order. */
export const roleAssignmentSchema = z.strictObject({
  role: roleKey,
  position: text,
  /** The using section (担当課) a `sectionOfficer` answers for. */
  section: text.optional(),
  person: personSchema,
  substitutes: standIns,
  articles: z.array(articleRef).default([]),
});
export type RoleAssignment = z.infer<typeof roleAssignmentSchema>;

/**
 * A seat on the security council: a person in a position, optionally holding a role, and who
 * acts for them in order (for the chair e.g. katsuragi:3.3 管財情報課長). Without `substitutes`
 * the stand-ins of the role the same person holds are asked.
 */
export const councilSeatSchema = personSchema.extend({
  position: text,
  role: roleKey.optional(),
  substitutes: z.array(standInSchema).optional(),
});
export type CouncilSeat = z.infer<typeof councilSeatSchema>;

export const councilSchema = z.strictObject({
  name: text,
  chair: councilSeatSchema.optional(),
  members: z.array(councilSeatSchema),
  articles: z.array(articleRef).default([]),
});

export const contactSchema = personSchema.extend({
  position: text,
  role: roleKey.optional(),
});

export const contactsSchema = z.strictObject({
  /** 開庁時間 */
  officeHours: z.strictObject({
    days: z.array(z.enum(WEEKDAYS)).min(1),
    start: clockTime,
    end: clockTime,
    /** Closed on 国民の祝日, 振替休日 and 国民の休日 (default). */
    closedOnHolidays: z.boolean().default(true),
    /** 年末年始, both days included; 12-29 to 01-03 unless given. */
    yearEnd: z.strictObject({ from: monthDay, to: monthDay }).default({ from: '12-29', to: '01-03' }),
    /** Further days the office is closed (e.g. 2026-08-14). */
    closedDays: z.array(isoDate).default([]),
  }),
  /** 夜間・休日連絡先, in the order they are to be called. */
  nightHoliday: z.array(contactSchema).min(1, { error: '夜間・休日の連絡先を一人以上定めてください' }),
  /**
   * How long an invitation may stay undelivered (the relay refusing or down) before the incident's
   * commander, the system administrator and the night/holiday contacts are alerted.
   */
  deliveryAlertAfter: boundedDuration(DURATION_BOUNDS.deliveryAlert).default('10m'),
});

export const REPORT_TARGET_KINDS = ['executive', 'prefecture', 'jlis', 'ppc'] as const;

/** Whom a report goes to; a target may have several contacts, all of whom receive it (e.g. J-LIS to each prefecture). */
export const reportTargetSchema = z.strictObject({
  kind: z.enum(REPORT_TARGET_KINDS),
  name: text,
  contacts: z.array(personSchema).min(1),
  articles: z.array(articleRef).default([]),
});

/**
 * How the report deadlines are counted (src/domain/report-clocks.ts), when the organisation's own
 * rules differ from the defaults: 第2報 the next day (research notes R15), the PPC's 速報 within 3
 * days and 確報 within 30, 60 for a wrongful purpose (R10: 個人情報保護法第68条第1項, 施行規則第43条・
 * 第44条; 番号法第29条の4), reminders 24 h and 2 h before each deadline.
 */
export const reportingSchema = z.strictObject({
  /** The executive's report 「直ちに」, as a deadline after awareness (default 1h). */
  executiveWithin: boundedDuration({ min: '1m', max: '1d' }).optional(),
  secondReportDays: z.number().int().min(1).max(30).optional(),
  ppcPreliminaryDays: z.number().int().min(1).max(5, { error: '速報は概ね3〜5日以内です（5以下にしてください）' }).optional(),
  ppcFinalDays: z.number().int().min(1).max(30, { error: '確報は30日以内です' }).optional(),
  ppcFinalWrongfulDays: z.number().int().min(1).max(60, { error: '不正の目的によるおそれがある場合の確報は60日以内です' }).optional(),
  remindBefore: z.array(boundedDuration(DURATION_BOUNDS.responseWindow)).max(5).optional(),
  /** Who reviews and approves each report before it is sent (with that role's stand-ins); the chief by default. */
  reviewer: roleKey.optional(),
});

const responseWindowSchema = z.strictObject({
  /** How long to wait before reminding the person asked. */
  remindAfter: duration,
  /** How long to wait before asking the stand-in instead. */
  escalateAfter: duration,
});

export const threatLevelSchema = z.strictObject({
  /** As the regulation numbers its levels: from 0 (区分0–3) or from 1. */
  level: z.number().int().min(THREAT_LEVEL_RANGE.min).max(THREAT_LEVEL_RANGE.max),
  name: text,
  description: text,
  conveneCouncil: z.boolean(),
  disconnect: z.boolean(),
  /**
   * The containment decision (切離し) is awaited at once, alongside the council, when the
   * regulation lets it be taken straight away (e.g. katsuragi:4.2 「直ちに」). False when unset.
   */
  containImmediately: z.boolean().optional(),
});

/**
 * How a segment is cut off (切離し) and reconnected: (a) by the network operator's HTTP API, which
 * is then read back; or (b) by hand, confirmed by two named people each from their own link.
 */
export const containmentMethodSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('operatorApi'),
    /** The network operator's API base URL (POST /segments/:segment/disconnect, GET /segments/:segment). */
    endpoint: z.url({ protocol: /^https?$/, error: 'http(s) の URL にしてください' }),
    /** The operator's name of this organisation's Juki-net segment. */
    segment: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'セグメント名は英数字・「.」「_」「-」で 64 文字までです' }),
  }),
  z.strictObject({
    mode: z.literal('attestation'),
    /** The two people who confirm the physical disconnection (二者確認). */
    attesters: z.tuple([contactSchema, contactSchema]),
  }),
]);
export type ContainmentMethod = z.infer<typeof containmentMethodSchema>;

/** 切離し: who orders it (katsuragi:4.2, kunitachi:13, tokyo:9.1) and how it is done and verified. */
export const containmentSchema = z.strictObject({
  /** The role whose holder decides (with the stand-ins of that role, in order). */
  orderedBy: roleKey,
  /** 事後承認: a stand-in may order it at once, and the role holder approves afterwards. */
  approvalAfterwards: z.boolean().default(false),
  method: containmentMethodSchema,
});
export type ContainmentPlan = z.infer<typeof containmentSchema>;

export const ORGANISATION_KINDS = ['municipality', 'prefecture', 'jlis'] as const;

export const organisationProfileSchema = z
  .strictObject({
    organisation: z.strictObject({
      key: z.string().regex(ORGANISATION_KEY_PATTERN, { error: '組織キーは英小文字で始まる英数字とハイフンです' }),
      name: text,
      nameEn: text,
      kind: z.enum(ORGANISATION_KINDS),
      regulation: text,
      timezone: z.literal('Asia/Tokyo').default('Asia/Tokyo'),
    }),
    roles: z.array(roleAssignmentSchema).min(1),
    council: councilSchema,
    contacts: contactsSchema,
    reportTargets: z.array(reportTargetSchema).default([]),
    /** Absent: the defaults of src/domain/report-clocks.ts (DEFAULT_REPORTING). */
    reporting: reportingSchema.optional(),
    responseWindows: z.strictObject({
      acknowledgement: responseWindowSchema,
      decision: responseWindowSchema,
    }),
    threatLevels: z.array(threatLevelSchema).min(1),
    /** Absent only in profiles recorded before containment existed (old workflow histories). */
    containment: containmentSchema.optional(),
    articles: z.partialRecord(z.enum(PROCEDURE_STEPS), z.array(articleRef).min(1)),
    /** The annual user-ID review (ユーザID及びパスワードの見直し); absent: DEFAULT_REVIEW_PLAN (review.ts). */
    review: reviewPlanSchema.optional(),
    /** 委託処理: investigation checklist, contract clauses, inspections; absent: DEFAULT_CONTRACTING_PLAN (contract.ts). */
    contracting: contractingPlanSchema.optional(),
    /** How this organisation's people sign in to the console. */
    signIn: z
      .strictObject({
        /** Failed sign-ins before the account locks (the Juki-net lockout rule, e.g. niigata:15.2.9); LOCKOUT_THRESHOLD when unset. */
        lockoutThreshold: z.number().int().min(1).max(20).optional(),
        /** A second factor (TOTP) for everyone of the organisation, not only administrators. */
        totpRequired: z.boolean().default(false),
        /**
         * The rules the passwords of the organisation's user IDs follow (password-policy.ts): `juki`,
         * the regulation's (niigata:15.2.5-9), or `nist` (SP 800-63B-4). Unset: `juki`, as the
         * regulation binds every Juki-net organisation until it decides otherwise.
         */
        passwordPolicy: z.enum(PASSWORD_RULE_SET_NAMES).optional(),
      })
      .optional(),
  })
  .superRefine((p, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const same = (a: { email: string }, b: { email: string }) => a.email.toLowerCase() === b.email.toLowerCase();

    /** A chain of stand-ins names nobody twice, nor the person they stand in for. */
    const checkChain = (path: PropertyKey[], person: { email: string }, chain: readonly StandIn[] | undefined) =>
      chain?.forEach((s, j) => {
        if (same(person, s)) issue([...path, j, 'email'], '代理者が本人と同一人物です');
        else if (chain.slice(0, j).some((x) => same(x, s))) issue([...path, j, 'email'], '代理者が重複しています');
      });

    p.roles.forEach((r, i) => {
      checkChain(['roles', i, 'substitutes'], r.person, r.substitutes);
      if (r.role === 'sectionOfficer' && !r.section) {
        issue(['roles', i, 'section'], 'データ取扱責任者には担当課が必要です');
      }
    });
    for (const role of SINGLE_HOLDER_ROLES) {
      const idx = p.roles.flatMap((r, i) => (r.role === role ? [i] : []));
      for (const i of idx.slice(1)) issue(['roles', i, 'role'], `役割 ${role} が重複しています`);
    }
    for (const role of REQUIRED_ROLES) {
      if (!p.roles.some((r) => r.role === role)) issue(['roles'], `役割 ${role} が定められていません`);
    }

    if (!p.council.chair) issue(['council', 'chair'], '議長が定められていません');
    else checkChain(['council', 'chair', 'substitutes'], p.council.chair, p.council.chair.substitutes);
    const seen = new Map<string, number>();
    p.council.members.forEach((m, i) => {
      const key = m.email.toLowerCase();
      if (seen.has(key)) issue(['council', 'members', i, 'email'], `members[${seen.get(key)}] と同じ人物です`);
      else seen.set(key, i);
      if (p.council.chair && same(p.council.chair, m)) {
        issue(['council', 'members', i, 'email'], '議長は members に重ねて書かないでください');
      }
      checkChain(['council', 'members', i, 'substitutes'], m, m.substitutes);
    });

    (['acknowledgement', 'decision'] as const).forEach((k) => {
      const w = p.responseWindows[k];
      const remind = parseDuration(w.remindAfter);
      const escalate = parseDuration(w.escalateAfter);
      if (remind !== undefined && escalate !== undefined && escalate <= remind) {
        issue(['responseWindows', k, 'escalateAfter'], 'escalateAfter は remindAfter より長くしてください');
      }
    });

    // Articles are those of this organisation's own regulation, or of a law (law:…).
    const checkArticles = (path: PropertyKey[], refs: readonly string[]) =>
      refs.forEach((ref, j) => {
        const org = parseArticleRef(ref)?.organisation;
        if (org !== undefined && org !== p.organisation.key) {
          issue([...path, j], `他の組織の規程は参照できません: ${ref}（この組織のキーは ${p.organisation.key}、規程外の法令は law:法令名:条 と書きます）`);
        }
      });
    p.roles.forEach((r, i) => checkArticles(['roles', i, 'articles'], r.articles));
    checkArticles(['council', 'articles'], p.council.articles);
    p.reportTargets.forEach((r, i) => checkArticles(['reportTargets', i, 'articles'], r.articles));
    if (p.reporting?.reviewer && !p.roles.some((r) => r.role === p.reporting!.reviewer)) {
      issue(['reporting', 'reviewer'], `役割 ${p.reporting.reviewer} が roles に定められていません`);
    }
    for (const [step, refs] of Object.entries(p.articles)) checkArticles(['articles', step], refs ?? []);
    if (p.contracting) {
      (['investigation', 'clauses'] as const).forEach((list) => p.contracting![list].forEach((x, i) => checkArticles(['contracting', list, i, 'articles'], x.articles)));
      checkArticles(['contracting', 'inspection', 'articles'], p.contracting.inspection.articles);
    }

    if (p.containment) {
      const { orderedBy, method } = p.containment;
      if (!p.roles.some((r) => r.role === orderedBy)) issue(['containment', 'orderedBy'], `役割 ${orderedBy} が roles に定められていません`);
      if (method.mode === 'attestation' && same(method.attesters[0], method.attesters[1])) {
        issue(['containment', 'method', 'attesters', 1, 'email'], '切離しの確認者は別の二人にしてください');
      }
    }

    p.threatLevels.forEach((t, i) => {
      if (i > 0 && t.level <= p.threatLevels[i - 1].level) {
        issue(['threatLevels', i, 'level'], '脅威度は昇順で重複なく並べてください');
      }
    });
  });

export type OrganisationProfile = z.infer<typeof organisationProfileSchema>;

/** The password rule set an organisation's user IDs follow: its profile's choice, else the regulation's. */
export function passwordRuleSetOf(profile: Pick<OrganisationProfile, 'signIn'>): PasswordRuleSetName {
  return profile.signIn?.passwordPolicy ?? DEFAULT_PASSWORD_RULE_SET;
}

export interface ProfileProblem {
  path: string;
  message: string;
}

/** `['council','members',2,'email']` → `council.members[2].email` */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || '(root)';
}

export type ProfileParseResult =
  | { ok: true; profile: OrganisationProfile }
  | { ok: false; problems: Array<ProfileProblem & { pathSegments: PropertyKey[] }> };

/** Validates a profile (already parsed from YAML) and reports every problem with its path. */
export function parseOrganisationProfile(input: unknown): ProfileParseResult {
  const r = organisationProfileSchema.safeParse(input, { error: japaneseIssueMessage });
  if (r.success) return { ok: true, profile: r.data };
  return {
    ok: false,
    problems: r.error.issues.map((i) => ({
      path: formatIssuePath(i.path),
      pathSegments: i.path,
      message: i.message,
    })),
  };
}

/** Keys of earlier profile versions, and how to write them now. */
const RENAMED_KEYS: Record<string, string> = {
  substitute: 'substitute は substitutes（代理者を順に並べた一覧）になりました。`substitutes:` の下に `- name: …` として同じ内容を書いてください',
  actingChair: 'council.actingChair は council.chair.substitutes になりました。議長の下に `substitutes:` を置き、職務代行者を順に `- name: …` として書いてください',
  contact: 'contact は contacts（連絡先の一覧）になりました。`contacts:` の下に `- name: …` として同じ内容を書いてください',
};

/** Japanese messages for the issues that carry no message of their own. */
function japaneseIssueMessage(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      return iss.input === undefined ? '必須項目です' : `型が正しくありません（${iss.expected} が必要です）`;
    case 'unrecognized_keys': {
      const renamed = iss.keys.flatMap((k) => (RENAMED_KEYS[k] ? [RENAMED_KEYS[k]] : []));
      return `未知の項目です: ${iss.keys.join(', ')}${renamed.length > 0 ? `（${renamed.join('。')}）` : ''}`;
    }
    case 'too_small':
      return iss.origin === 'array' ? `${String(iss.minimum)} 件以上必要です` : `${String(iss.minimum)} 以上にしてください`;
    case 'too_big':
      return `${String(iss.maximum)} 以下にしてください`;
    case 'invalid_value':
      return `次のいずれかにしてください: ${iss.values.map(String).join(', ')}`;
    default:
      return undefined;
  }
}
