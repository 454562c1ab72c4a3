import { describe, expect, it } from 'vitest';
import type { SiteStatus } from '../../src/generated/prisma/client.ts';
import {
  applyGroupStatus,
  applyHeartbeat,
  formatDurationShort,
  handleStatusChange,
  isBroken,
  type Observation,
  type Silence,
  type SiteRules,
} from '../../src/engine/state-machine.ts';
import { RENEWAL_CHECKS } from '../../src/engine/ssl-warning.ts';
import type { LiveSiteState } from '../../src/engine/types.ts';
import { liveState } from './fixtures.ts';

const T0 = Date.UTC(2026, 0, 1, 12);
const at = (sec: number) => new Date(T0 + sec * 1000);

/** Up for an hour, last checked at 0 s. */
const state = (over: Partial<LiveSiteState> = {}): LiveSiteState =>
  liveState({ status: 'UP', statusCode: 200, latencyMs: 10, lastCheckAt: at(0), lastSuccessAt: at(0), statusChangedAt: at(-3600), ...over });

const rules = (over: Partial<SiteRules> = {}): SiteRules => ({
  name: 'api',
  type: 'HTTP',
  maxRetries: 0,
  checkSsl: false,
  expiryThreshold: 7,
  ...over,
});

/** A check that finished at `sec`. */
function obs(status: SiteStatus, reason = '', sec = 10, over: Partial<Observation> = {}): Observation {
  return {
    status,
    statusCode: status === 'UP' ? 200 : 500,
    latencyMs: 12,
    hasSsl: false,
    certExpiresAt: null,
    reason,
    checkedAt: at(sec),
    ...over,
  };
}

