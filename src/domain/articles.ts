// Article references (条項参照): `<org>:<article>.<paragraph>.<item>`, e.g. `niigata:15.2.4`.
// An article or an item number may carry a branch number (枝番号): `tokyo:7-2` (第7条の2),
// `niigata:15.2.3-2` (第15条第2項第3号の2). An article of one paragraph cites its items without
// a paragraph, as the regulations do: `katsuragi:5..1` (第5条第1号).
// Laws outside the regulation are cited by their name: `law:個人情報保護法:26`,
// `law:地方自治法:152.1` (地方自治法第152条第1項).

/** Organisation keys of the five seed regulations. A new municipality adds its own key. */
export const SEED_ORGANISATION_KEYS = ['niigata', 'katsuragi', 'tokyo', 'kunitachi', 'jlis'] as const;
export type SeedOrganisationKey = (typeof SEED_ORGANISATION_KEYS)[number];

/** The prefix of a reference to a law outside the regulation; no organisation can take it as its key. */
export const LAW_PREFIX = 'law';

export const ORGANISATION_KEY_PATTERN = /^(?!law$)[a-z][a-z0-9-]{1,31}$/;

const NUMBER = String.raw`\d+(?:-\d+)?`;
export const ARTICLE_REF_PATTERN = new RegExp(
  String.raw`^(?:${LAW_PREFIX}:([^\s:.\d][^\s:.]{0,39})|(?!${LAW_PREFIX}:)([a-z][a-z0-9-]{1,31})):(${NUMBER})(?:\.(\d+)(?:\.(${NUMBER}))?|\.\.(${NUMBER}))?$`,
  'u',
);

export type ArticleRef = string;

export type ParsedArticleRef = (
  | { organisation: string; law?: undefined }
  | { law: string; organisation?: undefined }
) & {
  /** `7` or, with a branch number, `7-2`. */
  article: string;
  paragraph?: number;
  /** `3` or, with a branch number, `3-2`. */
  item?: string;
};

export function parseArticleRef(ref: string): ParsedArticleRef | undefined {
  const m = ARTICLE_REF_PATTERN.exec(ref);
  if (!m) return undefined;
  const [, law, organisation, article, paragraph, item, itemWithoutParagraph] = m;
  return {
    ...(law !== undefined ? { law } : { organisation: organisation! }),
    article: article!,
    ...(paragraph !== undefined ? { paragraph: Number(paragraph) } : {}),
    ...((item ?? itemWithoutParagraph) !== undefined ? { item: (item ?? itemWithoutParagraph)! } : {}),
  };
}

const branched = (n: string, unit: string) => {
  const [main, branch] = n.split('-');
  return `第${main}${unit}${branch ? `の${branch}` : ''}`;
};

/**
 * `katsuragi:3.4` → `第3条第4項`; `niigata:15.2.4` → `第15条第2項第4号`; `tokyo:7-2` → `第7条の2`;
 * `katsuragi:5..1` → `第5条第1号`; `niigata:15.2.3-2` → `第15条第2項第3号の2`;
 * `law:個人情報保護法:26` → `個人情報保護法第26条`.
 */
export function formatArticleRefJa(ref: string): string {
  const p = parseArticleRef(ref);
  if (!p) return ref;
  let s = `${p.law ?? ''}${branched(p.article, '条')}`;
  if (p.paragraph !== undefined) s += `第${p.paragraph}項`;
  if (p.item !== undefined) s += branched(p.item, '号');
  return s;
}
