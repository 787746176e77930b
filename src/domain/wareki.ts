// 和暦 (Japanese era dates) as official documents print them, with the Western year beside it
// so a reader abroad or a system importing the text need not convert: 令和8年（2026年）12月1日.
// Dates are the calendar day in Japan (Asia/Tokyo, no daylight saving time). The first year of
// an era is 元年, and an era begins on its own day (平成 ends 2019-04-30, 令和 begins 2019-05-01).
import type { CivilDate } from './calendar';

/** The eras since the Gregorian calendar (明治6年); each from its first day, newest last. */
export const ERAS = [
  { name: '明治', start: { year: 1868, month: 1, day: 25 } },
  { name: '大正', start: { year: 1912, month: 7, day: 30 } },
  { name: '昭和', start: { year: 1926, month: 12, day: 25 } },
  { name: '平成', start: { year: 1989, month: 1, day: 8 } },
  { name: '令和', start: { year: 2019, month: 5, day: 1 } },
] as const;

export type EraName = (typeof ERAS)[number]['name'];

export interface WarekiYear {
  era: EraName;
  /** 1 for the first year (元年). */
  year: number;
}

const JST_OFFSET_MS = 9 * 3_600_000;

const key = (d: CivilDate) => d.year * 10_000 + d.month * 100 + d.day;

/** The calendar day and the time of day in Japan of a moment. */
export function jstParts(ms: number): CivilDate & { hour: number; minute: number } {
  const t = new Date(ms + JST_OFFSET_MS);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate(), hour: t.getUTCHours(), minute: t.getUTCMinutes() };
}

/** The era and era year of a day; throws before 明治 (no document of ours is that old). */
export function warekiYear(d: CivilDate): WarekiYear {
  for (let i = ERAS.length - 1; i >= 0; i--) {
    const era = ERAS[i];
    if (key(d) >= key(era.start)) return { era: era.name, year: d.year - era.start.year + 1 };
  }
  throw new RangeError(`${d.year}-${d.month}-${d.day} is before the 明治 era`);
}

/** `令和8年`, `令和元年` */
export function formatWarekiYear(w: WarekiYear): string {
  return `${w.era}${w.year === 1 ? '元' : String(w.year)}年`;
}

export interface WarekiOptions {
  /** The Western year in brackets after the era year (default true): 令和8年（2026年）. */
  western?: boolean;
}

/** `令和8年（2026年）12月1日` for a day in Japan. */
export function formatWarekiCivilDate(d: CivilDate, o: WarekiOptions = {}): string {
  const western = o.western ?? true;
  return `${formatWarekiYear(warekiYear(d))}${western ? `（${d.year}年）` : ''}${d.month}月${d.day}日`;
}

/** `令和8年（2026年）12月1日` for the day in Japan of a moment. */
export function formatWarekiDate(ms: number, o: WarekiOptions = {}): string {
  return formatWarekiCivilDate(jstParts(ms), o);
}

/** `令和8年（2026年）12月1日 10時05分` for a moment, in Japan time. */
export function formatWarekiDateTime(ms: number, o: WarekiOptions = {}): string {
  const p = jstParts(ms);
  return `${formatWarekiCivilDate(p, o)} ${p.hour}時${String(p.minute).padStart(2, '0')}分`;
}
