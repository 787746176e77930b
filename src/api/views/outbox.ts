import type { OutboxMessage, OutboxSummary } from '../../embedded/outbox';
import { html, type Html, linkify } from '../html';
import { formatDateTime, type Locale, type Translate } from '../i18n';

export function outboxPage(messages: OutboxSummary[], t: Translate, locale: Locale): Html {
  return html`<p>${t('outboxIntro')}</p>
<section>${
    messages.length === 0
      ? html`<p class="empty">${t('noMessages')}</p>`
      : html`<table>
<thead><tr><th>${t('date')}</th><th>${t('from')}</th><th>${t('to')}</th><th>${t('subject')}</th></tr></thead>
<tbody>${messages.map(
          (m) => html`<tr><td>${formatDateTime(m.date, locale)}</td><td>${m.from}</td><td>${m.to}</td><td><a href="/outbox/${m.id}">${m.subject || '(no subject)'}</a></td></tr>`,
        )}</tbody></table>`
  }</section>`;
}

export function outboxMessagePage(m: OutboxMessage, t: Translate, locale: Locale): Html {
  return html`<p><a href="/outbox">← ${t('backToOutbox')}</a></p>
<section><table><tbody>
<tr><th>${t('date')}</th><td>${formatDateTime(m.date, locale)}</td></tr>
<tr><th>${t('from')}</th><td>${m.from}</td></tr>
<tr><th>${t('to')}</th><td>${m.to}</td></tr>
<tr><th>${t('subject')}</th><td>${m.subject}</td></tr>
</tbody></table>
<pre>${linkify(m.text)}</pre>
${m.html ? html`<h2>${t('htmlPart')}</h2><iframe sandbox title="${t('htmlPart')}" srcdoc="${m.html}"></iframe>` : ''}
</section>`;
}
