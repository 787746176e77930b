// The organisation profile (組織プロファイル): one file per organisation binds the role keys of
// DOMAIN.md to positions and people, names the council, the contacts, the report targets, the
// response windows, the threat-level scale and the articles each procedure step rests on.
// Every object is strict, so a misspelt key is reported instead of silently ignored.
import { z } from './zod';
import { ARTICLE_REF_PATTERN, ORGANISATION_KEY_PATTERN } from './articles';
import { boundedDuration, DURATION_BOUNDS, parseDuration } from './duration';
import { PROCEDURE_STEPS } from './procedures';
import { REQUIRED_ROLES, ROLE_KEYS, SINGLE_HOLDER_ROLES } from './roles';

const text = z.string().trim().min(1, { error: '空にできません' });
const roleKey = z.enum(ROLE_KEYS, {
  error: (iss) => `未知の役割キーです: ${String(iss.input)}（${ROLE_KEYS.join(', ')} のいずれか）`,
});
const articleRef = z.string().regex(ARTICLE_REF_PATTERN, {
  error: '条項参照の形式が正しくありません（例: katsuragi:3.4）',
});
const duration = boundedDuration(DURATION_BOUNDS.responseWindow);
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: '時刻は HH:MM で書いてください' });
const phone = z.string().regex(/^\+?[0-9][0-9-]{5,19}$/, { error: '電話番号の形式が正しくありません' });

export const personSchema = z.strictObject({
  name: text,
  title: text,
  email: z.email({ error: '有効なメールアドレスではありません' }),
  phone,
});
export type Person = z.infer<typeof personSchema>;

/** A role key bound to a position (職) and the person holding it, with a stand-in (代理者). */
export const roleAssignmentSchema = z.strictObject({
  role: roleKey,
  position: text,
  /** The using section (担当課) a `sectionOfficer` answers for. */
  section: text.optional(),
  person: personSchema,
  substitute: personSchema.optional(),
  articles: z.array(articleRef).default([]),
});
export type RoleAssignment = z.infer<typeof roleAssignmentSchema>;

/** A seat on the security council: a person in a position, optionally holding a role. */
export const councilSeatSchema = personSchema.extend({
  position: text,
  role: roleKey.optional(),
});
export type CouncilSeat = z.infer<typeof councilSeatSchema>;

export const councilSchema = z.strictObject({
  name: text,
  chair: councilSeatSchema.optional(),
  /** Who acts for the chair when the chair is absent (e.g. katsuragi:3.3). */
  actingChair: councilSeatSchema.optional(),
  members: z.array(councilSeatSchema),
  articles: z.array(articleRef).default([]),
});

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

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
  }),
  /** 夜間・休日連絡先, in the order they are to be called. */
  nightHoliday: z.array(contactSchema).min(1, { error: '夜間・休日の連絡先を一人以上定めてください' }),
});

export const REPORT_TARGET_KINDS = ['executive', 'prefecture', 'jlis', 'ppc'] as const;

export const reportTargetSchema = z.strictObject({
  kind: z.enum(REPORT_TARGET_KINDS),
  name: text,
  contact: personSchema,
  articles: z.array(articleRef).default([]),
});

const responseWindowSchema = z.strictObject({
  /** How long to wait before reminding the person asked. */
  remindAfter: duration,
  /** How long to wait before asking the stand-in instead. */
  escalateAfter: duration,
});

export const threatLevelSchema = z.strictObject({
  level: z.number().int().min(1).max(9),
  name: text,
  description: text,
  conveneCouncil: z.boolean(),
  disconnect: z.boolean(),
});

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
    responseWindows: z.strictObject({
      acknowledgement: responseWindowSchema,
      decision: responseWindowSchema,
    }),
    threatLevels: z.array(threatLevelSchema).min(1),
    articles: z.partialRecord(z.enum(PROCEDURE_STEPS), z.array(articleRef).min(1)),
  })
  .superRefine((p, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const same = (a: { email: string }, b: { email: string }) => a.email.toLowerCase() === b.email.toLowerCase();

    p.roles.forEach((r, i) => {
      if (r.substitute && same(r.person, r.substitute)) {
        issue(['roles', i, 'substitute', 'email'], '代理者が本人と同一人物です');
      }
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

    if (!p.council.chair) {
      issue(['council', 'chair'], '議長が定められていません');
    } else if (p.council.actingChair && same(p.council.chair, p.council.actingChair)) {
      issue(['council', 'actingChair', 'email'], '議長の職務代行者が議長と同一人物です');
    }
    const seen = new Map<string, number>();
    p.council.members.forEach((m, i) => {
      const key = m.email.toLowerCase();
      if (seen.has(key)) issue(['council', 'members', i, 'email'], `members[${seen.get(key)}] と同じ人物です`);
      else seen.set(key, i);
      if (p.council.chair && same(p.council.chair, m)) {
        issue(['council', 'members', i, 'email'], '議長は members に重ねて書かないでください');
      }
    });

    (['acknowledgement', 'decision'] as const).forEach((k) => {
      const w = p.responseWindows[k];
      const remind = parseDuration(w.remindAfter);
      const escalate = parseDuration(w.escalateAfter);
      if (remind !== undefined && escalate !== undefined && escalate <= remind) {
        issue(['responseWindows', k, 'escalateAfter'], 'escalateAfter は remindAfter より長くしてください');
      }
    });

    p.threatLevels.forEach((t, i) => {
      if (i > 0 && t.level <= p.threatLevels[i - 1].level) {
        issue(['threatLevels', i, 'level'], '脅威度は昇順で重複なく並べてください');
      }
    });
  });

export type OrganisationProfile = z.infer<typeof organisationProfileSchema>;

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

/** Japanese messages for the issues that carry no message of their own. */
function japaneseIssueMessage(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      return iss.input === undefined ? '必須項目です' : `型が正しくありません（${iss.expected} が必要です）`;
    case 'unrecognized_keys':
      return `未知の項目です: ${iss.keys.join(', ')}`;
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
