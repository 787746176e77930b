import { formatLogMeta } from '../src/runtime';

describe('log lines', () => {
  it('show an activity error with its message, not as {}', () => {
    const error = new RangeError('Invalid time value', { cause: new Error('window too long') });
    const line = formatLogMeta({ activityType: 'openTask', error });
    expect(JSON.parse(line)).toEqual({
      activityType: 'openTask',
      error: { name: 'RangeError', message: 'Invalid time value', cause: { name: 'Error', message: 'window too long' } },
    });
  });
});
