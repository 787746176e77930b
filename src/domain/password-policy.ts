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
// can show every reason at once and a later issue adds the Juki-net profile's rules by appending.
import { COMMON_PASSWORDS, JAPANESE_CONTEXT_PASSWORDS } from './password-blocklist';

export const PASSWORD_MIN_LENGTH = 12;
/** Above this the password is refused before any other check: Argon2 would take it, a form should not. */
export const PASSWORD_MAX_LENGTH = 256;

export const PASSWORD_RULE_NAMES = ['length', 'blocklist', 'context', 'repeated', 'sequence', 'whitespace_only', 'too_long'] as const;
export type PasswordRule = (typeof PASSWORD_RULE_NAMES)[number];

export interface PasswordRejection {
  rule: PasswordRule;
  message: { ja: string; en: string };
}

/** What is known about the account, so its password does not spell it. */
export interface PasswordContext {
  email?: string;
  displayName?: string;
  organisationNames?: string[];
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

const BLOCKED: ReadonlySet<string> = (() => {
  const set = new Set<string>();
  for (const word of `${COMMON_PASSWORDS} ${JAPANESE_CONTEXT_PASSWORDS}`.split(/\s+/)) {
    if (!word) continue;
    const w = word.normalize('NFKC').toLowerCase();
    for (const form of [w, core(w), compact(core(w))]) if (form) set.add(form);
  }
  return set;
})();

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
  for (const form of blocklistForms(passwordCandidate(password))) if (BLOCKED.has(form)) return true;
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

const SEQUENCE_PIECES: ReadonlySet<string> = (() => {
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
})();
const LONGEST_SEQUENCE = Math.max(...SEQUENCES.map((x) => x.s.length));
const SHORTEST_PIECE = Math.min(...SEQUENCES.map((x) => x.min));

/** Whether `s` is made entirely of sequence pieces (dynamic programming over the end positions). */
export function isSequence(s: string): boolean {
  if (s.length < SHORTEST_PIECE) return false;
  const ok: boolean[] = [true];
  for (let end = 1; end <= s.length; end++) {
    ok[end] = false;
    for (let start = Math.max(0, end - LONGEST_SEQUENCE); start <= end - SHORTEST_PIECE; start++) {
      if (ok[start] && SEQUENCE_PIECES.has(s.slice(start, end))) {
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
    if (BLOCKED.has(form)) {
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
