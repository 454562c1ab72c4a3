import { expect } from 'vitest';
import type { AlertMessage, SendContext } from '../../src/alerts/types.ts';
import type { Receiver } from '../helpers/receiver.ts';
import { closedPort } from '../helpers/targets.ts';

export const AT = new Date('2025-03-01T12:34:56.789Z');

const message = (event: AlertMessage['event'], title: string, text: string, status: string | null, timestamp = AT): AlertMessage => ({
  event,
  title,
  message: text,
  site: status === null ? null : { id: 7, name: 'api', status },
  timestamp,
});

export const DOWN = message('down', '🚨 ALERT', "Monitor 'api' is DOWN: HTTP 503", 'DOWN');
export const UP = message('up', '✅ RECOVERY', "Monitor 'api' is UP (was down 5m)", 'UP', new Date(AT.getTime() + 300_000));
export const SSL = message('ssl_expiring', 'SSL WARNING', "SSL for 'api' expires in 5 days", 'UP');
export const TEST = message('test', '🧪 Test Alert', "Test notification from uptop for channel 'ops'.", null);

/**
 * Fixed-endpoint providers pointed at the receiver, each under its own path so the test sees which was used.
 * Private targets are allowed, as the receivers are on loopback; the guard's own tests turn that off.
 */
export function sendContext(receiver: Pick<Receiver, 'url'>, overrides: Partial<SendContext> = {}): SendContext {
  return {
    signal: new AbortController().signal,
    httpTimeoutMs: 5_000,
    allowPrivateTargets: true,
    endpoints: {
      telegram: receiver.url,
      pagerduty: `${receiver.url}/v2/enqueue`,
      pushover: `${receiver.url}/1/messages.json`,
      opsgenie: `${receiver.url}/us/v2/alerts`,
      opsgenieEu: `${receiver.url}/eu/v2/alerts`,
    },
    ...overrides,
  };
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
