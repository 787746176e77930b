// The minimum a console account's password must meet (NIST SP 800-63B, section 3.1.1.2): long
// enough, not one an attacker tries first, not made of the account's own name, email or
// organisation, not a run on the keyboard. No composition rules (one capital, one digit…): they
// make people append `1!` and change nothing for a guesser, so the blocklist strips such endings.
//
// Every check sees the NFKC form, as the hash does (auth/password-hash.ts): a password typed with
// the IME in full-width (ｐａｓｓｗｏｒｄ) is the same password as its ASCII spelling. Length
// counts code points, as the guideline asks, so a passphrase in Japanese is measured fairly.
//
// Each rule is a function in PASSWORD_RULES that names itself in its rejection, so the console
// can show every reason at once. These are the console accounts' own rules (checkPassword); the
// named rule sets for the organisations' user IDs, Juki-net's and NIST's, follow below
// (checkPasswordWith), built from the same pieces.
import { COMMON_PASSWORDS, JAPANESE_CONTEXT_PASSWORDS } from './password-blocklist';
import { ENGLISH_WORDS, ERA_WORDS, JAPANESE_WORDS, PLACE_NAMES } from './password-words';
import { foldRomaji, kanaToRomaji } from './romaji';

export const PASSWORD_MIN_LENGTH = 12;
/** Above this the password is refused before any other check: Argon2 would take it, a form should not. */
export const PASSWORD_MAX_LENGTH = 256;

export const PASSWORD_RULE_NAMES = ['length', 'blocklist', 'context', 'repeated', 'sequence', 'whitespace_only', 'too_long', 'composition', 'dictionary'] as const;
export type PasswordRule = (typeof PASSWORD_RULE_NAMES)[number];

export interface PasswordRejection {
  rule: PasswordRule;
  message: { ja: string; en: string };
  /** The article or section the rule comes from (rule sets only): `niigata:15.2.7`, `NIST SP 800-63B-4 §3.1.1.2`. */
  reference?: string;
}

/** What is known about the account, so its password does not spell it. */
export interface PasswordContext {
  email?: string;
  displayName?: string;
  organisationNames?: string[];
  /** The user ID (ユーザID) the password belongs to. */
  userId?: string;
}

/** The candidate as the rules see it, computed once. */
export interface PasswordCandidate {
  /** NFKC, case kept. */
  normalised: string;
  /** NFKC, lowercased. */
  lower: string;
  /** Code points of `normalised`. */
  length: number;
  /** `lower`, and it without separators (space, `-`, `_`, `.`): `juki-net` is `jukinet`. */
  forms: string[];
}

export type PasswordCheck = (candidate: PasswordCandidate, context: PasswordContext) => PasswordRejection | null;

const SEPARATORS = /[\s\-_.・]+/gu;
const compact = (s: string) => s.replace(SEPARATORS, '');
/** Without the digits and symbols before the first letter and after the last: `2026Sakura!!` is `sakura`. */
const core = (s: string) => s.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
const withoutTrailing = (s: string) => s.replace(/[^\p{L}]+$/u, '');
const LEET: Record<string, string> = { '0': 'o', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };
/** `p@ssw0rd` read as letters; `1` is both `i` (adm1n) and `l` (he1lo), so two spellings. */
const deleet = (s: string): string[] => {
  const base = s.replace(/[03457@$]/g, (c) => LEET[c]);
  return base.includes('1') ? [base.replace(/1/g, 'i'), base.replace(/1/g, 'l')] : [base];
};

export function passwordCandidate(password: string): PasswordCandidate {
  const normalised = password.normalize('NFKC');
  const lower = normalised.toLowerCase();
  const forms = [...new Set([lower, compact(lower)])];
  return { normalised, lower, length: [...normalised].length, forms };
}

const reject = (rule: PasswordRule, ja: string, en: string): PasswordRejection => ({ rule, message: { ja, en } });

// ---- blocklist ---------------------------------------------------------------------------------

/**
 * The lists are built on first use, like the dictionary below: this module is in the workflow
 * bundle (a review's expiry dates), and every workflow the worker creates or replays evaluates the
 * bundle's modules afresh — built eagerly, these sets took half the workflow thread in the
 * 1,741-organisation review bench.
 */
