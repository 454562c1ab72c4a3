import { GraphQLError } from 'graphql';
import { z } from 'zod';
import type { Check, StateChange } from '../../generated/prisma/client.ts';
import { RECENT_RESULTS } from '../../engine/recent-results.ts';
import type { RecentResult } from '../../engine/types.ts';
import { planSeries, SeriesRangeError, type LatencyBucket } from '../../history/latency.ts';
import { localDays } from '../../history/local-days.ts';
import { planLocalSeries } from '../../history/local-latency.ts';
import { fromCreation, uptimeFromHistory, type UptimeReport } from '../../services/uptime.ts';
import { builder, pageArgs } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { globalId } from '../ids.ts';
import { liveState, SiteStatusEnum } from './sites.ts';

const DEFAULT_UPTIME_WINDOW_MS = 30 * 24 * 3600 * 1000;

/**
 * The columns the Check and StateChange types read. Events carry exactly these and no row id, which those types
 * never show, so an event passes for a row (the casts in site-events.ts).
 */
export type CheckShape = Pick<Check, 'siteId' | 'checkedAt' | 'up' | 'status' | 'latencyMs' | 'statusCode' | 'message'>;
export type StateChangeShape = Pick<StateChange, 'siteId' | 'fromStatus' | 'toStatus' | 'reason' | 'changedAt'>;

export const CheckRef = builder.prismaObject('Check', {
  description: 'One completed check or accepted heartbeat.',
  fields: (t) => ({
    siteId: t.id({ resolve: (c) => globalId('Site', c.siteId) }),
    checkedAt: t.expose('checkedAt', { type: 'DateTime' }),
    up: t.exposeBoolean('up'),
    status: t.expose('status', { type: SiteStatusEnum }),
    latencyMs: t.exposeFloat('latencyMs', { nullable: true }),
    statusCode: t.exposeInt('statusCode', { nullable: true }),
    message: t.exposeString('message', { nullable: true }),
  }),
});

export const StateChangeRef = builder.prismaObject('StateChange', {
  description: 'A recorded status transition (never one from PENDING).',
  fields: (t) => ({
    siteId: t.id({ resolve: (c) => globalId('Site', c.siteId) }),
    from: t.expose('fromStatus', { type: SiteStatusEnum }),
    to: t.expose('toStatus', { type: SiteStatusEnum }),
    reason: t.exposeString('reason'),
    changedAt: t.expose('changedAt', { type: 'DateTime' }),
  }),
});

const UptimeReportRef = builder.objectRef<UptimeReport>('UptimeReport').implement({
  description: 'Availability over a window: only DOWN and SSL_EXPIRED count as downtime.',
  fields: (t) => ({
    uptimePercent: t.exposeFloat('uptimePercent'),
    downtimeSeconds: t.exposeFloat('downtimeSeconds'),
    outageCount: t.exposeInt('outageCount'),
    longestOutageSeconds: t.exposeFloat('longestOutageSeconds'),
    mttrSeconds: t.exposeFloat('mttrSeconds', { nullable: true, description: 'Mean time to recovery.' }),
    mtbfSeconds: t.exposeFloat('mtbfSeconds', { nullable: true, description: 'Mean time between failures.' }),
  }),
});

const LatencyBucketRef = builder.objectRef<LatencyBucket>('LatencyBucket').implement({
  description:
    'The checks that started in [start, start + step). Latencies in ms: min, max and avg exact; p50/p95/p99 from a sketch, within 1 % of the true value. Null without a measured latency.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime' }),
    count: t.exposeInt('count'),
    upCount: t.exposeInt('upCount'),
    min: t.exposeFloat('min', { nullable: true }),
    avg: t.exposeFloat('avg', { nullable: true }),
    max: t.exposeFloat('max', { nullable: true }),
    p50: t.exposeFloat('p50', { nullable: true }),
    p95: t.exposeFloat('p95', { nullable: true }),
    p99: t.exposeFloat('p99', { nullable: true }),
  }),
});

