import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../src/config';
import * as net from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import nodemailer from 'nodemailer';
import { existingAuditMacKeys, formatLogEntry, formatLogMeta, resolveAuditMacKeys } from '../src/runtime';
import { generateSigningKey, signTaskToken } from '../src/tokens';

describe('log lines', () => {
  it('show an activity error with its message, not as {}', () => {
    const error = new RangeError('Invalid time value', { cause: new Error('window too long') });
    const line = formatLogMeta({ activityType: 'openTask', error });
    expect(JSON.parse(line)).toEqual({
      activityType: 'openTask',
      error: { name: 'RangeError', message: 'Invalid time value', cause: { name: 'Error', message: 'window too long' } },
    });
  });

  const token = signTaskToken({ task: 'tsk_0123456789abcdef', assignee: 'chair@katsuragi.example.jp', expiresAt: Date.parse('2026-12-01T00:00:00Z') }, generateSigningKey('e1'));

  it("show a relay's error with its code, command, answer and the relay's host, never its password", () => {
    const error = Object.assign(new Error('Invalid greeting. response=451 4.3.0 busy: 451 4.3.0 busy'), { code: 'EPROTOCOL', response: '451 4.3.0 busy', responseCode: 451, command: 'CONN' });
    const line = formatLogMeta({ error }, { smtpRelay: 'relay.example.jp:587' });
    expect(JSON.parse(line).error).toEqual({
      name: 'Error',
      message: 'Invalid greeting. response=451 4.3.0 busy: 451 4.3.0 busy',
      code: 'EPROTOCOL',
      command: 'CONN',
      response: '451 4.3.0 busy',
      responseCode: 451,
      relay: 'relay.example.jp:587',
    });
  });

  it('leave out the activity task token and any task link token', () => {
    const line = formatLogMeta({ taskToken: 'Q2lRM...'.repeat(25), activityType: 'openTask', error: new Error(`could not send https://x.example/t/${token} (${token})`) });
    expect(JSON.parse(line)).toEqual({ activityType: 'openTask', error: { name: 'Error', message: 'could not send https://x.example/t/… (…)' } });
    expect(line).not.toContain(token.split('.')[4]);
  });

  it("strip Temporal Core's colour codes from a message", () => {
    const entry = { level: 'WARN' as const, message: '\u001b[2m2026-11-30T19:41:50Z\u001b[0m \u001b[33m WARN\u001b[0m poll failed', timestampNanos: 0n, meta: { sdkComponent: 'core' } };
    expect(formatLogEntry(entry)).toBe('1970-01-01T00:00:00.000Z [WARN] 2026-11-30T19:41:50Z  WARN poll failed {"sdkComponent":"core"}');
  });

  it("log a failing send as the worker logs it: the relay's message and host, no token", async () => {
    const relay = net.createServer((socket) => socket.destroy());
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const port = (relay.address() as net.AddressInfo).port;
    const lines: string[] = [];
    const logger = new DefaultLogger('WARN', (entry) => lines.push(formatLogEntry(entry, { smtpRelay: `127.0.0.1:${port}` })));
    const transport = nodemailer.createTransport(`smtp://mailer:s3cret-pw@127.0.0.1:${port}`);
    try {
      await expect(
        new MockActivityEnvironment({ base64TaskToken: 'Cm9wYXF1ZS10ZW1wb3JhbC10YXNrLXRva2Vu'.repeat(6) }, { logger }).run(() =>
          transport.sendMail({ from: 'jukinet-ops@katsuragi.example.jp', to: 'chair@katsuragi.example.jp', subject: '招集', text: `回答: https://x.example/t/${token}` }),
        ),
      ).rejects.toThrow('Connection closed unexpectedly');
    } finally {
      transport.close();
      relay.close();
    }
    const failed = lines.find((l) => l.includes('Activity failed'))!;
    expect(failed).toContain('"message":"Connection closed unexpectedly","code":"ECONNECTION","command":"CONN"');
    expect(failed).toContain(`"relay":"127.0.0.1:${port}"`);
    expect(failed).not.toContain('Cm9wYXF1ZS10');
    expect(failed).not.toContain('s3cret-pw');
    expect(lines.join('\n')).not.toContain(token.split('.')[4]);
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