let blocked: ReadonlySet<string> | undefined;
const BLOCKED = (): ReadonlySet<string> => (blocked ??= buildBlocked());
const buildBlocked = (): ReadonlySet<string> => {
  const set = new Set<string>();
  for (const word of `${COMMON_PASSWORDS} ${JAPANESE_CONTEXT_PASSWORDS}`.split(/\s+/)) {
    if (!word) continue;
    const w = word.normalize('NFKC').toLowerCase();
    for (const form of [w, core(w), compact(core(w))]) if (form) set.add(form);
  }
  return set;
};

/** The spellings a guesser's list would match: the whole, the part between the padding, de-leeted. */
function blocklistForms(c: PasswordCandidate): Set<string> {
  const out = new Set<string>();
  for (const form of c.forms) {
    const trimmedEnd = withoutTrailing(form);
    for (const f of [form, core(form), trimmedEnd, ...deleet(trimmedEnd)]) {
      for (const g of [f, core(f)]) if (g) out.add(g);
    }
  }
  return out;
}

export function isBlocklisted(password: string): boolean {
  for (const form of blocklistForms(passwordCandidate(password))) if (BLOCKED().has(form)) return true;
  return false;
}

// ---- context -----------------------------------------------------------------------------------

/** Long enough to mean something: 4 Latin characters, or 2 of a script where two make a name (山田, 新潟). */
const significant = (s: string) => [...s].length >= 4 || (/[^\u0000-\u024f]/u.test(s) && [...s].length >= 2);

/** The words of the account that must not appear in its password, lowercased, NFKC. */
export function contextWords(context: PasswordContext): string[] {
  const words = new Set<string>();
  const add = (s: string | undefined, split: RegExp) => {
    if (!s) return;
    const n = s.normalize('NFKC').toLowerCase().trim();
    for (const w of [compact(n), ...n.split(split)]) if (w && significant(w)) words.add(compact(w));
  };
  add(context.email?.split('@')[0], /[._+\-\s]+/u);
  add(context.userId, /[._+\-\s@]+/u);
  add(context.displayName, /[\s・]+/u);
  for (const org of context.organisationNames ?? []) add(org, /[\s・]+/u);
  return [...words];
}

// ---- repetition and sequences ------------------------------------------------------------------

/** The shortest unit the string repeats (`abab` → `ab`), or the string itself. */
function period(s: string): string {
  const i = (s + s).indexOf(s, 1);
  return s.slice(0, i);
}

/**
 * Runs a guesser walks through: the alphabet, the digits, keyboard rows and columns (JIS and US
 * share them), the numeric keypad, and the kana order in romaji (aiueo kakikukeko…). A password
 * made only of pieces of these, each at least `min` long, forwards or backwards, is refused:
 * `qwertyasdfgh`, `1qaz2wsx3edc`, `098765432109` (digits wrap round). Kana rows need longer pieces, as short ones
 * (`ute`, `shi`) occur in ordinary romaji words.
 */
const SEQUENCES: ReadonlyArray<{ s: string; min: number }> = [
  ...['01234567890123456789', 'abcdefghijklmnopqrstuvwxyz', '`1234567890-=', 'qwertyuiop[]\\', "asdfghjkl;'", 'zxcvbnm,./'].map((s) => ({ s, min: 3 })),
  ...['1qaz', '2wsx', '3edc', '4rfv', '5tgb', '6yhn', '7ujm', '8ik,', '9ol.', '0p;/'].map((s) => ({ s, min: 3 })),
  ...['q1w2e3r4t5y6u7i8o9p0', '1q2w3e4r5t6y7u8i9o0p', '7894561230', '1472583690', '3692581470', '159753'].map((s) => ({ s, min: 3 })),
  ...['aiueokakikukekosashisusesotachitsutetonaninunenohahifuhehomamimumemoyayuyorarirurerowawon', 'sasisusesotatitutetohahihuheho'].map((s) => ({
    s,
    min: 5,
  })),
];

