import type { AlertMessage, SendContext } from '../../src/alerts/types.ts';
import type { Receiver } from '../helpers/receiver.ts';

export const AT = new Date('2025-03-01T12:34:56.789Z');

export const DOWN: AlertMessage = {
  event: 'down',
  title: '🚨 ALERT',
  message: "Monitor 'api' is DOWN: HTTP 503",
  site: { id: 7, name: 'api', status: 'DOWN' },
  timestamp: AT,
};

export const UP: AlertMessage = {
  event: 'up',
  title: '✅ RECOVERY',
  message: "Monitor 'api' is UP (was down 5m)",
  site: { id: 7, name: 'api', status: 'UP' },
  timestamp: new Date(AT.getTime() + 300_000),
};

export const SSL: AlertMessage = {
  event: 'ssl_expiring',
  title: 'SSL WARNING',
  message: "SSL for 'api' expires in 5 days",
  site: { id: 7, name: 'api', status: 'UP' },
  timestamp: AT,
};

export const TEST: AlertMessage = {
  event: 'test',
  title: '🧪 Test Alert',
  message: "Test notification from uptop for channel 'ops'.",
  site: null,
  timestamp: AT,
};

/** Fixed-endpoint providers pointed at the receiver, each under its own path so the test sees which was used. */
export function sendContext(receiver: Pick<Receiver, 'url'>, overrides: Partial<SendContext> = {}): SendContext {
  return {
    signal: new AbortController().signal,
    httpTimeoutMs: 5_000,
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
