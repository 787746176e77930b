import { formatArticleRefJa, parseArticleRef } from '../../src/domain/articles';
import { parseDuration } from '../../src/domain/duration';

describe('article references', () => {
  it('parses organisation, article, paragraph and item', () => {
    expect(parseArticleRef('niigata:15.2.4')).toEqual({ organisation: 'niigata', article: '15', paragraph: 2, item: 4 });
    expect(parseArticleRef('katsuragi:3.4')).toEqual({ organisation: 'katsuragi', article: '3', paragraph: 4 });
    expect(parseArticleRef('tokyo:7-2')).toEqual({ organisation: 'tokyo', article: '7-2' });
  });

  it('rejects what is not a reference', () => {
    for (const bad of ['niigata', 'niigata:', ':15', 'Niigata:15', 'niigata:15.', 'niigata:15.2.4.1', 'niigata:第15条']) {
      expect(parseArticleRef(bad)).toBeUndefined();
    }
  });

  it('writes references the way the regulations do', () => {
    expect(formatArticleRefJa('niigata:15.2.4')).toBe('第15条第2項第4号');
    expect(formatArticleRefJa('katsuragi:3.4')).toBe('第3条第4項');
    expect(formatArticleRefJa('tokyo:7-2')).toBe('第7条の2');
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
