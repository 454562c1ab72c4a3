import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import { EVENTS, expectJsonPost, SSL, TEST, sendOne, settingsIssues } from '../support.ts';
import { describeHttpFailures, describePrivateTargetsRefused } from '../provider-contract.ts';

describe.each(EVENTS)('WEBHOOK: a $event alert', (alert) => {
  it('posts the event, the site and an ISO timestamp', async () => {
    const req = await sendOne('WEBHOOK', (r) => ({ url: `${r.url}/hook?x=1` }), alert);
    expectJsonPost(req, '/hook');
    expect(req.query).toEqual({ x: '1' });
    expect(req.headers['x-uptop-signature']).toBeUndefined();
    expect(req.json()).toEqual({
      event: alert.event,
      title: alert.title,
      message: alert.message,
      site: alert.site,
      timestamp: alert.timestamp.toISOString(),
    });
  });
});

describe('WEBHOOK signature', () => {
  it('signs the exact body bytes with HMAC-SHA256 when a secret is set', async () => {
    const secret = 'whsec-0123456789';
    const req = await sendOne('WEBHOOK', (r) => ({ url: `${r.url}/hook`, secret }), SSL);
    const expected = `sha256=${createHmac('sha256', secret).update(req.body).digest('hex')}`;
    expect(req.headers['x-uptop-signature']).toBe(expected);
    expect(req.json()).toMatchObject({ event: 'ssl_expiring', site: { id: 7, name: 'api', status: 'UP' } });
  });

  it('sends site null and event test for a test alert', async () => {
    const req = await sendOne('WEBHOOK', (r) => ({ url: `${r.url}/hook` }), TEST);
    expect(req.json()).toEqual({
      event: 'test',
      title: TEST.title,
      message: TEST.message,
      site: null,
      timestamp: '2025-03-01T12:34:56.789Z',
    });
  });
});

describe('WEBHOOK settings', () => {
  it('accepts a URL and keeps the spaces of a secret', () => {
    expect(validateAlertSettings('WEBHOOK', { url: 'https://e.com/h', secret: ' keep spaces ' })).toEqual({
      ok: true,
      settings: { url: 'https://e.com/h', secret: ' keep spaces ' },
    });
  });

  it.each<[unknown, { field: string; message: string }[]]>([
    [{ url: 'ftp://e.com/x' }, [{ field: 'settings.url', message: 'must be an absolute http(s) URL' }]],
    [{ url: 'https://e.com', secret: { nested: 1 } }, [{ field: 'settings.secret', message: 'expected a string' }]],
  ])('refuses %j', (input, expected) => {
    expect(settingsIssues('WEBHOOK', input)).toEqual(expected);
  });

  it('shows none of them', () => {
    expect(redactSettings('WEBHOOK', { url: 'https://example.com/h', secret: 's' })).toEqual({ url: R, secret: R });
  });
});

describeHttpFailures('WEBHOOK', {
  settings: (b) => ({ url: `${b}/hook/wh-T0KEN`, secret: 'wh-S3CRET' }),
  secrets: ['wh-T0KEN', 'wh-S3CRET', '/hook'],
  service: 'alert webhook',
});
describePrivateTargetsRefused('WEBHOOK', (b) => ({ url: `${b}/hook` }));
