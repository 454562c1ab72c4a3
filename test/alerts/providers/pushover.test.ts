import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import { DOWN, EVENTS, expectJsonPost, sendOne, settingsIssues } from '../support.ts';
import { describeHttpFailures, itTrustsItsOperatorEndpoint } from '../provider-contract.ts';

describe.each(EVENTS)('PUSHOVER: a $event alert', (alert) => {
  it('posts token, user, title and message', async () => {
    const req = await sendOne('PUSHOVER', () => ({ token: 'app-token', user: 'user-key' }), alert);
    expectJsonPost(req, '/1/messages.json');
    expect(req.json()).toEqual({ token: 'app-token', user: 'user-key', title: alert.title, message: alert.message });
  });
});

describe('PUSHOVER', () => {
  it('cuts the message to the 1024 characters Pushover accepts (it answers 400 to more)', async () => {
    const alert = { ...DOWN, message: `Push Monitor 'nightly' reported DOWN: ${'e'.repeat(1000)}` };
    const req = await sendOne('PUSHOVER', () => ({ token: 'app-token', user: 'user-key' }), alert);
    expect(req.json()).toEqual({ token: 'app-token', user: 'user-key', title: alert.title, message: `${alert.message.slice(0, 1023)}…` });
  });
});

describe('PUSHOVER settings', () => {
  it('accepts a token and a user key', () => {
    expect(validateAlertSettings('PUSHOVER', { token: 't', user: 'u' })).toEqual({ ok: true, settings: { token: 't', user: 'u' } });
  });

  it('requires the user key', () => {
    expect(settingsIssues('PUSHOVER', { token: 't' })).toEqual([{ field: 'settings.user', message: 'is required' }]);
  });

  it('shows none of them', () => {
    expect(redactSettings('PUSHOVER', { token: 't', user: 'u' })).toEqual({ token: R, user: R });
  });
});

describeHttpFailures('PUSHOVER', { settings: () => ({ token: 'po-T0KEN', user: 'po-US3R' }), secrets: ['po-T0KEN', 'po-US3R'] });
itTrustsItsOperatorEndpoint('PUSHOVER', { token: 't', user: 'u' });
