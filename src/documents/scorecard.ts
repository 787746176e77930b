// 訓練評価表: the drill's scorecard as an A4 PDF — each milestone's time from awareness, in plan
// time when the drill compressed it, against its target, and whether it was met.
import { formatElapsed, type Scorecard } from '../domain/scorecard';
import { formatWarekiDateTime } from '../domain/wareki';
import { type Block, type JapaneseFont, type PdfDocumentSpec, renderPdf } from './pdf';

const RESULT = { met: '達成', missed: '未達', pending: '未到来' } as const;
const BASIS = { profile: 'プロファイルの応答期限から', statute: '法定・規程の期限' } as const;

export function scorecardDocument(o: { card: Scorecard; organisation: string; organisationName: string; summary: string; generatedAt: Date }): PdfDocumentSpec {
  const { card } = o;
  const compressed = card.timeScale > 1;
  const blocks: Block[] = [
    { type: 'paragraph', text: card.incidentId, align: 'right' },
    { type: 'title', text: '【訓練】訓練評価表' },
    { type: 'paragraph', text: `${o.organisationName}　${o.summary}`, align: 'center' },
    { type: 'spacer', height: 8 },
    {
      type: 'keyValues',
      rows: [
        { key: '訓練番号', value: card.incidentId },
        { key: '覚知日時', value: formatWarekiDateTime(card.awareAt.getTime()) },
        { key: '時間の圧縮', value: compressed ? `${card.timeScale}倍（実時間×${card.timeScale}を計画上の時間として評価）` : 'なし（実時間）' },
        { key: '結果', value: `達成 ${card.met}　未達 ${card.missed}　未到来 ${card.pending}` },
      ],
    },
  ];
  for (const r of card.rows) {
    blocks.push({ type: 'heading', text: `${r.label}　— ${RESULT[r.result]}`, level: 2 });
    blocks.push({
      type: 'keyValues',
      rows: [
        { key: '到達', value: r.reachedAt ? formatWarekiDateTime(r.reachedAt.getTime()) : '—' },
        { key: '覚知から', value: r.elapsedMs === undefined ? '—' : compressed ? `${formatElapsed(r.planElapsedMs!)}（実時間 ${formatElapsed(r.elapsedMs)}）` : formatElapsed(r.elapsedMs) },
        { key: '目標', value: `${formatElapsed(r.targetMs)}以内（${BASIS[r.basis]}）` },
      ],
    });
  }
  return {
    documentId: `${o.organisation}/${card.incidentId}/scorecard`,
    title: `【訓練】訓練評価表 ${card.incidentId}`,
    generatedAt: o.generatedAt,
    author: o.organisationName,
    subject: '訓練評価表',
    keywords: `${card.incidentId} 訓練`,
    blocks,
  };
}

export function renderScorecard(o: Parameters<typeof scorecardDocument>[0], font: JapaneseFont): Promise<Buffer> {
  return renderPdf(scorecardDocument(o), font);
}
