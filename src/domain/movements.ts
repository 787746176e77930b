// 人事異動 (personnel changes) and the user IDs they concern (niigata:16): the list the personnel
// section sends before a transfer or a retirement, as offices write it (its columns, the check of
// one row), which ledger IDs each line is about, and when a targeted review of them must be done —
// before the person moves, so nobody keeps an ID for a job they no longer do. Pure: no I/O.
import { type LedgerEntry, parseLedgerDate } from './ledger';
import { campaignTimeline, type Movement, type ReviewPlan } from './review';
import { z } from './zod';

/** The list's fields, in the order the console and the reports show them. */
export const MOVEMENT_FIELDS = ['userId', 'personName', 'email', 'kind', 'effectiveAt', 'toSection'] as const;
export type MovementField = (typeof MOVEMENT_FIELDS)[number];

/**
 * Header names per field: Japanese first (the one a validation report shows), then English.
 * 職員番号 is deliberately not a user ID: where the two differ, an employee number equal to someone
 * else's user ID would put the wrong person's ID under review. An office whose IDs are the
 * employee numbers heads the column ユーザID.
 */
export const MOVEMENT_COLUMNS: Record<MovementField, readonly string[]> = {
  userId: ['ユーザID', 'ユーザーID', '利用者ID', '操作者ID', 'ID', 'userid', 'user', 'login', 'account', 'samaccountname', 'uid'],
  personName: ['氏名', '名前', '職員氏名', '職員名', 'name', 'personname', 'fullname', 'displayname'],
  email: ['メールアドレス', 'メール', 'email', 'e-mail', 'mail'],
  kind: ['異動区分', '区分', '異動種別', '異動の種類', '種別', '異動事由', 'kind', 'type', 'movement'],
  effectiveAt: ['発令日', '異動日', '発令年月日', '異動年月日', '退職日', '効力発生日', '発令', 'effectivedate', 'effectiveat', 'effective', 'date'],
  toSection: ['異動先', '新所属', '異動後所属', '異動後の所属', '転出先', '配属先', 'tosection', 'newsection', 'destination', 'to'],
};

export const MOVEMENT_LABELS: Record<MovementField, { ja: string; en: string }> = {
  userId: { ja: 'ユーザID', en: 'User ID' },
  personName: { ja: '氏名', en: 'Name' },
  email: { ja: 'メールアドレス', en: 'Email' },
  kind: { ja: '異動区分', en: 'Kind' },
  effectiveAt: { ja: '発令日', en: 'Effective date' },
  toSection: { ja: '異動先', en: 'New section' },
};

export const MOVEMENT_KIND_LABELS: Record<Movement['kind'], { ja: string; en: string }> = {
  transfer: { ja: '異動', en: 'Transfer' },
  retirement: { ja: '退職', en: 'Retirement' },
};

// The words personnel lists use. A move to another body (転出, 出向, 派遣) ends the job the IDs were
// given for as surely as a transfer within: both are reviewed as transfers.
const KIND_WORDS: Record<string, Movement['kind']> = {
  異動: 'transfer',
  転出: 'transfer',
  転任: 'transfer',
  配置換: 'transfer',
  配置換え: 'transfer',
  配置替: 'transfer',
  配置替え: 'transfer',
  所属替: 'transfer',
  所属替え: 'transfer',
  出向: 'transfer',
  派遣: 'transfer',
  昇任: 'transfer',
  transfer: 'transfer',
  transferred: 'transfer',
  move: 'transfer',
  退職: 'retirement',
  離職: 'retirement',
  定年退職: 'retirement',
  辞職: 'retirement',
  勧奨退職: 'retirement',
  普通退職: 'retirement',
  任期満了: 'retirement',
  死亡退職: 'retirement',
  失職: 'retirement',
  免職: 'retirement',
  retirement: 'retirement',
  retired: 'retirement',
  retire: 'retirement',
  resignation: 'retirement',
  leave: 'retirement',
  leaver: 'retirement',
};

/** The kind a personnel list's word means, or undefined. */
export const movementKindOf = (word: string): Movement['kind'] | undefined => KIND_WORDS[word.normalize('NFKC').replace(/\s/g, '').toLowerCase()];

const optionalText = (max: number) =>
  z
    .string()
    .transform((v) => v.normalize('NFKC').trim())
    .pipe(z.string().max(max));

/**
 * One row of a 人事異動 list, every cell given as text ('' where the file has no such column), as
 * the Movement the campaign takes: absent optional fields left out, the effective date as the
 * ISO moment it begins in Japan, the new section only for a transfer.
 */
export const movementRowSchema = z
  .object({
    userId: optionalText(64).pipe(z.string().regex(/^[^\s\p{Cc}]*$/u, { error: 'ユーザIDに空白は使えません / user ID contains blanks' })),
    personName: z.string().trim().min(1, { error: '氏名がありません / name is empty' }).max(200),
    email: z
      .string()
      .trim()
      .transform((v) => v.normalize('NFKC'))
      .pipe(z.union([z.literal(''), z.email({ error: 'メールアドレスの形式ではありません / not an email address' })])),
    kind: z.string().transform((v, ctx) => {
      const k = movementKindOf(v);
      if (!k) {
        ctx.addIssue({ code: 'custom', message: '異動区分は 異動・転出・配置換 または 退職・離職・定年退職 などで書いてください / kind must be a transfer (異動) or a retirement (退職)' });
        return z.NEVER;
      }
      return k;
    }),
    effectiveAt: z.string().transform((v, ctx) => {
      const d = parseLedgerDate(v);
      if (d === null || d === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: d === null ? '発令日がありません / effective date is empty' : '発令日は日付（2026-04-01、令和8年4月1日 など）で書いてください / effective date: not a date (2026-04-01, R8.4.1, …)',
        });
        return z.NEVER;
      }
      return d;
    }),
    toSection: optionalText(200),
  })
  .transform(
    (r): Movement => ({
      ...(r.userId ? { userId: r.userId } : {}),
      personName: r.personName,
      ...(r.email ? { email: r.email } : {}),
      kind: r.kind,
      effectiveAt: r.effectiveAt,
      ...(r.kind === 'transfer' && r.toSection ? { toSection: r.toSection } : {}),
    }),
  );