let sequencePieces: ReadonlySet<string> | undefined;
const SEQUENCE_PIECES = (): ReadonlySet<string> => (sequencePieces ??= buildSequencePieces());
const buildSequencePieces = (): ReadonlySet<string> => {
  const set = new Set<string>();
  for (const { s, min } of SEQUENCES) {
    const r = [...s].reverse().join('');
    for (let i = 0; i < s.length; i++) {
      for (let j = i + min; j <= s.length; j++) {
        set.add(s.slice(i, j));
        set.add(r.slice(i, j));
      }
    }
  }
  return set;
};
const LONGEST_SEQUENCE = Math.max(...SEQUENCES.map((x) => x.s.length));
const SHORTEST_PIECE = Math.min(...SEQUENCES.map((x) => x.min));

/** Whether `s` is made entirely of sequence pieces (dynamic programming over the end positions). */
export function isSequence(s: string): boolean {
  if (s.length < SHORTEST_PIECE) return false;
  const ok: boolean[] = [true];
  for (let end = 1; end <= s.length; end++) {
    ok[end] = false;
    for (let start = Math.max(0, end - LONGEST_SEQUENCE); start <= end - SHORTEST_PIECE; start++) {
      if (ok[start] && SEQUENCE_PIECES().has(s.slice(start, end))) {
        ok[end] = true;
        break;
      }
    }
  }
  return ok[s.length];
}

// ---- the rules ---------------------------------------------------------------------------------

const checkLength: PasswordCheck = (c) =>
  c.length < PASSWORD_MIN_LENGTH
    ? reject('length', `パスワードは${PASSWORD_MIN_LENGTH}文字以上にしてください`, `Use at least ${PASSWORD_MIN_LENGTH} characters`)
    : null;

const checkBlocklist: PasswordCheck = (c) => {
  for (const form of blocklistForms(c)) {
    if (BLOCKED().has(form)) {
      return reject(
        'blocklist',
        'よく使われるパスワード（数字や記号を付け足したものを含む）は使えません',
        'This is a commonly used password (even with digits or symbols added); choose another',
      );
    }
  }
  return null;
};

const checkContext: PasswordCheck = (c, context) => {
  const words = contextWords(context);
  const forms = new Set(c.forms.flatMap((f) => [f, ...deleet(f)]));
  for (const word of words) {
    for (const form of forms) {
      if (form.includes(word)) {
        return reject(
          'context',
          'パスワードにメールアドレス、氏名、組織名を含めないでください',
          'Do not include your email address, name or organisation name in the password',
        );
      }
    }
  }
  return null;
};

const checkRepeated: PasswordCheck = (c) =>
  c.forms.some((f) => f.length > 1 && [...period(f)].length < PASSWORD_MIN_LENGTH && period(f).length < f.length)
    ? reject('repeated', '同じ文字や短い並びの繰り返しは使えません', 'Do not repeat one character or a short pattern')
    : null;

const checkSequence: PasswordCheck = (c) =>
  c.forms.some(isSequence)
    ? reject(
        'sequence',
        'キーボードの並びや連続した数字・文字（qwerty、123456 など）は使えません',
        'Do not use keyboard or alphabetical sequences such as qwerty or 123456',
      )
    : null;

/** In order; the console shows every rejection, so a person fixes everything in one go. */
export const PASSWORD_RULES: readonly PasswordCheck[] = [checkLength, checkBlocklist, checkContext, checkRepeated, checkSequence];

/**
 * Every reason the candidate is refused; empty when it is acceptable. A password of only spaces,
 * or one over the maximum length, gets that single reason: the others would say nothing useful.
 */
export function checkPassword(candidate: string, context: PasswordContext = {}, rules: readonly PasswordCheck[] = PASSWORD_RULES): PasswordRejection[] {
  const c = passwordCandidate(candidate);
  if (c.length > PASSWORD_MAX_LENGTH) {
    return [reject('too_long', `パスワードは${PASSWORD_MAX_LENGTH}文字以内にしてください`, `Use at most ${PASSWORD_MAX_LENGTH} characters`)];
  }
  if (c.length > 0 && c.normalised.trim() === '') {
    return [reject('whitespace_only', '空白だけのパスワードは使えません', 'The password cannot be only spaces')];
  }
  const out: PasswordRejection[] = [];
  for (const rule of rules) {
    const r = rule(c, context);
    if (r) out.push(r);
  }
  return out;
}

