import { SITES_READ_PER_STEP } from '../../src/status/board.ts';
import { SITES_RENDERED_PER_STEP } from '../../src/status/page.ts';
import { SITES_WRITTEN_PER_STEP } from '../../src/status/status-json.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { recordTurns } from '../helpers/turns.ts';
import { STATUS_ENV } from './support.ts';

/** `count` public push monitors, paused so nothing checks them, loaded by the engine at once; their ids. */
async function addFleet(t: TestApp, count: number): Promise<number[]> {
  const { engine, writeDb } = t.app.deps;
  await engine.reload(async () => {
    await writeDb.site.createMany({ data: Array.from({ length: count }, (_, i) => ({ name: `cron ${i}`, type: 'PUSH' as const, paused: true })) });
  });
  return engine.siteIds().sort((a, b) => a - b);
}

/**
 * The body of `path`, with the steps it took through `turns`. A first request fills the board's caches (the public
 * sites, uptime), so the steps counted are the route's own: the fake clock keeps them fresh.
 */
async function getInSteps(t: TestApp, path: string) {
  expect((await fetch(`${t.url}${path}`)).status).toBe(200);
  const record = recordTurns();
  const text = await fetch(`${t.url}${path}`)
    .then((res) => res.text())
    .finally(record.stop);
  return { text, steps: record.steps(), crowded: record.crowded() };
}

const steps = (sites: number, perStep: number) => Math.ceil(sites / perStep);
const shownIds = (text: string) => [...text.matchAll(/data-site-id="(\d+)"/g)].map((m) => Number(m[1]));

describe('/status of a large fleet', () => {
  it.override({ appOptions: { env: STATUS_ENV } });

  for (const path of ['/status', '/status/live']) {
    it(`${path} reads SITES_READ_PER_STEP and renders SITES_RENDERED_PER_STEP sites per turn of the event loop, every site once`, async ({ app: t }) => {
      const sites = 2 * SITES_RENDERED_PER_STEP + 1;
      const ids = await addFleet(t, sites);
      const { text, steps: taken, crowded } = await getInSteps(t, path);
      expect(taken).toBe(steps(sites, SITES_READ_PER_STEP) + steps(sites, SITES_RENDERED_PER_STEP));
      expect(crowded).toBe(-1);
      expect(shownIds(text).sort((a, b) => a - b)).toEqual(ids);
      expect(text).toContain(
        `<span class="s-up">0/${sites} UP</span><span class="sep" aria-hidden="true"> · </span><span class="s-paused">${sites} PAUSED</span>`,
      );
      expect(text.endsWith(path === '/status' ? '</html>\n' : '</article></div>')).toBe(true);
    });
  }

  it('/status/json reads SITES_READ_PER_STEP and writes SITES_WRITTEN_PER_STEP sites per turn of the event loop, in id order', async ({ app: t }) => {
    const sites = 2 * SITES_READ_PER_STEP + 1;
    const ids = await addFleet(t, sites);
    const { text, steps: taken, crowded } = await getInSteps(t, '/status/json');
    expect(taken).toBe(steps(sites, SITES_READ_PER_STEP) + steps(sites, SITES_WRITTEN_PER_STEP));
    expect(crowded).toBe(-1);
    expect(text.endsWith('}\n')).toBe(true);
    // In the text's own order: JSON.parse would order integer keys whatever the text said.
    expect([...text.matchAll(/"(\d+)":\{"Name"/g)].map((m) => Number(m[1]))).toEqual(ids);
    const body = JSON.parse(text) as Record<string, { Name: string; Paused: boolean }>;
    expect(body[ids[sites - 1]!]).toMatchObject({ Name: `cron ${sites - 1}`, Paused: true });
  });

  it('gives two requests at once their own steps and the same page', async ({ app: t }) => {
    const sites = 2 * SITES_RENDERED_PER_STEP + 1;
    const ids = await addFleet(t, sites);
    const { text: alone } = await getInSteps(t, '/status/live');
    const record = recordTurns();
    const both = await Promise.all([1, 2].map(() => fetch(`${t.url}/status/live`).then((res) => res.text()))).finally(record.stop);
    expect(record.steps()).toBe(2 * (steps(sites, SITES_READ_PER_STEP) + steps(sites, SITES_RENDERED_PER_STEP)));
    expect(record.crowded()).toBe(-1);
    expect(both).toEqual([alone, alone]);
    expect(shownIds(alone)).toHaveLength(ids.length);
  });
});
