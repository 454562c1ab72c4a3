import { describe, expect, it } from 'vitest';
import { getProvider } from '../../src/alerts/providers/index.ts';
import type { AlertSettings } from '../../src/alerts/types.ts';
import type { AlertProvider } from '../../src/generated/prisma/client.ts';
import { type Receiver, startReceiver } from '../helpers/receiver.ts';
import { closedPortUrl, DOWN, sendContext, sendError } from './support.ts';

// What every HTTP provider must do, whatever it sends: each provider's test calls the parts that apply to it.

/** A send whose channel targets are refused if private, as in production without UPTOP_ALLOW_PRIVATE_TARGETS. */
export const guarded = (base: string) => sendContext({ url: base }, { allowPrivateTargets: false });

export interface HttpFailureCase {
  /** The channel's settings, pointing at `base` when the provider's target comes from them. */
  settings: (base: string) => AlertSettings;
  /** Values the error must never show, nor the URL path that holds them. */
  secrets: string[];
  method?: string;
  /** Who the error names for an HTTP error status. */
  service: string;
}

function expectNoSecret(err: Error, secrets: string[]) {
  for (const secret of [...secrets, 'http://']) expect(err.message).not.toContain(secret);
  expect(err.cause).toBeUndefined();
}

/** HTTP errors, refused connections and silent services end the send with an error that leaks no secret. */
export function describeHttpFailures(provider: AlertProvider, { settings, secrets, method = 'POST', service }: HttpFailureCase) {
  describe(`${provider} failures`, () => {
    const send = (receiver: Receiver) => sendError(getProvider(provider).send(settings(receiver.url), DOWN, sendContext(receiver)));

    it.each([400, 401, 404, 500, 503])('turns HTTP %i into an error naming the service and what it answered, on one line', async (status) => {
      const receiver = await startReceiver();
      receiver.status = status;
      receiver.body = '{"error": "refused",\r\n\t"code": 7}\n';
      expect((await send(receiver)).message).toBe(`${service} returned HTTP ${status}: {"error": "refused", "code": 7}`);
      expect(receiver.requests).toHaveLength(1);
    });

    it('names the status alone when the answer has no body', async () => {
      const receiver = await startReceiver();
      receiver.status = 502;
      receiver.body = '';
      expect((await send(receiver)).message).toBe(`${service} returned HTTP 502`);
    });

    it('cuts the error of a long answer to 400 characters', async () => {
      const receiver = await startReceiver();
      receiver.status = 500;
      receiver.body = 'x'.repeat(100_000);
      const head = `${service} returned HTTP 500: `;
      expect((await send(receiver)).message).toBe(`${head}${'x'.repeat(399 - head.length)}…`);
    });

    it('keeps the status and what arrived of an answer that breaks off', async () => {
      const receiver = await startReceiver();
      receiver.status = 503;
      receiver.body = '{"error": "overloa';
      receiver.breakBody = true;
      expect((await send(receiver)).message).toBe(`${service} returned HTTP 503: {"error": "overloa`);
    });

    it('cuts the secrets and the URL out of an answer that echoes the request', async () => {
      const receiver = await startReceiver();
      receiver.status = 400;
      receiver.delay = (req) => {
        receiver.body = `bad request to ${req.path}: ${req.text()}`;
        return 0;
      };
      const err = await send(receiver);
      expect(err.message).toMatch(new RegExp(`^${service} returned HTTP 400: bad request to `));
      for (const secret of [...secrets, receiver.url, receiver.requests[0]?.path]) expect(err.message).not.toContain(secret);
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
      const err = await sendError(getProvider(provider).send(settings(receiver.url), DOWN, sendContext(receiver, { httpTimeoutMs: 50 })));
      expect(err.message).toBe(`${method} request failed: timed out after 50 ms`);
      expect(receiver.requests).toHaveLength(1);
      expectNoSecret(err, secrets);
    });
  });
}

/** For a provider whose target host comes from the channel's own settings: the SSRF guard refuses private ones. */
export function describePrivateTargetsRefused(provider: AlertProvider, settings: (base: string) => AlertSettings, method = 'POST') {
  describe(`${provider} with private targets refused`, () => {
    it('refuses a loopback target before connecting, and the error tells nothing about the port', async () => {
      const receiver = await startReceiver();
      receiver.status = 503;
      const err = await sendError(getProvider(provider).send(settings(receiver.url), DOWN, guarded(receiver.url)));
      expect(err.message).toBe(`${method} request failed: blocked: 127.0.0.1 resolves to a private address`);
      expect(receiver.connections).toBe(0);
      expect(receiver.requests).toEqual([]);
    });

    it('refuses a name that resolves to loopback, and an IPv6 literal', async () => {
      const receiver = await startReceiver();
      const byName = receiver.url.replace('127.0.0.1', 'localhost');
      const byV6 = receiver.url.replace('127.0.0.1', '[::1]');
      const send = (base: string) => sendError(getProvider(provider).send(settings(base), DOWN, guarded(base)));
      expect((await send(byName)).message).toBe(`${method} request failed: blocked: localhost resolves to a private address`);
      expect((await send(byV6)).message).toBe(`${method} request failed: blocked: ::1 resolves to a private address`);
      expect(receiver.connections).toBe(0);
    });
  });
}

/** For a provider with declared endpoints: they come from the operator, so a private one is reached. */
export function itTrustsItsOperatorEndpoint(provider: AlertProvider, settings: AlertSettings) {
  it(`${provider} is trusted: its endpoint comes from the environment, not from a channel`, async () => {
    const receiver = await startReceiver();
    await getProvider(provider).send(settings, DOWN, guarded(receiver.url));
    expect(receiver.requests).toHaveLength(1);
  });
}
