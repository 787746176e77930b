// The notice builder: the union of Kunitachi's seven items and the law's five, the commander's
// fields checked (each refusal names its field), defaults from the incident, and the email and
// public page carrying the same notice without anyone's personal data but the addressee's name.
import { buildNotice, DEFAULT_NOTICE_TITLE, NOTICE_ITEMS, NOTICE_TOTAL_MAX_CHARS, noticeEmail, noticeEmailFor, noticeFieldsSchema, publicNotice, publicNoticePath } from '../../src/notify/notice';
import { leakIncident, loadProfile } from '../support/documents';
import { noticeFields } from '../support/notices';

const profile = loadProfile('kunitachi');
const builtAt = new Date('2026-12-02T09:00:00+09:00');
const build = (over = {}) => buildNotice({ incident: leakIncident(), profile, fields: noticeFieldsSchema.parse(noticeFields(over)), noticeId: 'INC-2026-0007-1', builtAt });

describe('the notice items', () => {
  it('cover Kunitachi 14(1)-(7) and the five items of rule 10', () => {
    const rules = NOTICE_ITEMS.flatMap((i) => i.rules);
    for (const n of [1, 2, 3, 4, 5, 6, 7]) expect(rules).toContain(`kunitachi:14.${n}`);
    for (const r of ['概要', '項目', '原因', '二次被害', 'その他参考となる事項']) expect(rules).toContain(`規則第10条（${r}）`);
    expect(new Set(NOTICE_ITEMS.map((i) => i.key)).size).toBe(9);
  });
});

describe('noticeFieldsSchema', () => {
  const issues = (input: unknown) => {
    const r = noticeFieldsSchema.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
  };
  it('accepts a complete notice and fills defaults', () => {
    const f = noticeFieldsSchema.parse(noticeFields({ title: undefined }));
    expect(f.publish).toBe(true);
    expect(f.title).toBeUndefined();
  });
  it('names each missing or bad field', () => {
    const { cause: _c, ...withoutCause } = noticeFields();
    expect(issues(withoutCause)).toEqual(['cause']);
    expect(issues(noticeFields({ dataItems: '  ' }))).toEqual(['dataItems']);
    expect(issues(noticeFields({ contact: { desk: '市民課', phone: 'call us' } }))).toEqual(['contact.phone']);
    expect(issues(noticeFields({ contact: { desk: '市民課', phone: '042-576-2111', email: 'not-an-address' } }))).toEqual(['contact.email']);
  });
  it('refuses items too long for a one-page letter, naming the longest', () => {
    const long = 'あ'.repeat(290);
    expect(issues(noticeFields({ cause: long, response: long, secondaryHarm: 'あ'.repeat(295) }))).toEqual(['secondaryHarm']);
    expect(NOTICE_TOTAL_MAX_CHARS).toBe(800);
    expect(issues(noticeFields({ cause: 'あ'.repeat(301) }))).toEqual(['cause']);
  });
});

describe('buildNotice', () => {
  it('builds the nine items in order, with the incident filling what the commander left out', () => {
    const n = buildNotice({ incident: leakIncident(), profile, fields: noticeFieldsSchema.parse(noticeFields({ circumstances: undefined, title: undefined })), noticeId: 'N1', builtAt });
    expect(n.items.map((i) => i.key)).toEqual(NOTICE_ITEMS.map((i) => i.key));
    expect(n.items[0]).toMatchObject({ no: 1, heading: '発生した事象の内容', text: '住民票の写しの誤送付' });
    expect(n.items.find((i) => i.key === 'circumstances')!.text).toBe('令和8年（2026年）12月1日 9時40分に事象を検知し、令和8年（2026年）12月1日 10時05分に国立市が把握しました。');
    expect(n.title).toBe(DEFAULT_NOTICE_TITLE);
    expect(n.date).toBe('令和8年（2026年）12月2日');
    expect(n.documentId).toBe('kunitachi:INC-2026-0007:notice:N1');
    expect(n.articles).toEqual(['kunitachi:14']);
    expect(n.contactLines).toEqual(['お問い合わせ先：国立市 市民課 住民記録係', '電話：042-576-2111（平日 8時30分から17時15分）', 'メール：shimin@city.kunitachi.example.jp']);
    expect(n.items.every((i) => i.text.length > 0)).toBe(true);
  });
  it('is pure: the same input gives the same notice', () => {
    expect(build()).toEqual(build());
  });
});

describe('the email and the public page', () => {
  it('addresses the person and carries the whole notice and its public address', () => {
    const n = build();
    const m = noticeEmail(n, { name: '国立 一郎' }, 'https://ops.example.jp/');
    expect(m.subject).toBe('【重要】住民票の写しの誤送付に関するお詫びとお知らせ（国立市）');
    expect(m.text.startsWith('国立 一郎 様\n')).toBe(true);
    for (const item of n.items) {
      expect(m.text).toContain(item.heading);
      expect(m.text).toContain(item.text);
    }
    expect(m.text).toContain('https://ops.example.jp/public/kunitachi/notices/INC-2026-0007-1');
    expect(publicNoticePath('kunitachi', 'INC-2026-0007-1')).toBe('/public/kunitachi/notices/INC-2026-0007-1');
  });
  it('marks a drill\'s notice 【訓練】 in its title and its email\'s subject, once', () => {
    const n = buildNotice({ incident: leakIncident({ incident_id: 'DRL-2026-0001' }), profile, fields: noticeFieldsSchema.parse(noticeFields()), noticeId: 'DRL-2026-0001-1', builtAt });
    expect(n.title).toBe('【訓練】住民票の写しの誤送付に関するお詫びとお知らせ');
    expect(noticeEmail(n, { name: 'x' }).subject).toBe('【訓練】【重要】住民票の写しの誤送付に関するお詫びとお知らせ（国立市）');
  });
  it('renders the notice once for all its persons: each email differs only in the salutation', () => {
    const n = build();
    const email = noticeEmailFor(n, 'https://ops.example.jp/');
    const a = email({ name: '国立 一郎' });
    const b = email({ name: '国立 二郎' });
    expect(a.text.startsWith('国立 一郎 様\n')).toBe(true);
    expect(b.text.startsWith('国立 二郎 様\n')).toBe(true);
    expect(a.text.slice(a.text.indexOf('\n'))).toBe(b.text.slice(b.text.indexOf('\n')));
    expect(a.subject).toBe(b.subject);
    expect(b).toEqual(noticeEmail(n, { name: '国立 二郎' }, 'https://ops.example.jp/'));
  });
  it('leaves the public address out of a notice that is not published', () => {
    expect(noticeEmail(build({ publish: false }), { name: 'x' }, 'https://ops.example.jp').text).not.toContain('/public/');
  });
  it('shows the public nothing about who detected it or who is notified', () => {
    const json = JSON.stringify(publicNotice(build()));
    expect(json).not.toContain(leakIncident().detected_by.name);
    expect(json).not.toContain(leakIncident().detected_by.email);
    expect(json).toContain('誤送付');
  });
});

