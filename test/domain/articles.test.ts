import { formatArticleRefJa, parseArticleRef } from '../../src/domain/articles';
import { parseDuration } from '../../src/domain/duration';

describe('article references', () => {
  it('parses organisation, article, paragraph and item', () => {
    expect(parseArticleRef('niigata:15.2.4')).toEqual({ organisation: 'niigata', article: '15', paragraph: 2, item: '4' });
    expect(parseArticleRef('katsuragi:3.4')).toEqual({ organisation: 'katsuragi', article: '3', paragraph: 4 });
    expect(parseArticleRef('tokyo:7-2')).toEqual({ organisation: 'tokyo', article: '7-2' });
  });

  it('parses an item without a paragraph, an item branch number and a law outside the regulation', () => {
    expect(parseArticleRef('katsuragi:5..1')).toEqual({ organisation: 'katsuragi', article: '5', item: '1' });
    expect(parseArticleRef('niigata:15.2.3-2')).toEqual({ organisation: 'niigata', article: '15', paragraph: 2, item: '3-2' });
    expect(parseArticleRef('law:個人情報保護法:68.1')).toEqual({ law: '個人情報保護法', article: '68', paragraph: 1 });
    expect(parseArticleRef('law:番号法:29-4')).toEqual({ law: '番号法', article: '29-4' });
  });

  it('rejects what is not a reference', () => {
    for (const bad of ['niigata', 'niigata:', ':15', 'Niigata:15', 'niigata:15.', 'niigata:15.2.4.1', 'niigata:第15条', 'niigata:5..', 'niigata:5...1', 'niigata:5.1.-2', 'law:26', 'law::26', 'law:個人 情報:1', 'law:1法:1']) {
      expect(parseArticleRef(bad)).toBeUndefined();
    }
  });

  it('writes references the way the regulations do', () => {
    expect(formatArticleRefJa('niigata:15.2.4')).toBe('第15条第2項第4号');
    expect(formatArticleRefJa('katsuragi:3.4')).toBe('第3条第4項');
    expect(formatArticleRefJa('tokyo:7-2')).toBe('第7条の2');
    expect(formatArticleRefJa('katsuragi:5..1')).toBe('第5条第1号');
    expect(formatArticleRefJa('niigata:15.2.3-2')).toBe('第15条第2項第3号の2');
    expect(formatArticleRefJa('kunitachi:10-2.1.2-3')).toBe('第10条の2第1項第2号の3');
    expect(formatArticleRefJa('law:個人情報保護法:26')).toBe('個人情報保護法第26条');
    expect(formatArticleRefJa('law:地方自治法:152.1')).toBe('地方自治法第152条第1項');
    expect(formatArticleRefJa('law:番号法:29-4.1.2')).toBe('番号法第29条の4第1項第2号');
  });
});

describe('durations', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('3d')).toBe(259_200_000);
  });
  it('refuses other spellings', () => {
    for (const bad of ['30', '30 m', '1.5h', 'PT30M', '-1m', '']) expect(parseDuration(bad)).toBeUndefined();
  });
});
