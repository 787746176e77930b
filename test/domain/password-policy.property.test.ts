// Property tests of the password rule sets (issue 11 item 5): no accepted password breaks a rule,
// and every rejection names one. "Breaks a rule" is decided here by predicates written apart from
// the policy (plain regular expressions and exact list look-ups, no trie, no folding): weaker than
// the policy, so they never disagree with an acceptance unless the policy lets a broken rule through.
import fc from 'fast-check';
import { COMMON_PASSWORDS, JAPANESE_CONTEXT_PASSWORDS } from '../../src/domain/password-blocklist';
import {
  checkPasswordWith,
  PASSWORD_MAX_LENGTH,
  PASSWORD_RULE_NAMES,
  PASSWORD_RULE_SETS,
  passwordExpiry,
  type PasswordContext,
  type PasswordRuleSetName,
} from '../../src/domain/password-policy';
import { ENGLISH_WORDS, ERA_WORDS, JAPANESE_WORDS, PLACE_NAMES } from '../../src/domain/password-words';

const words = (text: string) => text.split(/\s+/).filter(Boolean);
/** Every listed word but those of one or two Latin letters (ai, ki, go), which the policy ignores on purpose. */
const LISTED = new Set(
  [JAPANESE_WORDS, PLACE_NAMES, ERA_WORDS, ENGLISH_WORDS, COMMON_PASSWORDS, JAPANESE_CONTEXT_PASSWORDS]
    .flatMap(words)
    .map((w) => w.toLowerCase())
    .filter((w) => !/^[a-z]{1,2}$/.test(w)),
);
/** Words of at least three letters, to build candidates that the dictionary rules must catch. */
const WORDS = [...LISTED].filter((w) => /^[a-z]{3,}$/.test(w));
const RUNS = ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'].flatMap((r) => [r, [...r].reverse().join('')]);

// ---- the independent predicates: what an accepted password must not be ------------------------

const nfkc = (p: string) => p.normalize('NFKC');
const length = (p: string) => [...nfkc(p)].length;
const lettersOnly = (p: string) => nfkc(p).toLowerCase().replace(/[^\p{L}]/gu, '');
const alnumOnly = (p: string) => nfkc(p).toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
/** A listed word as it stands, with only digits and symbols around it (Sakura#2026, 2026tokyo!). */
const isListedWordPadded = (p: string) => LISTED.has(lettersOnly(p)) || LISTED.has(nfkc(p).toLowerCase().trim());
const isRunOfSequence = (p: string) => alnumOnly(p).length >= 4 && RUNS.some((r) => r.includes(alnumOnly(p)));
const isOneCharacter = (p: string) => length(p) > 1 && new Set(nfkc(p).toLowerCase()).size === 1;
const hasFourInARow = (p: string) => /(.)\1{3}/u.test(nfkc(p).toLowerCase());
/** The whole password one unit said again and again; NIST's reading allows a unit of 12 or more said twice. */
const isRepetition = (maxUnit: number) => (p: string) => {
  const s = [...nfkc(p).toLowerCase()];
  for (let k = 1; k <= Math.min(maxUnit, s.length / 2); k++) {
    if (s.length % k === 0 && s.slice(0, k).join('').repeat(s.length / k) === s.join('')) return true;
  }
  return false;
};
/** The context words a person could see in their own password: the whole value, lowercased, 4+ characters. */
const containsContext = (p: string, c: PasswordContext) =>
  [c.userId, c.displayName?.replace(/\s+/g, ''), ...(c.displayName?.split(/\s+/) ?? []), ...(c.organisationNames ?? [])]
    .filter((w): w is string => !!w && w.length >= 4)
    .some((w) => nfkc(p).toLowerCase().replace(/[\s\-_.]/g, '').includes(w.toLowerCase()));

