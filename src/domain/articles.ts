// Article references (条項参照): `<org>:<article>.<paragraph>.<item>`, e.g. `niigata:15.2.4`.
// An article number may carry a branch number (枝番号), e.g. `tokyo:7-2`.

/** Organisation keys of the five seed regulations. A new municipality adds its own key. */
export const SEED_ORGANISATION_KEYS = ['niigata', 'katsuragi', 'tokyo', 'kunitachi', 'jlis'] as const;
export type SeedOrganisationKey = (typeof SEED_ORGANISATION_KEYS)[number];

export const ORGANISATION_KEY_PATTERN = /^[a-z][a-z0-9-]{1,31}$/;
export const ARTICLE_REF_PATTERN = /^([a-z][a-z0-9-]{1,31}):(\d+(?:-\d+)?)(?:\.(\d+))?(?:\.(\d+))?$/;

export type ArticleRef = string;

export interface ParsedArticleRef {
  organisation: string;
  article: string;
  paragraph?: number;
  item?: number;
}

export function parseArticleRef(ref: string): ParsedArticleRef | undefined {
  const m = ARTICLE_REF_PATTERN.exec(ref);
  if (!m) return undefined;
  return {
    organisation: m[1],
    article: m[2],
    ...(m[3] !== undefined ? { paragraph: Number(m[3]) } : {}),
    ...(m[4] !== undefined ? { item: Number(m[4]) } : {}),
  };
}

/** `katsuragi:3.4` → `第3条第4項`; `niigata:15.2.4` → `第15条第2項第4号`; `tokyo:7-2` → `第7条の2`. */
export function formatArticleRefJa(ref: string): string {
  const p = parseArticleRef(ref);
  if (!p) return ref;
  const [main, branch] = p.article.split('-');
  let s = `第${main}条${branch ? `の${branch}` : ''}`;
  if (p.paragraph !== undefined) s += `第${p.paragraph}項`;
  if (p.item !== undefined) s += `第${p.item}号`;
  return s;
}
