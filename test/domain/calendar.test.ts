import { equinoxDays, isWithinOfficeHours, japaneseHoliday, type OfficeHours } from '../../src/domain/calendar';

const day = (iso: string) => {
  const [year, month, d] = iso.split('-').map(Number);
  return { year, month, day: d };
};

describe('Japanese national holidays (祝日法)', () => {
  it.each([
    ['2026-01-01', '元日'],
    ['2026-01-12', '成人の日'],
    ['2026-02-11', '建国記念の日'],
    ['2026-02-23', '天皇誕生日'],
    ['2026-03-20', '春分の日'],
    ['2025-03-20', '春分の日'],
    ['2026-04-29', '昭和の日'],
    ['2026-05-06', '振替休日'], // 5/3 is a Sunday: the holiday moves past 5/4 and 5/5
    ['2025-05-06', '振替休日'], // 5/4 is a Sunday
    ['2026-07-20', '海の日'],
    ['2026-08-11', '山の日'],
    ['2026-09-21', '敬老の日'],
    ['2026-09-22', '国民の休日'], // between 敬老の日 and 秋分の日
    ['2026-09-23', '秋分の日'],
    ['2025-09-23', '秋分の日'],
    ['2026-10-12', 'スポーツの日'],
    ['2026-11-03', '文化の日'],
    ['2026-11-23', '勤労感謝の日'],
    ['2025-11-24', '振替休日'], // 勤労感謝の日 2025 is a Sunday
    ['2027-03-21', '春分の日'],
    ['2027-03-22', '振替休日'],
  ])('%s is %s', (iso, name) => {
    expect(japaneseHoliday(day(iso))).toBe(name);
  });

  it.each(['2026-09-24', '2026-05-07', '2025-05-07', '2026-01-13', '2026-03-19', '2026-08-12', '2027-01-04'])('%s is no holiday', (iso) => {
    expect(japaneseHoliday(day(iso))).toBeUndefined();
  });

  it('computes the equinoxes by the standard formula', () => {
    expect(equinoxDays(2024)).toEqual({ vernal: 20, autumnal: 22 });
    expect(equinoxDays(2026)).toEqual({ vernal: 20, autumnal: 23 });
    expect(equinoxDays(2030)).toEqual({ vernal: 20, autumnal: 23 });
  });
});

describe('office hours', () => {
  const hours: OfficeHours = {
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    start: '08:30',
    end: '17:15',
    closedOnHolidays: true,
    yearEnd: { from: '12-29', to: '01-03' },
    closedDays: ['2026-08-14'],
  };
  const at = (iso: string, h: OfficeHours = hours) => isWithinOfficeHours(Date.parse(iso), h);

  it('is open on a weekday between start and end, in Japan time', () => {
    expect(at('2026-09-24T08:30:00+09:00')).toBe(true);
    expect(at('2026-09-24T17:14:59+09:00')).toBe(true);
    expect(at('2026-09-23T23:30:00Z')).toBe(true); // 08:30 on the 24th in Tokyo
  });

  it('is closed before start, from end on, and at weekends', () => {
    expect(at('2026-09-24T08:29:00+09:00')).toBe(false);
    expect(at('2026-09-24T17:15:00+09:00')).toBe(false);
    expect(at('2026-09-26T10:00:00+09:00')).toBe(false);
  });

  it('is closed on national holidays, 振替休日 and 国民の休日', () => {
    for (const d of ['2026-09-21', '2026-09-22', '2026-09-23', '2025-05-06']) expect(at(`${d}T10:00:00+09:00`)).toBe(false);
    expect(at('2026-09-22T10:00:00+09:00', { ...hours, closedOnHolidays: false })).toBe(true);
  });

  it('is closed over 年末年始 and on the extra days the profile names', () => {
    for (const d of ['2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01']) expect(at(`${d}T10:00:00+09:00`)).toBe(false);
    const everyDay: OfficeHours = { ...hours, days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] };
    expect(at('2027-01-02T10:00:00+09:00', everyDay)).toBe(false);
    expect(at('2027-01-09T10:00:00+09:00', everyDay)).toBe(true);
    expect(at('2027-01-02T10:00:00+09:00', { ...everyDay, yearEnd: { from: '12-31', to: '01-01' } })).toBe(true);
    expect(at('2026-12-28T10:00:00+09:00')).toBe(true);
    expect(at('2027-01-04T10:00:00+09:00')).toBe(true);
    expect(at('2026-08-14T10:00:00+09:00')).toBe(false);
    expect(at('2026-08-13T10:00:00+09:00')).toBe(true);
    const { yearEnd: _none, ...noYearEnd } = hours;
    expect(at('2026-12-29T10:00:00+09:00', noYearEnd)).toBe(true);
  });
});