const BROKEN: Record<PasswordRuleSetName, Array<[string, (p: string, c: PasswordContext) => boolean]>> = {
  juki: [
    ['shorter than 8', (p) => length(p) < 8],
    ['longer than the maximum', (p) => length(p) > PASSWORD_MAX_LENGTH],
    ['no upper-case letter', (p) => !/[A-Z]/.test(nfkc(p))],
    ['no lower-case letter', (p) => !/[a-z]/.test(nfkc(p))],
    ['no digit', (p) => !/[0-9]/.test(nfkc(p))],
    ['no symbol', (p) => !/[!-/:-@[-`{-~]/.test(nfkc(p))],
    ['a dictionary word padded', isListedWordPadded],
    ['a sequence', isRunOfSequence],
    ['four of a character in a row', hasFourInARow],
    ['a repetition', isRepetition(Infinity)],
    ['a context word', containsContext],
  ],
  nist: [
    ['shorter than 15', (p) => length(p) < 15],
    ['longer than the maximum', (p) => length(p) > PASSWORD_MAX_LENGTH],
    ['only spaces', (p) => nfkc(p).trim() === ''],
    ['a listed password padded', isListedWordPadded],
    ['a sequence', isRunOfSequence],
    ['one character', isOneCharacter],
    ['a repetition', isRepetition(11)],
    ['a context word', containsContext],
  ],
};

// ---- generators: random strings, and strings built the way people build passwords --------------

const SYMBOLS = [...'!#$%&*+-./:;=?@_~'];
const piece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...WORDS).map((w) => w) },
  { weight: 2, arbitrary: fc.constantFrom(...WORDS).map((w) => w[0].toUpperCase() + w.slice(1)) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z]{1,5}$/) },
  { weight: 2, arbitrary: fc.stringMatching(/^[0-9]{1,4}$/) },
  { weight: 2, arbitrary: fc.constantFrom(...SYMBOLS) },
  { weight: 1, arbitrary: fc.constantFrom('reiwa8', 'heisei31', 'showa64', 'R8', 'H31', '令和8年', 'さくら', 'パスワード', 'p@ssw0rd', 'S@kur@', 'toukyou', 'tukimi', 'sinbun', 'qwerty', '1234', 'aaaa', ' ') },
);
const built = fc.array(piece, { minLength: 1, maxLength: 7 }).map((ps) => ps.join(''));
const candidate = fc.oneof(built, fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }));
const context: fc.Arbitrary<PasswordContext> = fc.record(
  {
    displayName: fc.constantFrom('Yamada Taro', 'Sato Hanako', 'Suzuki Ichiro', '山田 太郎'),
    userId: fc.stringMatching(/^[a-z]{4,7}[0-9]{0,2}$/),
    organisationNames: fc.constantFrom(['katsuragi'], ['niigata', '新潟市'], ['kunitachi']),
  },
  { requiredKeys: [] },
);
const ruleSet = fc.constantFrom<PasswordRuleSetName>('juki', 'nist');

// PROPERTY_RUNS=20000 explores further (a few minutes); 400 keeps the suite quick.
const RUNS_OPTION = { numRuns: Number(process.env.PROPERTY_RUNS ?? 400) };

describe('password rule sets, by property', () => {
  it('an accepted password breaks no rule of its set (checked by independent predicates)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(ruleSet, candidate, context, (set, p, c) => {
        if (checkPasswordWith(set, p, c).length > 0) return;
        accepted++;
        for (const [what, broken] of BROKEN[set]) if (broken(p, c)) throw new Error(`${set} accepted a password that is ${what}`);
      }),
      RUNS_OPTION,
    );
    // The property says nothing if nothing was accepted.
    expect(accepted).toBeGreaterThan(10);
  });

  it('a password the predicates see breaking a rule is rejected', () => {
    fc.assert(
      fc.property(ruleSet, candidate, context, (set, p, c) => {
        fc.pre(BROKEN[set].some(([, broken]) => broken(p, c)));
        return checkPasswordWith(set, p, c).length > 0;
      }),
      RUNS_OPTION,
    );
  });

  it('every rejection names a known rule of its set, with its reference and both messages', () => {
    fc.assert(
      fc.property(ruleSet, candidate, context, (set, p, c) => {
        const rejections = checkPasswordWith(set, p, c);
        const own = PASSWORD_RULE_SETS[set].rules.map((r) => r.rule);
        for (const r of rejections) {
          expect(PASSWORD_RULE_NAMES).toContain(r.rule);
          expect(own).toContain(r.rule);
          expect(r.reference).toBe(PASSWORD_RULE_SETS[set].rules.find((x) => x.rule === r.rule)!.reference);
          expect(r.message.ja).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
          expect(r.message.en.length).toBeGreaterThan(0);
        }
        // Each rule at most once, in the set's order.
        expect(rejections.map((r) => r.rule)).toEqual(own.filter((rule) => rejections.some((r) => r.rule === rule)));
      }),
      RUNS_OPTION,
    );
  });

  it('a dictionary word with digits and symbols is always rejected, naming the dictionary or blocklist rule', () => {
    fc.assert(
      fc.property(fc.constantFrom(...WORDS), fc.stringMatching(/^[0-9!#$%&*+\-.@_]{0,8}$/), fc.stringMatching(/^[0-9!#$%&*+\-.@_]{0,8}$/), (w, before, after) => {
        const p = `${before}${w[0].toUpperCase()}${w.slice(1)}${after}`;
        expect(checkPasswordWith('juki', p).map((r) => r.rule)).toContain('dictionary');
        expect(checkPasswordWith('nist', p.padEnd(15, '!')).map((r) => r.rule)).toContain('blocklist');
      }),
      RUNS_OPTION,
    );
  });

  it('a Juki-net password expires one year on, in Japan time, with a reminder only in the days before', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), fc.integer({ min: 0, max: 400 * 86_400 }), (changed, seconds) => {
        const now = new Date(changed.getTime() + seconds * 1000);
        const e = passwordExpiry('juki', changed, now);
        const days = (e.expiresAt!.getTime() - changed.getTime()) / 86_400_000;
        expect(days).toBeGreaterThan(365);
        expect(days).toBeLessThanOrEqual(367);
        expect(e.expired).toBe(now >= e.expiresAt!);
        if (e.reminderDue) expect(e.expired).toBe(false);
        expect(e.reminderDue).toBe(!e.expired && e.expiresAt!.getTime() - now.getTime() <= 14 * 86_400_000);
        // Expiry is at midnight in Japan.
        expect((e.expiresAt!.getTime() + 9 * 3_600_000) % 86_400_000).toBe(0);
        expect(passwordExpiry('nist', changed, now).expiresAt).toBeNull();
      }),
      RUNS_OPTION,
    );
  });
});
