// The notice to the persons concerned (通知文, kunitachi:14) as data: what the commander fills in,
// checked; the notice built from it and the incident; the email each person receives; and what
// the public page (公表) shows. Pure: the same input gives the same notice, so the approved
// notice is exactly what was previewed.
//
// The items are the union of Kunitachi's seven (条例第14条各号) and the five the law requires
// of a notice to the person (個人情報保護法施行規則第10条 — items 1, 2, 4, 5, 9 of the report;
// research notes §3.2/3.3). They overlap except for the data items (漏えい等した項目), which
// Kunitachi lacks, and place and parties, which the law lacks: nine items in all, each saying
// which rule asks for it.
import type { IncidentRow } from '../db/incidents';
import type { OrganisationProfile } from '../domain/profile';
import { caseSubject, DRILL_MARK } from '../domain/incidents';
import { formatWarekiDate, formatWarekiDateTime } from '../domain/wareki';
import { z } from '../domain/zod';

/** The nine items, in the order a notice reads (お詫び → what happened → what it means → what we do). */
export const NOTICE_ITEMS = [
  { key: 'event', ja: '発生した事象の内容', en: 'What happened', rules: ['kunitachi:14.1', '規則第10条（概要）'] },
  { key: 'parties', ja: '当事者及びその規模', en: 'Parties concerned and scale', rules: ['kunitachi:14.2'] },
  { key: 'dataItems', ja: '漏えい等が発生し、又は発生したおそれがある個人情報の項目', en: 'Personal data concerned', rules: ['規則第10条（項目）'] },
  { key: 'place', ja: '事象の発生場所', en: 'Where it happened', rules: ['kunitachi:14.3'] },
  { key: 'circumstances', ja: '事象の発生状況（経緯）', en: 'How it happened', rules: ['kunitachi:14.4'] },
  { key: 'cause', ja: '事象の発生原因', en: 'Cause', rules: ['kunitachi:14.5', '規則第10条（原因）'] },
  { key: 'secondaryHarm', ja: '二次被害又はそのおそれの有無及びその内容', en: 'Secondary harm, or its risk', rules: ['規則第10条（二次被害）'] },
  { key: 'response', ja: '発生した事象に対する対応・措置（再発防止策を含む）', en: 'What has been and will be done', rules: ['kunitachi:14.6'] },
  { key: 'other', ja: 'その他（お問い合わせ先等）', en: 'Other matters (contact)', rules: ['kunitachi:14.7', '規則第10条（その他参考となる事項）'] },
] as const;
export type NoticeItemKey = (typeof NOTICE_ITEMS)[number]['key'];

/**
 * A letter is one page per person (issue 10 §6): the items' text is bounded so the notice fits
 * below the address block. Per item, and for all items together (characters; a line of the
 * letter holds about 56, and the page about 40 lines).
 */
export const NOTICE_ITEM_MAX_CHARS = 300;
export const NOTICE_TOTAL_MAX_CHARS = 800;

const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) => z.string().trim().max(max).optional();

