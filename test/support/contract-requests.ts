// A department head's contract request as the tests send it, and the files they attach: a
// minimal PDF, and a Windows executable's first bytes to be renamed .pdf.
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
// A Windows executable's first bytes (MZ, then binary), renamed .pdf.
export const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.from([0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00]), Buffer.alloc(64)]);

/** A request a department head would send: one staff, one subcontractor, a three-year period. */
export function validRequest(over: Record<string, unknown> = {}) {
  return {
    contractor: { name: '株式会社データ処理', address: '東京都千代田区丸の内1-1-1', contact: { name: '委託 花子', email: 'hanako@contractor.example.co.jp' } },
    business: { content: '住民票の写し等の交付に係るシステムの保守', scope: '庁内サーバの保守作業、障害対応' },
    data: { identityInformation: true, items: ['氏名', '住所'], volume: 120000 },
    reason: '専門的な技術を要するため',
    protectionMeasures: 'ISMS 認証取得済み。作業は入退室管理された区画で行う。',
    workSite: { kind: 'ownPremises', address: '東京都新宿区西新宿2-8-1' },
    staff: [{ name: '山田 太郎', role: '作業責任者', email: 'yamada@contractor.example.co.jp' }],
    subcontractors: [{ name: '株式会社保守サービス', via: '株式会社データ処理', business: '夜間の監視' }],
    period: { startsOn: '2027-04-01', endsOn: '2030-03-31' },
    ...over,
  };
}
