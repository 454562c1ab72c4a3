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
      Object.keys(ids).map((name) => ({ id: ids[name]!, status: current[name]!, createdAt: createdAt(name) })),
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
});
