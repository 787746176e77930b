import {
  checkPasswordWith,
  DEFAULT_PASSWORD_RULE_SET,
  isDictionaryWords,
  isOneDictionaryWord,
  minimumLength,
  PASSWORD_RULE_NAMES,
  PASSWORD_RULE_SETS,
  passwordExpiry,
  type PasswordRuleSetName,
} from '../../src/domain/password-policy';
import { passwordRuleSetOf } from '../../src/domain/profile';
import { foldRomaji, kanaToRomaji } from '../../src/domain/romaji';

const rules = (set: PasswordRuleSetName, candidate: string, context = {}, o = {}) => checkPasswordWith(set, candidate, context, o).map((r) => r.rule);
const yamada = { displayName: 'Yamada Taro', userId: 'ytaro01', organisationNames: ['katsuragi', '葛城町'] };

describe('romaji folding', () => {
  it.each([
    ['shinbun', 'sinbun'],
    ['shimbun', 'sinbun'],
    ['tsukuba', 'tukuba'],
    ['chiba', 'tiba'],
    ['fukuoka', 'hukuoka'],
    ['fujisan', 'huzisan'],
    ['toukyou', 'tokyo'],
    ['tookyoo', 'tokyo'],
    ['tōkyō', 'tokyo'],
    ['ohno', 'ono'],
    ['oosaka', 'osaka'],
    ['matcha', 'mattya'],
    ['maccha', 'mattya'],
    ['konnichiha', 'konitiha'],
    ['jyuumin', 'zyumin'],
    ['juumin', 'zyumin'],
  ])('%s and %s are one spelling', (a, b) => {
    expect(foldRomaji(a)).toBe(foldRomaji(b));
  });
});

describe('kana in romaji', () => {
  it.each([
    ['さくら', 'sakura'],
    ['パスワード', 'pasuwado'],
    ['きっぷ', 'kippu'],
    ['まっちゃ', 'matcha'],
    ['しゃしん', 'shashin'],
    ['じゅうみん', 'juumin'],
    ['トウキョウ', 'toukyou'],
    ['Aさくら1', 'Asakura1'],
  ])('%s is %s', (kana, romaji) => {
    expect(kanaToRomaji(kana)).toBe(romaji);
  });
});

