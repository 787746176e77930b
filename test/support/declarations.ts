/** A complete declaration for Katsuragi, as the incident commander would send it. */
export const declaration = (over: Record<string, unknown> = {}) => ({
  organisation: 'katsuragi',
  kind: 'misconduct',
  // L2 convenes the council and awaits the containment decision after it (katsuragi's L3 awaits it
  // at once, katsuragi:4.2); declared on a working morning, so no night/holiday call comes first.
  threatLevel: 2,
  summary: '住基端末への不審なアクセス',
  observed: '夜間に業務時間外のログインが記録された（端末 JK-03）',
  detectedBy: { name: '佐藤 花子', email: 'sato@katsuragi.example.jp' },
  detectedAt: '2026-11-24T01:10:00+09:00',
  awareAt: '2026-11-24T08:40:00+09:00',
  ...over,
});
