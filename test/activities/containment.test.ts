// The network operator adapter against the fake operator over real HTTP: the key goes as a bearer
// token, a refusal that will never change is not retried, a hung answer and a stale read-back are.
import { ApplicationFailure } from '@temporalio/common';
import { createContainmentActivities, segmentUrl } from '../../src/activities/containment';
import { startFakeNetworkOperator, type FakeNetworkOperator } from '../support/network-operator';

describe('the network operator adapter', () => {
  let operator: FakeNetworkOperator;
  beforeAll(async () => {
    operator = await startFakeNetworkOperator({ apiKey: 'right-key-123' });
  });
  afterAll(async () => operator?.close());

  const adapter = (key = 'right-key-123') =>
    createContainmentActivities({ networkOperatorApiKey: key, networkOperatorTimeoutMs: 500, networkOperatorBaseUrl: operator.baseUrl });
  const req = { endpoint: 'https://unused.example.jp/api', segment: 'seg-a', action: 'disconnect' as const, idempotencyKey: 'wf/seg-a/disconnect' };

  it('builds the operator URLs from the base', () => {
    expect(segmentUrl('https://noc.example.jp/api/v1/', 'a b', 'disconnect')).toBe('https://noc.example.jp/api/v1/segments/a%20b/disconnect');
    expect(segmentUrl('https://noc.example.jp/api/v1', 'seg')).toBe('https://noc.example.jp/api/v1/segments/seg');
  });

  it('a wrong key is refused for good (not retried)', async () => {
    const err = await adapter('wrong-key-456').requestSegmentChange(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect(String((err as Error).message)).not.toContain('wrong-key-456');
    expect(operator.state('seg-a')).toBe('connected');
  });

  it('a 503 and a hung answer are retryable; the same key acts once; the read-back checks the state', async () => {
    operator.failNext(1);
    await expect(adapter().requestSegmentChange(req)).rejects.toThrow(/answered 503/);
    operator.hangNext(1);
    await expect(adapter().requestSegmentChange(req)).rejects.toThrow(/timed out/);
    expect(await adapter().requestSegmentChange(req)).toMatchObject({ status: 202, operation: 'op-1' });
    expect(operator.changes.filter((c) => c.segment === 'seg-a')).toHaveLength(1);

    operator.staleReads(1);
    const stale = await adapter().verifySegmentState(req).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ApplicationFailure);
    expect((stale as ApplicationFailure).type).toBe('SegmentStateMismatch');
    expect((stale as ApplicationFailure).nonRetryable).toBe(false);
    expect(await adapter().verifySegmentState(req)).toMatchObject({ segment: 'seg-a', state: 'disconnected' });
    await expect(adapter().verifySegmentState({ ...req, action: 'reconnect' })).rejects.toThrow(/reads disconnected, not connected/);
  });

  it('an unknown operation path is refused for good', async () => {
    const err = await createContainmentActivities({ networkOperatorBaseUrl: `${operator.baseUrl}/nope`, networkOperatorApiKey: 'right-key-123' })
      .verifySegmentState(req)
      .catch((e: unknown) => e);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
  });
});
