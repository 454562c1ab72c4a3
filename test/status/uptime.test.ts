import { describe, expect, it } from 'vitest';
import type { SiteStatus } from '../../src/generated/prisma/client.ts';
import { readUptimes } from '../../src/status/uptime.ts';
import { freshDbFile } from '../helpers/db.ts';

const NOW = new Date(Date.UTC(2026, 5, 1, 12));
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3600_000);

describe('readUptimes', () => {
  it('computes 24 h and 30 d uptime of many sites from their state changes, the one before each window included, from their creation', async () => {
    const db = await freshDbFile().open();
    const changes: Record<string, [from: SiteStatus, to: SiteStatus, hoursAgo: number][]> = {
      // Down from 12 h to 6 h ago: a quarter of the day, 6 of 720 hours.
      blip: [
        ['UP', 'DOWN', 12],
        ['DOWN', 'UP', 6],
      ],
      // Down since 36 h ago until 12 h ago: the day starts DOWN (the change before it decides), 24 of 720 hours.
      overnight: [
        ['UP', 'DOWN', 36],
        ['DOWN', 'UP', 12],
      ],
      // Down since before both windows and still down.
      gone: [['UP', 'DOWN', 40 * 24]],
      // Never changed and UP now.
      steady: [],
      // Created 2 h ago, UP for its first hour: half of the time it existed, whichever window.
      fresh: [['UP', 'DOWN', 1]],
    };
    const createdAt = (name: string) => (name === 'fresh' ? hoursAgo(2) : new Date(0));
    const ids: Record<string, number> = {};
    for (const [name, list] of Object.entries(changes)) {
      const site = await db.site.create({ data: { name, type: 'HTTP', url: 'https://x.example/', createdAt: createdAt(name) } });
      ids[name] = site.id;
      for (const [fromStatus, toStatus, h] of list) await db.stateChange.create({ data: { siteId: site.id, fromStatus, toStatus, changedAt: hoursAgo(h) } });
    }
    const current: Record<string, SiteStatus> = { blip: 'UP', overnight: 'UP', gone: 'DOWN', steady: 'UP', fresh: 'DOWN' };
    const uptimes = await readUptimes(
      db,
      Object.keys(ids).map((name) => ({ id: ids[name]!, status: current[name]!, createdAt: createdAt(name), parentId: null })),
      NOW,
    );
    const round = (n: number) => Math.round(n * 1000) / 1000;
    const byName = Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, uptimes.get(id)]));
    expect(Object.fromEntries(Object.entries(byName).map(([n, u]) => [n, [round(u!.day), round(u!.month)]]))).toEqual({
      blip: [75, round(100 - (6 / 720) * 100)],
      overnight: [50, round(100 - (24 / 720) * 100)],
      gone: [0, 0],
      steady: [100, 100],
      fresh: [50, 50],
    });
  });

  it('leaves maintenance-type windows out, as Site.uptime does: on the site, on its group (public or not), on every site', async () => {
    const db = await freshDbFile().open();
    const group = await db.site.create({ data: { name: 'group', type: 'GROUP', createdAt: new Date(0) } });
    const make = async (name: string, parentId: number | null = null) => {
      const site = await db.site.create({ data: { name, type: 'HTTP', url: 'https://x.example/', parentId, createdAt: new Date(0) } });
      // Down from 12 h to 6 h ago, as `blip` above.
      await db.stateChange.create({ data: { siteId: site.id, fromStatus: 'UP', toStatus: 'DOWN', changedAt: hoursAgo(12) } });
      await db.stateChange.create({ data: { siteId: site.id, fromStatus: 'DOWN', toStatus: 'UP', changedAt: hoursAgo(6) } });
      return site.id;
    };
    const own = await make('own');
    const child = await make('child', group.id);
    const incident = await make('incident');
    const plain = await make('plain');
    const window = (title: string, siteId: number | null, type: 'MAINTENANCE' | 'INCIDENT', from: number, to: number) =>
      db.maintenanceWindow.create({ data: { title, siteId, type, startsAt: hoursAgo(from), endsAt: hoursAgo(to) } });
    // Covers the whole outage.
    await window('patch', own, 'MAINTENANCE', 13, 5);
    await window('group patch', group.id, 'MAINTENANCE', 13, 5);
    // Not maintenance: an incident notice leaves the outage counted.
    await window('outage notice', incident, 'INCIDENT', 13, 5);
    // Every site, the first two hours of the outage.
    await window('everyone', null, 'MAINTENANCE', 12, 10);

    const uptimes = await readUptimes(
      db,
      [own, child, incident, plain].map((id) => ({ id, status: 'UP' as const, createdAt: new Date(0), parentId: id === child ? group.id : null })),
      NOW,
    );
    const round = (n: number) => Math.round(n * 1000) / 1000;
    // 4 of the 6 hours down count against 22 hours of the day left to judge; 4 of 718 of the month.
    const partly = [round((18 / 22) * 100), round(100 - (4 / 718) * 100)];
    expect([own, child, incident, plain].map((id) => [round(uptimes.get(id)!.day), round(uptimes.get(id)!.month)])).toEqual([
      [100, 100],
      [100, 100],
      partly,
      partly,
    ]);
  });
});
