import { formatWarekiCivilDate, formatWarekiDate, formatWarekiDateTime, formatWarekiYear, jstParts, warekiYear } from '../../src/domain/wareki';

const day = (iso: string) => {
  const [year, month, d] = iso.split('-').map(Number);
  return { year, month, day: d };
};

describe('和暦 (Japanese era dates)', () => {
  it.each([
    ['2026-12-01', '令和8年（2026年）12月1日'],
    ['2019-05-01', '令和元年（2019年）5月1日'], // the first day of 令和
    ['2019-04-30', '平成31年（2019年）4月30日'], // the last day of 平成
    ['2020-01-01', '令和2年（2020年）1月1日'],
    ['1989-01-08', '平成元年（1989年）1月8日'],
    ['1989-01-07', '昭和64年（1989年）1月7日'],
    ['2002-08-05', '平成14年（2002年）8月5日'], // 住基ネット第一次稼働
    ['1926-12-25', '昭和元年（1926年）12月25日'],
  ])('%s is %s', (iso, expected) => {
    expect(formatWarekiCivilDate(day(iso))).toBe(expected);
  });

  it('prints 元年 for the first year of an era only', () => {
    expect(formatWarekiYear(warekiYear(day('2019-12-31')))).toBe('令和元年');
    expect(formatWarekiYear(warekiYear(day('2020-01-01')))).toBe('令和2年');
  });

  it('leaves the Western year out when asked', () => {
    expect(formatWarekiCivilDate(day('2026-12-01'), { western: false })).toBe('令和8年12月1日');
  });

  it('takes the day and time in Japan, not in UTC', () => {
    // 2019-04-30T15:00Z is 2019-05-01 00:00 in Japan: already 令和
    expect(formatWarekiDate(Date.parse('2019-04-30T15:00:00Z'))).toBe('令和元年（2019年）5月1日');
    expect(formatWarekiDate(Date.parse('2019-04-30T14:59:59Z'))).toBe('平成31年（2019年）4月30日');
    expect(formatWarekiDateTime(Date.parse('2026-12-01T10:05:00+09:00'))).toBe('令和8年（2026年）12月1日 10時05分');
    expect(formatWarekiDateTime(Date.parse('2026-12-31T15:00:00Z'))).toBe('令和9年（2027年）1月1日 0時00分');
    expect(jstParts(Date.parse('2026-12-01T01:05:00Z'))).toEqual({ year: 2026, month: 12, day: 1, hour: 10, minute: 5 });
  });

  it('refuses a day before 明治', () => {
    expect(() => warekiYear(day('1868-01-24'))).toThrow(RangeError);
  });
});
