import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import { getProvider } from '../../../src/alerts/providers/index.ts';
import { startReceiver, type ReceivedRequest } from '../../helpers/receiver.ts';
import { AT, DOWN, INSTALLATION, SSL, SSL_RENEWED, TEST, UP, expectJsonPost, sendContext, sendError, sendOne, settingsIssues } from '../support.ts';
import { describeHttpFailures, itTrustsItsOperatorEndpoint } from '../provider-contract.ts';

describe('PAGERDUTY', () => {
  const settings = { routing_key: 'R0UT1NGKEY', severity: 'error' };

  it('triggers on down and resolves on up with the same dedup_key', async () => {
    const receiver = await startReceiver();
    const pagerduty = getProvider('PAGERDUTY');
    await pagerduty.send(settings, DOWN, sendContext(receiver));
    await pagerduty.send(settings, UP, sendContext(receiver));
    const [trigger, resolve] = receiver.requests as [ReceivedRequest, ReceivedRequest];
    expectJsonPost(trigger, '/v2/enqueue');
    expect(trigger.json()).toEqual({
      routing_key: 'R0UT1NGKEY',
      event_action: 'trigger',
      dedup_key: `uptop-${INSTALLATION}-site-7`,
      payload: { summary: `${DOWN.title}: ${DOWN.message}`, source: 'uptop', severity: 'error' },
    });
    expectJsonPost(resolve, '/v2/enqueue');
    expect(resolve.json()).toEqual({ routing_key: 'R0UT1NGKEY', event_action: 'resolve', dedup_key: `uptop-${INSTALLATION}-site-7` });
  });

  it('triggers the SSL warning as its own incident, severity critical by default', async () => {
    const req = await sendOne('PAGERDUTY', () => ({ routing_key: 'R0UT1NGKEY' }), SSL);
    expect(req.json()).toEqual({
      routing_key: 'R0UT1NGKEY',
      event_action: 'trigger',
      dedup_key: `uptop-${INSTALLATION}-site-7-ssl`,
      payload: { summary: `${SSL.title}: ${SSL.message}`, source: 'uptop', severity: 'critical' },
    });
  });

  it("resolves the SSL warning's incident when the certificate is renewed, leaving the outage's alone", async () => {
    const req = await sendOne('PAGERDUTY', () => ({ routing_key: 'R0UT1NGKEY' }), SSL_RENEWED);
    expectJsonPost(req, '/v2/enqueue');
    expect(req.json()).toEqual({ routing_key: 'R0UT1NGKEY', event_action: 'resolve', dedup_key: `uptop-${INSTALLATION}-site-7-ssl` });
  });

  it('cuts the summary to the 1024 characters PagerDuty accepts (it answers 400 to more)', async () => {
    const alert = { ...DOWN, message: `Push Monitor 'nightly' reported DOWN: ${'e'.repeat(1000)}` };
    const req = await sendOne('PAGERDUTY', () => settings, alert);
    const summary = `${alert.title}: ${alert.message}`;
    expect(req.json()).toEqual({
      routing_key: 'R0UT1NGKEY',
      event_action: 'trigger',
      dedup_key: `uptop-${INSTALLATION}-site-7`,
      payload: { summary: `${summary.slice(0, 1023)}…`, source: 'uptop', severity: 'error' },
    });
  });

  it('triggers a test alert under a key of its own', async () => {
    const req = await sendOne('PAGERDUTY', () => settings, TEST);
    expect(req.json()).toMatchObject({ event_action: 'trigger', dedup_key: `uptop-${INSTALLATION}-test-${AT.getTime()}` });
  });
});

describe('PAGERDUTY errors', () => {
  it('name PagerDuty and carry why it refused the event, not the routing key', async () => {
    const receiver = await startReceiver();
    receiver.status = 400;
    receiver.body = JSON.stringify({
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: ["Length of 'routing_key' is incorrect (should be 32 characters)"],
    });
    const err = await sendError(getProvider('PAGERDUTY').send({ routing_key: 'pd-R0UTING' }, DOWN, sendContext(receiver)));
    expect(err.message).toBe(
      'PagerDuty returned HTTP 400: {"status":"invalid event","message":"Event object is invalid","errors":["Length of \'routing_key\' is incorrect (should be 32 characters)"]}',
    );
  });
});

describe('PAGERDUTY settings', () => {
  it('accepts a routing key and a severity', () => {
    expect(validateAlertSettings('PAGERDUTY', { routing_key: 'abc', severity: 'warning' })).toEqual({
      ok: true,
      settings: { routing_key: 'abc', severity: 'warning' },
    });
  });

  it('refuses a severity PagerDuty does not know', () => {
    expect(settingsIssues('PAGERDUTY', { routing_key: 'k', severity: 'fatal' })).toEqual([
      { field: 'settings.severity', message: 'must be one of critical, error, warning, info' },
    ]);
  });

  it('shows the severity, not the routing key', () => {
    expect(redactSettings('PAGERDUTY', { routing_key: 'rk', severity: 'error' })).toEqual({ routing_key: R, severity: 'error' });
  });
});

describeHttpFailures('PAGERDUTY', { settings: () => ({ routing_key: 'pd-R0UTING' }), secrets: ['pd-R0UTING'], service: 'PagerDuty' });
itTrustsItsOperatorEndpoint('PAGERDUTY', { routing_key: 'k' });
