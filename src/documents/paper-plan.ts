// The printed plan for paper mode (紙運用版 緊急時対応計画): what a commander needs when the
// orchestrator itself is cut off with Juki-net — the plan's steps as a checklist with the
// articles each rests on, the playbook of each threat level, the containment plan, whom to report
// to and by when, the contact tree with night and holiday numbers, and blank forms to write on
// (the log of what was done, the nine items of the statutory report, the two-person check of a
// disconnection). It is generated from the profile each time, so it is as current as the
// profile; it prints the profile's hash, which the console shows beside the link, so a printed
// copy can be checked against the profile in force. Same profile and same moment, same bytes.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../db/audit';
import { formatArticleRefJa } from '../domain/articles';
import { roleHolderChain } from '../domain/council';
import { INCIDENT_KIND_LABELS, INCIDENT_KINDS } from '../domain/incidents';
import { EMERGENCY_PLAN_STEPS, EMERGENCY_STEP_LABELS } from '../domain/paper';
import type { OrganisationProfile, Person, StandIn } from '../domain/profile';
import { playbook } from '../domain/triage';
import { formatWarekiDateTime } from '../domain/wareki';
import { REPORT_ITEMS, REPORT_KIND_LABELS, REPORT_KINDS } from './incident-report';
import { type Block, type JapaneseFont, type PdfDocumentSpec, renderPdf } from './pdf';

/**
 * The profile's version: the SHA-256 of its canonical JSON (keys sorted), the same whether it is
 * read from its file or from the database, where it is stored as JSON.
 */
export function profileHash(profile: OrganisationProfile): string {
  return createHash('sha256').update(canonicalJson(JSON.parse(JSON.stringify(profile)))).digest('hex');
}

/** The hash as printed and shown: its first 16 hex digits. */
export const shortHash = (hash: string) => hash.slice(0, 16);

const REPORT_TARGET_LABELS: Record<OrganisationProfile['reportTargets'][number]['kind'], string> = {
  executive: '首長',
  prefecture: '都道府県',
  jlis: '地方公共団体情報システム機構（J-LIS）',
  ppc: '個人情報保護委員会',
};

/**
 * The statutory clocks of each kind of target (issue 10 item 5; research notes R9–R15), printed
 * when the profile states no deadline of its own for the target.
 */
export const DEFAULT_REPORT_DEADLINES: Record<OrganisationProfile['reportTargets'][number]['kind'], string[]> = {
  executive: ['覚知後、直ちに'],
  prefecture: ['第1報: 覚知の当日', '第2報: 判明した事項を追って'],
  jlis: ['速やかに（対応の状況を報告）'],
  ppc: ['速報: 覚知から3日以内（目安3〜5日）', '確報: 覚知から30日以内（不正の目的によるおそれがある場合は60日以内）', '要配慮個人情報・財産的被害・不正の目的・100人超・特定個人情報の場合に報告する'],
};

/**
 * The deadlines a target's profile entry states (an array `deadlines` of objects or strings),
 * read without assuming more of its shape than that; undefined when it states none.
 */
export function statedDeadlines(target: OrganisationProfile['reportTargets'][number]): string[] | undefined {
  const raw = (target as { deadlines?: unknown }).deadlines;
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  return raw.map((d) =>
    typeof d === 'string'
      ? d
      : d && typeof d === 'object'
        ? Object.entries(d as Record<string, unknown>)
            .filter(([, v]) => typeof v === 'string' || typeof v === 'number')
            .map(([k, v]) => `${k}: ${String(v)}`)
            .join('、')
        : String(d),
  );
}

const WEEKDAY_JA: Record<string, string> = { mon: '月', tue: '火', wed: '水', thu: '木', fri: '金', sat: '土', sun: '日' };

const phones = (p: Pick<Person, 'phone' | 'mobile'>) => `電話 ${p.phone}${p.mobile ? `　携帯 ${p.mobile}` : ''}`;
// The numbers on a line of their own: a number is never split from its label, and reads at a glance.
const who = (p: Pick<Person, 'name' | 'title' | 'phone' | 'mobile'>) => `${p.name}（${p.title}）\n${phones(p)}`;

export interface PaperPlanData {
  documentId: string;
  organisation: { key: string; name: string; regulation: string };
  hash: string;
  generatedAt: Date;
  /** 和暦 with the Western year: 令和8年（2026年）12月1日 10時05分 */
  generatedAtText: string;
  blocks: Block[];
}

