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