/** What the commander fills in. `event` and `circumstances` default to what the incident recorded. */
export const noticeFieldsSchema = z
  .object({
    /** 件名, e.g. 「個人情報の漏えいに関するお詫びとお知らせ」. */
    title: optionalText(60),
    /** お詫びの一文; a standard sentence when absent. */
    apology: optionalText(150),
    event: optionalText(NOTICE_ITEM_MAX_CHARS),
    parties: text(NOTICE_ITEM_MAX_CHARS),
    dataItems: text(NOTICE_ITEM_MAX_CHARS),
    place: text(NOTICE_ITEM_MAX_CHARS),
    circumstances: optionalText(NOTICE_ITEM_MAX_CHARS),
    cause: text(NOTICE_ITEM_MAX_CHARS),
    secondaryHarm: text(NOTICE_ITEM_MAX_CHARS),
    response: text(NOTICE_ITEM_MAX_CHARS),
    other: optionalText(NOTICE_ITEM_MAX_CHARS),
    /** お問い合わせ先: printed in every email and letter and on the public page. */
    contact: z.object({
      desk: text(80),
      phone: z.string().trim().regex(/^[0-9０-９()（）+\- ]{6,20}$/, { error: '電話番号の形式ではありません / not a phone number' }),
      email: z.email().max(254).optional(),
      hours: optionalText(80),
    }),
    /** 差出人: e.g. 「国立市長 山田 太郎」; the organisation's name when absent. */
    signatory: optionalText(80),
    /** 公表: whether the public notice page shows it (default yes). */
    publish: z.boolean().default(true),
  })
  .superRefine((f, ctx) => {
    const lengths = Object.fromEntries(NOTICE_ITEMS.map((i) => [i.key, (f[i.key] ?? '').length])) as Record<NoticeItemKey, number>;
    const total = Object.values(lengths).reduce((s, n) => s + n, 0);
    if (total > NOTICE_TOTAL_MAX_CHARS) {
      // The longest item is the one to shorten: the error names it.
      const longest = NOTICE_ITEMS.map((i) => i.key).reduce((a, b) => (lengths[b] > lengths[a] ? b : a));
      ctx.addIssue({
        code: 'custom',
        path: [longest],
        message: `各項目の合計が ${total} 文字です。郵送の通知文は1枚に収めるため ${NOTICE_TOTAL_MAX_CHARS} 文字以内にしてください / the items total ${total} characters; at most ${NOTICE_TOTAL_MAX_CHARS} so that a letter fits one page`,
      });
    }
  });
export type NoticeFields = z.output<typeof noticeFieldsSchema>;
export type NoticeFieldsInput = z.input<typeof noticeFieldsSchema>;

export const DEFAULT_NOTICE_TITLE = '個人情報の取扱いに関するお詫びとお知らせ';

export interface NoticeData {
  organisation: string;
  incidentId: string;
  noticeId: string;
  /** In the PDF footers and metadata: `organisation:INC-…:notice:noticeId`. */
  documentId: string;
  title: string;
  organisationName: string;
  signatory: string;
  /** 通知日 (和暦 with the Western year): the day the notice was built. */
  date: string;
  apology: string;
  items: Array<{ no: number; key: NoticeItemKey; heading: string; text: string; rules: readonly string[] }>;
  contact: { desk: string; phone: string; email?: string; hours?: string };
  /** The contact as lines, as every channel prints it. */
  contactLines: string[];
  publish: boolean;
  /** The articles the notice rests on (the profile's for emergency.notifyPersons). */
  articles: string[];
  builtAt: string;
}

export interface BuildNoticeInput {
  incident: Pick<IncidentRow, 'organisation' | 'incident_id' | 'summary' | 'detected_at' | 'aware_at'>;
  profile: Pick<OrganisationProfile, 'organisation' | 'articles'>;
  fields: NoticeFields;
  noticeId: string;
  /** The injected clock: the notice's date. */
  builtAt: Date;
}

