// Dates as Japanese public servants read them: Asia/Tokyo, with the weekday; and whether the
// office is open at a given moment: 開庁日 and 開庁時間, 国民の祝日 (祝日法) and 年末年始.
export function formatJst(ms: number, locale: 'ja' | 'en' = 'ja'): string {
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: locale === 'ja' ? 'long' : 'short',
    day: 'numeric',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(ms);
}

const JST_OFFSET_MS = 9 * 3_600_000; // Japan keeps no daylight saving time
const DAY_MS = 86_400_000;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A calendar day in Japan. */
export interface CivilDate {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
}

const utcDay = (d: CivilDate) => Date.UTC(d.year, d.month - 1, d.day);
const fromUtcDay = (ms: number): CivilDate => {
  const t = new Date(ms);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
};
/** 0 = Sunday … 6 = Saturday */
const dayOfWeek = (d: CivilDate) => new Date(utcDay(d)).getUTCDay();
const addDays = (d: CivilDate, n: number) => fromUtcDay(utcDay(d) + n * DAY_MS);
/** The n-th Monday of a month (ハッピーマンデー). */
const nthMonday = (year: number, month: number, n: number) => 1 + ((8 - dayOfWeek({ year, month, day: 1 })) % 7) + (n - 1) * 7;

/** 春分日 and 秋分日 by the usual formula (valid 1980–2099; the Cabinet Office gazettes them each February). */
export function equinoxDays(year: number): { vernal: number; autumnal: number } {
  const y = year - 1980;
  const leap = Math.floor(y / 4);
  return {
    vernal: Math.floor(20.8431 + 0.242194 * y - leap),
    autumnal: Math.floor(23.2488 + 0.242194 * y - leap),
  };
}

/** The 国民の祝日 themselves (祝日法第2条), without 振替休日 and 国民の休日; the law as in force since 2020. */
function statutoryHoliday({ year, month, day }: CivilDate): string | undefined {
  const { vernal, autumnal } = equinoxDays(year);
  const fixed: Record<string, string> = {
    '1-1': '元日',
    [`1-${nthMonday(year, 1, 2)}`]: '成人の日',
    '2-11': '建国記念の日',
    '2-23': '天皇誕生日',
    [`3-${vernal}`]: '春分の日',
    '4-29': '昭和の日',
    '5-3': '憲法記念日',
    '5-4': 'みどりの日',
    '5-5': 'こどもの日',
    [`7-${nthMonday(year, 7, 3)}`]: '海の日',
    '8-11': '山の日',
    [`9-${nthMonday(year, 9, 3)}`]: '敬老の日',
    [`9-${autumnal}`]: '秋分の日',
    [`10-${nthMonday(year, 10, 2)}`]: 'スポーツの日',
    '11-3': '文化の日',
    '11-23': '勤労感謝の日',
  };
  return fixed[`${month}-${day}`];
}

/** The name of the holiday a day is, under 祝日法 (国民の祝日, 振替休日, 国民の休日), or undefined. */
export function japaneseHoliday(d: CivilDate): string | undefined {
  const own = statutoryHoliday(d);
  if (own) return own;
  // 振替休日 (第3条第2項): a holiday on a Sunday moves to the nearest following day that is no holiday.
  for (let back = 1; ; back++) {
    const before = addDays(d, -back);
    if (!statutoryHoliday(before)) break;
    if (dayOfWeek(before) === 0) return '振替休日';
  }
  // 国民の休日 (第3条第3項): a day between two holidays.
  if (statutoryHoliday(addDays(d, -1)) && statutoryHoliday(addDays(d, 1))) return '国民の休日';
  return undefined;
}

/** `MM-DD` */
export type MonthDay = string;

export interface OfficeHours {
  /** 開庁日 */
  days: readonly Weekday[];
  /** `HH:MM`, Asia/Tokyo; the office is open from `start` until just before `end`. */
  start: string;
  end: string;
  /** Closed on 国民の祝日, 振替休日 and 国民の休日. */
  closedOnHolidays: boolean;
  /** 年末年始 (e.g. 12-29 to 01-03), both days included; none when absent. */
  yearEnd?: { from: MonthDay; to: MonthDay };
  /** Further days the office is closed, `YYYY-MM-DD`. */
  closedDays: readonly string[];
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const pad = (n: number) => String(n).padStart(2, '0');

/** Why the office is closed on a day in Japan (holiday name, 年末年始, …), or undefined when it opens. */
export function closedReason(d: CivilDate, hours: OfficeHours): string | undefined {
  const weekday = WEEKDAYS[(dayOfWeek(d) + 6) % 7];
  if (!hours.days.includes(weekday)) return '閉庁日';
  if (hours.closedOnHolidays) {
    const holiday = japaneseHoliday(d);
    if (holiday) return holiday;
  }
  const md = `${pad(d.month)}-${pad(d.day)}`;
  if (hours.yearEnd) {
    const { from, to } = hours.yearEnd;
    if (from <= to ? md >= from && md <= to : md >= from || md <= to) return '年末年始';
  }
  if (hours.closedDays.includes(`${d.year}-${md}`)) return '休庁日';
  return undefined;
}

/** Whether the office is open at a moment (Asia/Tokyo). */
export function isWithinOfficeHours(ms: number, hours: OfficeHours): boolean {
  const local = new Date(ms + JST_OFFSET_MS);
  const d = { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
  if (closedReason(d, hours) !== undefined) return false;
  const now = local.getUTCHours() * 60 + local.getUTCMinutes();
  return now >= minutes(hours.start) && now < minutes(hours.end);
}