describe('handleStatusChange', () => {
  it('PENDING→UP: UP, no alert, no recorded state change, statusChangedAt set', () => {
    const t = handleStatusChange(state({ status: 'PENDING', statusChangedAt: null, lastCheckAt: null }), obs('UP'), rules({ maxRetries: 3 }), at(10), null)!;
    expect(t.next.status).toBe('UP');
    expect(t.next.failureCount).toBe(0);
    expect(t.changed).toBe(true);
    expect(t.stateChange).toBeNull();
    expect(t.alerts).toEqual([]);
    expect(t.next.statusChangedAt).toEqual(at(10));
    expect(t.next.lastCheckAt).toEqual(at(10));
    expect(t.next.lastSuccessAt).toEqual(at(10));
  });

  it('statusChangedAt moves on a change not from PENDING, or when it is still unset and the status is not PENDING', () => {
    // PENDING with a time already known (restored) keeps it on the way to UP.
    expect(handleStatusChange(state({ status: 'PENDING', statusChangedAt: at(-50) }), obs('UP'), rules(), at(10), null)!.next.statusChangedAt).toEqual(at(-50));
    // A failure counted against MaxRetries leaves a never-checked site PENDING with no time.
    const first = state({ status: 'PENDING', statusChangedAt: null, lastCheckAt: null });
    expect(handleStatusChange(first, obs('DOWN', 'x'), rules({ maxRetries: 1 }), at(10), null)!.next).toMatchObject({
      status: 'PENDING',
      statusChangedAt: null,
    });
    // No change, no move; a change from UP moves it.
    expect(handleStatusChange(state(), obs('UP'), rules(), at(10), null)!.next.statusChangedAt).toEqual(at(-3600));
    expect(handleStatusChange(state(), obs('DOWN', 'x'), rules(), at(10), null)!.next.statusChangedAt).toEqual(at(10));
  });

  it('failures under MaxRetries keep the status and count up, with a "failed check n/m" log', () => {
    const t = handleStatusChange(state(), obs('DOWN', 'HTTP 500 (expected 200-299)'), rules({ maxRetries: 3 }), at(10), null)!;
    expect(t.next.status).toBe('UP');
    expect(t.next.failureCount).toBe(1);
    expect(t.next.lastError).toBe('HTTP 500 (expected 200-299)');
    expect(t.logs).toEqual(["Monitor 'api' failed check 1/3"]);
    expect(t.alerts).toEqual([]);
    expect(t.stateChange).toBeNull();
  });

  it('MaxRetries+1 consecutive failures go DOWN once, alert once, clamp the count', () => {
    let s = state();
    const r = rules({ maxRetries: 2 });
    const alerts: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const t = handleStatusChange(s, obs('DOWN', 'timeout', i * 10), r, at(i * 10), null)!;
      s = t.next;
      alerts.push(...t.alerts.map((a) => a.message));
      if (i < 3) expect(s.status).toBe('UP');
      if (i === 3) {
        expect(t.stateChange).toEqual({ siteId: 1, from: 'UP', to: 'DOWN', reason: 'timeout', changedAt: at(30) });
        expect(t.logs).toContain("Monitor 'api' confirmed DOWN: timeout");
      }
    }
    expect(s.status).toBe('DOWN');
    expect(s.failureCount).toBe(3);
    expect(alerts).toEqual(["Monitor 'api' is DOWN: timeout"]);
  });

  it('MaxRetries 0 goes DOWN on the first failure; DOWN alert title and event', () => {
    const t = handleStatusChange(state(), obs('DOWN', 'connection refused'), rules(), at(10), null)!;
    expect(t.next.status).toBe('DOWN');
    expect(t.alerts).toEqual([{ event: 'down', title: '🚨 ALERT', message: "Monitor 'api' is DOWN: connection refused" }]);
    expect(t.next.lastAlertAt).toEqual(at(10));
  });

  it('without a reason the DOWN message names the status; push monitors say "missed heartbeat"', () => {
    expect(handleStatusChange(state(), obs('DOWN'), rules(), at(10), null)!.alerts[0]!.message).toBe("Monitor 'api' is DOWN (DOWN)");
    expect(handleStatusChange(state({ type: 'PUSH' }), obs('DOWN', 'heartbeat missed'), rules({ type: 'PUSH' }), at(10), null)!.alerts[0]!.message).toBe(
      "Push Monitor 'api' missed heartbeat.",
    );
  });

  it("a push monitor's job that reports its own failure is named with its message, not as a missed heartbeat", () => {
    expect(handleStatusChange(state({ type: 'PUSH' }), obs('DOWN', 'disk full'), rules({ type: 'PUSH' }), at(10), null)!.alerts[0]!.message).toBe(
      "Push Monitor 'api' reported DOWN: disk full",
    );
  });

  it('PENDING honours MaxRetries before DOWN and records no state change from PENDING', () => {
    let s = state({ status: 'PENDING', statusChangedAt: null, lastCheckAt: null });
    const r = rules({ maxRetries: 2 });
    s = handleStatusChange(s, obs('DOWN', 'timeout', 10), r, at(10), null)!.next;
    expect([s.status, s.failureCount]).toEqual(['PENDING', 1]);
    s = handleStatusChange(s, obs('DOWN', 'timeout', 20), r, at(20), null)!.next;
    expect([s.status, s.failureCount]).toEqual(['PENDING', 2]);
    const t = handleStatusChange(s, obs('DOWN', 'timeout', 30), r, at(30), null)!;
    expect(t.next.status).toBe('DOWN');
    expect(t.stateChange).toBeNull();
    expect(t.alerts).toHaveLength(1);
    expect(t.next.statusChangedAt).toEqual(at(30));
  });

  it('LATE honours MaxRetries before DOWN', () => {
    let s = state({ status: 'LATE', type: 'PUSH' });
    const r = rules({ type: 'PUSH', maxRetries: 1 });
    s = handleStatusChange(s, obs('DOWN', 'heartbeat missed', 0), r, at(10), null)!.next;
    expect(s.status).toBe('LATE');
    const t = handleStatusChange(s, obs('DOWN', 'heartbeat missed', 0), r, at(20), null)!;
    expect(t.next.status).toBe('DOWN');
    expect(t.stateChange).toMatchObject({ from: 'LATE', to: 'DOWN' });
  });

  it('DOWN stays DOWN without re-alerting; DOWN→SSL_EXPIRED does not re-alert either', () => {
    const down = state({ status: 'DOWN', failureCount: 1 });
    const again = handleStatusChange(down, obs('DOWN', 'x'), rules(), at(10), null)!;
    expect(again.alerts).toEqual([]);
    expect(again.stateChange).toBeNull();
    const ssl = handleStatusChange(down, obs('SSL_EXPIRED', 'SSL certificate expired'), rules(), at(10), null)!;
    expect(ssl.next.status).toBe('SSL_EXPIRED');
    expect(ssl.alerts).toEqual([]);
    expect(ssl.stateChange).toMatchObject({ from: 'DOWN', to: 'SSL_EXPIRED' });
  });

  it('SSL_EXPIRED is broken and alerts', () => {
    expect(isBroken('SSL_EXPIRED')).toBe(true);
    expect(isBroken('STALE')).toBe(false);
    const t = handleStatusChange(state(), obs('SSL_EXPIRED', 'SSL certificate expired'), rules(), at(10), null)!;
    expect(t.alerts[0]).toMatchObject({ event: 'down', message: "Monitor 'api' is DOWN: SSL certificate expired" });
  });

  it('broken→UP sends a recovery with the outage duration and clears lastAlertAt', () => {
    const down = state({ status: 'DOWN', failureCount: 4, statusChangedAt: at(0), lastAlertAt: at(0), lastCheckAt: at(250) });
    const t = handleStatusChange(down, obs('UP', '', 300), rules(), at(300), null)!;
    expect(t.next.status).toBe('UP');
    expect(t.next.failureCount).toBe(0);
    expect(t.alerts).toEqual([{ event: 'up', title: '✅ RECOVERY', message: "Monitor 'api' is UP (was down 5m)" }]);
    expect(t.logs).toContain("Monitor 'api' recovered (was down 5m)");
    expect(t.stateChange).toMatchObject({ from: 'DOWN', to: 'UP', reason: '' });
    expect(t.next.lastAlertAt).toBeNull();
    expect(t.next.statusChangedAt).toEqual(at(300));
  });

  it('maintenance suppresses DOWN and RECOVERY alerts but still records the transitions', () => {
    const down = handleStatusChange(state(), obs('DOWN', 'boom'), rules(), at(10), 'maintenance')!;
    expect(down.next.status).toBe('DOWN');
    expect(down.alerts).toEqual([]);
    expect(down.stateChange).toMatchObject({ from: 'UP', to: 'DOWN' });
    expect(down.logs).toContain("Monitor 'api' is DOWN (alerts suppressed — maintenance)");
    expect(down.next.lastAlertAt).toBeNull();
    const up = handleStatusChange(down.next, obs('UP', '', 20), rules(), at(20), 'maintenance')!;
    expect(up.alerts).toEqual([]);
    expect(up.stateChange).toMatchObject({ from: 'DOWN', to: 'UP' });
    expect(up.logs).toEqual(["Monitor 'api' recovered (was down 10s)", "Recovery alert for 'api' suppressed (maintenance)"]);
    expect(up.next.lastAlertAt).toBeNull();
  });

  it('a paused site is silenced the same way, and the logs say it was the pause', () => {
    const down = handleStatusChange(state(), obs('DOWN', 'boom'), rules(), at(10), 'paused')!;
    expect(down).toMatchObject({ alerts: [], next: { status: 'DOWN', lastAlertAt: null } });
    expect(down.logs).toContain("Monitor 'api' is DOWN (alerts suppressed — paused)");
    const ssl = handleStatusChange(state(), obs('UP', '', 10, { hasSsl: true, certExpiresAt: at(86_400) }), rules({ checkSsl: true }), at(10), 'paused')!;
    expect(ssl.alerts).toEqual([]);
    expect(ssl.logs).toEqual(["SSL warning for 'api' suppressed (paused)"]);
  });

  describe('SSL warning', () => {
    const sslRules = rules({ checkSsl: true, expiryThreshold: 30 });
    const cert = (days: number) => obs('UP', '', 10, { hasSsl: true, certExpiresAt: new Date(T0 + 10_000 + days * 86_400_000 + 3600_000) });

    it('fires once when the certificate is within the threshold', () => {
      const t = handleStatusChange(state(), cert(15), sslRules, at(10), null)!;
      expect(t.alerts).toEqual([{ event: 'ssl_expiring', title: 'SSL WARNING', message: "SSL for 'api' expires in 15 days" }]);
      expect(t.next.sentSslWarning).toBe(true);
      const again = handleStatusChange(t.next, obs('UP', '', 20, { hasSsl: true, certExpiresAt: cert(15).certExpiresAt }), sslRules, at(20), null)!;
      expect(again.alerts).toEqual([]);
    });

    /** Folds certificates seen by checks 10 s apart, from `at(10)`, into `from`; the alerts sent and the last state. */
    function fold(from: LiveSiteState, days: readonly number[], silence: Silence | null = null) {
      let live = from;
      const alerts: string[] = [];
      days.forEach((d, i) => {
        const t = handleStatusChange(live, cert(d), sslRules, at(10 + 10 * i), silence);
        alerts.push(...t.alerts.map((a) => `${a.event}: ${a.message}`));
        live = t.next;
      });
      return { alerts, next: live };
    }
    const warnedAbout = (days: number) => state({ sentSslWarning: true, sslWarnedExpiry: cert(days).certExpiresAt });

    it(`closes the warning once ${RENEWAL_CHECKS} checks in a row see a later certificate beyond the threshold, then fires again on its crossing`, () => {
      const renewed = fold(warnedAbout(15), [60, 60, 60]);
      expect(renewed.alerts).toEqual(["ssl_renewed: SSL for 'api' renewed, expires in 60 days"]);
      expect(renewed.next).toMatchObject({ sentSslWarning: false, sslWarnedExpiry: cert(15).certExpiresAt, sslRenewalChecks: 0 });
      expect(fold(renewed.next, [60, 60]).alerts).toEqual([]);
      expect(fold(state(), [60]).alerts).toEqual([]);
      expect(fold(renewed.next, [20]).alerts).toEqual(["ssl_expiring: SSL for 'api' expires in 20 days"]);
    });

    it('a load balancer serving the warned certificate and a renewed one in turn: no renewal until the old one is gone, no second warning', () => {
      const alternating = fold(state(), [15, 60, 15, 60, 60, 15, 60, 60, 15]);
      expect(alternating.alerts).toEqual(["ssl_expiring: SSL for 'api' expires in 15 days"]);
      expect(alternating.next).toMatchObject({ sentSslWarning: true, sslRenewalChecks: 0 });
      const settled = fold(alternating.next, [60, 60, 60, 15, 60, 15]);
      expect(settled.alerts).toEqual(["ssl_renewed: SSL for 'api' renewed, expires in 60 days"]);
      // Another certificate expiring no later than the warned one is covered by its warning.
      expect(fold(warnedAbout(15), [14, 14, 14]).alerts).toEqual([]);
    });

    it('a warned certificate replaced by one itself within the threshold warns about the new one, once', () => {
      const replaced = fold(warnedAbout(2), [6, 6, 6, 6, 6]);
      expect(replaced.alerts).toEqual(["ssl_expiring: SSL for 'api' renewed, but the new certificate expires in 6 days"]);
      expect(replaced.next).toMatchObject({ sentSslWarning: true, sslWarnedExpiry: cert(6).certExpiresAt, sslRenewalChecks: 0 });
    });

    it('a warning open from before the warned certificate was remembered closes on a certificate beyond the threshold', () => {
      expect(fold(state({ sentSslWarning: true }), [15, 15, 15, 15]).alerts).toEqual([]);
      expect(fold(state({ sentSslWarning: true }), [60, 60, 60]).alerts).toEqual(["ssl_renewed: SSL for 'api' renewed, expires in 60 days"]);
    });

    it('is held in maintenance and sent by the first check after it, not lost', () => {
      const t = handleStatusChange(state(), cert(15), sslRules, at(10), 'maintenance')!;
      expect(t.alerts).toEqual([]);
      expect(t.next.sentSslWarning).toBe(false);
      expect(t.logs).toEqual(["SSL warning for 'api' suppressed (maintenance)"]);
      const after = handleStatusChange(t.next, cert(14), sslRules, at(20), null)!;
      expect(after.alerts).toEqual([{ event: 'ssl_expiring', title: 'SSL WARNING', message: "SSL for 'api' expires in 14 days" }]);
      expect(after.next.sentSslWarning).toBe(true);
    });

    it('holds a renewal seen in maintenance until the first check after it, so the warning does not stay open', () => {
      const held = fold(warnedAbout(15), [60, 60, 60, 60], 'maintenance');
      expect(held.alerts).toEqual([]);
      expect(held.next).toMatchObject({ sentSslWarning: true, sslRenewalChecks: 4 });
      const logged = handleStatusChange(warnedAbout(15), cert(60), sslRules, at(10), 'maintenance').logs;
      expect(logged).toEqual([]);
      const last = handleStatusChange({ ...held.next, sslRenewalChecks: 2 }, cert(60), sslRules, at(50), 'maintenance');
      expect(last.logs).toEqual(["SSL for 'api' renewed, expires in 60 days (closing its warning waits: maintenance)"]);
      const after = handleStatusChange(held.next, cert(60), sslRules, at(60), null)!;
      expect(after.alerts.map((a) => a.event)).toEqual(['ssl_renewed']);
      expect(after.next.sentSslWarning).toBe(false);
    });

    it('applies only to HTTP sites with checkSsl and does not fire for an expired certificate', () => {
      expect(handleStatusChange(state(), cert(15), rules({ expiryThreshold: 30 }), at(10), null)!.alerts).toEqual([]);
      expect(handleStatusChange(state({ type: 'PORT' }), cert(15), { ...sslRules, type: 'PORT' }, at(10), null)!.alerts).toEqual([]);
      const expired = handleStatusChange(
        state({ status: 'DOWN' }),
        obs('SSL_EXPIRED', 'SSL certificate expired', 10, { hasSsl: true, certExpiresAt: at(-86_400) }),
        sslRules,
        at(10),
        null,
      )!;
      expect(expired.alerts.filter((a) => a.event === 'ssl_expiring')).toEqual([]);
    });
  });

  it('applies a failure whatever the stored lastCheckAt says: a time in the future (clock stepped back) drops nothing', () => {
    const live = state({ lastCheckAt: at(3600) });
    expect(handleStatusChange(live, obs('DOWN', 'x', 10), rules(), at(10), null).next).toMatchObject({ status: 'DOWN', lastCheckAt: at(10), lastError: 'x' });
  });

  it('logs "heartbeat overdue" on UP→LATE and "(was late)" on LATE→UP', () => {
    const late = handleStatusChange(state({ type: 'PUSH' }), obs('LATE', 'heartbeat overdue', 0), rules({ type: 'PUSH' }), at(400), null)!;
    expect(late.logs).toContain("Monitor 'api' heartbeat overdue");
    expect(late.alerts).toEqual([]);
    const back = handleStatusChange(late.next, obs('UP', '', 400), rules(), at(400), null)!;
    expect(back.logs).toContain("Monitor 'api' heartbeat arrived (was late)");
  });
});

