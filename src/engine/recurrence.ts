import { CronExpressionParser, type CronExpression } from 'cron-parser';

const DAY_MS = 24 * 3600_000;

/** A stretch of time with one UTC offset; `localEnd` also covers the wall times a spring-forward skips after it. */
export interface Span {
  start: number;
  end: number;
  offset: number;
  localStart: number;
  localEnd: number;
  /** The first wall time the span shows for the first time: past the ones a fall-back before it repeats. */
  localFresh: number;
}

/**
 * The fire instants of a cron read in an IANA timezone. A fire is a wall-clock time the cron matches, at the instant
 * the zone shows it. When a fall-back repeats it, a fixed-time cron fires at its first instant only, as Vixie/ISC
 * cron runs such jobs once and RFC 5545 reads a repeated local time as its first occurrence; a cron with `*` in its
 * minute or hour field (every hour, every five minutes) fires at every instant, as cron's wildcard jobs run by the
 * real clock. When a spring-forward skips it, it fires at the instant it would have had before the change (02:30
 * skipped becomes 03:30 summer time), as RFC 5545 reads a skipped local time.
 *
 * The cron runs on wall-clock time written as UTC, which has no DST, so cron-parser never has to guess; the zone's
 * offsets map wall times to instants. Looking around an instant costs one prev() and one next() per UTC offset in
 * force nearby, whatever the cron: never a walk over every fire.
 */
export class Recurrence {
  private readonly wall: CronExpression;
  /** Fires at each instant of a repeated wall time (cron's wildcard jobs), not only at the first. */
  private readonly realClock: boolean;

  /** Throws cron-parser's error for an expression it cannot read. */
  constructor(
    cron: string,
    private readonly timeZone: string,
  ) {
    this.wall = CronExpressionParser.parse(cron, { tz: 'UTC' });
    this.wall.next();
    this.realClock = wildcardClock(cron);
  }

  /** The first wall time of a span at which this cron may fire. */
  firstWall(span: Span): number {
    return this.realClock ? span.localStart : span.localFresh;
  }

  /** Fires more than once within some minute: its seconds field has several values. */
  get subMinute(): boolean {
    return this.wall.fields.second.values.length > 1;
  }

  /** The latest fire in (nowMs - backMs, nowMs] and the earliest in (nowMs, nowMs + aheadMs], each null if none. */
  around(nowMs: number, backMs: number, aheadMs: number): { last: number | null; next: number | null } {
    // A day more than asked: a spring-forward just before the range moves skipped fires into it.
    const spans = offsetSpans(this.timeZone, nowMs - backMs - DAY_MS, nowMs + aheadMs);
    let last: number | null = null;
    let next: number | null = null;
    for (const s of spans) {
      const lastInstant = s.localEnd - s.offset;
      if (s.start <= nowMs && lastInstant > nowMs - backMs) {
        const fire = this.wallAtOrBefore(Math.min(nowMs + s.offset, s.localEnd - 1));
        const at = fire === null || fire < this.firstWall(s) ? null : fire - s.offset;
        if (at !== null && at > nowMs - backMs && (last === null || at > last)) last = at;
      }
      if (lastInstant > nowMs && (next === null || s.start < next)) {
        const fire = this.wallAfter(Math.max(nowMs + s.offset, this.firstWall(s) - 1));
        const at = fire === null || fire >= s.localEnd ? null : fire - s.offset;
        if (at !== null && at <= nowMs + aheadMs && (next === null || at < next)) next = at;
      }
    }
    return { last, next };
  }

  private wallAtOrBefore(wallMs: number): number | null {
    this.wall.reset(new Date(wallMs + 1));
    return this.wall.take(-1)[0]?.getTime() ?? null;
  }

  private wallAfter(wallMs: number): number | null {
    this.wall.reset(new Date(wallMs));
    return this.wall.take(1)[0]?.getTime() ?? null;
  }
}

/** The spans of constant offset covering [from, to]; the last one runs on past `to`. */
export function offsetSpans(timeZone: string, from: number, to: number): Span[] {
  const changes: { at: number; offset: number }[] = [{ at: from, offset: offsetAt(timeZone, from) }];
  // Zones change offset at most a few times a year: a daily sample finds every change, a bisection its instant.
  for (let t = from; t < to; ) {
    const offset = changes.at(-1)!.offset;
    const probe = Math.min(t + DAY_MS, to);
    if (offsetAt(timeZone, probe) === offset) {
      t = probe;
      continue;
    }
    // Offsets change on a whole second: bisect seconds.
    let lo = Math.floor(t / 1000);
    let hi = Math.ceil(probe / 1000);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(timeZone, mid * 1000) === offset) lo = mid;
      else hi = mid;
    }
    changes.push({ at: hi * 1000, offset: offsetAt(timeZone, hi * 1000) });
    t = hi * 1000;
  }
  const spans: Span[] = [];
  changes.forEach(({ at, offset }, i) => {
    const following = changes[i + 1];
    const localStart = at + offset;
    spans.push({
      start: at,
      end: following?.at ?? Infinity,
      offset,
      localStart,
      localEnd: following ? following.at + Math.max(offset, following.offset) : Infinity,
      localFresh: Math.max(localStart, spans.at(-1)?.localEnd ?? localStart),
    });
  });
  return spans;
}

/** The aliases that stand for a `*` in the minute or hour field. */
const WILDCARD_ALIASES = new Set(['@hourly', '@minutely', '@secondly']);

/**
 * Whether a cron is one of cron's wildcard jobs, run by the real clock through a fall-back: `*` (or a `*` step) in
 * its minute or hour field, the rule `man 8 cron` states for Vixie/ISC cron.
 */
function wildcardClock(cron: string): boolean {
  const fields = cron.trim().split(/\s+/);
  if (fields.length === 1) return WILDCARD_ALIASES.has(fields[0]!.toLowerCase());
  const [minute, hour] = fields.length >= 6 ? fields.slice(1, 3) : fields;
  return minute!.startsWith('*') || hour!.startsWith('*');
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset at an instant, in milliseconds (wall time minus UTC). */
export function offsetAt(timeZone: string, ms: number): number {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, format);
  }
  const f: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of format.formatToParts(ms)) f[part.type] = Number(part.value);
  const wall = Date.UTC(f.year!, f.month! - 1, f.day!, f.hour!, f.minute!, f.second!);
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}
