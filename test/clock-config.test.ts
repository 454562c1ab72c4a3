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

  it('refuses any duration past 100 years, which once started and then failed every login and prune', () => {
    expect(loadConfig({ UPTOP_SESSION_TTL: '100y' }).sessionTtlMs).toBe(100 * 365.25 * 24 * 3600_000);
    let error: unknown;
    try {
      loadConfig({ UPTOP_SESSION_TTL: '1000000000d', UPTOP_RETAIN_DAYS: '101y', UPTOP_MAINT_RETENTION: '1000000000d' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { variable: 'UPTOP_MAINT_RETENTION', message: 'must be at most 100 years (got "1000000000d")' },
      { variable: 'UPTOP_RETAIN_DAYS', message: 'must be at most 100 years (got "101y")' },
      { variable: 'UPTOP_SESSION_TTL', message: 'must be at most 100 years (got "1000000000d")' },
    ]);
  });

  it('accepts long intervals that run on the clock, which chains them', () => {
    const config = loadConfig({ UPTOP_RECONCILE_INTERVAL: '40d', UPTOP_PRUNE_INTERVAL: '60d', UPTOP_ALERT_TIMEOUT: '30d' });
    expect(config.engine.reconcileIntervalMs).toBe(40 * 24 * 3600_000);
  });
});
