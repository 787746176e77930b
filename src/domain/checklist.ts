// The playbook as a checklist (issue 10 §10): what the commander sees first on the incident page —
// each step of the plan the threat level selects, done or not, on whom it is waiting and by when.
// Built from what the case recorded: the audit rows' ids (`<workflow id>/<key>`, stable), the open
// tasks (their workflow ids sit under the incident's) and the obligations (reports, notices,
// prevention tasks), so the page and the CLI cannot disagree with the record.
import type { Obligation } from './obligations';
import type { OrganisationProfile } from './profile';
import type { ProcedureStep } from './procedures';
import { instructsChief } from './council-decisions';
import { playbook } from './triage';

export type ChecklistState = 'done' | 'waiting' | 'todo' | 'waived';

export interface ChecklistItem {
  key: string;
  label: string;
  step: ProcedureStep;
  articles: string[];
  state: ChecklistState;
  /** Whom it waits on: the people asked by its open tasks. */
  waitingOn: string[];
  /** The earliest deadline among its open tasks, or the obligation's. */
  dueAt?: Date;
  doneAt?: Date;
}

export interface ChecklistInput {
  profile: OrganisationProfile;
  level: number;
  workflowId: string;
  closed: boolean;
  trail: ReadonlyArray<{ id: string; at: Date }>;
  openTasks: ReadonlyArray<{ workflowId: string; assignee: { name: string; position?: string; title?: string }; dueAt: Date }>;
  obligations?: readonly Obligation[];
}

interface Milestone {
  key: string;
  label: string;
  step: ProcedureStep;
  /** Audit row keys (after the workflow id) any of which marks it done. */
  doneBy: string[];
  /** Task workflow ids (after the workflow id) whose open tasks it waits on. */
  tasks: RegExp;
}

export function playbookChecklist(input: ChecklistInput): ChecklistItem[] {
  const { profile, workflowId: wf } = input;
  const play = playbook(profile, input.level);
  const rowAt = (key: string) => input.trail.find((r) => r.id === `${wf}/${key}`)?.at;
  const articles = (step: ProcedureStep) => profile.articles[step] ?? [];
  const milestones: Milestone[] = [
    { key: 'detect', label: '検知・覚知の記録', step: 'emergency.detect', doneBy: ['detect'], tasks: /^$/ },
    // Only when the office was closed at the moment of awareness (the row says so).
    ...(rowAt('first-calls') ? [{ key: 'first-call', label: '夜間・休日連絡先への第一報', step: 'emergency.detect' as const, doneBy: [], tasks: /^first-call$/ }] : []),
    ...(play.conveneCouncil
      ? [
          { key: 'convene', label: `${profile.council.name}の招集`, step: 'emergency.conveneCouncil' as const, doneBy: ['chair'], tasks: /^council\/(chair|member)-/ },
          ...(instructsChief(profile) ? [{ key: 'instruct', label: '執行機関から統括責任者への指示', step: 'emergency.instruct' as const, doneBy: ['instruct'], tasks: /^instruct$/ }] : []),
          ...(profile.containment
            ? [
                { key: 'contain-decision', label: '切離しの判断', step: 'emergency.contain' as const, doneBy: ['containment-decision'], tasks: /^containment-decision$/ },
                // Only once asked: a decision taken before the council met, or by a stand-in (kunitachi:10.2).
                ...(rowAt('ratify-containment-decision/asked')
                  ? [{ key: 'ratify', label: '切離しの判断の事後承認', step: 'emergency.contain' as const, doneBy: ['ratify-containment-decision'], tasks: /^council\/ratify-/ }]
                  : []),
                { key: 'contained', label: '切離しの実施と確認', step: 'emergency.contain' as const, doneBy: ['containment/disconnect/verified'], tasks: /^containment\/disconnect\// },
                { key: 'reconnected', label: '再接続の判断と確認', step: 'emergency.reconnect' as const, doneBy: ['containment/reconnect/verified'], tasks: /^containment\/reconnect/ },
              ]
            : []),
        ]
      : [{ key: 'assess', label: '評価・監視（会議を招集しない脅威度）', step: 'emergency.close' as const, doneBy: ['close'], tasks: /^assess-\d+$/ }]),
  ];
  const items: ChecklistItem[] = milestones.map((m) => {
    const prefix = `${wf}/`;
    const open = input.openTasks.filter((t) => t.workflowId.startsWith(prefix) && m.tasks.test(t.workflowId.slice(prefix.length)));
    const doneAt = m.doneBy.map(rowAt).find((d) => d !== undefined);
    // The first call is done when its one task is answered: no open task and the call was made.
    const done = doneAt !== undefined || (m.key === 'first-call' && open.length === 0);
    return {
      key: m.key,
      label: m.label,
      step: m.step,
      articles: articles(m.step),
      state: done ? 'done' : open.length > 0 ? 'waiting' : 'todo',
      waitingOn: done ? [] : [...new Set(open.map((t) => `${t.assignee.position ?? t.assignee.title ?? ''} ${t.assignee.name}`.trim()))],
      ...(done ? {} : earliest(open.map((t) => t.dueAt))),
      ...(doneAt ? { doneAt } : {}),
    };
  });
  for (const o of input.obligations ?? []) {
    items.push({
      key: o.key,
      label: o.label,
      step: o.step,
      articles: o.articles,
      state: o.state === 'open' ? 'todo' : o.state,
      waitingOn: [],
      ...(o.state === 'open' && o.dueAt ? { dueAt: new Date(o.dueAt) } : {}),
    });
  }
  const closedAt = rowAt('close');
  items.push({
    key: 'close',
    label: '終結',
    step: 'emergency.close',
    articles: articles('emergency.close'),
    state: input.closed ? 'done' : 'todo',
    waitingOn: [],
    ...(closedAt ? { doneAt: closedAt } : {}),
  });
  return items;
}

function earliest(dates: Date[]): { dueAt?: Date } {
  if (dates.length === 0) return {};
  return { dueAt: new Date(Math.min(...dates.map((d) => d.getTime()))) };
}

/** `あと 2時間5分` / `15分 超過`: a deadline as the page counts it down (server-rendered: the console runs no script). */
export function countdown(dueAt: Date, now: Date): { text: string; overdue: boolean } {
  const ms = dueAt.getTime() - now.getTime();
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const span = `${d ? `${d}日` : ''}${h ? `${h}時間` : ''}${d ? '' : `${m}分`}` || '0分';
  return ms >= 0 ? { text: `あと ${span}`, overdue: false } : { text: `${span} 超過`, overdue: true };
}