export type MovementRow = Movement & { line: number };

/** A checked row as the campaign takes it: without its line number. */
export const movementOf = ({ line: _line, ...m }: MovementRow): Movement => m;

/** A name as matched: NFKC, without any blank (高橋　誠 and 高橋誠 are one person's name). */
export const normalisePersonName = (name: string): string => name.normalize('NFKC').replace(/\s+/g, '');

const movementKey = (m: Movement): string[] => [
  m.effectiveAt,
  m.kind,
  m.userId ?? '',
  (m.email ?? '').toLowerCase(),
  normalisePersonName(m.personName),
  m.toSection ?? '',
];

/**
 * The list as one canonical text, whatever its order, format (CSV or XLSX), encoding or blanks in
 * names: what the list's id is a hash of, so the same list sent twice starts one campaign.
 * Repeated lines count once.
 */
export function canonicalMovementList(movements: readonly Movement[]): string {
  const keys = [...new Set(movements.map((m) => JSON.stringify(movementKey(m))))].sort();
  return `[${keys.join(',')}]`;
}

/** One ledger ID a movement concerns. */
export interface MovementTarget<M extends Movement = Movement> {
  userId: string;
  movement: M;
}

export interface MovementMatch<M extends Movement = Movement> {
  /** One per ID, in the ledger's order. */
  targets: MovementTarget<M>[];
  /** Lines that concern no ID in the ledger: shown to the person who sent the list, not an error. */
  unmatched: M[];
}

const earlier = (a: Movement, b: Movement): boolean =>
  a.effectiveAt < b.effectiveAt || (a.effectiveAt === b.effectiveAt && a.kind === 'retirement' && b.kind !== 'retirement');

/**
 * Which ledger IDs each movement concerns. A person may hold several IDs (a Juki-net operator ID
 * beside the office one): a line's IDs are the one its user ID names together with every ID
 * registered to its email (case-insensitively); only when neither finds one, every ID held under
 * the same name (NFKC, blanks ignored). A user ID the ledger lacks falls through to the email
 * and the name, as a list's ID column may hold something else. Revoked IDs are not reviewed.
 * An ID two lines concern is reviewed once, for the earlier movement (a retirement over a
 * transfer on the same day): that one sets the deadline and the flag. The movements are handed
 * back as given (rows keep their line numbers).
 */
export function matchMovements<M extends Movement>(ledger: readonly LedgerEntry[], movements: readonly M[]): MovementMatch<M> {
  const live = ledger.filter((e) => e.status !== 'revoked');
  const byId = new Map(live.map((e) => [e.userId, e]));
  const chosen = new Map<string, M>();
  const unmatched: M[] = [];
  for (const m of movements) {
    const ids = new Set<string>();
    if (m.userId && byId.has(m.userId)) ids.add(m.userId);
    if (m.email) {
      const email = m.email.toLowerCase();
      for (const e of live) if (e.email?.toLowerCase() === email) ids.add(e.userId);
    }
    if (ids.size === 0) {
      const name = normalisePersonName(m.personName);
      for (const e of live) if (normalisePersonName(e.personName) === name) ids.add(e.userId);
    }
    if (ids.size === 0) unmatched.push(m);
    for (const id of ids) {
      const before = chosen.get(id);
      if (!before || earlier(m, before)) chosen.set(id, m);
    }
  }
  return { targets: live.filter((e) => chosen.has(e.userId)).map((e) => ({ userId: e.userId, movement: chosen.get(e.userId)! })), unmatched };
}

const JST_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

/** The start (00:00 in Japan) of the day a moment falls on there. */
const startOfJstDay = (at: Date): number => Math.floor((at.getTime() + JST_MS) / DAY_MS) * DAY_MS - JST_MS;

/**
 * A targeted review's deadline, reminders and default: the deadline is the usual one
 * (campaignTimeline) or the start of the earliest effective date in Japan, whichever comes first
 * — done before the person moves, while their section officer still knows what they need. It is
 * never less than a day after the start, so the officer has a day to answer: a list sent on or
 * after someone's effective date is still reviewed (the ID is then the more urgent), with that
 * one day. Reminders and the default outcome follow from the deadline as in campaignTimeline.
 */
export function targetedTimeline(plan: ReviewPlan, startedAt: Date, movements: readonly Movement[]): { dueAt: Date; reminders: Date[]; defaultAt: Date } {
  const usual = campaignTimeline(plan, startedAt);
  if (movements.length === 0) return usual;
  const earliest = Math.min(...movements.map((m) => startOfJstDay(new Date(m.effectiveAt))));
  const due = Math.max(Math.min(usual.dueAt.getTime(), earliest), startedAt.getTime() + DAY_MS);
  if (due === usual.dueAt.getTime()) return usual;
  // campaignTimeline counts its window in whole seconds: start it up to a second early so the
  // deadline falls exactly where chosen, then drop a reminder that would fall before the start.
  const windowS = Math.ceil((due - startedAt.getTime()) / 1_000);
  const t = campaignTimeline({ ...plan, responseWindow: `${windowS}s` }, new Date(due - windowS * 1_000));
  return { ...t, reminders: t.reminders.filter((r) => r.getTime() > startedAt.getTime()) };
}
