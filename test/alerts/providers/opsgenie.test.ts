import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import { getProvider } from '../../../src/alerts/providers/index.ts';
import { REQUEST_STATUS_POLL_MS } from '../../../src/alerts/providers/opsgenie-requests.ts';
import { startOpsgenie } from '../../helpers/opsgenie.ts';
import { startReceiver, type ReceivedRequest, type Receiver } from '../../helpers/receiver.ts';
import { AT, DOWN, INSTALLATION, SSL, SSL_RENEWED, TEST, UP, expectJsonPost, sendContext, sendError, sendOne, settingsIssues } from '../support.ts';
import { describeHttpFailures, itTrustsItsOperatorEndpoint } from '../provider-contract.ts';

/** Both regions share the path /v2/alerts, so the receiver tells them apart by a prefix. */
const regions = (r: Receiver) => ({ endpoints: { OPSGENIE: { us: `${r.url}/us/v2/alerts`, eu: `${r.url}/eu/v2/alerts` } } });

describe.each([
  [DOWN, `uptop-${INSTALLATION}-site-7`],
  [SSL, `uptop-${INSTALLATION}-site-7-ssl`],
  [TEST, `uptop-${INSTALLATION}-test-${AT.getTime()}`],
])('OPSGENIE: a $event alert', (alert, alias) => {
  it('posts to the US endpoint with a GenieKey, under an alias of its own', async () => {
    const req = await sendOne('OPSGENIE', () => ({ api_key: 'genie-key', priority: 'P2', eu: 'false' }), alert, regions);
    expectJsonPost(req, '/us/v2/alerts');
    expect(req.headers.authorization).toBe('GenieKey genie-key');
    expect(req.json()).toEqual({ message: alert.title, alias, description: alert.message, source: 'uptop', priority: 'P2' });
  });
});

describe('OPSGENIE', () => {
  it('closes the alert its outage opened on recovery, by alias, instead of opening another', async () => {
    const receiver = await startReceiver();
    const opsgenie = getProvider('OPSGENIE');
    const ctx = sendContext(receiver, regions(receiver));
    await opsgenie.send({ api_key: 'genie-key', eu: 'true' }, DOWN, ctx);
    await opsgenie.send({ api_key: 'genie-key', eu: 'true' }, UP, ctx);
    const [open, close] = receiver.requests as [ReceivedRequest, ReceivedRequest];
    expect(open.json()).toMatchObject({ alias: `uptop-${INSTALLATION}-site-7` });
    expectJsonPost(close, `/eu/v2/alerts/uptop-${INSTALLATION}-site-7/close`);
    expect(close.query).toEqual({ identifierType: 'alias' });
    expect(close.headers.authorization).toBe('GenieKey genie-key');
    expect(close.json()).toEqual({ source: 'uptop', note: UP.message });
  });

  it("closes the SSL warning's alert when the certificate is renewed, by its own alias", async () => {
    const req = await sendOne('OPSGENIE', () => ({ api_key: 'genie-key' }), SSL_RENEWED, regions);
    expectJsonPost(req, `/us/v2/alerts/uptop-${INSTALLATION}-site-7-ssl/close`);
    expect(req.query).toEqual({ identifierType: 'alias' });
    expect(req.json()).toEqual({ source: 'uptop', note: SSL_RENEWED.message });
  });

  it('opens and closes at the documented paths when the endpoint variable ends in a slash', async () => {
    const receiver = await startReceiver();
    const opsgenie = getProvider('OPSGENIE');
    const ctx = sendContext(receiver, { endpoints: { OPSGENIE: { us: `${receiver.url}/us/v2/alerts/`, eu: `${receiver.url}/eu/v2/alerts//` } } });
    await opsgenie.send({ api_key: 'genie-key', eu: 'true' }, DOWN, ctx);
    await opsgenie.send({ api_key: 'genie-key', eu: 'true' }, UP, ctx);
    expect(receiver.requests.map((r) => r.path)).toEqual(['/eu/v2/alerts', `/eu/v2/alerts/uptop-${INSTALLATION}-site-7/close`]);
  });

  it('uses the EU endpoint when eu is "true" and the P3 default priority', async () => {
    const req = await sendOne('OPSGENIE', () => ({ api_key: 'genie-key', eu: 'true' }), DOWN, regions);
    expect(req.path).toBe('/eu/v2/alerts');
    expect(req.json()).toMatchObject({ priority: 'P3' });
  });

  it('caps the message at 130 characters without splitting an emoji, the description at 15,000', async () => {
    const title = `🚨${'x'.repeat(128)}🔥tail`;
    const message = 'r'.repeat(20_000);
    const req = await sendOne('OPSGENIE', () => ({ api_key: 'genie-key' }), { ...DOWN, title, message }, regions);
    const { message: sent, description } = req.json() as { message: string; description: string };
    expect(Array.from(sent)).toHaveLength(130);
    expect(sent).toBe(`🚨${'x'.repeat(128)}🔥`);
    expect(description).toBe(`${'r'.repeat(14_999)}…`);
  });
});

describe('OPSGENIE errors', () => {
  it('name Opsgenie and carry what it answered, not the key', async () => {
    const receiver = await startReceiver();
    receiver.status = 401;
    receiver.body = '{"message":"Could not authenticate","took":0.0,"requestId":"ec7e1d8e-1c75-442e-a271-731070a7fa4d"}';
    const err = await sendError(getProvider('OPSGENIE').send({ api_key: 'og-K3Y' }, DOWN, sendContext(receiver)));
    expect(err.message).toBe('Opsgenie returned HTTP 401: {"message":"Could not authenticate","took":0.0,"requestId":"ec7e1d8e-1c75-442e-a271-731070a7fa4d"}');
  });
});

describe('OPSGENIE: the request of a test alert, which is closed as soon as it is open', () => {
  it('is followed until Opsgenie has processed it, asked about again after a wait while it has not', async () => {
    const opsgenie = await startOpsgenie();
    opsgenie.held = true;
    const waits: number[] = [];
    const wait = async (ms: number) => {
      waits.push(ms);
      opsgenie.held = false;
      opsgenie.release();
    };
    await getProvider('OPSGENIE').send({ api_key: 'genie-key' }, TEST, sendContext(opsgenie, { wait }));
    expect(waits).toEqual([REQUEST_STATUS_POLL_MS]);
    expect(opsgenie.requests.map((r) => r.replace(/[0-9a-f-]{36}$/, '<id>'))).toEqual([
      'POST /v2/alerts',
      'GET /v2/alerts/requests/<id>',
      'GET /v2/alerts/requests/<id>',
    ]);
    expect(opsgenie.open).toEqual([TEST.incidentKey]);
  });

  it('is not followed for the alerts of a site, whose close comes with a later check', async () => {
    const opsgenie = await startOpsgenie();
    await getProvider('OPSGENIE').send({ api_key: 'genie-key' }, DOWN, sendContext(opsgenie));
    expect(opsgenie.requests).toEqual(['POST /v2/alerts']);
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

describeHttpFailures('OPSGENIE', { settings: () => ({ api_key: 'og-K3Y' }), secrets: ['og-K3Y'], service: 'Opsgenie' });
itTrustsItsOperatorEndpoint('OPSGENIE', { api_key: 'k' });
