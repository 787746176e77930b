// The network operator's HTTP API (切離し by API): a thin adapter. The request carries an
// Idempotency-Key so that a retried activity never disconnects twice; the read-back is a second,
// separate call, and a state other than the expected one fails the activity (Temporal retries it).
import { ApplicationFailure } from '@temporalio/common';
import { classifyOperatorStatus, EXPECTED_STATE, type SegmentAction, type SegmentState } from '../domain/containment';

export interface ContainmentActivityDeps {
  /** NETWORK_OPERATOR_API_KEY: sent as a bearer token; never logged. */
  networkOperatorApiKey?: string;
  /** Overrides every profile's endpoint (a test's fake operator, or a local proxy). */
  networkOperatorBaseUrl?: string;
  /** Per request; a hung operator fails the attempt, which is retried with the same key. */
  networkOperatorTimeoutMs?: number;
  fetch?: typeof fetch;
}

export interface SegmentRequest {
  endpoint: string;
  segment: string;
  action: SegmentAction;
  idempotencyKey: string;
}

export interface SegmentReading {
  segment: string;
  state: SegmentState;
  /** The operator's own reference of the change, when it gives one. */
  operation?: string;
  checkedAt: string;
}

export function segmentUrl(base: string, segment: string, action?: SegmentAction): string {
  return `${base.replace(/\/+$/, '')}/segments/${encodeURIComponent(segment)}${action ? `/${action}` : ''}`;
}

export function createContainmentActivities(deps: ContainmentActivityDeps) {
  const doFetch = deps.fetch ?? fetch;
  const base = (endpoint: string) => deps.networkOperatorBaseUrl ?? endpoint;
  const headers = (extra: Record<string, string> = {}) => ({
    accept: 'application/json',
    ...(deps.networkOperatorApiKey ? { authorization: `Bearer ${deps.networkOperatorApiKey}` } : {}),
    ...extra,
  });
  const call = async (url: string, init: RequestInit) => {
    try {
      return await doFetch(url, { ...init, signal: AbortSignal.timeout(deps.networkOperatorTimeoutMs ?? 15_000) });
    } catch (err) {
      // Timeouts and refused connections: the same request (same key) is sent again.
      throw new Error(`network operator unreachable: ${(err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message}`);
    }
  };
  const refuse = (what: string, status: number) => {
    const message = `network operator answered ${status} to ${what}`;
    if (classifyOperatorStatus(status) === 'fail') throw ApplicationFailure.nonRetryable(message, 'OperatorRefused');
    throw new Error(message);
  };

  return {
    /** POST /segments/:segment/{disconnect|reconnect} with the Idempotency-Key; the operator's reference if it gives one. */
    async requestSegmentChange(r: SegmentRequest): Promise<{ operation?: string; status: number }> {
      const res = await call(segmentUrl(base(r.endpoint), r.segment, r.action), {
        method: 'POST',
        headers: headers({ 'idempotency-key': r.idempotencyKey, 'content-type': 'application/json' }),
        body: JSON.stringify({ reason: r.idempotencyKey }),
      });
      if (classifyOperatorStatus(res.status) !== 'ok') refuse(`${r.action} ${r.segment}`, res.status);
      const body = (await res.json().catch(() => ({}))) as { operation?: unknown };
      return { status: res.status, ...(typeof body.operation === 'string' ? { operation: body.operation } : {}) };
    },

    /** GET /segments/:segment: fails (and so is retried) until the segment reads as the action leaves it. */
    async verifySegmentState(r: Omit<SegmentRequest, 'idempotencyKey'>): Promise<SegmentReading> {
      const res = await call(segmentUrl(base(r.endpoint), r.segment), { method: 'GET', headers: headers() });
      if (classifyOperatorStatus(res.status) !== 'ok') refuse(`reading ${r.segment}`, res.status);
      const body = (await res.json()) as { state?: unknown };
      const expected = EXPECTED_STATE[r.action];
      if (body.state !== expected) {
        throw ApplicationFailure.retryable(`segment ${r.segment} reads ${String(body.state)}, not ${expected}`, 'SegmentStateMismatch');
      }
      return { segment: r.segment, state: expected, checkedAt: new Date().toISOString() };
    },
  };
}
