import { addTo, encodeSketch, type Sketch } from '../../src/history/sketch.ts';
import { CHANGES_PER_READ } from '../../src/services/uptime.ts';
import { ROLLUP_LEVELS } from '../../src/writer/rollups.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { globalId } from '../helpers/ids.ts';
import { recordTurns } from '../helpers/turns.ts';
import { LONG_AGO } from '../helpers/sites.ts';

const DAY = 24 * 3600_000;
const DAYS = 730;
const CHANGES = 5000;
const QUERIES = 20;

const BUSY_SITE = /* GraphQL */ `
  query BusySite($id: ID!, $from: DateTime!) {
    site(id: $id) {
      uptime(from: $from) { outageCount }
      latency(from: $from, step: 86400) { count p95 }
    }
  }
`;

describe('requests and long history reads share the event loop', () => {
  it('starts GraphQL requests that arrive together one per turn', async ({ viewer }) => {
    const record = recordTurns();
    const answers = await Promise.all(Array.from({ length: QUERIES }, () => viewer.request<{ __typename: string }>('{ __typename }'))).finally(record.stop);
    expect(answers.map((a) => a.ok().__typename)).toEqual(Array(QUERIES).fill('Query'));
    expect(record.steps()).toBe(QUERIES);
    expect(record.crowded()).toBe(-1);
  });

  it('answers 20 two-year SLA and latency queries of a busy site arriving together one step per turn of the event loop', async ({ app: t, clock, viewer }) => {
    const now = clock.nowMs();
    const firstDay = Math.floor((now - DAYS * DAY) / DAY) * DAY;
    const siteId = await t.app.deps.writer.submit(async (tx) => {
      const site = await tx.site.create({ data: { name: 'busy', type: 'PUSH', paused: true, createdAt: LONG_AGO } });
      // A day rollup a day, each with a few latencies, and the state-change retention limit of flapping.
      await tx.checkRollup.createMany({
        data: Array.from({ length: DAYS }, (_, d) => {
          const sketch: Sketch = {};
          for (const latency of [40, 55, 90 + d]) addTo(sketch, latency);
          return {
            siteId: site.id,
            width: ROLLUP_LEVELS.day,
            start: new Date(firstDay + d * DAY),
            count: 3,
            upCount: 3,
            latencyCount: 3,
            latencySum: 185 + d,
            latencyMin: 40,
            latencyMax: 90 + d,
            sketch: encodeSketch(sketch),
          };
        }),
      });
      await tx.stateChange.createMany({
        data: Array.from({ length: CHANGES }, (_, i) => ({
          siteId: site.id,
          fromStatus: i % 2 ? ('DOWN' as const) : ('UP' as const),
          toStatus: i % 2 ? ('UP' as const) : ('DOWN' as const),
          reason: 'flap',
          changedAt: new Date(firstDay + (i + 0.5) * ((DAYS * DAY) / CHANGES)),
        })),
      });
      return site.id;
    });
    await t.app.deps.engine.siteChanged(siteId);

    const record = recordTurns();
    const variables = { id: globalId('Site', siteId), from: new Date(firstDay).toISOString() };
    const answers = await Promise.all(Array.from({ length: QUERIES }, () => viewer.request<{ site: any }>(BUSY_SITE, variables))).finally(record.stop);

    for (const answer of answers) {
      const { uptime, latency } = answer.ok().site;
      expect(uptime.outageCount).toBe(CHANGES / 2);
      expect(latency).toHaveLength(DAYS + 1);
      expect(latency[DAYS - 1]).toMatchObject({ count: 3 });
    }
    // Not a vacuous order: each query took at least its start, its pages of changes and a few batches of rollups.
    expect(record.steps()).toBeGreaterThanOrEqual(QUERIES * (1 + CHANGES / CHANGES_PER_READ + 2));
    // Never two steps in one turn, whichever queries they belong to: the engine's timers run between any two.
    expect(record.crowded()).toBe(-1);
  });
});
