// JSON with object keys sorted: equal values give equal text whatever order their keys came in —
// a request's terms compared with a change's, a held answer with one sent again (the database's
// jsonb keeps its own key order). Keys whose value is undefined are left out, as JSON.stringify does.
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