describe('applyHeartbeat', () => {
  it('logs by previous state and records a state change only from LATE/STALE/DOWN', () => {
    const first = applyHeartbeat(state({ status: 'PENDING', type: 'PUSH', lastCheckAt: null }), { name: 'job' }, at(5), null);
    expect(first.logs).toEqual(["Push Monitor 'job' received first heartbeat"]);
    expect(first.stateChange).toBeNull();
    expect(first.next).toMatchObject({ status: 'UP', lastCheckAt: at(5), lastSuccessAt: at(5), failureCount: 0, latencyMs: 0 });
    expect(applyHeartbeat(state({ status: 'LATE' }), { name: 'job' }, at(5), null).logs).toEqual(["Push Monitor 'job' heartbeat arrived (was late)"]);
    const stale = applyHeartbeat(state({ status: 'STALE' }), { name: 'job' }, at(5), null);
    expect(stale.logs).toEqual(["Push Monitor 'job' heartbeat arrived (was stale)"]);
    expect(stale.stateChange).toEqual({ siteId: 1, from: 'STALE', to: 'UP', reason: '', changedAt: at(5) });
    const steady = applyHeartbeat(state(), { name: 'job' }, at(5), null);
    expect(steady.stateChange).toBeNull();
    expect(steady.next.statusChangedAt).toEqual(at(-3600));
  });

  it('recovers from DOWN with the push recovery alert, which maintenance suppresses', () => {
    const down = state({ status: 'DOWN', statusChangedAt: at(0), type: 'PUSH' });
    const t = applyHeartbeat(down, { name: 'job' }, at(125), null);
    expect(t.logs).toEqual(["Push Monitor 'job' recovered (was down 2m)"]);
    expect(t.alerts).toEqual([{ event: 'up', title: '✅ RECOVERY', message: "Push Monitor 'job' is receiving heartbeats. (was down 2m)" }]);
    const quiet = applyHeartbeat(down, { name: 'job' }, at(125), 'maintenance');
    expect(quiet.alerts).toEqual([]);
    expect(quiet.logs).toContain("Recovery alert for 'job' suppressed (maintenance)");
  });
});

