import type { Write } from '../../src/writer/types.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { globalId } from '../helpers/ids.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const LATENCY = /* GraphQL */ `
  query Latency($id: ID!, $from: DateTime!, $to: DateTime, $step: Int!, $tz: String) {
    site(id: $id) { latency(from: $from, to: $to, step: $step, timeZone: $tz) { start count upCount min max } }
  }
`;

/** A PUSH site with a 50 ms check every 15 minutes over [from, to). */
async function siteChecked(t: TestApp, from: string, to: string): Promise<{ siteId: number; checks: number[] }> {
  const siteId = await t.app.deps.writer.submit(async (tx) => (await tx.site.create({ data: { name: 'latency', type: 'PUSH' } })).id);
  await t.app.deps.engine.siteChanged(siteId);
  const checks: number[] = [];
  for (let at = Date.parse(from); at < Date.parse(to); at += 15 * MINUTE) checks.push(at);
  for (const at of checks) {
    const write: Extract<Write, { kind: 'check' }> = {
      kind: 'check',
      siteId,
      checkedAt: new Date(at),
      up: true,
      status: 'UP',
      latencyMs: 50,
      statusCode: null,
      message: null,
    };
    t.app.deps.writer.enqueue(write);
  }
  await t.app.deps.writer.flush();
  return { siteId, checks };
}

async function latency(t: TestApp, siteId: number, vars: { from: string; to?: string; step: number; tz?: string }) {
  const res = await t.request<{ site: { latency: { start: string; count: number }[] } }>(
    LATENCY,
    { id: globalId('Site', siteId), ...vars },
    t.users.viewer.token,
  );
  return res.ok().site.latency.map((b) => [b.start, b.count]);
}

/** Independent of the code: the checks in each [starts[i], starts[i + 1]). */
const counted = (checks: number[], starts: string[]) =>
  starts.slice(0, -1).map((s, i) => [new Date(s).toISOString(), checks.filter((at) => at >= Date.parse(s) && at < Date.parse(starts[i + 1]!)).length]);

