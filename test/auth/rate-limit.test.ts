import { createRateLimiter, isLocked, lockedUntilAfter, shouldLock } from '../../src/auth/rate-limit';

function fakeClock(start = Date.parse('2026-12-01T09:00:00Z')) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('the rate limiter', () => {
  it('allows `limit` hits in a window, then refuses with the seconds until the oldest ages out', () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ limit: 3, windowMs: 60_000, now: clock.now });
    expect(rl.hit('ip:192.0.2.1')).toEqual({ allowed: true, retryAfterSeconds: 0 });
    clock.advance(10_000);
    expect(rl.hit('ip:192.0.2.1').allowed).toBe(true);
    clock.advance(10_000);
    expect(rl.hit('ip:192.0.2.1').allowed).toBe(true);
    clock.advance(500);
    // The first hit was 20.5 s ago: it leaves the window in 39.5 s, so 40.
    expect(rl.hit('ip:192.0.2.1')).toEqual({ allowed: false, retryAfterSeconds: 40 });
  });

  it('checks without recording: only the hits a caller records (failures) count', () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ limit: 2, windowMs: 60_000, now: clock.now });
    for (let i = 0; i < 5; i++) expect(rl.check('k')).toEqual({ allowed: true, retryAfterSeconds: 0 });
    rl.hit('k');
    rl.hit('k');
    expect(rl.check('k').allowed).toBe(false);
    clock.advance(60_001);
    expect(rl.check('k').allowed).toBe(true);
  });

  it('slides: the window is the last windowMs, not a calendar minute', () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ limit: 2, windowMs: 60_000, now: clock.now });
    rl.hit('k');
    clock.advance(59_000);
    rl.hit('k');
    expect(rl.hit('k').allowed).toBe(false);
    clock.advance(1_000); // the first hit is now exactly windowMs old: out
    expect(rl.hit('k').allowed).toBe(true);
    expect(rl.hit('k')).toEqual({ allowed: false, retryAfterSeconds: 59 });
  });

  it('does not count refused hits, so a client that keeps trying waits no longer than the window', () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ limit: 1, windowMs: 10_000, now: clock.now });
    expect(rl.hit('k').allowed).toBe(true);
    for (let i = 0; i < 9; i++) {
      clock.advance(1_000);
      expect(rl.hit('k').allowed).toBe(false);
    }
    clock.advance(1_000);
    expect(rl.hit('k').allowed).toBe(true);
  });

  it('never says to retry in 0 seconds when refusing', () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ limit: 1, windowMs: 1_000, now: clock.now });
    rl.hit('k');
    clock.advance(999);
    expect(rl.hit('k')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('keeps keys apart, and reset forgets one key only', () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ limit: 1, windowMs: 60_000, now: clock.now });
    expect(rl.hit('account:a@example.jp').allowed).toBe(true);
    expect(rl.hit('account:b@example.jp').allowed).toBe(true);
    expect(rl.hit('account:a@example.jp').allowed).toBe(false);
    rl.reset('account:a@example.jp');
    expect(rl.hit('account:a@example.jp').allowed).toBe(true);
    expect(rl.hit('account:b@example.jp').allowed).toBe(false);
  });

  it('remembers at most maxKeys keys, forgetting the least recently hit', () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ limit: 1, windowMs: 60_000, now: clock.now, maxKeys: 3 });
    rl.hit('a');
    rl.hit('b');
    rl.hit('c');
    rl.hit('a'); // refused, but a is now the most recently hit
    rl.hit('d'); // evicts b
    expect(rl.size).toBe(3);
    expect(rl.hit('a').allowed).toBe(false);
    expect(rl.hit('c').allowed).toBe(false);
    expect(rl.hit('b').allowed).toBe(true); // forgotten, so allowed again (and evicts d)
    expect(rl.hit('d').allowed).toBe(true);
  });

  it('stays bounded under a flood of distinct keys (default 10 000)', () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ limit: 5, windowMs: 60_000, now: clock.now });
    for (let i = 0; i < 25_000; i++) rl.hit(`ip:${i}`);
    expect(rl.size).toBe(10_000);
  });

  it('uses the real clock when none is given', () => {
    const rl = createRateLimiter({ limit: 1, windowMs: 60_000 });
    expect(rl.hit('k').allowed).toBe(true);
    expect(rl.hit('k').allowed).toBe(false);
  });

  it.each([
    [{ limit: 0, windowMs: 1000 }],
    [{ limit: 1.5, windowMs: 1000 }],
    [{ limit: 1, windowMs: 0 }],
    [{ limit: 1, windowMs: 1000, maxKeys: 0 }],
  ])('refuses nonsense options %j', (o) => {
    expect(() => createRateLimiter(o)).toThrow(RangeError);
  });
});

describe('account lockout', () => {
  it('locks at the threshold-th consecutive failure and after, not before', () => {
    expect(shouldLock(4, 5)).toBe(false);
    expect(shouldLock(5, 5)).toBe(true);
    expect(shouldLock(6, 5)).toBe(true);
    expect(shouldLock(1, 1)).toBe(true);
  });

  it('refuses a threshold that is not a positive integer', () => {
    expect(() => shouldLock(1, 0)).toThrow(RangeError);
    expect(() => shouldLock(1, 2.5)).toThrow(RangeError);
  });

  it('is locked until the lock time, not at it, and not when there is none', () => {
    const now = new Date('2026-12-01T09:00:00Z');
    const until = lockedUntilAfter(now, 30 * 60_000);
    expect(until.toISOString()).toBe('2026-12-01T09:30:00.000Z');
    expect(isLocked(until, now)).toBe(true);
    expect(isLocked(until, new Date('2026-12-01T09:29:59.999Z'))).toBe(true);
    expect(isLocked(until, new Date('2026-12-01T09:30:00Z'))).toBe(false);
    expect(isLocked(null, now)).toBe(false);
  });
});
