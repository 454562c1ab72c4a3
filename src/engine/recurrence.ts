import { CronExpressionParser, type CronExpression } from 'cron-parser';

const DAY_MS = 24 * 3600_000;

/** A stretch of time with one UTC offset; `localEnd` also covers the wall times a spring-forward skips after it. */
export interface Span {
  start: number;
  end: number;
  offset: number;
  localStart: number;
  localEnd: number;
}

/**
 * The fire instants of a cron read in an IANA timezone. A fire is a wall-clock time the cron matches; it starts at
 * each instant the zone shows that time: twice when a fall-back repeats it, and, when a spring-forward skips it, at
 * the instant it would have had before the change (02:30 skipped becomes 03:30 summer time).
 *
 * The cron runs on wall-clock time written as UTC, which has no DST, so cron-parser never has to guess; the zone's
 * offsets map wall times to instants. Looking around an instant costs one prev() and one next() per UTC offset in
 * force nearby, whatever the cron: never a walk over every fire.
 */
export class Recurrence {
  private readonly wall: CronExpression;

  /** Throws cron-parser's error for an expression it cannot read. */
  constructor(
    cron: string,
    private readonly timeZone: string,
  ) {
    this.wall = CronExpressionParser.parse(cron, { tz: 'UTC' });
    this.wall.next();
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
        const at = fire === null || fire < s.localStart ? null : fire - s.offset;
        if (at !== null && at > nowMs - backMs && (last === null || at > last)) last = at;
      }
      if (lastInstant > nowMs && (next === null || s.start < next)) {
        const fire = this.wallAfter(Math.max(nowMs + s.offset, s.localStart - 1));
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
  return changes.map(({ at, offset }, i) => {
    const following = changes[i + 1];
    return {
      start: at,
      end: following?.at ?? Infinity,
      offset,
      localStart: at + offset,
      localEnd: following ? following.at + Math.max(offset, following.offset) : Infinity,
    };
  });
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
