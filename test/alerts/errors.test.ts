import { describe, expect, it, onTestFinished } from 'vitest';
import { getProvider } from '../../src/alerts/providers/index.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { createCertificate, startHttpsTarget } from '../helpers/targets.ts';
import { DOWN, UP, sendContext, sendError } from './support.ts';

// Each provider's HTTP failures are tested beside it, through describeHttpFailures (provider-contract.ts).

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
    const err = await sendError(getProvider('SLACK').send({ url: receiver.url }, UP, sendContext(receiver, { signal: AbortSignal.abort() })));
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

describe("a service's answer in the error", () => {
  it('has the secrets cut out before it is cut short, so none is cut in half and left', async () => {
    const receiver = await startReceiver();
    receiver.status = 400;
    // The secret crosses the 400th character.
    receiver.body = `${'x'.repeat(360)} wh-S3CRET-0123456789 more`;
    const err = await sendError(getProvider('WEBHOOK').send({ url: `${receiver.url}/hook`, secret: 'wh-S3CRET-0123456789' }, DOWN, sendContext(receiver)));
    expect(err.message).toBe(`alert webhook returned HTTP 400: ${'x'.repeat(360)} *** m…`);
  });
});

describe('credentials in a webhook URL', () => {
  it('are sent as basic auth, not as part of the URL, and never appear in errors', async () => {
    const receiver = await startReceiver();
    const url = `${receiver.url.replace('http://', 'http://hook%20user:p%40ss@')}/in`;
    await getProvider('WEBHOOK').send({ url }, DOWN, sendContext(receiver));
    const [req] = receiver.requests;
    expect(req?.path).toBe('/in');
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from('hook user:p@ss').toString('base64')}`);

    receiver.status = 500;
    const err = await sendError(getProvider('WEBHOOK').send({ url }, DOWN, sendContext(receiver)));
    expect(err.message).toBe('alert webhook returned HTTP 500: {"ok":true}');
  });
});
