// The user-ID ledger (ユーザID管理簿, niigata:15.2.1, katsuragi:5.1): one row per user ID of an
// organisation — who holds it, in which section (所属), with which permissions (権限), when it was
// issued, last used and its password last changed, whether it is active, locked or revoked, and
// for Juki-net the operator card (操作者カード) and the registration of 照合情報. Offices keep it
// in spreadsheets: here are its columns as they write them, the check of one row, and the
// difference between the ledger and a new export of it. Pure: no I/O.
import { ERAS } from './wareki';
import { z } from './zod';

export const LEDGER_STATUSES = ['active', 'locked', 'revoked'] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];

/** The ledger's fields, in the order the console and the files show them. */
export const LEDGER_FIELDS = [
  'userId',
  'personName',
  'email',
  'section',
  'permissions',
  'issuedAt',
  'lastUsedAt',
  'passwordChangedAt',
  'status',
  'operatorCard',
  'verificationRegistered',
  'verificationRegisteredAt',
] as const;
export type LedgerField = (typeof LEDGER_FIELDS)[number];

/** One user ID as the ledger holds it; moments as ISO strings (JSON carries them to workflows). */
export interface LedgerEntry {
  userId: string;
  personName: string;
  email: string | null;
  /** 所属: the section whose officer (データ取扱責任者) reviews the ID. */
  section: string;
  /** 権限: the permission set, sorted, without repeats. */
  permissions: string[];
  issuedAt: string | null;
  lastUsedAt: string | null;
  passwordChangedAt: string | null;
  status: LedgerStatus;
  /** 操作者カード番号 (Juki-net), or null. */
  operatorCard: string | null;
  /** 照合情報 (the operator's biometric verification data) registered. */
  verificationRegistered: boolean;
  verificationRegisteredAt: string | null;
}

/** Header names per field: Japanese first (the one a validation report shows), then English. */
export const LEDGER_COLUMNS: Record<LedgerField, readonly string[]> = {
  userId: ['ユーザID', 'ユーザーID', '利用者ID', '操作者ID', 'ID', 'userid', 'user', 'login', 'account', 'samaccountname', 'uid'],
  personName: ['氏名', '名前', '利用者名', '操作者氏名', 'name', 'personname', 'fullname', 'displayname'],
  email: ['メールアドレス', 'メール', 'email', 'e-mail', 'mail'],
  section: ['所属', '所属課', '担当課', '部署', '課', 'section', 'department', 'division'],
  permissions: ['権限', '操作権限', '権限区分', 'permissions', 'permission', 'roles', 'role', 'rights'],
  issuedAt: ['発行日', '交付日', '付与日', '登録日', 'issued', 'issuedat', 'issuedate', 'created'],
  lastUsedAt: ['最終利用日', '最終使用日', '最終利用日時', '最終ログイン', 'lastused', 'lastusedat', 'lastlogin', 'lastlogon'],
  passwordChangedAt: ['パスワード変更日', 'パスワード最終変更日', 'パスワード更新日', 'passwordchanged', 'passwordchangedat', 'pwdlastset', 'passwordlastset'],
  status: ['状態', '状況', 'ステータス', 'status', 'state'],
  operatorCard: ['操作者カード番号', '操作者カード', '操作者識別カード', '操作者識別カード番号', 'カード番号', 'operatorcard', 'operatorcardno', 'operatorcardnumber', 'cardno'],
  verificationRegistered: ['照合情報登録', '照合情報', '照合情報登録有無', 'verificationregistered', 'verification', 'biometricregistered'],
  verificationRegisteredAt: ['照合情報登録日', 'verificationregisteredat', 'verificationdate', 'biometricregisteredat'],
};

/** Labels for screens and reports, Japanese and English. */
export const LEDGER_LABELS: Record<LedgerField, { ja: string; en: string }> = {
  userId: { ja: 'ユーザID', en: 'User ID' },
  personName: { ja: '氏名', en: 'Name' },
  email: { ja: 'メールアドレス', en: 'Email' },
  section: { ja: '所属', en: 'Section' },
  permissions: { ja: '権限', en: 'Permissions' },
  issuedAt: { ja: '発行日', en: 'Issued' },
  lastUsedAt: { ja: '最終利用日', en: 'Last used' },
  passwordChangedAt: { ja: 'パスワード変更日', en: 'Password changed' },
  status: { ja: '状態', en: 'Status' },
  operatorCard: { ja: '操作者カード番号', en: 'Operator card' },
  verificationRegistered: { ja: '照合情報登録', en: 'Verification data' },
  verificationRegisteredAt: { ja: '照合情報登録日', en: 'Verification registered' },
};