// ==== named rule sets: the Juki-net rules and NIST SP 800-63B ===================================
//
// A profile chooses which rules its user IDs' passwords follow (profile.ts `signIn.passwordPolicy`):
// - `juki`: the Juki-net regulation as Niigata writes it (niigata:15.2 items 5-9): 8 characters
//   or more, upper case, lower case, digits and symbols mixed, no dictionary word and no simple
//   string (item 7); renewed at least once a year with a validity period (items 5, 6); lockout
//   after repeated failures (item 9, the number from the profile).
// - `nist`: NIST SP 800-63B-4 (Revision 4, final, August 2025), section 3.1.1.2: at least 15
//   characters for a password that is the only factor, 8 where it is one factor of several; at
//   least 64 allowed (we allow 256); a blocklist of commonly used, expected or compromised values,
//   read with Revision 3's examples (dictionary words, repetitive or sequential characters,
//   context-specific words such as the user name and the service's); no composition rules and no
//   periodic expiry (both SHALL NOT in Revision 4); at most 100 consecutive failures (§3.2.2).
//
// "Dictionary word" reads Japanese too, offline: romaji in Hepburn and IME spellings (folded by
// romaji.ts), kana read as romaji, place names, era dates (reiwa8, heisei31, R8, 令和8年),
// leetspeak (p@ssw0rd), from the lists of password-words.ts and password-blocklist.ts. The
// Juki-net reading refuses a password made only of such words with digits, symbols and at most
// two stray letters between them (Sakura#2026, Tokyo-Reiwa8!, xQ7#sakura); a word inside an
// otherwise random string (xQz7#sakura) is not "using a dictionary word" in its sense.
// The NIST reading refuses one expected value padded out (Sakura-1987-04-01), not a passphrase
// of several words, which the guideline encourages.

export const PASSWORD_RULE_SET_NAMES = ['juki', 'nist'] as const;
export type PasswordRuleSetName = (typeof PASSWORD_RULE_SET_NAMES)[number];
/** The rules of the regulation every profile implements, unless it chooses NIST's. */
export const DEFAULT_PASSWORD_RULE_SET: PasswordRuleSetName = 'juki';

export interface PasswordRuleSet {
  name: PasswordRuleSetName;
  title: { ja: string; en: string };
  /** What the whole set implements. */
  source: string;
  /** The rules it applies, with where each comes from, in the order rejections are listed. */
  rules: ReadonlyArray<{ rule: PasswordRule; reference: string }>;
  /** Months a password stays valid (renewal at least this often); null: no periodic expiry. */
  validityMonths: number | null;
  validityReference: string;
  /** Consecutive failures before the account locks (the profile's own number comes first), and the most the set allows. */
  lockout: { defaultThreshold: number; maxThreshold: number; reference: string };
}

const JUKI_ITEM7 = 'niigata:15.2.7';
const NIST_VERIFIERS = 'NIST SP 800-63B-4 §3.1.1.2';

