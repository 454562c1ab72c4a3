import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import { DOWN, EVENTS, UP, expectJsonPost, sendOne, settingsIssues } from '../support.ts';
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

describe('PUSHOVER priority', () => {
  it.each(['-2', '-1', '0', '1'])('sends priority %s as a number, without retry and expire', async (priority) => {
    const req = await sendOne('PUSHOVER', () => ({ token: 'app-token', user: 'user-key', priority }), DOWN);
    expect(req.json()).toEqual({ token: 'app-token', user: 'user-key', title: DOWN.title, message: DOWN.message, priority: Number(priority) });
  });

  it('repeats an emergency (2) every 30 s for an hour unless told otherwise, as Kuma did', async () => {
    const req = await sendOne('PUSHOVER', () => ({ token: 'app-token', user: 'user-key', priority: '2' }), DOWN);
    expect(req.json()).toEqual({ token: 'app-token', user: 'user-key', title: DOWN.title, message: DOWN.message, priority: 2, retry: 30, expire: 3600 });
  });

  it("sends an emergency's own retry and expire", async () => {
    const req = await sendOne('PUSHOVER', () => ({ token: 'app-token', user: 'user-key', priority: '2', retry: '60', expire: '10800' }), UP);
    expect(req.json()).toEqual({ token: 'app-token', user: 'user-key', title: UP.title, message: UP.message, priority: 2, retry: 60, expire: 10800 });
  });
});

describe('PUSHOVER settings', () => {
  it('accepts a priority, and an emergency with its retry and expire (JSON numbers as text)', () => {
    expect(validateAlertSettings('PUSHOVER', { token: 't', user: 'u', priority: -1 })).toEqual({
      ok: true,
      settings: { token: 't', user: 'u', priority: '-1' },
    });
    expect(validateAlertSettings('PUSHOVER', { token: 't', user: 'u', priority: 2, retry: 30, expire: 10800 })).toEqual({
      ok: true,
      settings: { token: 't', user: 'u', priority: '2', retry: '30', expire: '10800' },
    });
  });

  it('refuses a priority Pushover does not have, and a retry or expire out of its bounds', () => {
    expect(settingsIssues('PUSHOVER', { token: 't', user: 'u', priority: '3' })).toEqual([
      { field: 'settings.priority', message: 'must be one of -2, -1, 0, 1, 2' },
    ]);
    expect(settingsIssues('PUSHOVER', { token: 't', user: 'u', priority: '2', retry: '29', expire: '10801' })).toEqual([
      { field: 'settings.retry', message: 'must be a whole number from 30 to 10800' },
      { field: 'settings.expire', message: 'must be a whole number from 30 to 10800' },
    ]);
  });

  it('refuses a retry or expire below emergency priority, where Pushover ignores them', () => {
    expect(settingsIssues('PUSHOVER', { token: 't', user: 'u', priority: '1', retry: '60', expire: '600' })).toEqual([
      { field: 'settings.retry', message: 'applies to priority 2 (emergency) only' },
      { field: 'settings.expire', message: 'applies to priority 2 (emergency) only' },
    ]);
    expect(settingsIssues('PUSHOVER', { token: 't', user: 'u', retry: '60' })).toEqual([
      { field: 'settings.retry', message: 'applies to priority 2 (emergency) only' },
    ]);
  });

  it('accepts a token and a user key', () => {
    expect(validateAlertSettings('PUSHOVER', { token: 't', user: 'u' })).toEqual({ ok: true, settings: { token: 't', user: 'u' } });
  });

  it('requires the user key', () => {
    expect(settingsIssues('PUSHOVER', { token: 't' })).toEqual([{ field: 'settings.user', message: 'is required' }]);
  });

  it('shows the priority, retry and expire, not the token nor the user key', () => {
    expect(redactSettings('PUSHOVER', { token: 't', user: 'u', priority: '2', retry: '60', expire: '600' })).toEqual({
      token: R,
      user: R,
      priority: '2',
      retry: '60',
      expire: '600',
    });
  });
});

describeHttpFailures('PUSHOVER', { settings: () => ({ token: 'po-T0KEN', user: 'po-US3R' }), secrets: ['po-T0KEN', 'po-US3R'], service: 'Pushover' });
itTrustsItsOperatorEndpoint('PUSHOVER', { token: 't', user: 'u' });
