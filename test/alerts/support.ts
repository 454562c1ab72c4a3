import { expect } from 'vitest';
import { getProvider } from '../../src/alerts/providers/index.ts';
import { PROVIDER_DEFINITIONS } from '../../src/alerts/providers/registry.ts';
import { validateAlertSettings } from '../../src/alerts/settings.ts';
import type { AlertMessage, AlertSettings, SendContext } from '../../src/alerts/types.ts';
import type { AlertProvider } from '../../src/generated/prisma/client.ts';
import { startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.ts';
import { closedPort } from '../helpers/targets.ts';

export const AT = new Date('2025-03-01T12:34:56.789Z');

/** The installation the fixtures' incident keys name. */
export const INSTALLATION = 'c0ffee0123456789';

const message = (event: AlertMessage['event'], title: string, text: string, status: string | null, timestamp = AT): AlertMessage => ({
  event,
  title,
  message: text,
  site: status === null ? null : { id: 7, name: 'api', status },
  timestamp,
  incidentKey: status === null ? `uptop-${INSTALLATION}-test-${timestamp.getTime()}` : `uptop-${INSTALLATION}-site-7${event.startsWith('ssl') ? '-ssl' : ''}`,
});

export const DOWN = message('down', '🚨 ALERT', "Monitor 'api' is DOWN: HTTP 503", 'DOWN');
export const UP = message('up', '✅ RECOVERY', "Monitor 'api' is UP (was down 5m)", 'UP', new Date(AT.getTime() + 300_000));
export const SSL = message('ssl_expiring', 'SSL WARNING', "SSL for 'api' expires in 5 days", 'UP');
/** Sent only to the providers that close incidents (PagerDuty, Opsgenie). */
export const SSL_RENEWED = message('ssl_renewed', 'SSL RENEWED', "SSL for 'api' renewed, expires in 89 days", 'UP');
export const TEST = message('test', '🧪 Test Alert', "Test notification from uptop for channel 'ops'.", null);

/** The events every provider is sent in its shared cases; the SSL warning gets its own where a provider treats it apart. */
export const EVENTS = [DOWN, UP, TEST] as const;

/**
 * Every fixed endpoint pointed at the receiver, under the path of its default URL, so a test sees the request the
 * provider would make; a provider whose endpoints share a path gives its own in `overrides`. Private targets are
 * allowed, as the receivers are on loopback; the guard's own tests turn that off.
 */
export function sendContext(receiver: Pick<Receiver, 'url'>, overrides: Partial<SendContext> = {}): SendContext {
  const endpoints = Object.fromEntries(
    PROVIDER_DEFINITIONS.filter((definition) => definition.endpoints).map((definition) => [
      definition.provider,
      Object.fromEntries(Object.entries(definition.endpoints ?? {}).map(([name, spec]) => [name, `${receiver.url}${new URL(spec.default).pathname}`])),
    ]),
  );
  // A send that would wait on a clock fails: a test that expects one gives its own.
  const wait = () => Promise.reject(new Error('this test gives the send no clock to wait on'));
  return { signal: new AbortController().signal, httpTimeoutMs: 5_000, allowPrivateTargets: true, endpoints, wait, ...overrides };
}

/** Sends one alert to a fresh receiver and returns the one request it got. */
export async function sendOne(
  provider: AlertProvider,
  settings: (r: Receiver) => AlertSettings,
  alert: AlertMessage,
  overrides: (r: Receiver) => Partial<SendContext> = () => ({}),
): Promise<ReceivedRequest> {
  const receiver = await startReceiver();
  await getProvider(provider).send(settings(receiver), alert, sendContext(receiver, overrides(receiver)));
  expect(receiver.requests).toHaveLength(1);
  return receiver.requests[0] as ReceivedRequest;
}

export function expectJsonPost(req: ReceivedRequest, path: string) {
  expect(req.method).toBe('POST');
  expect(req.path).toBe(path);
  expect(req.headers['content-type']).toBe('application/json');
  expect(req.headers['user-agent']).toBe('uptop');
}

/** The issues `validateAlertSettings` finds (the test fails if it accepts the input). */
export function settingsIssues(provider: AlertProvider, input: unknown) {
  const result = validateAlertSettings(provider, input);
  if (result.ok) throw new Error(`expected issues, got ${JSON.stringify(result.settings)}`);
  return result.issues;
}

/** The error a send failed with (the test fails if it did not). */
export async function sendError(promise: Promise<void>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

/** The URL of a loopback port that nothing listens on: connecting to it is refused. */
export async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await closedPort()}`;
}
