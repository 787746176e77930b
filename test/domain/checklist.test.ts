import { countdown, playbookChecklist } from '../../src/domain/checklist';
import { loadProfile } from '../support/documents';

const katsuragi = loadProfile('katsuragi');
const wf = 'emergency-response/katsuragi/INC-2026-0001';
const t0 = new Date('2026-11-24T08:40:00+09:00');
const at = (min: number) => new Date(t0.getTime() + min * 60_000);
const lowest = Math.min(...katsuragi.threatLevels.map((l) => l.level));
const councilLevel = katsuragi.threatLevels.find((l) => l.conveneCouncil)!.level;

describe('the playbook as a checklist', () => {
  it('a level that convenes the council: convened, waiting on the decider with the deadline, the rest to do', () => {
    const items = playbookChecklist({
      profile: katsuragi,
      level: councilLevel,
      workflowId: wf,
      closed: false,
      trail: [
        { id: `${wf}/detect`, at: t0 },
        { id: `${wf}/convene`, at: at(1) },
        { id: `${wf}/chair`, at: at(12) },
      ],
      openTasks: [
        { workflowId: `${wf}/containment-decision`, assignee: { name: '山田 太郎', position: '町長' }, dueAt: at(90) },
        // Another incident's task never counts.
        { workflowId: 'emergency-response/katsuragi/INC-2026-0002/containment-decision', assignee: { name: '別人', position: '町長' }, dueAt: at(5) },
      ],
      obligations: [{ key: 'report:prefecture:first', label: '県への第1報', step: 'emergency.report', articles: ['katsuragi:5.1'], state: 'open', dueAt: at(600).toISOString() }],
    });
    expect(items.map((i) => [i.key, i.state])).toEqual([
      ['detect', 'done'],
      ['convene', 'done'],
      ['contain-decision', 'waiting'],
      ['contained', 'todo'],
      ['reconnected', 'todo'],
      ['report:prefecture:first', 'todo'],
      ['close', 'todo'],
    ]);
    const decision = items.find((i) => i.key === 'contain-decision')!;
    expect(decision.waitingOn).toEqual(['町長 山田 太郎']);
    expect(decision.dueAt).toEqual(at(90));
    expect(decision.articles).toEqual(katsuragi.articles['emergency.contain']);
    expect(items.find((i) => i.key === 'convene')!.doneAt).toEqual(at(12));
    expect(items.find((i) => i.key === 'report:prefecture:first')!.dueAt).toEqual(at(600));
  });

  it('the lowest level: the chief assesses; no council, no containment; the night call when the office was closed', () => {
    const items = playbookChecklist({
      profile: katsuragi,
      level: lowest,
      workflowId: wf,
      closed: false,
      trail: [
        { id: `${wf}/detect`, at: t0 },
        { id: `${wf}/first-calls`, at: t0 },
      ],
      openTasks: [
        { workflowId: `${wf}/first-call`, assignee: { name: '夜間 当番', position: '宿直' }, dueAt: at(15) },
        { workflowId: `${wf}/assess-1`, assignee: { name: '中西 弘', position: '副町長' }, dueAt: at(60) },
      ],
    });
    expect(items.map((i) => [i.key, i.state, i.waitingOn.join()])).toEqual([
      ['detect', 'done', ''],
      ['first-call', 'waiting', '宿直 夜間 当番'],
      ['assess', 'waiting', '副町長 中西 弘'],
      ['close', 'todo', ''],
    ]);
  });

  it('counts down to a deadline, and up past it', () => {
    expect(countdown(at(125), t0)).toEqual({ text: 'あと 2時間5分', overdue: false });
    expect(countdown(at(3 * 1440 + 60), t0)).toEqual({ text: 'あと 3日1時間', overdue: false });
    expect(countdown(at(-15), t0)).toEqual({ text: '15分 超過', overdue: true });
    expect(countdown(t0, t0)).toEqual({ text: 'あと 0分', overdue: false });
  });
});

describe('the checklist with the council’s deliberation', () => {
  const kunitachi = loadProfile('kunitachi');
  const level = kunitachi.threatLevels.find((l) => l.conveneCouncil)!.level;
  const kwf = 'emergency-response/kunitachi/INC-2026-0001';

  it('lists the executive’s instruction where the profile names it, and 事後承認 once it was asked', () => {
    const items = playbookChecklist({
      profile: kunitachi,
      level,
      workflowId: kwf,
      closed: false,
      trail: [
        { id: `${kwf}/detect`, at: t0 },
        { id: `${kwf}/chair`, at: at(10) },
        { id: `${kwf}/containment-decision`, at: at(20) },
        { id: `${kwf}/ratify-containment-decision/asked`, at: at(21) },
      ],
      openTasks: [
        { workflowId: `${kwf}/instruct`, assignee: { name: '川口 洋子', position: '市長' }, dueAt: at(40) },
        { workflowId: `${kwf}/council/ratify-containment-decision`, assignee: { name: '議長', position: '副市長' }, dueAt: at(80) },
      ],
    });
    expect(items.map((i) => [i.key, i.state])).toEqual(
      expect.arrayContaining([
        ['convene', 'done'],
        ['instruct', 'waiting'],
        ['contain-decision', 'done'],
        ['ratify', 'waiting'],
      ]),
    );
    expect(items.find((i) => i.key === 'instruct')!.waitingOn).toEqual(['市長 川口 洋子']);
    // The ratification task is not the council's convening.
    expect(items.find((i) => i.key === 'convene')!.waitingOn).toEqual([]);
    expect(playbookChecklist({ profile: katsuragi, level: councilLevel, workflowId: wf, closed: false, trail: [], openTasks: [] }).map((i) => i.key)).not.toContain('instruct');
  });
});
