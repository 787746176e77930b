// Server-rendered pages: escaped by default, readable on a phone, no external assets (the
// Juki-net segment has no internet) and no JavaScript needed.
import { createHash } from 'node:crypto';
import type { Locale, Translate } from './i18n';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

type Value = Html | string | number | undefined | null | false | readonly Value[];

function render(v: Value): string {
  if (v === undefined || v === null || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

/** Tagged template: interpolated values are escaped unless they are already `Html`. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0];
  values.forEach((v, i) => (out += render(v) + strings[i + 1]));
  return new Html(out);
}

/** Plain text with its http(s) links made clickable, newlines kept. */
export function linkify(text: string): Html {
  const parts = text.split(/(https?:\/\/[^\s<>"]+)/g);
  return new Html(
    parts.map((p, i) => (i % 2 === 1 ? `<a href="${escapeHtml(p)}">${escapeHtml(p)}</a>` : escapeHtml(p))).join(''),
  );
}

const STYLE = `
:root{color-scheme:light;--fg:#1a1a1a;--muted:#5b6068;--line:#d6d9de;--accent:#0b5cad;--ok:#17753a;--bad:#b3261e;--bg:#f6f7f9}
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,"Hiragino Sans","Noto Sans CJK JP","Yu Gothic",sans-serif;color:var(--fg);background:var(--bg);line-height:1.6}
header{background:#fff;border-bottom:1px solid var(--line);padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center}
header .brand{font-weight:700;margin-right:auto}
header .brand small{font-weight:400;color:var(--muted);margin-left:.5rem}
nav a,header a{color:var(--accent);text-decoration:none;padding:.3rem .2rem}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.5rem 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
section{background:#fff;border:1px solid var(--line);border-radius:.4rem;padding:1rem;margin-bottom:1rem;overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600;white-space:nowrap}
.ok{color:var(--ok);font-weight:600}.fail{color:var(--bad);font-weight:600}.skipped{color:var(--muted)}
.empty{color:var(--muted)}
code{overflow-wrap:anywhere;word-break:break-all}
pre{white-space:pre-wrap;word-break:break-word;font-family:inherit;background:var(--bg);padding:.8rem;border-radius:.3rem}
.task-body{white-space:pre-line}
iframe{width:100%;min-height:20rem;border:1px solid var(--line)}
.issues li{margin:.2rem 0}
form label{display:block;margin:.8rem 0 .3rem;font-weight:600}
form input[type=text],form input[type=number],form input[type=email],form input[type=password],form input[type=datetime-local],form select,form textarea{width:100%;font:inherit;padding:.5rem;border:1px solid var(--line);border-radius:.3rem;background:#fff}
form textarea{min-height:6rem}
.choice{display:flex;gap:.5rem;align-items:center;padding:.6rem;border:1px solid var(--line);border-radius:.3rem;margin:.4rem 0;font-weight:400}
.choice input{width:1.3rem;height:1.3rem}
.choice.disabled{color:var(--muted);background:var(--bg)}
button{font:inherit;font-weight:600;color:#fff;background:var(--accent);border:0;border-radius:.3rem;padding:.7rem 1.4rem;margin-top:1rem;min-height:2.75rem}
.hint{color:var(--muted);font-size:.9rem}
fieldset.answer{border:0;padding:0;margin:0}
.error{color:var(--bad)}
fieldset.review-item{border:1px solid var(--line);border-radius:.3rem;margin:.8rem 0;padding:.4rem .8rem}
fieldset.review-item.flagged{border-left:4px solid var(--bad)}
.flag{display:inline-block;background:#fdecc8;border-radius:.2rem;padding:0 .35rem;margin:0 .3rem .2rem 0;font-size:.9rem}
.answers{display:flex;flex-wrap:wrap;gap:0 .5rem}
.notice{border-left:4px solid var(--accent);padding:.5rem .8rem;background:#eef4fb}
.drill{border:2px dashed #8a5a00;background:#fff6e0;color:#5c3c00;padding:.5rem .8rem;font-weight:700}
.signout{display:flex;gap:.5rem;align-items:center;margin:0}.signout button{margin:0;padding:.3rem .8rem;min-height:2.2rem}
form.inline{display:inline}form.inline button{margin:.2rem 0;padding:.3rem .7rem;min-height:2.2rem}
.qr svg{width:14rem;height:14rem}
.OPEN{color:var(--muted)}.DECIDED{color:var(--ok);font-weight:600}.MOVED{color:#8a5a00}
@media (max-width:40rem){th,td{display:block;border:0;padding:.15rem 0}tr{display:block;border-bottom:1px solid var(--line);padding:.4rem 0}thead{display:none}}
/* A cell's own label, for tables whose header row a phone hides; pager and filter forms in one line where they fit. */
.cell-label{display:none;color:var(--muted);font-size:.85rem;margin-right:.4rem}
@media (max-width:40rem){.cell-label{display:inline}}
.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}.filters label{margin:0}.filters button{margin:0}
.pager{display:flex;gap:1rem;justify-content:space-between;margin-top:.8rem}
/* The contract request's dates and files, as wide as its other fields on a phone. */
form input[type=date],form input[type=file]{width:100%;font:inherit;padding:.5rem;border:1px solid var(--line);border-radius:.3rem;background:#fff}
`;

/** The one stylesheet's hash: the Content-Security-Policy allows exactly it, and no other inline style or any script. */
export const STYLE_HASH = `sha256-${createHash('sha256').update(STYLE).digest('base64')}`;

export interface PageOptions {
  title: string;
  locale: Locale;
  t: Translate;
  /** The current path, for the language switch. */
  path: string;
  /** The console's navigation, for someone signed in; absent on sign-in pages and email-link task pages. */
  nav?: {
    user: string;
    /** The sign-out form's CSRF field. */
    logoutCsrf: string;
    showOutbox: boolean;
    showAdmin: boolean;
    /** A link to set up TOTP, for a local account without it. */
    offerSecondFactor?: boolean;
    temporalUiUrl?: string;
  };
}

export function page(o: PageOptions, body: Html): string {
  const other: Locale = o.locale === 'ja' ? 'en' : 'ja';
  return html`<!doctype html>
<html lang="${o.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} — ${o.t('appName')}</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<header>
  <span class="brand">${o.t('appName')}<small>${o.t('appTagline')}</small></span>
  ${
    o.nav
      ? html`<nav>
    <a href="/">${o.t('navHome')}</a>
    <a href="/incidents">${o.t('navIncidents')}</a>
    <a href="/tasks">${o.t('navTasks')}</a>
    <a href="/organisations">${o.t('navOrganisations')}</a>
    ${o.nav.showAdmin ? html`<a href="/admin/accounts">${o.t('navAccounts')}</a> <a href="/admin/keys">${o.t('navApiKeys')}</a>` : ''}
    ${o.nav.showOutbox ? html`<a href="/outbox">${o.t('navOutbox')}</a>` : ''}
    ${o.nav.offerSecondFactor ? html`<a href="/account/totp">${o.t('navSecondFactor')}</a>` : ''}
    ${o.nav.temporalUiUrl ? html`<a href="${o.nav.temporalUiUrl}">${o.t('navTemporal')}</a>` : ''}
  </nav>
  <form method="post" action="/logout" class="signout"><input type="hidden" name="csrf" value="${o.nav.logoutCsrf}"><span class="user">${o.nav.user}</span> <button type="submit">${o.t('signOut')}</button></form>`
      : ''
  }
  <a href="${o.path}?lang=${other}" hreflang="${other}">${o.t('otherLanguage')}</a>
</header>
<main>
<h1>${o.title}</h1>
${body}
</main>
</body>
</html>
`.value;
}