export const PASSWORD_RULE_SETS: Readonly<Record<PasswordRuleSetName, PasswordRuleSet>> = {
  juki: {
    name: 'juki',
    title: { ja: '住基ネットのパスワード基準', en: 'Juki-net password rules' },
    source: 'niigata:15.2 (第15条第2項第5号〜第9号)',
    rules: [
      { rule: 'too_long', reference: 'jukinet-ops (form limit)' },
      { rule: 'whitespace_only', reference: JUKI_ITEM7 },
      { rule: 'length', reference: JUKI_ITEM7 },
      { rule: 'composition', reference: JUKI_ITEM7 },
      { rule: 'dictionary', reference: JUKI_ITEM7 },
      { rule: 'context', reference: JUKI_ITEM7 },
      { rule: 'repeated', reference: JUKI_ITEM7 },
      { rule: 'sequence', reference: JUKI_ITEM7 },
    ],
    validityMonths: 12,
    validityReference: 'niigata:15.2.5, niigata:15.2.6',
    // 「複数回」: the number is the profile's (niigata.yaml says 5, as LOCKOUT_THRESHOLD's default); at most 20, as profile.ts allows.
    lockout: { defaultThreshold: 5, maxThreshold: 20, reference: 'niigata:15.2.9' },
  },
  nist: {
    name: 'nist',
    title: { ja: 'NIST SP 800-63B-4 の基準', en: 'NIST SP 800-63B-4 rules' },
    source: 'NIST SP 800-63B-4 (2025) §3.1.1.2, §3.2.2',
    rules: [
      { rule: 'too_long', reference: NIST_VERIFIERS },
      { rule: 'whitespace_only', reference: NIST_VERIFIERS },
      { rule: 'length', reference: NIST_VERIFIERS },
      { rule: 'blocklist', reference: NIST_VERIFIERS },
      { rule: 'context', reference: NIST_VERIFIERS },
      { rule: 'repeated', reference: NIST_VERIFIERS },
      { rule: 'sequence', reference: NIST_VERIFIERS },
    ],
    validityMonths: null,
    validityReference: NIST_VERIFIERS,
    lockout: { defaultThreshold: 100, maxThreshold: 100, reference: 'NIST SP 800-63B-4 §3.2.2' },
  },
};

/** The minimum length of a rule set: NIST's depends on whether the password is the only factor. */
export function minimumLength(ruleSet: PasswordRuleSetName, o: { singleFactor?: boolean } = {}): number {
  if (ruleSet === 'juki') return 8;
  return (o.singleFactor ?? true) ? 15 : 8;
}

// ---- dictionary words, as a guesser's list would spell them --------------------------------------

interface TrieNode {
  next: Map<string, TrieNode>;
  end: boolean;
}

const isLatin = (s: string) => /^[\p{Script=Latin}\d]*$/u.test(s);

/** Built on first use too: the console's sign-in and the workflows never need it. */
let dictionary: TrieNode | undefined;
const DICTIONARY = (): TrieNode => (dictionary ??= buildDictionary());

const buildDictionary = (): TrieNode => {
  const root: TrieNode = { next: new Map(), end: false };
  const insert = (w: string) => {
    let node = root;
    for (const ch of w) {
      let n = node.next.get(ch);
      if (!n) node.next.set(ch, (n = { next: new Map(), end: false }));
      node = n;
    }
    node.end = true;
  };
  const lists = [JAPANESE_WORDS, PLACE_NAMES, ERA_WORDS, ENGLISH_WORDS, COMMON_PASSWORDS, JAPANESE_CONTEXT_PASSWORDS];
  for (const word of lists.join(' ').split(/\s+/)) {
    const w = word.normalize('NFKC').toLowerCase().replace(/[-_]/g, '');
    // Digits and symbols are filler between words; two Latin letters (ai, ki, go) would make every string words.
    for (const form of new Set([w, foldRomaji(w)])) if (/\p{L}/u.test(form) && !(isLatin(form) && form.length < 3)) insert(form);
  }
  return root;
};

/** What a character may stand for in leetspeak, beside itself. */
const LEET_ALTERNATIVES: Record<string, readonly string[]> = {
  '0': ['o'], '1': ['i', 'l'], '3': ['e'], '4': ['a'], '5': ['s'], '7': ['t'], '8': ['b'], '9': ['g'],
  '@': ['a'], $: ['s'], '!': ['i'], '|': ['l'], '+': ['t'],
};

/**
 * The readings of a string that reach a position, as bits: bit `3 × words + strays` is set when a
 * reading got there with `words` dictionary words (0, 1, 2 for two or more) and `strays` letters
 * belonging to no word (0-2; more and the reading is dropped).
 */
