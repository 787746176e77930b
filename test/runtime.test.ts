import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../src/config';
import { existingAuditMacKeys, formatLogMeta, resolveAuditMacKeys } from '../src/runtime';

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

describe("the embedded stack's audit MAC key", () => {
  it('is generated once in DATA_DIR, readable by the owner only; checking never generates one', () => {
    const config = loadConfig({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-keys-')) }, '/nonexistent/.env');
    expect(existingAuditMacKeys(config)).toBeUndefined();
    expect(fs.readdirSync(config.DATA_DIR)).toEqual([]);
    const [key] = resolveAuditMacKeys(config);
    expect(key.secret.length).toBe(32);
    expect(fs.statSync(path.join(config.DATA_DIR, 'audit-mac-keys.json')).mode & 0o777).toBe(0o600);
    expect(resolveAuditMacKeys(config)).toEqual([key]);
    expect(existingAuditMacKeys(config)).toEqual([key]);
  });

  it('is AUDIT_MAC_KEYS when set', () => {
    const secret = Buffer.alloc(32, 3);
    const config = loadConfig({ DATA_DIR: '/nonexistent', AUDIT_MAC_KEYS: `k9:${secret.toString('base64')}` }, '/nonexistent/.env');
    expect(resolveAuditMacKeys(config)).toEqual([{ id: 'k9', secret }]);
  });
});
