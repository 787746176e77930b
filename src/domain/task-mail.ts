// The emails of a human task, in Japanese, plain text first: who asks what of whom, by when,
// and one short link on a line of its own, so they survive a gateway that strips HTML.
import { formatArticleRefJa } from './articles';
import { formatJst } from './calendar';
import { caseSubject, DRILL_MARK, isDrill } from './incidents';
import type { Assignee, HumanTaskRequest } from './tasks';

export interface TaskMail {
  subject: string;
  text: string;
}

export type TaskMailPurpose =
  | { kind: 'request'; movedFrom?: Assignee }
  | { kind: 'reminder'; reminder: number };

export function composeTaskMail(o: {
  request: HumanTaskRequest;
  assignee: Assignee;
  organisationName: string;
  link: string;
  dueAt: number;
  expiresAt: number;
  purpose: TaskMailPurpose;
}): TaskMail {
  const { request, assignee, purpose } = o;
  const prefix = purpose.kind === 'reminder' ? `【再送${purpose.reminder > 1 ? `・${purpose.reminder}回目` : ''}】` : '【要回答】';
  const lines = [
    ...(isDrill(request.caseId) ? [`${DRILL_MARK}これは訓練です。実際のインシデントではありません。`, ''] : []),
    `${assignee.name} 様（${assignee.title}）`,
    '',
    `${o.organisationName} 住基ネット セキュリティ手続の依頼です。`,
    ...(purpose.kind === 'reminder' ? ['まだ回答をいただいていません。至急回答してください。'] : []),
    ...(purpose.kind === 'request' && purpose.movedFrom
      ? [`${purpose.movedFrom.name}（${purpose.movedFrom.title}）から期限までに回答がなかったため、代わってお願いします。`]
      : []),
    '',
    request.body,
    '',
    `件名: ${request.title}`,
    `回答の選択肢: ${request.options.map((x) => x.label).join(' / ')}`,
    `回答期限: ${formatJst(o.dueAt)}`,
    '',
    '次のリンクを開いて回答してください（開くだけでは回答されません）:',
    o.link,
    '',
    `根拠: ${request.articles.map((a) => `${a}（${formatArticleRefJa(a)}）`).join('、') || '—'}`,
    `このリンクは ${assignee.name} 様専用です。転送しないでください。有効期限: ${formatJst(o.expiresAt)}`,
    '',
    '-- ',
    'jukinet-ops（住基ネット セキュリティ手続）',
  ];
  return { subject: caseSubject(request.caseId, `${prefix}${request.title} — ${formatJst(o.dueAt)}まで`), text: lines.join('\n') };
}