/** The notice from the incident and the commander's fields. Pure. */
export function buildNotice(input: BuildNoticeInput): NoticeData {
  const { incident: i, profile, fields: f } = input;
  const organisationName = profile.organisation.name;
  const defaults: Partial<Record<NoticeItemKey, string>> = {
    event: i.summary,
    circumstances: `${formatWarekiDateTime(i.detected_at.getTime())}に事象を検知し、${formatWarekiDateTime(i.aware_at.getTime())}に${organisationName}が把握しました。`,
    other: '本件に関するお問い合わせは、下記の窓口までお願いいたします。',
  };
  const items = NOTICE_ITEMS.map((item, n) => ({
    no: n + 1,
    key: item.key,
    heading: item.ja,
    text: (f[item.key] ?? defaults[item.key] ?? '').trim(),
    rules: item.rules,
  }));
  const contact = {
    desk: f.contact.desk,
    phone: f.contact.phone,
    ...(f.contact.email ? { email: f.contact.email } : {}),
    ...(f.contact.hours ? { hours: f.contact.hours } : {}),
  };
  return {
    organisation: i.organisation,
    incidentId: i.incident_id,
    noticeId: input.noticeId,
    documentId: `${i.organisation}:${i.incident_id}:notice:${input.noticeId}`,
    // A drill's notice says so wherever it is read (issue 10 §8).
    title: caseSubject(i.incident_id, f.title ?? DEFAULT_NOTICE_TITLE),
    organisationName,
    signatory: f.signatory ?? organisationName,
    date: formatWarekiDate(input.builtAt.getTime()),
    apology:
      f.apology ??
      `このたび、${organisationName}において、皆様の個人情報に関わる事案が発生しました。皆様に多大なご迷惑とご心配をおかけしましたことを深くお詫び申し上げます。下記のとおりお知らせいたします。`,
    items,
    contact,
    contactLines: contactLines(contact),
    publish: f.publish,
    articles: [...(profile.articles['emergency.notifyPersons'] ?? [])],
    builtAt: input.builtAt.toISOString(),
  };
}

export function contactLines(c: NoticeData['contact']): string[] {
  return [`お問い合わせ先：${c.desk}`, `電話：${c.phone}${c.hours ? `（${c.hours}）` : ''}`, ...(c.email ? [`メール：${c.email}`] : [])];
}

/** The notice's stable public address (公表): the same for every channel that points to it. */
export function publicNoticePath(organisation: string, noticeId: string): string {
  return `/public/${encodeURIComponent(organisation)}/notices/${encodeURIComponent(noticeId)}`;
}

/** The body every channel shares: apology, the nine items, the contact. No person's data. */
export function noticeBodyLines(n: NoticeData): string[] {
  return [
    n.apology,
    '',
    ...n.items.flatMap((item) => [`${item.no}．${item.heading}`, item.text, '']),
    ...n.contactLines,
  ];
}

/**
 * The email one person receives: their name, the approved notice, the public page. `publicUrl`
 * is the console's base address (the same notice, to check it is genuine).
 */
export function noticeEmail(n: NoticeData, person: { name: string }, publicUrl?: string): { subject: string; text: string } {
  return noticeEmailFor(n, publicUrl)(person);
}

/**
 * The notice's emails made once for all its persons: everything but the salutation is the same
 * for each, so a run of 100,000 renders the notice once, not once per person.
 */
export function noticeEmailFor(n: NoticeData, publicUrl?: string): (person: { name: string }) => { subject: string; text: string } {
  const link = publicUrl && n.publish ? `${publicUrl.replace(/\/$/, '')}${publicNoticePath(n.organisation, n.noticeId)}` : undefined;
  const subject = caseSubject(n.incidentId, `【重要】${n.title.replace(DRILL_MARK, '')}（${n.organisationName}）`);
  const rest = [
    '',
    n.date,
    n.signatory,
    '',
    n.title,
    '',
    ...noticeBodyLines(n),
    ...(link ? ['', `このお知らせは ${n.organisationName} のホームページでも公表しています：`, link] : []),
    '',
    `This is a notice from ${n.organisationName} about an incident (${n.incidentId}) concerning your personal information.${link ? ` The same notice: ${link}` : ''}`,
  ].join('\n');
  return (person) => ({ subject, text: `${person.name} 様\n${rest}` });
}

/** What the public page shows: the notice without anything about any one person. */
export function publicNotice(n: NoticeData): Pick<NoticeData, 'title' | 'organisationName' | 'signatory' | 'date' | 'apology' | 'items' | 'contactLines' | 'incidentId'> {
  return { title: n.title, organisationName: n.organisationName, signatory: n.signatory, date: n.date, apology: n.apology, items: n.items, contactLines: n.contactLines, incidentId: n.incidentId };
}