export const LEDGER_STATUS_LABELS: Record<LedgerStatus, { ja: string; en: string }> = {
  active: { ja: '有効', en: 'Active' },
  locked: { ja: 'ロック', en: 'Locked' },
  revoked: { ja: '廃止', en: 'Revoked' },
};

const STATUS_WORDS: Record<string, LedgerStatus> = {
  '': 'active',
  active: 'active',
  enabled: 'active',
  有効: 'active',
  使用中: 'active',
  利用中: 'active',
  locked: 'locked',
  lock: 'locked',
  ロック: 'locked',
  ロック中: 'locked',
  停止: 'locked',
  一時停止: 'locked',
  休止: 'locked',
  revoked: 'revoked',
  disabled: 'revoked',
  deleted: 'revoked',
  廃止: 'revoked',
  削除: 'revoked',
  失効: 'revoked',
  無効: 'revoked',
  抹消: 'revoked',
};

const YES = new Set(['有', 'あり', '済', '登録済', '登録済み', '○', '〇', '◯', 'yes', 'y', 'true', '1']);
const NO = new Set(['', '無', 'なし', '未', '未登録', '×', '-', 'no', 'n', 'false', '0']);

const JST_OFFSET_MS = 9 * 3_600_000;
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);

/** Milliseconds of a civil date and time in Japan, or undefined when it is no such day. */
function jstMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number | undefined {
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  return t - JST_OFFSET_MS;
}

const ERA_LETTERS: Record<string, (typeof ERAS)[number]['name']> = { m: '明治', t: '大正', s: '昭和', h: '平成', r: '令和' };

/**
 * A day or moment as ledgers write it, as an ISO string: 2026-04-01, 2026/4/1 9:30 (Japan time),
 * an ISO timestamp with its offset, 令和8年4月1日 or R8.4.1, 元年, or an Excel date serial
 * (45748, what a spreadsheet keeps for a date). Empty is null; anything else undefined.
 */