type Readings = number;
const DATE_MARKS = '年月日';
const bit = (words: number, strays: number) => 1 << (3 * words + strays);
const mapReadings = (m: Readings, f: (words: number, strays: number) => Readings): Readings => {
  let out = 0;
  for (let w = 0; w < 3; w++) for (let st = 0; st < 3; st++) if (m & bit(w, st)) out |= f(w, st);
  return out;
};
const oneMoreWord = (m: Readings) => mapReadings(m, (w, st) => bit(Math.min(w + 1, 2), st));
const oneMoreStray = (m: Readings) => mapReadings(m, (w, st) => (st < 2 ? bit(w, st + 1) : 0));
const ANY_WORD = bit(1, 0) | bit(1, 1) | bit(1, 2) | bit(2, 0) | bit(2, 1) | bit(2, 2);
const ONE_WORD = bit(1, 0) | bit(1, 1) | bit(1, 2);

/**
 * How a string reads as dictionary words, with digits, symbols and spaces between them as filler,
 * leetspeak read as letters, and up to two stray letters (Sakura2026a, Reiwa8!Aa) forgiven as a
 * guesser's padding. An era's initial with a year (r8, h31, s64) counts as a word. Dynamic
 * programming over positions; each position walks the dictionary's trie.
 */
function dictionaryReadings(s: string): Readings {
  const chars = [...s];
  const reach: Readings[] = new Array(chars.length + 1).fill(0);
  reach[0] = bit(0, 0);
  for (let i = 0; i < chars.length; i++) {
    const here = reach[i];
    if (!here) continue;
    // 年, 月 and 日 separate the parts of a date as digits' punctuation (令和8年4月1日).
    reach[i + 1] |= /\p{L}/u.test(chars[i]) && !DATE_MARKS.includes(chars[i]) ? oneMoreStray(here) : here;
    if ('mtshr'.includes(chars[i]) && /\d/.test(chars[i + 1] ?? '')) reach[i + 2] |= oneMoreWord(here);
    // A word needs one letter typed as a letter: digits and symbols alone (1985#0401) are not read as leetspeak.
    let nodes: Array<[TrieNode, boolean]> = [[DICTIONARY(), false]];
    for (let k = i; k < chars.length && nodes.length > 0; k++) {
      const typed = chars[k];
      const letter = /\p{L}/u.test(typed);
      const next: Array<[TrieNode, boolean]> = [];
      for (const [node, sawLetter] of nodes) {
        const asTyped = node.next.get(typed);
        if (asTyped) next.push([asTyped, sawLetter || letter]);
        for (const o of LEET_ALTERNATIVES[typed] ?? []) {
          const n = node.next.get(o);
          if (n) next.push([n, sawLetter]);
        }
      }
      nodes = next;
      if (nodes.some(([n, sawLetter]) => n.end && sawLetter)) reach[k + 1] |= oneMoreWord(here);
    }
  }
  return reach[chars.length];
}

const KANA_PATTERN = /[\u3041-\u3096\u30a1-\u30fc]/u;

/** The spellings a word list is compared with: as typed (lowercase), kana in romaji, each with its romaji folded. */
function spellings(lower: string): string[] {
  const forms = [lower, ...(KANA_PATTERN.test(lower) ? [kanaToRomaji(lower)] : [])];
  return [...new Set(forms.flatMap((f) => [f, foldRomaji(f)]))];
}

function candidateReadings(c: PasswordCandidate): Readings {
  let m = 0;
  for (const form of spellings(c.lower)) m |= dictionaryReadings(form);
  return m;
}

/** Whether the password is nothing but dictionary words (Japanese, places, eras, English) with digits and symbols. */
export function isDictionaryWords(password: string): boolean {
  return (candidateReadings(passwordCandidate(password)) & ANY_WORD) !== 0;
}

/** Whether the password is one dictionary word or era date padded with digits and symbols. */
export function isOneDictionaryWord(password: string): boolean {
  return (candidateReadings(passwordCandidate(password)) & ONE_WORD) !== 0;
}

// ---- the rules of the sets -----------------------------------------------------------------------

const lengthRule =
  (min: number): PasswordCheck =>
  (c) =>
    c.length < min ? reject('length', `パスワードは${min}文字以上にしてください`, `Use at least ${min} characters`) : null;

