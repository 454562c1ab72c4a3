import { describe, expect, it, onTestFinished } from 'vitest';
import type { AlertProvider } from '../../src/generated/prisma/client.ts';
import { getProvider } from '../../src/alerts/providers/index.ts';
import type { AlertSettings } from '../../src/alerts/types.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { createCertificate, startHttpsTarget } from '../helpers/targets.ts';
import { closedPortUrl, DOWN, UP, sendContext, sendError } from './support.ts';

/** Each HTTP provider with its secrets: the error must name none of them, nor the URL path that holds them. */
const CASES: { provider: AlertProvider; settings: (base: string) => AlertSettings; secrets: string[]; method?: string }[] = [
  { provider: 'DISCORD', settings: (b) => ({ url: `${b}/api/webhooks/1/dsc-T0KEN` }), secrets: ['dsc-T0KEN', '/api/webhooks'] },
  { provider: 'SLACK', settings: (b) => ({ url: `${b}/services/slk-T0KEN` }), secrets: ['slk-T0KEN', '/services'] },
  { provider: 'WEBHOOK', settings: (b) => ({ url: `${b}/hook/wh-T0KEN`, secret: 'wh-S3CRET' }), secrets: ['wh-T0KEN', 'wh-S3CRET', '/hook'] },
  { provider: 'TEAMS', settings: (b) => ({ url: `${b}/webhookb2/tms-T0KEN` }), secrets: ['tms-T0KEN', '/webhookb2'] },
  { provider: 'TELEGRAM', settings: () => ({ token: '123456:tg-T0KEN', chat_id: '1' }), secrets: ['tg-T0KEN', '/bot'] },
  { provider: 'PAGERDUTY', settings: () => ({ routing_key: 'pd-R0UTING' }), secrets: ['pd-R0UTING'] },
  { provider: 'PUSHOVER', settings: () => ({ token: 'po-T0KEN', user: 'po-US3R' }), secrets: ['po-T0KEN', 'po-US3R'] },
  { provider: 'GOTIFY', settings: (b) => ({ url: b, token: 'gt-T0KEN' }), secrets: ['gt-T0KEN'] },
  { provider: 'OPSGENIE', settings: () => ({ api_key: 'og-K3Y' }), secrets: ['og-K3Y'] },
  {
    provider: 'MATRIX',
    settings: (b) => ({ homeserver: b, access_token: 'mx-T0KEN', room_id: '!r:h' }),
    secrets: ['mx-T0KEN', '/_matrix'],
    method: 'PUT',
  },
  {
    provider: 'NTFY',
    settings: (b) => ({ url: `${b}/nt-PATH`, topic: 'alerts', username: 'u', password: 'nt-PASSW0RD' }),
    secrets: ['nt-PASSW0RD', 'nt-PATH'],
  },
];

function expectNoSecret(err: Error, secrets: string[]) {
  for (const secret of [...secrets, 'http://']) expect(err.message).not.toContain(secret);
  expect(err.cause).toBeUndefined();
}

describe.each(CASES)('$provider failures', ({ provider, settings, secrets, method = 'POST' }) => {
  it.each([400, 401, 404, 500, 503])('turns HTTP %i into an error without secrets', async (status) => {
    const receiver = await startReceiver();
    receiver.status = status;
    const err = await sendError(getProvider(provider).send(settings(receiver.url), DOWN, sendContext(receiver)));
    const service = provider === 'NTFY' ? 'ntfy' : 'alert webhook';
    expect(err.message).toBe(`${service} returned HTTP ${status}`);
    expect(receiver.requests).toHaveLength(1);
  });

  it('reports a refused connection as a sanitized transport error', async () => {
    const base = await closedPortUrl();
    const err = await sendError(getProvider(provider).send(settings(base), DOWN, sendContext({ url: base })));
    expect(err.message).toMatch(new RegExp(`^${method} request failed: .*ECONNREFUSED`));
    expectNoSecret(err, secrets);
  });

  it('gives up after the per-request timeout when the service never answers', async () => {
    const receiver = await startReceiver();
    receiver.delay = 'never';
    const err = await sendError(
      getProvider(provider).send(settings(receiver.url), DOWN, sendContext(receiver, { httpTimeoutMs: 50 })),
    );
    expect(err.message).toBe(`${method} request failed: timed out after 50 ms`);
    expect(receiver.requests).toHaveLength(1);
    expectNoSecret(err, secrets);
  });
});

describe('HTTPS targets', () => {
  it('verify the certificate: a self-signed one fails the send before any request is made', async () => {
    const target = await startHttpsTarget(await createCertificate(30));
    onTestFinished(() => target.close());
    const err = await sendError(getProvider('WEBHOOK').send({ url: `${target.url}hook` }, DOWN, sendContext({ url: target.url })));
    expect(err.message).toBe('POST request failed: self-signed certificate');
    expect(target.requestCount).toBe(0);
  });
});

describe('the overall deadline', () => {
  it('aborts a request in flight when ctx.signal fires', async () => {
    const receiver = await startReceiver();
    receiver.delay = 'never';
    const deadline = new AbortController();
    const sending = getProvider('DISCORD').send({ url: `${receiver.url}/x` }, DOWN, sendContext(receiver, { signal: deadline.signal }));
    await receiver.nextRequest();
    deadline.abort();
    expect((await sendError(sending)).message).toBe('POST request failed: aborted before the alert deadline');
  });

  it('sends nothing when the deadline has already passed', async () => {
    const receiver = await startReceiver();
    const err = await sendError(
      getProvider('SLACK').send({ url: receiver.url }, UP, sendContext(receiver, { signal: AbortSignal.abort() })),
    );
    expect(err.message).toBe('POST request failed: aborted before the alert deadline');
    expect(receiver.requests).toHaveLength(0);
  });
});

describe('bad stored settings', () => {
  it('names a missing setting', async () => {
    const err = await sendError(getProvider('TELEGRAM').send({ chat_id: '1' }, DOWN, sendContext({ url: 'http://127.0.0.1:9' })));
    expect(err.message).toBe('setting "token" is missing');
  });

  it('refuses an unparsable URL without echoing it', async () => {
    const err = await sendError(getProvider('DISCORD').send({ url: 'not a url/T0KEN' }, DOWN, sendContext({ url: 'http://x' })));
    expect(err.message).toBe('POST request failed: invalid URL');
  });

  it('refuses a non-HTTP scheme', async () => {
    const err = await sendError(getProvider('SLACK').send({ url: 'file:///etc/passwd' }, DOWN, sendContext({ url: 'http://x' })));
    expect(err.message).toBe('POST request failed: unsupported URL scheme file:');
  });
});

describe('credentials in a webhook URL', () => {
  it('are sent as basic auth, not as part of the URL, and never appear in errors', async () => {
    const receiver = await startReceiver();
    const url = receiver.url.replace('http://', 'http://hook%20user:p%40ss@') + '/in';
    await getProvider('WEBHOOK').send({ url }, DOWN, sendContext(receiver));
    const [req] = receiver.requests;
    expect(req?.path).toBe('/in');
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from('hook user:p@ss').toString('base64')}`);

    receiver.status = 500;
    const err = await sendError(getProvider('WEBHOOK').send({ url }, DOWN, sendContext(receiver)));
    expect(err.message).toBe('alert webhook returned HTTP 500');
  });
});
