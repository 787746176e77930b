import {
  checkPassword,
  contextWords,
  isBlocklisted,
  isSequence,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  PASSWORD_RULES,
  type PasswordCheck,
  type PasswordRule,
} from '../../src/domain/password-policy';

const rules = (candidate: string, context = {}) => checkPassword(candidate, context).map((r) => r.rule);
const katsuragi = {
  email: 'taro.yamada@katsuragi.example.jp',
  displayName: '山田 太郎',
  organisationNames: ['葛城町', 'katsuragi'],
};

describe('the password policy', () => {
  it.each([
    'correct horse battery staple',
    'kakinoki no shita de matsu',
    'Umi-ga-mieru-oka-de-2026',
    '柿の木の下で待っています',
    'tr4vel Lantern Quietly 9',
  ])('accepts a good passphrase: %s', (candidate) => {
    expect(checkPassword(candidate, katsuragi)).toEqual([]);
  });

  it('names every rule it applies with a Japanese and an English message', () => {
    for (const r of checkPassword('aaaa')) {
      expect(r.message.ja).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
      expect(r.message.en).toMatch(/^[\x20-\x7e]+$/);
    }
  });

  it('never puts the candidate in a message', () => {
    const candidate = 'yamadataro-katsuragi';
    for (const r of checkPassword(candidate, katsuragi)) {
      expect(r.message.ja).not.toContain('yamada');
      expect(r.message.en).not.toContain('yamada');
    }
  });

  describe('length', () => {
    it(`needs at least ${PASSWORD_MIN_LENGTH} characters`, () => {
      expect(rules('tr4velLante')).toEqual(['length']);
      expect(rules('tr4velLanter')).toEqual([]);
      expect(rules('')).toEqual(['length']);
    });

    it('counts code points, so a Japanese passphrase is measured by its characters', () => {
      expect(rules('柿の木の下で待っています')).toEqual([]); // 12 characters
      expect(rules('柿の木の下で待っていま')).toEqual(['length']); // 11
      expect(rules('𠮷野家の牛丼を食べに行きます')).toEqual([]); // a surrogate pair counts once
    });

    it(`refuses more than ${PASSWORD_MAX_LENGTH} characters, with that reason alone`, () => {
      const long = 'kakinoki no shita de '.repeat(20).slice(0, PASSWORD_MAX_LENGTH);
      expect(rules(long)).toEqual([]);
      expect(rules(long + 'x')).toEqual(['too_long']);
      expect(rules('a'.repeat(10_000))).toEqual(['too_long']);
    });
  });

  describe('whitespace only', () => {
    it('refuses spaces, tabs and ideographic spaces alone, with that reason alone', () => {
      expect(rules(' '.repeat(20))).toEqual(['whitespace_only']);
      expect(rules('\u3000'.repeat(12))).toEqual(['whitespace_only']);
      expect(rules(' \t '.repeat(5))).toEqual(['whitespace_only']);
    });

    it('accepts spaces inside a passphrase', () => {
      expect(rules(' quiet lantern river ')).toEqual([]);
    });
  });

  describe('blocklist', () => {
    it.each([
      'password1234',
      'Password2026!',
      'PASSWORD!!!!!!!!',
      'P@ssw0rd2026!',
      '2026Sakura!!!!',
      'iloveyou1234',
      'jukinet20261201',
      'Juki-Net-2026!',
      'kanri12345678',
      'Admin2026!!!',
      'adm1n12345678',
      'tokyo1234567',
      'Niigata2026!',
      'Reiwa8-12345',
      'heisei12345678',
      'yamada123456',
      'ｐａｓｓｗｏｒｄ１２３４',
      'パスワード1234567',
      'letmein!!!!!',
      'dragon123456',
    ])('refuses %s', (candidate) => {
      expect(rules(candidate)).toContain('blocklist');
      expect(isBlocklisted(candidate)).toBe(true);
    });

    it('compares the whole password, so a listed word inside a passphrase is fine', () => {
      expect(rules('sakura ga saita niigata no haru')).toEqual([]);
      expect(isBlocklisted('password manager lantern')).toBe(false);
    });
  });

  describe('context', () => {
    it.each([
      ['the email local part', 'taro.yamada-secure-lantern'],
      ['a part of the email local part', 'mr-yamada-lantern-quiet'],
      ['the name in Latin letters, de-leeted', 'y4mada lantern quiet'],
      ['the name in kanji', '山田の柿の木の下で待つ'],
      ['the organisation name', '葛城町の柿の木の下で待つ'],
      ['the organisation id', 'Katsuragi lantern quiet'],
    ])('refuses %s', (_what, candidate) => {
      expect(rules(candidate, katsuragi)).toContain('context');
    });

    it('ignores context words too short to mean anything (under 4 Latin characters)', () => {
      expect(contextWords({ email: 'abe@example.jp', organisationNames: ['JLS'] })).toEqual([]);
      expect(rules('abe likes quiet lanterns', { email: 'abe@example.jp' })).toEqual([]);
    });

    it('splits the email, the name and organisations into the words it checks', () => {
      expect(contextWords(katsuragi).sort()).toEqual(['katsuragi', 'taro', 'taroyamada', 'yamada', '太郎', '山田', '山田太郎', '葛城町'].sort());
    });

    it('applies nothing without context', () => {
      expect(rules('taro.yamada-secure-lantern')).toEqual([]);
    });
  });

  describe('repeated', () => {
    it.each(['aaaaaaaaaaaa', 'AaAaAaAaAaAaAa', 'abcdabcdabcd', 'sakurasakura', 'kanrikanrikanri', 'ああああああああああああ', 'ab ab ab ab ab ab'])('refuses %s', (candidate) => {
      expect(rules(candidate)).toContain('repeated');
    });

    it('accepts a unit of 12 or more characters said twice', () => {
      expect(rules('quietlantern-quietlantern')).not.toContain('repeated');
    });
  });

  describe('sequence', () => {
    it.each([
      '123456789012',
      '098765432109',
      'abcdefghijklmn',
      'qwertyuiopasdf',
      'qwertyasdfgh',
      'poiuytrewqlkj',
      '1qaz2wsx3edc4rfv',
      'zaq1xsw2cde3',
      'q1w2e3r4t5y6',
      '789456123789',
      'aiueokakikukeko',
      '1234-5678-9012',
    ])('refuses %s', (candidate) => {
      expect(rules(candidate)).toContain('sequence');
    });

    it('does not see sequences in ordinary words', () => {
      for (const s of ['correcthorsebatterystaple', 'kakinonoshitademachimasu', 'sashimiwotabetai', 'ashitahaharedesu']) expect(isSequence(s)).toBe(false);
    });
  });

  it('reports every failing rule at once', () => {
    expect(rules('qwerty')).toEqual(['length', 'blocklist', 'sequence']);
  });

  it('is extended by passing more rules', () => {
    const noYear: PasswordCheck = (c) => (/20\d\d/.test(c.lower) ? { rule: 'context' as PasswordRule, message: { ja: '年を含めないでください', en: 'No years' } } : null);
    expect(checkPassword('quiet lantern 2026', {}, [...PASSWORD_RULES, noYear]).map((r) => r.rule)).toEqual(['context']);
    expect(checkPassword('quiet lantern 2026')).toEqual([]);
  });
});
