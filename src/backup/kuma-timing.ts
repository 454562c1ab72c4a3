import type { MonitorType } from '../generated/prisma/client.ts';
import { MAX_INTERVAL_SECONDS } from '../services/site-config.ts';

/*
 * When a Kuma monitor checks, gives up, retries and re-notifies (server/model/monitor.js), in uptop's terms, and a
 * note for each value uptop cannot keep: its limits are narrower, and it retries at the interval.
 */

/** The Kuma monitor fields its timing is made of. */
export interface KumaTimingFields {
  interval?: number | null;
  timeout?: number | null;
  retryInterval?: number | null;
  maxretries?: number | null;
  resendInterval?: number | null;
}

export interface KumaTiming {
  interval: number;
  timeout: number;
  maxRetries: number;
  renotifyMinutes: number;
  /** One line per value uptop changes, saying how. */
  notes: string[];
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, Math.round(value)));

/** uptop's limits (siteFieldsSchema). */
const LIMITS = {
  interval: [5, MAX_INTERVAL_SECONDS],
  timeout: [1, 300],
  maxRetries: [0, 100],
  renotifyMinutes: [1, 525_600],
} as const;

/** A Kuma monitor's timing as uptop's for a monitor of `type`, with a note for each value uptop changes. */
export function kumaTiming(m: KumaTimingFields, type: MonitorType): KumaTiming {
  const notes: string[] = [];
  /** The value within uptop's limit, with a note when the limit changed it (not when only rounding did). */
  const limited = (value: number, limit: keyof typeof LIMITS, note: (kept: number) => string) => {
    const [min, max] = LIMITS[limit];
    const kept = clamp(value, min, max);
    if (kept !== Math.round(value)) notes.push(note(kept));
    return kept;
  };

  const kumaInterval = m.interval || 60;
  const interval = limited(kumaInterval, 'interval', (kept) => `checks every ${kept} s (every ${kumaInterval} s in Kuma)`);
  // Kuma's own when none is set: 80 % of the interval. Only its HTTP checks use it in every version.
  const kumaTimeout = m.timeout && m.timeout > 0 ? m.timeout : kumaInterval * 0.8;
  const timeout =
    type === 'HTTP' ? limited(kumaTimeout, 'timeout', (kept) => `times out after ${kept} s (${kumaTimeout} s in Kuma)`) : clamp(kumaTimeout, ...LIMITS.timeout);
  const kumaRetries = m.maxretries ?? 0;
  const maxRetries = limited(kumaRetries, 'maxRetries', (kept) => `retries at most ${kept} times (${kumaRetries} in Kuma)`);
  // Kuma checks again after retryInterval while retries remain (0: at the interval); uptop at the interval.
  const retryInterval = m.retryInterval || kumaInterval;
  if (maxRetries > 0 && type !== 'GROUP' && retryInterval !== kumaInterval) {
    notes.push(`retries at its interval, every ${interval} s (every ${retryInterval} s in Kuma)`);
  }
  // Kuma re-notifies every N checks while down, which come at its interval; uptop every N minutes.
  let renotifyMinutes = 0;
  if (m.resendInterval && m.resendInterval > 0) {
    const seconds = m.resendInterval * kumaInterval;
    renotifyMinutes = clamp(Math.ceil(seconds / 60), ...LIMITS.renotifyMinutes);
    if (renotifyMinutes * 60 !== seconds) notes.push(`re-notifies every ${renotifyMinutes} min while down (every ${seconds} s in Kuma)`);
  }
  return { interval, timeout, maxRetries, renotifyMinutes, notes };
}
