import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('durations handed to Node timers directly', () => {
  it('refuses an alert HTTP timeout longer than a Node timer can wait, naming the variable', () => {
    expect(loadConfig({ UPTOP_ALERT_HTTP_TIMEOUT: '24d' }).engine.alertHttpTimeoutMs).toBe(24 * 24 * 3600_000);
    let error: unknown;
    try {
      loadConfig({ UPTOP_ALERT_HTTP_TIMEOUT: '30d' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { variable: 'UPTOP_ALERT_HTTP_TIMEOUT', message: expect.stringMatching(/^must be at most 24d \(Node's timers wait at most 2147483647 ms/) },
    ]);
  });

  it('accepts long intervals that run on the clock, which chains them', () => {
    const config = loadConfig({ UPTOP_RECONCILE_INTERVAL: '40d', UPTOP_PRUNE_INTERVAL: '60d', UPTOP_ALERT_TIMEOUT: '30d' });
    expect(config.engine.reconcileIntervalMs).toBe(40 * 24 * 3600_000);
  });
});