describe('applyGroupStatus', () => {
  it('sets the status directly, records changes (not from PENDING) and alerts on its own transitions', () => {
    const g = state({ type: 'GROUP', name: 'web' });
    const down = applyGroupStatus(g, 'DOWN', "child 'api' is down", { name: 'web' }, at(10), null);
    expect(down.next.status).toBe('DOWN');
    expect(down.stateChange).toMatchObject({ from: 'UP', to: 'DOWN' });
    expect(down.logs).toEqual(["Group 'web' is DOWN"]);
    expect(down.alerts).toEqual([{ event: 'down', title: '🚨 ALERT', message: "Monitor 'web' is DOWN: child 'api' is down" }]);
    const up = applyGroupStatus(down.next, 'UP', '', { name: 'web' }, at(70), null);
    expect(up.logs).toEqual(["Group 'web' recovered"]);
    expect(up.alerts[0]).toMatchObject({ event: 'up', message: "Monitor 'web' is UP (was down 1m)" });
    const fromPending = applyGroupStatus(state({ status: 'PENDING', statusChangedAt: null }), 'UP', '', { name: 'web' }, at(5), null);
    expect(fromPending.stateChange).toBeNull();
  });
});

describe('formatDurationShort', () => {
  it('matches the Go format', () => {
    expect([42_000, 300_000, 3 * 3600_000 + 12 * 60_000, 2 * 86_400_000 + 4 * 3600_000].map(formatDurationShort)).toEqual(['42s', '5m', '3h 12m', '2d 4h']);
  });
});