describe('Site.latency in local days (`timeZone`)', () => {
  it('Australia/Sydney: days start at local midnight, the fall-back day (5 April 2026) has 25 hours', async ({ app: t, clock }) => {
    clock.set(Date.parse('2026-04-08T00:00:00Z'));
    const { siteId, checks } = await siteChecked(t, '2026-04-03T00:00:00Z', '2026-04-07T00:00:00Z');
    // From 07:00 on 4 April (local): the first bucket starts at that day's midnight, 13:00Z (AEDT, +11).
    const got = await latency(t, siteId, { from: '2026-04-03T20:00:00Z', to: '2026-04-06T14:00:00Z', step: 86_400, tz: 'Australia/Sydney' });
    const days = ['2026-04-03T13:00:00Z', '2026-04-04T13:00:00Z', '2026-04-05T14:00:00Z', '2026-04-06T14:00:00Z'];
    expect(got).toEqual(counted(checks, days));
    expect(got.map(([, n]) => n)).toEqual([96, 100, 96]);
    // Without a time zone, as before: UTC days.
    const utc = await latency(t, siteId, { from: '2026-04-04T00:00:00Z', to: '2026-04-06T00:00:00Z', step: 86_400 });
    expect(utc).toEqual(counted(checks, ['2026-04-04T00:00:00Z', '2026-04-05T00:00:00Z', '2026-04-06T00:00:00Z']));
    expect(await latency(t, siteId, { from: '2026-04-04T00:00:00Z', to: '2026-04-06T00:00:00Z', step: 86_400, tz: 'UTC' })).toEqual(utc);
  });

  it('America/New_York: the spring-forward day (8 March 2026) has 23 hours; two-day steps follow local days too', async ({ app: t, clock }) => {
    clock.set(Date.parse('2026-03-12T00:00:00Z'));
    const { siteId, checks } = await siteChecked(t, '2026-03-06T00:00:00Z', '2026-03-11T00:00:00Z');
    const days = ['2026-03-07T05:00:00Z', '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z', '2026-03-10T04:00:00Z'];
    const got = await latency(t, siteId, { from: days[0]!, to: days[3]!, step: 86_400, tz: 'America/New_York' });
    expect(got).toEqual(counted(checks, days));
    expect(got.map(([, n]) => n)).toEqual([96, 92, 96]);
    const twoDays = await latency(t, siteId, { from: days[0]!, to: days[3]!, step: 2 * 86_400, tz: 'America/New_York' });
    // The last bucket cut at `to`.
    expect(twoDays).toEqual(counted(checks, ['2026-03-07T05:00:00Z', '2026-03-09T04:00:00Z', days[3]!]));
  });

  it('Europe/London: the fall-back day (25 October 2026) has 25 hours', async ({ app: t, clock }) => {
    clock.set(Date.parse('2026-10-28T00:00:00Z'));
    const { siteId, checks } = await siteChecked(t, '2026-10-23T00:00:00Z', '2026-10-27T00:00:00Z');
    // 24 and 25 October start at 23:00Z (BST); 26 October at 00:00Z (GMT).
    const days = ['2026-10-23T23:00:00Z', '2026-10-24T23:00:00Z', '2026-10-26T00:00:00Z'];
    const got = await latency(t, siteId, { from: days[0]!, to: days[2]!, step: 86_400, tz: 'Europe/London' });
    expect(got).toEqual(counted(checks, days));
    expect(got.map(([, n]) => n)).toEqual([96, 100]);
  });

  it('Asia/Kolkata (+05:30): days start at 18:30Z, read from the minute rollups while they hold `from`', async ({ app: t, clock }) => {
    clock.set(Date.parse('2026-06-10T12:00:00Z'));
    const { siteId, checks } = await siteChecked(t, '2026-06-08T12:00:00Z', '2026-06-10T12:00:00Z');
    const got = await latency(t, siteId, { from: '2026-06-08T18:30:00Z', step: 86_400, tz: 'Asia/Kolkata' });
    expect(got).toEqual(counted(checks, ['2026-06-08T18:30:00Z', '2026-06-09T18:30:00Z', '2026-06-10T12:00:00Z']));
    expect(got.map(([, n]) => n)).toEqual([96, 70]);
  });

  it('Asia/Kolkata past the minute rollups: each hourly rollup counts in the local day it starts in', async ({ app: t, clock }) => {
    clock.set(Date.parse('2026-06-20T00:00:00Z'));
    const { siteId, checks } = await siteChecked(t, '2026-06-08T00:00:00Z', '2026-06-11T00:00:00Z');
    const got = await latency(t, siteId, { from: '2026-06-08T18:30:00Z', to: '2026-06-10T18:30:00Z', step: 86_400, tz: 'Asia/Kolkata' });
    // The hour 18:00–19:00Z starts before 18:30Z: its checks count in the day before (as if days began at 18:00Z).
    expect(got).toEqual([
      ['2026-06-08T18:30:00.000Z', counted(checks, ['2026-06-08T19:00:00Z', '2026-06-09T19:00:00Z'])[0]![1]],
      ['2026-06-09T18:30:00.000Z', counted(checks, ['2026-06-09T19:00:00Z', '2026-06-10T19:00:00Z'])[0]![1]],
    ]);
  });

  it('Australia/Lord_Howe: the spring-forward day (4 October 2026) moves 30 minutes and has 23.5 hours', async ({ app: t, clock }) => {
    clock.set(Date.parse('2026-10-05T12:00:00Z'));
    const { siteId, checks } = await siteChecked(t, '2026-10-03T12:00:00Z', '2026-10-05T12:00:00Z');
    // Midnight at +10:30 is 13:30Z the day before; at +11:00, 13:00Z.
    const got = await latency(t, siteId, { from: '2026-10-03T13:30:00Z', step: 86_400, tz: 'Australia/Lord_Howe' });
    expect(got).toEqual(counted(checks, ['2026-10-03T13:30:00Z', '2026-10-04T13:00:00Z', '2026-10-05T12:00:00Z']));
    expect(got.map(([, n]) => n)).toEqual([94, 92]);
  });

  it('refuses an unknown time zone as dailyUptime does, with BAD_USER_INPUT', async ({ app: t, clock, viewer }) => {
    const { siteId } = await siteChecked(t, new Date(clock.nowMs() - HOUR).toISOString(), new Date(clock.nowMs()).toISOString());
    const res = await viewer.request(LATENCY, {
      id: globalId('Site', siteId),
      from: new Date(clock.nowMs() - DAY).toISOString(),
      step: 86_400,
      tz: 'Mars/Olympus',
    });
    expect(res.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', 'latency: unknown IANA time zone "Mars/Olympus"']]);
  });
});
