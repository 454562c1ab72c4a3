import type { DisplayStatus, SiteStatus } from './gql/graphql.ts';

/**
 * The Go original's dashboard order: broken sites first (DOWN, SSL expired), then the doubtful (LATE, STALE), then
 * UP, then the ones not being judged (maintenance, PENDING, paused).
 */
const RANK: Record<DisplayStatus, number> = {
  DOWN: 0,
  SSL_EXPIRED: 0,
  LATE: 1,
  STALE: 1,
  UP: 2,
  MAINTENANCE: 3,
  PENDING: 4,
  PAUSED: 4,
};

export function statusRank(status: DisplayStatus): number {
  return RANK[status];
}

const LABEL: Record<DisplayStatus | SiteStatus, string> = {
  DOWN: 'DOWN',
  SSL_EXPIRED: 'SSL',
  LATE: 'LATE',
  STALE: 'STALE',
  UP: 'UP',
  MAINTENANCE: 'MAINT',
  PENDING: 'PENDING',
  PAUSED: 'PAUSED',
};

export function statusLabel(status: DisplayStatus | SiteStatus): string {
  return LABEL[status];
}

/** The CSS class of a status colour: bad, warn, good, or idle. */
export function statusTone(status: DisplayStatus | SiteStatus): 'bad' | 'warn' | 'good' | 'idle' {
  switch (RANK[status]) {
    case 0:
      return 'bad';
    case 1:
      return 'warn';
    case 2:
      return 'good';
    default:
      return 'idle';
  }
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  // A ping next door takes microseconds: what was measured must not read as nothing.
  if (ms > 0 && ms < 0.5) return '<1 ms';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * In hundredths of a percent, some 0.3 ms of a 30-day window: far above the float noise of the API's division (99.12
 * arrives as 99.11999999999999), far below anything a reader could tell.
 */
const HUNDREDTH_NOISE = 1e-6;

/**
 * Whether the site has ever been judged (UP, DOWN, ...): not while it is PENDING since it was made, a push monitor
 * before its first beat or a group before any child was judged. The API's uptime counts PENDING as up, as the Go
 * original's ComputeSLA does with no state change (spec §10), so such a site reads 100 %: it is shown no figure.
 */
export function judged(site: { statusChangedAt?: string | null }): boolean {
  return site.statusChangedAt !== null && site.statusChangedAt !== undefined;
}

export function formatPercent(percent: number | null | undefined): string {
  if (percent === null || percent === undefined) return '–';
  // Rounded down: a second of downtime in a month must not read as 100.00%; but down from the value, not its noise.
  return percent >= 100 ? '100%' : `${(Math.floor(percent * 100 + HUNDREDTH_NOISE) / 100).toFixed(2)}%`;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds > 0 && seconds < 0.5) return '<1s';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86400).toFixed(1)}d`;
}

export function formatTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '–';
}

/** Whole days from now until `iso` (negative once past). */
export function daysUntil(iso: string): number {
  return Math.floor((Date.parse(iso) - Date.now()) / 86_400_000);
}

/** `ms` before now, on the minute: a stable query variable for a window that ends now. */
export function sinceMinute(ms: number): string {
  return new Date(Math.floor((Date.now() - ms) / 60_000) * 60_000).toISOString();
}
