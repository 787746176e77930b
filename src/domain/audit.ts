// The audit chain's anchors: the head (seq, MAC) recorded outside the database at intervals.

/** The chain's head as the auditAnchor workflow records it. */
export interface AuditAnchor {
  seq: number;
  hash: string;
  /** The first keyed row: no row from here on may carry a plain hash. */
  keyedFrom: number | null;
  /** When the head was read (ISO 8601). */
  at: string;
}

/**
 * The anchor a run carries on: the head just read, but never backwards. A table that is now
 * shorter, or a head row whose MAC changed, is what the anchor exists to show, so the anchor it
 * contradicts is kept; and the first keyed row only ever moves earlier.
 */
export function nextAnchor(carried: AuditAnchor | undefined, head: AuditAnchor | null): AuditAnchor | undefined {
  if (!head) return carried;
  if (!carried) return head;
  if (head.seq <= carried.seq) return carried;
  const keyed = [carried.keyedFrom, head.keyedFrom].filter((k): k is number => k !== null);
  return { ...head, keyedFrom: keyed.length > 0 ? Math.min(...keyed) : null };
}
