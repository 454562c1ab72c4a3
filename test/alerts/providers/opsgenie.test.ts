import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import type { Receiver } from '../../helpers/receiver.ts';
import { DOWN, EVENTS, expectJsonPost, sendOne, settingsIssues } from '../support.ts';
import { describeHttpFailures, itTrustsItsOperatorEndpoint } from '../provider-contract.ts';

/** Both regions share the path /v2/alerts, so the receiver tells them apart by a prefix. */
const regions = (r: Receiver) => ({ endpoints: { OPSGENIE: { us: `${r.url}/us/v2/alerts`, eu: `${r.url}/eu/v2/alerts` } } });

describe.each(EVENTS)('OPSGENIE: a $event alert', (alert) => {
  it('posts to the US endpoint with a GenieKey', async () => {
    const req = await sendOne('OPSGENIE', () => ({ api_key: 'genie-key', priority: 'P2', eu: 'false' }), alert, regions);
    expectJsonPost(req, '/us/v2/alerts');
    expect(req.headers.authorization).toBe('GenieKey genie-key');
    expect(req.json()).toEqual({ message: alert.title, description: alert.message, source: 'uptop', priority: 'P2' });
  });
});

describe('OPSGENIE', () => {
  it('uses the EU endpoint when eu is "true" and the P3 default priority', async () => {
    const req = await sendOne('OPSGENIE', () => ({ api_key: 'genie-key', eu: 'true' }), DOWN, regions);
    expect(req.path).toBe('/eu/v2/alerts');
    expect(req.json()).toMatchObject({ priority: 'P3' });
  });

  it('caps the message at 130 characters without splitting an emoji', async () => {
    const title = `🚨${'x'.repeat(128)}🔥tail`;
    const req = await sendOne('OPSGENIE', () => ({ api_key: 'genie-key' }), { ...DOWN, title }, regions);
    const { message, description } = req.json() as { message: string; description: string };
    expect(Array.from(message)).toHaveLength(130);
    expect(message).toBe(`🚨${'x'.repeat(128)}🔥`);
    expect(description).toBe(DOWN.message);
  });
});

describe('OPSGENIE settings', () => {
  it('accepts a key, a priority and a region', () => {
    expect(validateAlertSettings('OPSGENIE', { api_key: 'k', priority: 'P5', eu: 'false' })).toEqual({
      ok: true,
      settings: { api_key: 'k', priority: 'P5', eu: 'false' },
    });
  });

  it.each<[unknown, { field: string; message: string }[]]>([
    [{ api_key: 'k', priority: 'P0' }, [{ field: 'settings.priority', message: 'must be one of P1, P2, P3, P4, P5' }]],
    [{ api_key: 'k', eu: 'TRUE' }, [{ field: 'settings.eu', message: 'must be one of true, false' }]],
  ])('refuses %j', (input, expected) => {
    expect(settingsIssues('OPSGENIE', input)).toEqual(expected);
  });

  it('shows the priority and the region, not the key', () => {
    expect(redactSettings('OPSGENIE', { api_key: 'k', priority: 'P1', eu: 'true' })).toEqual({ api_key: R, priority: 'P1', eu: 'true' });
  });
});

describeHttpFailures('OPSGENIE', { settings: () => ({ api_key: 'og-K3Y' }), secrets: ['og-K3Y'] });
itTrustsItsOperatorEndpoint('OPSGENIE', { api_key: 'k' });