const DailyUptimeRef = builder.objectRef<{ date: string; report: UptimeReport }>('DailyUptime').implement({
  description: 'One local day of the daily breakdown (today up to now).',
  fields: (t) => ({
    date: t.string({ description: 'The local date, YYYY-MM-DD.', resolve: (d) => d.date }),
    uptimePercent: t.float({ resolve: (d) => d.report.uptimePercent }),
    downtimeSeconds: t.float({ resolve: (d) => d.report.downtimeSeconds }),
    outageCount: t.int({ resolve: (d) => d.report.outageCount }),
  }),
});

const RecentCheckRef = builder.objectRef<RecentResult>('RecentCheck').implement({
  description: "One of a site's last results, from the engine's memory.",
  fields: (t) => ({
    status: t.expose('status', { type: SiteStatusEnum }),
    latencyMs: t.exposeFloat('latencyMs', { nullable: true }),
    checkedAt: t.expose('checkedAt', { type: 'DateTime' }),
  }),
});

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/** A `to` in the future is read as now: nothing is known past it. */
function windowEnd(ctx: GraphQLContext, to: Date | null | undefined): Date {
  const now = ctx.loaders.now();
  return to && to.getTime() < now.getTime() ? to : now;
}

const unknownTimeZone = (timeZone: string) => `unknown IANA time zone "${timeZone}"`;

/**
 * Zones found valid so far. Asked per site of a page, building an Intl.DateTimeFormat each time cost more than the
 * rest of the field: 100 sites' `latency` took the dashboard's history from 2 to 7 ms. Names are case-insensitive, so
 * a client could send endless spellings of valid ones: past MAX_VALID_ZONES the set starts again.
 */
const validZones = new Set<string>(['UTC']);
const MAX_VALID_ZONES = 1_000;

function validTimeZone(timeZone: string): boolean {
  if (validZones.has(timeZone)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    return false;
  }
  if (validZones.size >= MAX_VALID_ZONES) validZones.clear();
  validZones.add(timeZone);
  return true;
}

/**
 * `Site.checks` and `Site.stateChanges` read their own page, rather than joining the parent's query as a related
 * connection would: the parent plans its query before this field's arguments are validated, so a bad cursor would
 * fail the parent `site` (with Prisma's error) instead of this field with BAD_USER_INPUT. One indexed read per site.
 */
