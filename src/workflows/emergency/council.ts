// 会議の審議 (the council deliberates), inside the emergency response: the executive instructs the
// chief when the council is convened (kunitachi:10.1); the council's decisions are recorded — what,
// by whom, when, why, with the minutes — as the `recordCouncilDecision` Update; and a decision one
// person took first, in urgency, is put to the council afterwards for 事後承認 (kunitachi:10.2).
import { condition, executeChild, patched, proxyActivities, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { type CouncilCall, councilCalls, roleHolderChain } from '../../domain/council';
import {
  COUNCIL_RATIFY_OPTIONS,
  INSTRUCT_OPTIONS,
  instructionText,
  instructsChief,
  RATIFICATION_REASON_LABELS,
  ratificationReasons,
  ratifierChain,
} from '../../domain/council-decisions';
import { parseDuration } from '../../domain/duration';
import type { ProcedureStep } from '../../domain/procedures';
import type { OrganisationProfile } from '../../domain/profile';
import { ANSWER_CLOCK_SKEW_MS, type Assignee, type HumanTaskOutcome, type HumanTaskRequest, isIsoInstant, type TaskDecision } from '../../domain/tasks';
import { declarerWords, quotedForMail } from '../../domain/text';
import { humanTask } from '../human-task';
import { type CouncilDecisionRecord, councilDecisionsQuery, recordCouncilDecisionUpdate } from '../messages';

/** Every step of the emergency response after this patch: the instruction, decisions' recording, 事後承認. */
export const COUNCIL_PATCH = 'council-decisions-v1';

/** After this patch the chief is emailed the executive's instruction, and a decision not ratified is told to whoever took it. */
export const INFORM_PATCH = 'council-informs-v1';

const { informPeople } = proxyActivities<Activities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '30 seconds', retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' } });

export type Audit = (key: string, step: ProcedureStep, outcome: string, extra?: { actor?: string; articles?: string[]; detail?: Record<string, unknown> }) => Promise<void>;

export interface CouncilContext {
  input: { organisation: string; incidentId: string; summary: string };
  profile: OrganisationProfile;
  audit: Audit;
}

export interface CouncilState {
  /** When the council was convened (ISO 8601); decisions are taken only after. */
  convenedAt?: string;
  /** The chair's call is over: someone presides, or neither the chair nor a stand-in can. */
  chairSettled: boolean;
  /** When the presiding person accepted the call: the council has met (ISO 8601, the answer's time). */
  metAt?: string;
  presiding?: Assignee & { acting: boolean };
  decisions: CouncilDecisionRecord[];
}

/** The articles a council's deliberation rests on: the profile's for convening, and the council's own. */
export const councilArticles = (profile: OrganisationProfile) => [...new Set([...(profile.articles['emergency.conveneCouncil'] ?? []), ...profile.council.articles])];

const presidingLabel = (p: CouncilState['presiding']) => (p ? `${p.position} ${p.name}（${p.acting ? '職務代行' : '議長'}）` : '');

/** The council of one incident: its state, and the steps of its deliberation. */
export function councilDeliberation(ctx: CouncilContext) {
  const { input, profile, audit } = ctx;
  const wf = () => workflowInfo().workflowId;
  const state: CouncilState = { chairSettled: false, decisions: [] };
  const window = profile.responseWindows.decision;
  const ask = (o: Pick<HumanTaskRequest, 'step' | 'articles' | 'title' | 'body' | 'options' | 'chain'>): HumanTaskRequest => ({
    caseId: input.incidentId,
    organisation: input.organisation,
    kind: 'decide',
    ...o,
    remindAfterMs: parseDuration(window.remindAfter)!,
    escalateAfterMs: parseDuration(window.escalateAfter)!,
    ...(profile.contacts.deliveryAlertAfter ? { deliveryAlertAfterMs: parseDuration(profile.contacts.deliveryAlertAfter)! } : {}),
  });

  return {
    state,

    /** Takes the council's decisions from the API; `closed` tells when the incident no longer takes any. */
    acceptDecisions(closed: () => boolean): void {
      setHandler(councilDecisionsQuery, () => state.decisions);
      setHandler(
        recordCouncilDecisionUpdate,
        async (i) => {
          const record: CouncilDecisionRecord = {
            decisionId: i.decisionId,
            decision: i.decision,
            reason: i.reason,
            decidedAt: i.decidedAt,
            ...(i.minutes ? { minutes: i.minutes } : {}),
            recordedBy: i.recordedBy,
            council: profile.council.name,
            presidedBy: i.presidedBy ?? presidingLabel(state.presiding),
            recordedAt: new Date().toISOString(),
            articles: councilArticles(profile),
          };
          state.decisions.push(record);
          await audit(
            `council-decision/${i.decisionId}`,
            'emergency.conveneCouncil',
            `${profile.council.name}の決定: ${quotedForMail(i.decision, 80)}（理由: ${quotedForMail(i.reason, 80)}${record.presidedBy ? `、議長: ${record.presidedBy}` : ''}${i.minutes ? `、議事録 ${i.minutes.filename}` : ''}）`,
            { actor: `${i.recordedBy.name} <${i.recordedBy.email}>`, articles: record.articles, detail: { councilDecision: record } },
          );
          return record;
        },
        {
          validator: (i) => {
            if (closed()) throw new Error('the incident is closed');
            if (state.convenedAt === undefined) throw new Error('the council has not been convened for this incident');
            if (state.decisions.some((d) => d.decisionId === i.decisionId)) throw new Error(`decision ${i.decisionId} is already recorded`);
            if (typeof i.decision !== 'string' || i.decision.trim() === '') throw new Error('a decision is required');
            if (typeof i.reason !== 'string' || i.reason.trim() === '') throw new Error('a reason is required');
            if (!isIsoInstant(i.decidedAt) || Date.parse(i.decidedAt) > Date.now() + ANSWER_CLOCK_SKEW_MS) throw new Error(`decidedAt is not a past ISO 8601 instant: ${i.decidedAt}`);
            if (i.minutes && !/^[0-9a-f]{64}$/.test(i.minutes.sha256)) throw new Error('the minutes carry no SHA-256');
          },
        },
      );
    },

    convened(): void {
      state.convenedAt = new Date().toISOString();
    },

    /** The chair's call is over: `presiding` accepted it (or nobody did). */
    met(chair: CouncilCall | undefined, presiding: HumanTaskOutcome | undefined): void {
      if (chair && presiding) {
        const email = presiding.decision.decidedBy.email.toLowerCase();
        const index = chair.chain.findIndex((a) => a.email.toLowerCase() === email);
        const person = chair.chain[index] ?? { ...presiding.decision.decidedBy, title: '', phone: '', position: '議長' };
        state.presiding = { ...person, acting: index !== 0 };
        state.metAt = presiding.decision.decidedAt;
      }
      state.chairSettled = true;
    },

    /**
     * 指示 (kunitachi:10.1): the executive instructs the chief to grasp the situation and take the
     * necessary measures; the instruction is recorded when given. Nothing when the profile names
     * no executive or no article for the step. The procedure does not wait for it.
     */
    instruct(): Promise<void> | undefined {
      if (!instructsChief(profile)) return undefined;
      const executive = roleHolderChain(profile, 'executive');
      const chief = roleHolderChain(profile, 'chief')[0];
      const articles = profile.articles['emergency.instruct'] ?? [];
      return startChild(humanTask, {
        workflowId: `${wf()}/instruct`,
        args: [
          ask({
            step: 'emergency.instruct',
            articles,
            title: `統括責任者への指示（${input.incidentId}）`,
            body:
              `${input.incidentId}（${declarerWords(input.summary)}）について${profile.council.name}を招集しました。` +
              `${chief ? `${chief.position}（${chief.name}）` : '統括責任者'}に対し、速やかに状況を把握し、必要な措置を講ずるよう指示してください。` +
              '指示の内容を備考に書いてください（空欄のときは選択肢の文言を指示として記録します）。',
            options: INSTRUCT_OPTIONS,
            chain: executive,
          }),
        ],
      })
        .then((h) => h.result())
        .then(async (o) => {
          const instruction = instructionText(o.decision.note);
          const by = o.decision.decidedBy;
          await audit('instruct', 'emergency.instruct', `${by.name}が${chief ? chief.position : '統括責任者'}に指示: ${quotedForMail(instruction, 120)}`, {
            actor: `${by.name} <${by.email}>`,
            articles,
            detail: { instruction, to: chief ? { name: chief.name, position: chief.position } : null, decidedAt: o.decision.decidedAt, asked: o.asked },
          });
          // The instruction reaches the chief it is given to, not only the record.
          if (chief && patched(INFORM_PATCH)) {
            await informPeople({
              key: `${wf()}/instruct`,
              organisation: input.organisation,
              caseId: input.incidentId,
              to: [chief],
              title: `${by.name}からの指示（${input.incidentId}）`,
              lines: [`${input.incidentId}（${declarerWords(input.summary)}）について、${by.name} から次の指示がありました（${articles.join('、') || '指示'}）。`, '', quotedForMail(instruction), '', '速やかに状況を把握し、必要な措置を講じてください。'],
            });
          }
        });
    },

    /**
     * 事後承認 (kunitachi:10.2): once the council's call is settled, a decision taken before the
     * council met, or by a stand-in where the profile allows approval afterwards, is put to
     * whoever presides (else the chair's chain). Recorded when answered; the procedure goes on.
     */
    async ratify(o: { key: string; what: string; step: ProcedureStep; articles: string[]; decision: TaskDecision; asked: number; approvalAfterwards: boolean }): Promise<void> {
      await condition(() => state.chairSettled);
      const reasons = ratificationReasons({ decidedAt: o.decision.decidedAt, councilMetAt: state.metAt, approvalAfterwards: o.approvalAfterwards, asked: o.asked });
      if (reasons.length === 0) return;
      const articles = [...new Set([...o.articles, ...councilArticles(profile)])];
      const chairCall = ratifierChain(state.presiding, councilChairChain(profile));
      const why = reasons.map((r) => RATIFICATION_REASON_LABELS[r]).join('、');
      const by = o.decision.decidedBy;
      if (chairCall.length === 0) {
        await audit(`ratify-${o.key}/nobody`, o.step, `${o.what}の事後承認を求める議長・職務代行者がいない（${why}）`, { articles, detail: { reasons } });
        return;
      }
      await audit(`ratify-${o.key}/asked`, o.step, `${o.what}（${by.name}、${o.decision.optionLabel}）の事後承認を${profile.council.name}に求める（${why}）`, {
        articles,
        detail: { reasons, decision: o.decision, asked: chairCall.map((a) => ({ name: a.name, position: a.position })) },
      });
      const outcome = await executeChild(humanTask, {
        workflowId: `${wf()}/council/ratify-${o.key}`,
        args: [
          ask({
            step: o.step,
            articles,
            title: `${o.what}の事後承認（${input.incidentId}）`,
            body:
              `${by.name} が ${input.incidentId} について「${o.decision.optionLabel}」と判断しました（${o.decision.decidedAt}${o.decision.note ? `、理由: ${quotedForMail(o.decision.note)}` : ''}）。` +
              `${why}、${profile.council.name}として事後承認するかを判断し、備考に会議の意見を書いてください。`,
            options: COUNCIL_RATIFY_OPTIONS,
            chain: chairCall,
          }),
        ],
      });
      const r = outcome.decision;
      await audit(`ratify-${o.key}`, o.step, `${o.what}の事後承認: ${r.optionLabel}${r.note ? `（${quotedForMail(r.note, 120)}）` : ''}`, {
        actor: `${r.decidedBy.name} <${r.decidedBy.email}>`,
        articles,
        detail: { ratified: r.option === 'ratify', note: r.note, decidedAt: r.decidedAt, reasons, decision: o.decision },
      });
      // Not ratified: whoever took the decision (and the chief) must reconsider it; they are told so.
      if (r.option !== 'ratify' && patched(INFORM_PATCH)) {
        const chief = roleHolderChain(profile, 'chief')[0];
        const to = [by, ...(chief && chief.email.toLowerCase() !== by.email.toLowerCase() ? [chief] : [])];
        await informPeople({
          key: `${wf()}/council/ratify-${o.key}/refused`,
          organisation: input.organisation,
          caseId: input.incidentId,
          to,
          title: `${o.what}は事後承認されませんでした（${input.incidentId}）`,
          lines: [
            `${by.name} の判断「${o.decision.optionLabel}」（${o.decision.decidedAt}）は、${profile.council.name}で事後承認されませんでした（${r.decidedBy.name}、${r.optionLabel}）。`,
            ...(r.note ? ['', `意見: ${quotedForMail(r.note)}`] : []),
            '',
            '措置を見直し、改めて判断を記録してください。',
          ],
        });
      }
    },
  };
}

export type CouncilDeliberation = ReturnType<typeof councilDeliberation>;

/** The chair's seat chain (the chair, then whoever acts for the chair), as the council call asks it. */
function councilChairChain(profile: OrganisationProfile): Assignee[] {
  return councilCalls(profile).find((c) => c.seat === 'chair')?.chain ?? [];
}
