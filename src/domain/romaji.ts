// One spelling for the many ways Japanese is written in Latin letters, so a word list written in
// Hepburn also finds the spellings people type: the IME accepts kunrei-shiki (si, tu, ti, hu, zi,
// sya) and spells ん as `nn`; passports write long vowels `oh` or drop them (Ohno, Ono); older
// Hepburn writes ん before b, m, p as `m` (shimbun). Both sides of a comparison are folded, so the
// target spelling (close to kunrei) never has to be a real one.

const FOLDS: ReadonlyArray<[RegExp, string]> = [
  // Apostrophes separate ん from a vowel (shin'ya); macrons and circumflexes mark long vowels.
  [/['’]/g, ''],
  [/[āâ]/g, 'a'],
  [/[īî]/g, 'i'],
  [/[ūû]/g, 'u'],
  [/[ēê]/g, 'e'],
  [/[ōô]/g, 'o'],
  // Hepburn → kunrei. `sh` and `ch` first, so `tch` (matcha) becomes `tty` like the IME's mattya.
  [/shi/g, 'si'],
  [/sh/g, 'sy'],
  [/chi/g, 'ti'],
  [/ch/g, 'ty'],
  [/c(?=t)/g, 't'],
  [/tsu/g, 'tu'],
  [/fu/g, 'hu'],
  [/ji/g, 'zi'],
  [/jy/g, 'zy'],
  [/j(?=[aueo])/g, 'zy'],
  [/dzu/g, 'zu'],
  // ん: `nn` typed with the IME, `m` before a labial in traditional Hepburn.
  [/nn/g, 'n'],
  [/m(?=[bp])/g, 'n'],
  // Long vowels: ou, oo, oh (before a consonant or the end), uu, and the doubled vowels of loan words.
  [/o[ouh](?![aiueo])/g, 'o'],
  [/ou/g, 'o'],
  [/oo/g, 'o'],
  [/uu/g, 'u'],
  [/aa/g, 'a'],
  [/ii/g, 'i'],
  [/ee/g, 'e'],
];

/** The folded spelling of lowercase romaji (other characters pass through unchanged). */
export function foldRomaji(lower: string): string {
  let s = lower;
  for (const [from, to] of FOLDS) s = s.replace(from, to);
  return s;
}

// ---- kana → Hepburn romaji ----------------------------------------------------------------------

const KANA_ROWS: ReadonlyArray<[string, readonly string[]]> = [
  ['あいうえお', ['a', 'i', 'u', 'e', 'o']],
  ['かきくけこ', ['ka', 'ki', 'ku', 'ke', 'ko']],
  ['がぎぐげご', ['ga', 'gi', 'gu', 'ge', 'go']],
  ['さしすせそ', ['sa', 'shi', 'su', 'se', 'so']],
  ['ざじずぜぞ', ['za', 'ji', 'zu', 'ze', 'zo']],
  ['たちつてと', ['ta', 'chi', 'tsu', 'te', 'to']],
  ['だぢづでど', ['da', 'ji', 'zu', 'de', 'do']],
  ['なにぬねの', ['na', 'ni', 'nu', 'ne', 'no']],
  ['はひふへほ', ['ha', 'hi', 'fu', 'he', 'ho']],
  ['ばびぶべぼ', ['ba', 'bi', 'bu', 'be', 'bo']],
  ['ぱぴぷぺぽ', ['pa', 'pi', 'pu', 'pe', 'po']],
  ['まみむめも', ['ma', 'mi', 'mu', 'me', 'mo']],
  ['やゆよ', ['ya', 'yu', 'yo']],
  ['らりるれろ', ['ra', 'ri', 'ru', 're', 'ro']],
  ['わをんゔ', ['wa', 'o', 'n', 'vu']],
  ['ぁぃぅぇぉ', ['a', 'i', 'u', 'e', 'o']],
];
const KANA: ReadonlyMap<string, string> = new Map(KANA_ROWS.flatMap(([kana, romaji]) => [...kana].map((k, i): [string, string] => [k, romaji[i]])));
const SMALL_Y: Readonly<Record<string, string>> = { ゃ: 'a', ゅ: 'u', ょ: 'o' };

/**
 * Hiragana and katakana in Hepburn romaji, so a password typed in kana (さくら, パスワード) meets
 * the romaji word lists; other characters pass through. The long-vowel mark is dropped (romaji
 * folding drops long vowels anyway); っ doubles the next consonant; きゃ is kya, しゃ sha.
 */
export function kanaToRomaji(s: string): string {
  // Katakana → hiragana: the blocks are 0x60 apart.
  const chars = [...s].map((c) => (c >= 'ァ' && c <= 'ヶ' ? String.fromCharCode(c.charCodeAt(0) - 0x60) : c));
  let out = '';
  let double = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === 'っ') {
      double = true;
      continue;
    }
    if (c === 'ー') continue;
    let r = KANA.get(c);
    if (r === undefined) {
      out += c;
      double = false;
      continue;
    }
    const small = SMALL_Y[chars[i + 1]];
    if (small && r.length > 1 && r.endsWith('i')) {
      const base = r.slice(0, -1);
      r = /(sh|ch|j)$/.test(base) ? base + small : `${base}y${small}`;
      i++;
    }
    if (double && /^[a-z]/.test(r) && !/^[aiueon]/.test(r)) out += r.startsWith('ch') ? 't' : r[0];
    double = false;
    out += r;
  }
  return out;
}