const CHARACTER_CLASSES = [
  { test: /[A-Z]/, ja: '英大文字', en: 'an upper-case letter' },
  { test: /[a-z]/, ja: '英小文字', en: 'a lower-case letter' },
  { test: /[0-9]/, ja: '数字', en: 'a digit' },
  { test: /[!-/:-@[-`{-~]/, ja: '記号', en: 'a symbol' },
] as const;

/** niigata:15.2.7 大文字，小文字，英数字等を組み合わせ: each of the four classes at least once (ASCII, after NFKC). */
const checkComposition: PasswordCheck = (c) => {
  const missing = CHARACTER_CLASSES.filter((k) => !k.test.test(c.normalised));
  return missing.length === 0
    ? null
    : reject(
        'composition',
        `英大文字・英小文字・数字・記号を組み合わせてください（不足: ${missing.map((k) => k.ja).join('・')}）`,
        `Mix upper-case and lower-case letters, digits and symbols (missing: ${missing.map((k) => k.en).join(', ')})`,
      );
};

const checkDictionary: PasswordCheck = (c) =>
  (candidateReadings(c) & ANY_WORD) !== 0
    ? reject(
        'dictionary',
        '辞書にある単語（ローマ字の日本語・地名・和暦を含む）に数字や記号を付けただけのパスワードは使えません',
        'Do not build the password from dictionary words (including Japanese in romaji, place names and era dates) with digits or symbols added',
      )
    : null;

const checkNistBlocklist: PasswordCheck = (c) =>
  (candidateReadings(c) & ONE_WORD) !== 0 || checkBlocklist(c, {}) !== null
    ? reject(
        'blocklist',
        'よく使われる・推測されやすいパスワード（単語や和暦に数字や記号を付けたものを含む）は使えません',
        'This is a commonly used or expected password (a word or era date with digits or symbols added); choose another',
      )
    : null;

/** Context words also in folded romaji, and the candidate read de-leeted: `Sat0u` contains `sato`. */
const checkContextFolded: PasswordCheck = (c, context) => {
  const words = contextWords(context).flatMap(spellings);
  const forms = new Set(c.forms.flatMap((f) => [f, ...deleet(f)]).flatMap(spellings));
  for (const word of words) {
    for (const form of forms) {
      if (form.includes(word)) {
        return reject(
          'context',
          'パスワードに氏名、ユーザID、メールアドレス、組織名を含めないでください',
          'Do not include your name, user ID, email address or organisation name in the password',
        );
      }
    }
  }
  return null;
};

/** Only letters and digits: `Abc123!@` is the run `abc123`. */
const alphanumeric = (s: string) => s.replace(/[^\p{L}\p{N}]/gu, '');

/** The Juki-net reading of 単純な文字列: any repeated unit, or one character four times in a row. */
const checkSimpleRepeat: PasswordCheck = (c) =>
  c.forms.some((f) => [f, alphanumeric(f)].some((g) => [...g].length > 1 && period(g).length < g.length)) || /(.)\1{3}/u.test(c.lower)
    ? reject('repeated', '同じ文字や短い並びの繰り返しは使えません', 'Do not repeat one character or a short pattern')
    : null;

/** Keyboard and alphabet runs, also with the symbols between them taken out. */
const checkSimpleSequence: PasswordCheck = (c) =>
  c.forms.some((f) => isSequence(f) || isSequence(alphanumeric(f)))
    ? reject(
        'sequence',
        'キーボードの並びや連続した数字・文字（qwerty、123456 など）は使えません',
        'Do not use keyboard or alphabetical sequences such as qwerty or 123456',
      )
    : null;

/** The checks of each set, by rule, given the options of the check. */
function checksOf(ruleSet: PasswordRuleSetName, o: { singleFactor?: boolean }): Partial<Record<PasswordRule, PasswordCheck>> {
  if (ruleSet === 'juki') {
    return {
      length: lengthRule(minimumLength('juki')),
      composition: checkComposition,
      dictionary: checkDictionary,
      context: checkContextFolded,
      repeated: checkSimpleRepeat,
      sequence: checkSimpleSequence,
    };
  }
  return {
    length: lengthRule(minimumLength('nist', o)),
    blocklist: checkNistBlocklist,
    context: checkContextFolded,
    repeated: checkRepeated,
    sequence: checkSimpleSequence,
  };
}

export interface RuleSetCheckOptions {
  /** NIST only: the password is the only factor (15 characters) rather than one of several (8). Default true. */
  singleFactor?: boolean;
}

/**
 * Every reason the candidate breaks the rule set, each naming its rule and where it comes from;
 * empty when it is acceptable. As checkPassword, a password over the maximum length or of only
 * spaces gets that single reason.
 */
export function checkPasswordWith(ruleSet: PasswordRuleSetName, candidate: string, context: PasswordContext = {}, o: RuleSetCheckOptions = {}): PasswordRejection[] {
  const set = PASSWORD_RULE_SETS[ruleSet];
  const referenceOf = (rule: PasswordRule) => set.rules.find((r) => r.rule === rule)!.reference;
  const c = passwordCandidate(candidate);
  if (c.length > PASSWORD_MAX_LENGTH) {
    return [{ ...reject('too_long', `パスワードは${PASSWORD_MAX_LENGTH}文字以内にしてください`, `Use at most ${PASSWORD_MAX_LENGTH} characters`), reference: referenceOf('too_long') }];
  }
  if (c.length > 0 && c.normalised.trim() === '') {
    return [{ ...reject('whitespace_only', '空白だけのパスワードは使えません', 'The password cannot be only spaces'), reference: referenceOf('whitespace_only') }];
  }
  const checks = checksOf(ruleSet, o);
  const out: PasswordRejection[] = [];
  for (const { rule, reference } of set.rules) {
    const r = checks[rule]?.(c, context);
    if (r) out.push({ ...r, reference });
  }
  return out;
}

// ---- expiry ------------------------------------------------------------------------------------

export interface PasswordExpiry {
  /** The first moment the password is no longer valid; null when the set has no periodic expiry. */
  expiresAt: Date | null;
  expired: boolean;
  /** Within `reminderDays` before expiry and not yet expired: the holder should be reminded. */
  reminderDue: boolean;
  /** Whole days until expiry (0 on its last day), negative once expired; null without expiry. */
  daysLeft: number | null;
}

const JST_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

/**
 * When a password changed at `changedAt` expires under the rule set, and where `now` stands.
 * The validity period is counted as 民法 counts a period of months or years (Arts. 140, 143): the
 * day of the change does not count, and the period ends at the end of the day before the
 * corresponding day in Japan (changed 2026-05-10 → valid to the end of 2027-05-10). A profile may
 * set a shorter period than the set's (never longer: "at least yearly" is the regulation's).
 */
export function passwordExpiry(
  ruleSet: PasswordRuleSetName,
  changedAt: Date,
  now: Date,
  o: { reminderDays?: number; validityMonths?: number } = {},
): PasswordExpiry {
  const setMonths = PASSWORD_RULE_SETS[ruleSet].validityMonths;
  if (setMonths === null) return { expiresAt: null, expired: false, reminderDue: false, daysLeft: null };
  const months = Math.min(setMonths, o.validityMonths ?? setMonths);
  const reminderDays = o.reminderDays ?? 14;
  const local = new Date(changedAt.getTime() + JST_MS);
  // The first day counted is the day after the change; the period ends the day before its
  // corresponding day `months` later, so expiry is 00:00 JST of that day; without one (31 March
  // + 1 month), the period ends with the month (Art. 143.2) and expiry is the next month's 1st.
  const start = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1));
  const targetMonth = start.getUTCMonth() + months;
  const daysInTarget = new Date(Date.UTC(start.getUTCFullYear(), targetMonth + 1, 0)).getUTCDate();
  const corresponding =
    start.getUTCDate() <= daysInTarget ? Date.UTC(start.getUTCFullYear(), targetMonth, start.getUTCDate()) : Date.UTC(start.getUTCFullYear(), targetMonth + 1, 1);
  const expiresAt = new Date(corresponding - JST_MS);
  const left = expiresAt.getTime() - now.getTime();
  return {
    expiresAt,
    expired: left <= 0,
    reminderDue: left > 0 && left <= reminderDays * DAY_MS,
    daysLeft: Math.ceil(left / DAY_MS) - 1,
  };
}
