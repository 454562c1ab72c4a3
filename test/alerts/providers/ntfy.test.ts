import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import { DOWN, EVENTS, SSL, TEST, UP, sendOne, settingsIssues } from '../support.ts';
import { describeHttpFailures, describePrivateTargetsRefused } from '../provider-contract.ts';

describe.each(EVENTS)('NTFY: a $event alert', (alert) => {
  it('posts the message as text with Title and Priority headers', async () => {
    const req = await sendOne('NTFY', (r) => ({ url: `${r.url}/ntfy/`, topic: 'uptop-alerts' }), alert);
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/ntfy/uptop-alerts');
    expect(req.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(decodeRfc2047(req.headers.title as string)).toBe(alert.title);
    expect(req.headers.priority).toBe('3');
    expect(req.headers.authorization).toBeUndefined();
    expect(req.text()).toBe(alert.message);
  });
});

describe('NTFY', () => {
  it('sends basic auth and the configured priority when username and password are set', async () => {
    const req = await sendOne('NTFY', (r) => ({ url: r.url, topic: 'ops', priority: '5', username: 'alice', password: 'pa:ss' }), {
      ...DOWN,
      title: 'plain title',
    });
    expect(req.path).toBe('/ops');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('alice:pa:ss').toString('base64')}`);
    expect(req.headers.priority).toBe('5');
    expect(req.headers.title).toBe('plain title');
  });

  it('sends a password alone as an access token: basic auth with an empty username, which ntfy reads as a token', async () => {
    const req = await sendOne('NTFY', (r) => ({ url: r.url, topic: 'ops', password: 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2' }), DOWN);
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(':tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2').toString('base64')}`);
  });

  it('sends no auth with a username alone, and strips CR/LF from the title', async () => {
    const req = await sendOne('NTFY', (r) => ({ url: r.url, topic: 'ops', username: 'alice' }), {
      ...DOWN,
      title: 'first\r\nX-Injected: yes',
    });
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers['x-injected']).toBeUndefined();
    expect(req.headers.title).toBe('firstX-Injected: yes');
  });

  it.each([
    { alert: DOWN, priority: '5' },
    { alert: UP, priority: '2' },
    { alert: SSL, priority: '2' },
    { alert: TEST, priority: '2' },
  ])('sends a $alert.event alert at priority $priority: down_priority is for DOWN alone', async ({ alert, priority }) => {
    const req = await sendOne('NTFY', (r) => ({ url: r.url, topic: 'ops', priority: '2', down_priority: '5' }), alert);
    expect(req.headers.priority).toBe(priority);
  });

  it('sends a down alert at the priority when no down_priority is set, as the Go original', async () => {
    const req = await sendOne('NTFY', (r) => ({ url: r.url, topic: 'ops', priority: 'high' }), DOWN);
    expect(req.headers.priority).toBe('high');
  });

  it('cuts the message to the 4096 bytes ntfy shows, which would otherwise turn it into an attachment.txt', async () => {
    const alert = { ...DOWN, message: 'é'.repeat(3000) };
    const req = await sendOne('NTFY', (r) => ({ url: r.url, topic: 'ops' }), alert);
    expect(req.text()).toBe(`${'é'.repeat(2046)}…`);
    expect(req.body.length).toBeLessThanOrEqual(4096);
  });
});

describe('NTFY settings', () => {
  it('accepts a named priority and drops blank credentials', () => {
    expect(validateAlertSettings('NTFY', { url: 'https://ntfy.sh', topic: 'up-top_1', priority: 'high', username: '', password: '' })).toEqual({
      ok: true,
      settings: { url: 'https://ntfy.sh', topic: 'up-top_1', priority: 'high' },
    });
  });

  it('accepts an access token as a password without a username', () => {
    expect(
      validateAlertSettings('NTFY', { url: 'https://ntfy.example.com', topic: 'ops', username: '', password: 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2' }),
    ).toEqual({
      ok: true,
      settings: { url: 'https://ntfy.example.com', topic: 'ops', password: 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2' },
    });
  });

  it.each<[unknown, { field: string; message: string }[]]>([
    [{ url: 'https://ntfy.sh', topic: 'a/b' }, [{ field: 'settings.topic', message: 'must be 1 to 64 letters, digits, "-" or "_"' }]],
    [
      { url: 'https://ntfy.sh', topic: 't', priority: '6' },
      [{ field: 'settings.priority', message: 'must be one of 1, 2, 3, 4, 5, min, low, default, high, max, urgent' }],
    ],
    [
      { url: 'https://ntfy.sh', topic: 't', down_priority: 'loud' },
      [{ field: 'settings.down_priority', message: 'must be one of 1, 2, 3, 4, 5, min, low, default, high, max, urgent' }],
    ],
    [{ url: 'https://ntfy.sh', topic: 't', username: 'alice' }, [{ field: 'settings.password', message: 'is required when the other credential is set' }]],
  ])('refuses %j', (input, expected) => {
    expect(settingsIssues('NTFY', input)).toEqual(expected);
  });

  it('shows the topic and the priorities only', () => {
    expect(redactSettings('NTFY', { url: 'https://ntfy.sh', topic: 'ops', priority: '4', down_priority: '5', username: 'u', password: 'p' })).toEqual({
      url: R,
      topic: 'ops',
      priority: '4',
      down_priority: '5',
      username: R,
      password: R,
    });
  });
});

/** What ntfy's server does with an RFC 2047 header (Go's mime.WordDecoder). */
function decodeRfc2047(value: string): string {
  return value.replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/gi, (_, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
}

describeHttpFailures('NTFY', {
  settings: (b) => ({ url: `${b}/nt-PATH`, topic: 'alerts', username: 'u', password: 'nt-PASSW0RD' }),
  secrets: ['nt-PASSW0RD', 'nt-PATH'],
  service: 'ntfy',
});
describePrivateTargetsRefused('NTFY', (b) => ({ url: b, topic: 'alerts' }));
