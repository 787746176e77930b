// A Kunitachi leak notice as a commander fills it in: every item within the one-page budget.
import type { Kysely } from 'kysely';
import { getIncident } from '../../src/db/incidents';
import { approveNotice, createNotice } from '../../src/db/notices';
import { getOrganisation } from '../../src/db/organisations';
import type { Database } from '../../src/db/schema';
import { buildNotice, type NoticeFieldsInput, noticeFieldsSchema } from '../../src/notify/notice';

export function noticeFields(over: Partial<NoticeFieldsInput> = {}): NoticeFieldsInput {
  return {
    title: '住民票の写しの誤送付に関するお詫びとお知らせ',
    parties: '国立市民課が交付した住民票の写しの送付先の方 300人',
    dataItems: '氏名、住所、生年月日、性別、住民票コード',
    place: '国立市役所 市民課窓口（東京都国立市富士見台2-47-1）',
    circumstances: '令和8年12月1日、住民票の写し300件の送付先に誤りがあると市民から連絡があり、調査したところ誤送付が判明しました。',
    cause: '宛名ラベルの印刷時に、並べ替えの誤りで住所と氏名の組合せがずれたまま封入したためです。',
    secondaryHarm: '現時点で、二次被害の報告はありません。不審な連絡にご注意ください。',
    response: '誤送付先の方に回収をお願いし、全件を回収しました。宛名の照合を二人で行う手順に改めました。',
    contact: { desk: '国立市 市民課 住民記録係', phone: '042-576-2111', email: 'shimin@city.kunitachi.example.jp', hours: '平日 8時30分から17時15分' },
    signatory: '国立市長 山田 太郎',
    ...over,
  };
}

/**
 * An approved notice for an incident, written and approved straight in the database (two
 * different people), for tests of what comes after the approval (the sending, the letters).
 */
export async function seedApprovedNotice(db: Kysely<Database>, organisation: string, incidentId: string, over: Partial<NoticeFieldsInput> = {}): Promise<string> {
  const [incident, profile] = await Promise.all([getIncident(db, organisation, incidentId), getOrganisation(db, organisation)]);
  if (!incident || !profile) throw new Error(`no incident ${organisation}/${incidentId}`);
  const fields = noticeFieldsSchema.parse(noticeFields(over));
  const now = new Date();
  const n = await createNotice(db, {
    organisation,
    incidentId,
    fields,
    build: (noticeId) => buildNotice({ incident, profile, fields, noticeId, builtAt: now }),
    createdBy: { kind: 'account', id: 'writer', name: '作成 一郎', email: 'writer@example.jp' },
    now,
  });
  const r = await approveNotice(db, { organisation, noticeId: n.noticeId, approvedBy: { kind: 'account', id: 'approver', name: '承認 花子', email: 'approver@example.jp' }, now });
  if (r.outcome !== 'approved') throw new Error(`notice not approved: ${r.outcome}`);
  return n.noticeId;
}