export function parseLedgerDate(text: string): string | null | undefined {
  const v = text.normalize('NFKC').trim();
  if (v === '') return null;
  if (/^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:?\d{2})$/.test(v)) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : new Date(t).toISOString();
  }
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(v) ?? /^(\d{4})年(\d{1,2})月(\d{1,2})日(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(v);
  if (m) {
    const t = jstMs(+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
    return t === undefined ? undefined : new Date(t).toISOString();
  }
  m = /^(明治|大正|昭和|平成|令和|[MTSHRmtshr])\.?\s*(元|\d{1,2})[年.\-/](\d{1,2})[月.\-/](\d{1,2})日?$/.exec(v);
  if (m) {
    const name = m[1].length === 1 ? ERA_LETTERS[m[1].toLowerCase()] : m[1];
    const era = ERAS.find((e) => e.name === name)!;
    const year = era.start.year + (m[2] === '元' ? 1 : +m[2]) - 1;
    const t = jstMs(year, +m[3], +m[4]);
    return t === undefined ? undefined : new Date(t).toISOString();
  }
  if (/^\d{4,5}(\.\d+)?$/.test(v)) {
    // Excel's serial: days since 1899-12-30 (its 1900 leap-year bug sits before any ledger), in Japan time.
    const days = Number(v);
    if (days < 10_000 || days > 80_000) return undefined;
    return new Date(EXCEL_EPOCH_MS + Math.round(days * 86_400_000) - JST_OFFSET_MS).toISOString();
  }
  return undefined;
}

const dateField = (label: string) =>
  z.string().transform((v, ctx) => {
    const d = parseLedgerDate(v);
    if (d === undefined) {
      ctx.addIssue({ code: 'custom', message: `${label}は日付（2026-04-01、令和8年4月1日 など）で書いてください / ${label}: not a date (2026-04-01, R8.4.1, …)` });
      return z.NEVER;
    }
    return d;
  });

const optionalText = (max: number) =>
  z
    .string()
    .transform((v) => v.normalize('NFKC').trim())
    .pipe(z.string().max(max))
    .transform((v) => (v === '' ? null : v));

/** One row of a ledger file, every cell given as text ('' where the file has no such column). */
export const ledgerRowSchema = z
  .object({
    userId: z
      .string()
      .transform((v) => v.normalize('NFKC').trim())
      .pipe(z.string().min(1, { error: 'ユーザIDがありません / user ID is empty' }).max(64).regex(/^[^\s\p{Cc}]+$/u, { error: 'ユーザIDに空白は使えません / user ID contains blanks' })),
    personName: z.string().trim().min(1, { error: '氏名がありません / name is empty' }).max(200),
    email: z
      .string()
      .trim()
      .transform((v) => v.normalize('NFKC'))
      .pipe(z.union([z.literal(''), z.email({ error: 'メールアドレスの形式ではありません / not an email address' })]))
      .transform((v) => (v === '' ? null : v)),
    section: z.string().trim().min(1, { error: '所属がありません / section is empty' }).max(200),
    permissions: z
      .string()
      .transform((v) => [...new Set(v.normalize('NFKC').split(/[;,、|\n/]+/).map((p) => p.trim()).filter((p) => p !== ''))].sort())
      .pipe(z.array(z.string().max(100)).max(50)),
    issuedAt: dateField('発行日'),
    lastUsedAt: dateField('最終利用日'),
    passwordChangedAt: dateField('パスワード変更日'),
    status: z.string().transform((v, ctx) => {
      const s = STATUS_WORDS[v.normalize('NFKC').trim().toLowerCase()];
      if (!s) {
        ctx.addIssue({ code: 'custom', message: '状態は 有効・ロック・廃止（active / locked / revoked）のいずれか / status must be active, locked or revoked' });
        return z.NEVER;
      }
      return s;
    }),
    operatorCard: optionalText(64),
    verificationRegistered: z.string().transform((v, ctx) => {
      const w = v.normalize('NFKC').trim().toLowerCase();
      if (YES.has(w)) return true;
      if (NO.has(w)) return false;
      ctx.addIssue({ code: 'custom', message: '照合情報登録は 有・無 で書いてください / verification data: yes or no' });
      return z.NEVER;
    }),
    verificationRegisteredAt: dateField('照合情報登録日'),
  })
  // A registration date says it is registered, whatever the flag column says.
  .transform((r): LedgerEntry => ({ ...r, verificationRegistered: r.verificationRegistered || r.verificationRegisteredAt !== null }));

export type LedgerRow = LedgerEntry & { line: number };

/** One field that differs between the ledger and the file. */
export interface FieldChange {
  field: LedgerField;
  before: unknown;
  after: unknown;
}

export interface LedgerDiff {
  added: LedgerRow[];
  changed: { userId: string; line: number; before: LedgerEntry; changes: FieldChange[] }[];
  gone: LedgerEntry[];
  unchanged: number;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The fields a file speaks for: its columns (a file without a last-used column leaves last use
 * as the ledger has it), the registration flag with its date, never the key.
 */
export function comparedFields(columns: readonly LedgerField[]): LedgerField[] {
  const set = new Set(columns);
  if (set.has('verificationRegisteredAt')) set.add('verificationRegistered');
  return LEDGER_FIELDS.filter((f) => f !== 'userId' && set.has(f));
}

/**
 * What applying a file would do to the ledger: IDs added, IDs whose fields change (each field
 * with its value before and after), IDs the file no longer lists (gone: recorded as revoked, not
 * deleted — the ledger keeps every ID it ever held; one already revoked is not gone again), and
 * how many stay as they are. Only the file's own columns are compared.
 */
export function diffLedger(current: readonly LedgerEntry[], incoming: readonly LedgerRow[], columns: readonly LedgerField[]): LedgerDiff {
  const fields = comparedFields(columns);
  const now = new Map(current.map((e) => [e.userId, e]));
  const seen = new Set<string>();
  const diff: LedgerDiff = { added: [], changed: [], gone: [], unchanged: 0 };
  for (const row of incoming) {
    seen.add(row.userId);
    const before = now.get(row.userId);
    if (!before) {
      diff.added.push(row);
      continue;
    }
    const changes = fields.filter((f) => !same(before[f], row[f])).map((f) => ({ field: f, before: before[f], after: row[f] }));
    if (changes.length > 0) diff.changed.push({ userId: row.userId, line: row.line, before, changes });
    else diff.unchanged++;
  }
  diff.gone = current.filter((e) => !seen.has(e.userId) && e.status !== 'revoked');
  return diff;
}

/** An ID listed twice in one file: each later line is an issue naming the first. */
export function duplicateIds(rows: readonly LedgerRow[]): { line: number; field: 'userId'; message: string }[] {
  const first = new Map<string, number>();
  const out: { line: number; field: 'userId'; message: string }[] = [];
  for (const r of rows) {
    const at = first.get(r.userId);
    if (at === undefined) first.set(r.userId, r.line);
    else out.push({ line: r.line, field: 'userId', message: `ユーザID ${r.userId} は ${at} 行目と重複しています / user ID ${r.userId} repeats line ${at}` });
  }
  return out;
}
