import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { deliveryAlertRecipients } from '../../src/domain/alerts';
import { parseOrganisationProfile } from '../../src/domain/profile';

const katsuragi = () => {
  const r = parseOrganisationProfile(parse(fs.readFileSync(path.join(__dirname, '..', '..', 'profiles', 'katsuragi.yaml'), 'utf8')));
  if (!r.ok) throw new Error('invalid profile');
  return r.profile;
};

describe('who is alerted when an invitation cannot be delivered', () => {
  it('the commander first, then the system administrator, then the night/holiday contacts, each once', () => {
    const p = katsuragi();
    const admin = p.roles.find((r) => r.role === 'systemAdmin')!.person;
    const got = deliveryAlertRecipients(p, { name: '佐藤 花子', email: 'sato@katsuragi.example.jp' }, { email: 'fukuchoucho@katsuragi.example.jp' });
    expect(got[0]).toMatchObject({ name: '佐藤 花子', email: 'sato@katsuragi.example.jp' });
    expect(got[1]).toMatchObject({ email: admin.email });
    const emails = got.map((r) => r.email.toLowerCase());
    expect(new Set(emails).size).toBe(emails.length);
    const others = p.contacts.nightHoliday.filter((c) => c.email !== 'fukuchoucho@katsuragi.example.jp');
    expect(others.length).toBeGreaterThan(0);
    for (const c of others) expect(emails).toContain(c.email.toLowerCase());
    expect(emails).not.toContain('fukuchoucho@katsuragi.example.jp');
  });

  it('never the person the mail cannot reach, even when they are the administrator or the commander', () => {
    const p = katsuragi();
    const admin = p.roles.find((r) => r.role === 'systemAdmin')!.person;
    const got = deliveryAlertRecipients(p, { name: admin.name, email: admin.email.toUpperCase() }, { email: admin.email });
    expect(got.map((r) => r.email.toLowerCase())).not.toContain(admin.email.toLowerCase());
    expect(got.length).toBeGreaterThan(0);
  });
});