describe('the Juki-net rule set (niigata:15.2)', () => {
  it('accepts a password of 8+ mixed characters that is no word and no simple string', () => {
    for (const p of ['Xq7#mPz2', 'Tr4v#Lqm9Zk', 'Kw9$vTm2Qp', 'xQz7#sakura']) expect(rules('juki', p, yamada)).toEqual([]);
  });

  it('cites niigata:15.2.7 in every rejection of the candidate itself', () => {
    for (const r of checkPasswordWith('juki', 'sakura')) expect(r.reference).toBe('niigata:15.2.7');
  });

  describe('length (8 characters, niigata:15.2.7 「8桁以上」)', () => {
    it('needs 8 code points', () => {
      expect(rules('juki', 'Xq7#mPz')).toContain('length');
      expect(rules('juki', 'Xq7#mPz2')).not.toContain('length');
    });
  });

  describe('composition (大文字，小文字，英数字等を組み合わせ)', () => {
    it.each([
      ['no upper case', 'xq7#mpz2k', '英大文字'],
      ['no lower case', 'XQ7#MPZ2K', '英小文字'],
      ['no digit', 'Xqw#mPzLk', '数字'],
      ['no symbol', 'Xq7vmPz2k', '記号'],
    ])('refuses %s, naming what is missing', (_what, p, missing) => {
      const r = checkPasswordWith('juki', p).find((x) => x.rule === 'composition');
      expect(r?.message.ja).toContain(`不足: ${missing}`);
    });

    it('reads full-width characters typed with the IME as their ASCII (NFKC)', () => {
      expect(rules('juki', 'Ｘｑ７＃ｍＰｚ２')).toEqual([]);
    });
  });

  describe('dictionary words (辞書単語), Japanese in romaji included', () => {
    it.each([
      ['a Japanese word with digits and a symbol', 'Sakura#2026'],
      ['a surname', 'Suzuki!1985'],
      ['two words', 'Neko#Inu2026'],
      ['a word in kunrei (IME) spelling', 'Sinbun#2026'],
      ['a word in Hepburn with m before b', 'Shimbun#2026'],
      ['tsu typed tu', 'Tukimi!2026'],
      ['chi typed ti', 'Tiba#20261201'],
      ['fu typed hu', 'Huzisan!2026'],
      ['a long vowel written ou', 'Toukyou#1964'],
      ['a long vowel written oo', 'Oosaka!2025'],
      ['a long vowel written oh', 'Ohsaka!2025'],
      ['a prefecture', 'Kagoshima@7'],
      ['a designated city', 'Hamamatsu#21'],
      ['a town of the seed regulations', 'Kunitachi!2026'],
      ['an era with its year', 'Reiwa8!Aa'],
      ['Heisei 31', 'Heisei31#'],
      ['an era date with a stray letter of padding', 'Reiwa8!Aa'],
      ['a word with two stray letters', 'xQ7#sakura'],
      ['Showa 64 in the other spelling', 'Shouwa64!'],
      ['an era initial and year with a place', 'R8!Tokyo'],
      ['H31 with a word', 'Sakura-H31!'],
      ['the era in kanji', '令和8年!Aa'],
      ['a full era date in kanji', '令和8年4月1日#Ab'],
      ['the first year of an era', 'Reiwagannen!1'],
      ['a word typed in kana', 'さくら#2026Aa'],
      ['a word typed in katakana', 'パスワード#1Ab'],
      ['leetspeak', 'P@ssw0rd2026!'],
      ['leetspeak in romaji', 'S@kur@#2026'],
      ['an English word', 'Welcome#2026'],
      ['a password of the leak list', 'Dragon#123456'],
    ])('refuses %s: %s', (_what, p) => {
      expect(rules('juki', p)).toContain('dictionary');
      expect(isDictionaryWords(p)).toBe(true);
    });

    it('accepts random characters with a word among them: three letters of no word are more than padding', () => {
      expect(isDictionaryWords('xQz7#sakura')).toBe(false);
      expect(isDictionaryWords('Xq7#mPz2')).toBe(false);
    });

    it('does not call digits and symbols alone words', () => {
      expect(isDictionaryWords('1985#0401!')).toBe(false);
    });
  });

  describe('simple strings (単純な文字列)', () => {
    it.each(['Aa1!Aa1!', 'Xaaaa#7Q', 'Abab#Abab#'])('refuses the repetition %s', (p) => {
      expect(rules('juki', p)).toContain('repeated');
    });

    it.each(['Abc123!@', 'Qwer1234!', 'Asdf#5678', '1qaz@WSX', 'Zxcv#Bnm123'])('refuses the sequence %s', (p) => {
      expect(rules('juki', p)).toContain('sequence');
    });
  });

  describe('context (the holder, the user ID, the organisation)', () => {
    it.each([
      ['the surname in romaji', 'Yamada#9Xq'],
      ['the surname in another spelling of the name', 'Xq9#Yamadaa', { displayName: 'Yamadaa Taro' }],
      ['the user ID', 'Ytaro01#Kq'],
      ['the organisation', 'Katsuragi#7Q'],
      ['the organisation in kanji', '葛城町#7Qa'],
      ['the name in IME spelling of a Hepburn name', 'Xq9#Satou!', { displayName: 'Sato Hanako' }],
      ['a name given in kana, typed in romaji', 'Yamada#9Xq', { displayName: 'やまだ たろう' }],
    ])('refuses %s', (_what, p, context: object = yamada) => {
      expect(rules('juki', p, context)).toContain('context');
    });
  });

  it('lists every failing rule at once, in the order of the set', () => {
    expect(rules('juki', 'sakura')).toEqual(['length', 'composition', 'dictionary']);
  });

  it('gives a password over the maximum, or of spaces only, that single reason', () => {
    expect(rules('juki', 'Xq7#'.repeat(100))).toEqual(['too_long']);
    expect(rules('juki', '\u3000'.repeat(10))).toEqual(['whitespace_only']);
  });

  it('renews at least yearly and locks out as the profile says (niigata:15.2.5, .6, .9)', () => {
    expect(PASSWORD_RULE_SETS.juki.validityMonths).toBe(12);
    expect(PASSWORD_RULE_SETS.juki.validityReference).toContain('niigata:15.2.6');
    expect(PASSWORD_RULE_SETS.juki.lockout).toEqual({ defaultThreshold: 5, maxThreshold: 20, reference: 'niigata:15.2.9' });
  });
});