/** The plan as blocks of the shared layout layer. Pure: the same profile and moment give the same blocks. */
export function buildPaperPlan(profile: OrganisationProfile, generatedAt: Date): PaperPlanData {
  const org = profile.organisation;
  const hash = profileHash(profile);
  const generatedAtText = formatWarekiDateTime(generatedAt.getTime());
  // The reference beside its Japanese form: what the entry form asks for when a line cites another article.
  const article = (ref: string) => `${formatArticleRefJa(ref)}（${ref}）`;
  const articles = (refs: readonly string[] | undefined) => (refs && refs.length > 0 ? refs.map(article).join('、') : '（プロファイルに定めなし）');
  const blocks: Block[] = [];

  // --- cover ---
  blocks.push(
    { type: 'title', text: '緊急時対応計画（紙運用版）' },
    { type: 'paragraph', text: `${org.name}　住民基本台帳ネットワークシステム`, align: 'center' },
    { type: 'spacer', height: 6 },
    {
      type: 'keyValues',
      rows: [
        { key: '組織', value: `${org.name}（${org.key}）` },
        { key: '規程', value: org.regulation },
        { key: 'プロファイルの版', value: `SHA-256 ${shortHash(hash)}（全桁 ${hash}）` },
        { key: '作成日時', value: generatedAtText },
      ],
    },
    {
      type: 'paragraph',
      text:
        '住基ネットとともに jukinet-ops も使えないときは、この計画に沿って紙で対応し、第6章の対応記録票に実施の日時・実施者・内容を書き留めてください。' +
        '復旧後、記録票の各行を事案ページの「紙の記録を入力」（又は API: POST /api/incidents/組織/事案番号/paper-records）から入力すると、実際の日時で事案の経過に記録されます。' +
        'この計画はプロファイルから作成しています。コンソールの組織ページに表示される版（SHA-256 の先頭16桁）と異なるときは、印刷し直してください。',
    },
    { type: 'paragraph', text: `条項は、特記のない限り${org.regulation}の条項です。`, size: 9 },
  );

  // --- 1. checklist ---
  blocks.push({ type: 'heading', text: '第1章　手順のチェックリスト' });
  EMERGENCY_PLAN_STEPS.forEach((step, n) => {
    const l = EMERGENCY_STEP_LABELS[step];
    blocks.push(
      { type: 'heading', text: `□ ${n + 1}. ${l.ja}（${step}）`, level: 2 },
      { type: 'paragraph', text: l.todo, indent: 14 },
      { type: 'paragraph', text: `根拠: ${articles(profile.articles[step])}`, indent: 14, size: 9.5 },
      { type: 'paragraph', text: '実施日時:　　　年　　月　　日　　時　　分　　実施者:', indent: 14, size: 9.5 },
    );
  });

  // --- 2. playbook ---
  blocks.push({ type: 'heading', text: '第2章　脅威度ごとの対応' });
  const chief = roleHolderChain(profile, 'chief');
  for (const t of profile.threatLevels) {
    const pb = playbook(profile, t.level);
    const does = [
      pb.conveneCouncil ? `${profile.council.name}を招集する` : `会議は招集しない（${chief[0]?.position ?? '統括責任者'}が評価・監視し終結する）`,
      t.disconnect ? (pb.containImmediately ? '切離しを直ちに判断する（会議と並行）' : '切離しを判断する') : '切離しはしない',
    ];
    blocks.push(
      { type: 'heading', text: `L${t.level}　${t.name}`, level: 2 },
      { type: 'paragraph', text: t.description, indent: 14 },
      { type: 'list', items: does },
    );
  }
  const hours = profile.contacts.officeHours;
  blocks.push({
    type: 'paragraph',
    text:
      `開庁時間: ${hours.days.map((d) => WEEKDAY_JA[d] ?? d).join('・')} ${hours.start}〜${hours.end}` +
      `${hours.closedOnHolidays ? '（国民の祝日・休日を除く）' : ''}、年末年始 ${hours.yearEnd.from}〜${hours.yearEnd.to} は閉庁` +
      `${hours.closedDays.length > 0 ? `、閉庁日 ${hours.closedDays.join('・')}` : ''}。閉庁時の第一報は第5章の夜間・休日連絡先へ、その順に電話する。`,
  });

  // --- 3. containment ---
  blocks.push({ type: 'heading', text: '第3章　切離し（封じ込め）の計画' });
  if (!profile.containment) {
    blocks.push({ type: 'paragraph', text: 'プロファイルに切離しの定めがありません。統括責任者の判断に従ってください。' });
  } else {
    const c = profile.containment;
    const orderedBy = roleHolderChain(profile, c.orderedBy);
    blocks.push({
      type: 'keyValues',
      rows: [
        { key: '判断する者', value: orderedBy.map((a, i) => `${i === 0 ? '' : `代理${i}: `}${a.position} ${who(a)}`).join('\n') || c.orderedBy },
        { key: '事後承認', value: c.approvalAfterwards ? 'あり（代理者が直ちに命じ、後で承認を得る）' : 'なし（判断する者の判断を待つ）' },
        {
          key: '方法',
          value:
            c.method.mode === 'operatorApi'
              ? `ネットワーク事業者の API（${c.method.endpoint}、セグメント ${c.method.segment}）。システムが使えないときは事業者に電話で依頼し、切れたことを確認する。`
              : `現地で物理的に切り離し、二名が確認する（二者確認）:\n${c.method.attesters.map((a, i) => `${i + 1}. ${a.position} ${who(a)}`).join('\n')}`,
        },
        { key: '根拠', value: articles(profile.articles['emergency.contain']) },
      ],
    });
    blocks.push({ type: 'heading', text: '切離し確認票', level: 2 });
    for (const label of ['判断した者・日時', '切り離した日時・方法', '確認者1（署名・時刻）', '確認者2（署名・時刻）', '再接続の判断・確認']) {
      blocks.push({ type: 'writingLines', count: 1, label });
    }
  }

  // --- 4. reports ---
  blocks.push({ type: 'heading', text: '第4章　報告先と期限' });
  blocks.push({ type: 'paragraph', text: `期限は覚知（組織が事案を知った時）から数える。根拠: ${articles(profile.articles['emergency.report'])}`, size: 9.5 });
  for (const t of profile.reportTargets) {
    const stated = statedDeadlines(t);
    blocks.push(
      { type: 'heading', text: `□ ${REPORT_TARGET_LABELS[t.kind]}: ${t.name}`, level: 2 },
      {
        type: 'keyValues',
        rows: [
          { key: '期限', value: (stated ?? DEFAULT_REPORT_DEADLINES[t.kind]).join('\n') + (stated ? '' : '\n（プロファイルに期限の定めがないため法令・運用上の目安）') },
          { key: '連絡先', value: t.contacts.map((p) => `${who(p)}\n${p.email}`).join('\n') },
          { key: '根拠', value: articles(t.articles) },
        ],
      },
    );
  }
  if (profile.reportTargets.length === 0) blocks.push({ type: 'paragraph', text: 'プロファイルに報告先の定めがありません。' });

  // --- 5. contact tree ---
  blocks.push({ type: 'heading', text: '第5章　連絡体制' });
  blocks.push({ type: 'heading', text: '夜間・休日連絡先（この順に電話する）', level: 2 });
  blocks.push({
    type: 'keyValues',
    keyWidth: 90,
    rows: profile.contacts.nightHoliday.map((c, i) => ({ key: `${i + 1}. ${c.position}`, value: `${who(c)}` })),
  });
  blocks.push({ type: 'heading', text: '役割と代理者（応答がなければ代理者に順に連絡する）', level: 2 });
  const standIns = (list: readonly StandIn[] | undefined) => (list ?? []).map((s, i) => `代理${i + 1}: ${s.position ? `${s.position} ` : ''}${who(s)}`);
  blocks.push({
    type: 'keyValues',
    keyWidth: 130,
    rows: profile.roles.map((r) => ({ key: `${r.position}（${r.role}）${r.section ? `\n${r.section}` : ''}`, value: [who(r.person), ...standIns(r.substitutes)].join('\n') })),
  });
  blocks.push({ type: 'heading', text: `会議: ${profile.council.name}`, level: 2 });
  const chair = profile.council.chair;
  blocks.push({
    type: 'keyValues',
    keyWidth: 130,
    rows: [
      ...(chair
        ? [{ key: `議長　${chair.position}`, value: [who(chair), ...(chair.substitutes ? standIns(chair.substitutes) : ['代理: 議長の役割の代理者（上表）'])].join('\n') }]
        : []),
      ...profile.council.members.map((m) => ({ key: m.position, value: [who(m), ...standIns(m.substitutes)].join('\n') })),
    ],
  });
  blocks.push({ type: 'paragraph', text: `根拠: ${articles([...new Set([...profile.council.articles, ...(profile.articles['emergency.conveneCouncil'] ?? [])])])}`, size: 9.5 });

  // --- 6. blank forms ---
  blocks.push({ type: 'pageBreak' }, { type: 'heading', text: '第6章　対応記録票（紙運用）' });
  blocks.push({
    type: 'paragraph',
    text: '一行に一つの手順を書く。手順は第1章の番号（1〜10）で書いてよい。日時は実際に行った時刻を書く（後で入力する時刻ではない）。',
    size: 9.5,
  });
  for (let n = 1; n <= 12; n++) {
    blocks.push(
      { type: 'paragraph', text: `No.${n}　手順:　　　　日時:　　　年　　月　　日　　時　　分　　実施者:`, size: 9.5 },
      { type: 'writingLines', count: 2, label: '内容' },
    );
  }

  blocks.push({ type: 'pageBreak' }, { type: 'title', text: '事故報告書（様式）' });
  blocks.push({
    type: 'keyValues',
    rows: [
      { key: '報告の区分', value: REPORT_KINDS.map((k) => `□${REPORT_KIND_LABELS[k].ja}`).join('　') },
      { key: '宛先', value: profile.reportTargets.map((t) => `□${t.name}`).join('\n') || '　' },
      { key: '報告者', value: `${org.name}　　　　　　　　　　　　　` },
      { key: '報告日', value: '　　　　年　　月　　日' },
      { key: '事案番号', value: 'INC-　　　　-　　　　' },
      { key: '事案の種別', value: `${INCIDENT_KINDS.map((k) => `□${INCIDENT_KIND_LABELS[k].ja}`).join('　')}　　脅威度 L　` },
      { key: '検知日時', value: '　　　　年　　月　　日　　時　　分（検知者:　　　　　　）' },
      { key: '覚知日時', value: '　　　　年　　月　　日　　時　　分' },
    ],
  });
  REPORT_ITEMS.forEach((item, n) => {
    blocks.push({ type: 'heading', text: `${n + 1}　${item.ja}`, level: 2 }, { type: 'writingLines', count: item.key === 'summary' ? 5 : 3 });
  });
  blocks.push({ type: 'paragraph', text: '速報は判明している事項のみで足りる（判明していない事項は「調査中」と書く）。確報は九つの事項をすべて書く。', size: 9 });

  return {
    documentId: `${org.key}:paper-plan:${shortHash(hash)}`,
    organisation: { key: org.key, name: org.name, regulation: org.regulation },
    hash,
    generatedAt,
    generatedAtText,
    blocks,
  };
}

export function paperPlanDocument(d: PaperPlanData): PdfDocumentSpec {
  return {
    documentId: d.documentId,
    title: `緊急時対応計画（紙運用版） ${d.organisation.name}`,
    generatedAt: d.generatedAt,
    author: d.organisation.name,
    subject: `${d.organisation.regulation} に基づく緊急時対応計画（紙運用版）`,
    keywords: `paper-plan ${d.organisation.key} profile-sha256:${d.hash}`,
    blocks: d.blocks,
  };
}

/** The plan's PDF bytes for a profile at a moment. Throws PdfFontMissingError without a usable font. */
export function renderPaperPlan(profile: OrganisationProfile, generatedAt: Date, font: JapaneseFont): Promise<Buffer> {
  return renderPdf(paperPlanDocument(buildPaperPlan(profile, generatedAt)), font);
}

/** `緊急時対応計画_紙運用版_国立市.pdf`, and its ASCII fallback `paper-plan-kunitachi.pdf`. */
export function paperPlanFileNames(profile: Pick<OrganisationProfile, 'organisation'>): { filename: string; ascii: string } {
  return { filename: `緊急時対応計画_紙運用版_${profile.organisation.name}.pdf`, ascii: `paper-plan-${profile.organisation.key}.pdf` };
}