builder.prismaObjectFields('Site', (t) => ({
  checks: t.prismaConnection(
    {
      type: 'Check',
      cursor: 'id',
      validate: pageArgs,
      description: 'Newest first.',
      totalCount: (site, _args, ctx) => ctx.db.check.count({ where: { siteId: site.id } }),
      resolve: (query, site, _args, ctx) => ctx.db.check.findMany({ ...query, where: { siteId: site.id }, orderBy: [{ checkedAt: 'desc' }, { id: 'desc' }] }),
    },
    { name: 'CheckConnection' },
    { name: 'CheckEdge' },
  ),
  stateChanges: t.prismaConnection(
    {
      type: 'StateChange',
      cursor: 'id',
      validate: pageArgs,
      description: 'Newest first.',
      totalCount: (site, _args, ctx) => ctx.db.stateChange.count({ where: { siteId: site.id } }),
      resolve: (query, site, _args, ctx) =>
        ctx.db.stateChange.findMany({ ...query, where: { siteId: site.id }, orderBy: [{ changedAt: 'desc' }, { id: 'desc' }] }),
    },
    { name: 'StateChangeConnection' },
    { name: 'StateChangeEdge' },
  ),
  uptime: t.field({
    type: UptimeReportRef,
    description:
      'The SLA over [from, to]: defaults to the last 30 days; a `to` in the future is read as now, a `from` before the site was created as its creation. Maintenance-type windows on the site, its group or every site are left out of it unless `excludeMaintenance` is false (ended one-off windows are kept for UPTOP_MAINT_RETENTION only).',
    args: {
      from: t.arg({ type: 'DateTime', required: false }),
      to: t.arg({ type: 'DateTime', required: false }),
      excludeMaintenance: t.arg.boolean({ required: false, defaultValue: true }),
    },
    resolve: async (site, args, ctx) => {
      const to = windowEnd(ctx, args.to);
      const from = args.from ?? new Date(to.getTime() - DEFAULT_UPTIME_WINDOW_MS);
      if (from.getTime() >= to.getTime()) throw badInput('uptime: "from" must be before "to"');
      const { history, excluded } = await ctx.loaders.history(site.id, { from, to, excludeMaintenance: args.excludeMaintenance ?? true });
      return uptimeFromHistory(history, liveState(ctx, site.id).status, fromCreation(site.createdAt, from), to, excluded);
    },
  }),
  dailyUptime: t.field({
    type: [DailyUptimeRef],
    description:
      "The Go original's daily breakdown: one entry per local day in `timeZone` (IANA), oldest first, today up to now; a day before the site was created has no downtime.",
    args: {
      days: t.arg.int({ required: false, defaultValue: 30, validate: z.number().int().min(1, 'must be at least 1').max(366, 'must be at most 366').nullish() }),
      timeZone: t.arg.string({ required: false, defaultValue: 'UTC' }),
      excludeMaintenance: t.arg.boolean({ required: false, defaultValue: true }),
    },
    resolve: async (site, args, ctx) => {
      const timeZone = args.timeZone ?? 'UTC';
      if (!validTimeZone(timeZone)) throw badInput(`dailyUptime: ${unknownTimeZone(timeZone)}`);
      const to = ctx.loaders.now();
      const days = localDays(timeZone, args.days ?? 30, to.getTime());
      const from = new Date(days[0]!.start);
      const { history, excluded } = await ctx.loaders.history(site.id, { from, to, excludeMaintenance: args.excludeMaintenance ?? true });
      const status = liveState(ctx, site.id).status;
      return days.map((d) => ({
        date: d.date,
        report: uptimeFromHistory(history, status, fromCreation(site.createdAt, new Date(d.start)), new Date(d.end), excluded),
      }));
    },
  }),
  latency: t.field({
    type: [LatencyBucketRef],
    description:
      'Latency per `step` seconds over [from, to], from the check rollups: the coarsest level (minute, hour, day) whose width divides `step` and that `from` is aligned to, so pass a `from` on the hour for hourly buckets. At most 1000 buckets. Whichever level is read, the series ends at `to` rounded up to a whole minute (to the hour or the day when the finer rollups no longer hold it): the last bucket counts the checks before that, its part after its last whole rollup of the level read from finer ones.',
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: false }),
      step: t.arg.int({ required: true, description: 'Seconds: a positive whole number of minutes.' }),
      timeZone: t.arg.string({
        required: false,
        description:
          'IANA time zone whose local days a `step` of whole days follows: buckets start at local midnight (the one on or before `from`) and a DST day is 23 or 25 hours. Read from the hourly rollups, or the minute ones for a zone whose midnights are not on a whole UTC hour (such as Asia/Kolkata), while they hold `from`; older, a rollup is counted in the local day it starts in. The series then ends at `to` rounded up to the level read. Absent or "UTC": UTC days. Smaller steps stay UTC-aligned.',
      }),
    },
    resolve: async (site, args, ctx) => {
      const range = { from: args.from, to: windowEnd(ctx, args.to), stepSeconds: args.step };
      const timeZone = args.timeZone ?? 'UTC';
      if (!validTimeZone(timeZone)) throw badInput(`latency: ${unknownTimeZone(timeZone)}`);
      const nowMs = ctx.loaders.now().getTime();
      const retention = ctx.config.writer.retainRollupsMs;
      try {
        const plan = planSeries(range, nowMs, retention);
        if (timeZone === 'UTC' || args.step % 86_400 !== 0) return await ctx.loaders.latency(site.id, range, plan);
        return await ctx.loaders.localLatency(site.id, range, timeZone, planLocalSeries(range, timeZone, nowMs, retention));
      } catch (err) {
        if (err instanceof SeriesRangeError) throw badInput(`latency: ${err.message}`);
        throw err;
      }
    },
  }),
  recentChecks: t.field({
    type: [RecentCheckRef],
    description: `The last ${RECENT_RESULTS} results, oldest first, from the engine's memory (no database read): a sparkline.`,
    resolve: (site, _args, ctx) => ctx.engine.recentResults(site.id),
  }),
}));