describe('the NIST SP 800-63B-4 rule set', () => {
  it('needs 15 characters for a single-factor password, 8 within multi-factor (Rev. 4 §3.1.1.2)', () => {
    expect(minimumLength('nist')).toBe(15);
    expect(minimumLength('nist', { singleFactor: false })).toBe(8);
    expect(rules('nist', 'kaki no ki shita')).toEqual([]); // 16
    expect(rules('nist', 'kaki no kishita')).toEqual([]); // 15
    expect(rules('nist', 'kaki no kishit')).toEqual(['length']);
    expect(rules('nist', 'kaki no ki', {}, { singleFactor: false })).toEqual([]);
  });

  it('imposes no composition rule: lower-case words alone, or Japanese, are fine', () => {
    expect(rules('nist', 'correct horse battery staple')).toEqual([]);
    expect(rules('nist', '柿の木の下で待っています。駅前で')).toEqual([]);
    expect(PASSWORD_RULE_SETS.nist.rules.map((r) => r.rule)).not.toContain('composition');
  });

  it('allows at least 64 characters', () => {
    expect(rules('nist', 'the quiet lantern by the river bank glows softly at midnight again')).toEqual([]);
  });

  it.each([
    ['a common password padded', 'password12345678!'],
    ['leetspeak', 'P@ssw0rd-2026-12-01'],
    ['one Japanese word with a date', 'Sakura-1987-04-01'],
    ['a place in IME spelling with a date', 'toukyou-1964-10-10'],
    ['an era date padded', 'Reiwa8-12-01-0000!'],
    ['R8 with a date', 'R8.12.01-2026/12/01'],
    ['a kana word', 'パスワード123456789012'],
    ['a place in kana with a date in kanji', 'とうきょう1964年10月10日!'],
  ])('blocklists %s', (_what, p) => {
    expect(rules('nist', p)).toContain('blocklist');
    expect(isOneDictionaryWord(p) || rules('nist', p).includes('blocklist')).toBe(true);
  });

  it('allows a passphrase of several words, which the guideline encourages', () => {
    expect(rules('nist', 'sakura ga saita niigata no haru')).toEqual([]);
    expect(isOneDictionaryWord('sakura tokyo neko inu')).toBe(false);
  });

  it.each([
    ['the user ID', 'ytaro01 likes quiet lanterns'],
    ['the name', 'quiet lantern of yamada san'],
    ['the organisation', 'katsuragi quiet lantern river'],
  ])('refuses context words: %s', (_what, p) => {
    expect(rules('nist', p, yamada)).toContain('context');
  });

  it.each(['aaaaaaaaaaaaaaaa', 'abcabcabcabcabcabc'])('refuses repetition: %s', (p) => expect(rules('nist', p)).toContain('repeated'));
  it.each(['1234567890123456', 'qwertyuiopasdfghjkl'])('refuses sequences: %s', (p) => expect(rules('nist', p)).toContain('sequence'));

  it('cites Revision 4 §3.1.1.2, has no periodic expiry and locks after at most 100 failures (§3.2.2)', () => {
    for (const r of checkPasswordWith('nist', 'qwerty')) expect(r.reference).toBe('NIST SP 800-63B-4 §3.1.1.2');
    expect(PASSWORD_RULE_SETS.nist.validityMonths).toBeNull();
    expect(PASSWORD_RULE_SETS.nist.lockout.maxThreshold).toBe(100);
  });
});

describe('both sets', () => {
  it('name only rules of their own, each with a Japanese and an English message, never the candidate', () => {
    for (const set of ['juki', 'nist'] as const) {
      const own = PASSWORD_RULE_SETS[set].rules.map((r) => r.rule);
      for (const p of ['yamada-ytaro01', 'qwertyuiop', 'Sakura#2026', '']) {
        for (const r of checkPasswordWith(set, p, yamada)) {
          expect(PASSWORD_RULE_NAMES).toContain(r.rule);
          expect(own).toContain(r.rule);
          expect(r.message.ja).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
          expect(r.message.en).toMatch(/^[\x20-\x7e]+$/);
          if (p) expect(`${r.message.ja} ${r.message.en}`).not.toContain(p);
        }
      }
    }
  });

  it('a profile without a choice follows the Juki-net rules', () => {
    expect(DEFAULT_PASSWORD_RULE_SET).toBe('juki');
    expect(passwordRuleSetOf({})).toBe('juki');
    expect(passwordRuleSetOf({ signIn: { totpRequired: false, passwordPolicy: 'nist' } })).toBe('nist');
  });
});

describe('expiry', () => {
  const jst = (s: string) => new Date(`${s}+09:00`);

  it('a Juki-net password changed on 2026-05-10 is valid to the end of 2027-05-10 (民法140条・143条)', () => {
    const e = passwordExpiry('juki', jst('2026-05-10T10:00:00'), jst('2027-05-10T23:59:59'));
    expect(e.expiresAt).toEqual(jst('2027-05-11T00:00:00'));
    expect(e.expired).toBe(false);
    expect(e.daysLeft).toBe(0);
    expect(passwordExpiry('juki', jst('2026-05-10T10:00:00'), jst('2027-05-11T00:00:00')).expired).toBe(true);
  });

  it('counts the day in Japan: 23:30 UTC on 9 May is already 10 May in Japan', () => {
    expect(passwordExpiry('juki', new Date('2026-05-09T23:30:00Z'), new Date('2026-06-01T00:00:00Z')).expiresAt).toEqual(jst('2027-05-11T00:00:00'));
  });

  it('a period without its corresponding day ends with the month (changed on 28 Feb of a leap year)', () => {
    expect(passwordExpiry('juki', jst('2028-02-28T12:00:00'), jst('2028-03-01T00:00:00')).expiresAt).toEqual(jst('2029-03-01T00:00:00'));
    expect(passwordExpiry('juki', jst('2026-03-30T12:00:00'), jst('2026-04-01T00:00:00'), { validityMonths: 1 }).expiresAt).toEqual(jst('2026-05-01T00:00:00'));
  });

  it('is due a reminder within the reminder days before expiry, not before and not after', () => {
    const changed = jst('2026-05-10T10:00:00');
    expect(passwordExpiry('juki', changed, jst('2027-04-26T00:00:00')).reminderDue).toBe(false);
    expect(passwordExpiry('juki', changed, jst('2027-04-27T00:00:00')).reminderDue).toBe(true);
    expect(passwordExpiry('juki', changed, jst('2027-04-27T00:00:00')).daysLeft).toBe(13);
    expect(passwordExpiry('juki', changed, jst('2027-04-20T00:00:00'), { reminderDays: 30 }).reminderDue).toBe(true);
    expect(passwordExpiry('juki', changed, jst('2027-05-12T00:00:00'))).toMatchObject({ expired: true, reminderDue: false });
  });

  it('a profile may shorten the period, never lengthen it beyond a year', () => {
    const changed = jst('2026-05-10T10:00:00');
    expect(passwordExpiry('juki', changed, changed, { validityMonths: 3 }).expiresAt).toEqual(jst('2026-08-11T00:00:00'));
    expect(passwordExpiry('juki', changed, changed, { validityMonths: 24 }).expiresAt).toEqual(jst('2027-05-11T00:00:00'));
  });

  it('NIST has no periodic expiry', () => {
    expect(passwordExpiry('nist', jst('2020-01-01T00:00:00'), jst('2030-01-01T00:00:00'))).toEqual({ expiresAt: null, expired: false, reminderDue: false, daysLeft: null });
  });
});
