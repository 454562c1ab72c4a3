import { readFileSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { SiteStatus } from '../../src/generated/prisma/client.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { ValidationError } from '../../src/services/errors.ts';
import { createMaintenanceService } from '../../src/services/maintenance.ts';
import { createSiteService } from '../../src/services/sites.ts';
import { seededRandom } from '../helpers/random.ts';
import { startReceiver } from '../helpers/receiver.ts';
import type { HttpTarget } from '../helpers/targets.ts';
import { engineHarness, httpTarget, received, type EngineHarness } from './harness.ts';

/**
 * A model-based test of the engine's state machine under interleavings: random sequences of target flips, pauses,
 * edits, deletes, moves between groups (nesting refused), maintenance windows (one-off, some of 40 days, and hourly),
 * restarts, clock advances and suspends past Node's 2^31-1 ms timer clamp drive a real engine on a real SQLite file
 * with real loopback targets and a real webhook receiver; after each step the invariants of the spec are checked
 * against a small model of it. A monotonic advance past the clamp would run every group tens of thousands of times, so
 * the clamp is crossed by suspends (the wall clock jumps) and by window boundaries that far ahead. MODEL_RUNS,
 * MODEL_SEED and MODEL_STEPS widen or pin the search; a failure prints its seed and steps, which MODEL_PLAN replays.
 */

const HOUR = 3_600_000;
const RECURRING_MINUTES = 10;
const CLAMP_MS = 2 ** 31 - 1;

interface ModelSite {
  id: number;
  group: boolean;
  paused: boolean;
  parentId: number | null;
  target: number;
}

interface ModelWindow {
  id: number;
  siteId: number | null;
  startMs: number;
  endMs: number;
  recurring: boolean;
}

type Step =
  | { op: 'flip'; target: number }
  | { op: 'pause'; site: number; paused: boolean }
  | { op: 'edit'; site: number; interval: number; maxRetries: number; target: number }
  | { op: 'delete'; site: number }
  | { op: 'create'; group: boolean; parent: number | null; target: number; maxRetries: number }
  | { op: 'move'; site: number; parent: number | null }
  | { op: 'nest'; group: number; parent: number }
  | { op: 'window'; siteId: number | null; minutes: number | null; recurring: boolean }
  | { op: 'endWindow'; window: number }
  | { op: 'restart' }
  | { op: 'advance'; ms: number }
  | { op: 'suspend'; ms: number };

const RANK: Record<SiteStatus, number> = { UP: 0, PENDING: 1, LATE: 2, STALE: 3, DOWN: 4, SSL_EXPIRED: 4 };
const broken = (s: SiteStatus) => s === 'DOWN' || s === 'SSL_EXPIRED';

class World {
  readonly sites = new Map<number, ModelSite>();
  readonly deleted = new Set<number>();
  readonly windows: ModelWindow[] = [];
  readonly trace: string[] = [];
  /** Alerts already checked against the silence that held when they were sent. */
  seenAlerts = 0;

  constructor(
    readonly h: EngineHarness,
    readonly deps: ServiceDeps,
    readonly targets: HttpTarget[],
    readonly up: boolean[],
    readonly channel: number,
    readonly receiver: Awaited<ReturnType<typeof startReceiver>>,
  ) {}

  get siteService() {
    return createSiteService(this.deps);
  }

  get maintenance() {
    return createMaintenanceService(this.deps);
  }

  windowActive(w: ModelWindow, t: number): boolean {
    if (t < w.startMs || t >= w.endMs) return false;
    return !w.recurring || t % HOUR < RECURRING_MINUTES * 60_000;
  }

  /** The spec: a global window, one on the site, or one on its group. */
  covered(site: ModelSite, t: number): boolean {
    return this.windows.some(
      (w) => this.windowActive(w, t) && (w.siteId === null || w.siteId === site.id || (site.parentId !== null && w.siteId === site.parentId)),
    );
  }

  silenced(site: ModelSite, t: number): boolean {
    return site.paused || this.covered(site, t);
  }
}

function randomStep(rand: () => number, world: World): Step {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const ids = [...world.sites.keys()];
  const groups = [...world.sites.values()].filter((s) => s.group).map((s) => s.id);
  const r = rand();
  if (r < 0.2 || ids.length === 0) return { op: 'flip', target: Math.floor(rand() * world.targets.length) };
  if (r < 0.3) return { op: 'pause', site: pick(ids), paused: rand() < 0.5 };
  if (r < 0.38)
    return { op: 'edit', site: pick(ids), interval: pick([30, 60, 120]), maxRetries: pick([0, 1, 2]), target: Math.floor(rand() * world.targets.length) };
  if (r < 0.42) return { op: 'delete', site: pick(ids) };
  if (r < 0.48)
    return {
      op: 'create',
      group: rand() < 0.3,
      parent: groups.length && rand() < 0.6 ? pick(groups) : null,
      target: Math.floor(rand() * world.targets.length),
      maxRetries: pick([0, 1]),
    };
  if (r < 0.56) return { op: 'move', site: pick(ids), parent: groups.length && rand() < 0.6 ? pick(groups) : null };
  if (r < 0.58 && groups.length >= 2) return { op: 'nest', group: groups[0]!, parent: groups[1]! };
  if (r < 0.66) {
    return {
      op: 'window',
      siteId: rand() < 0.25 ? null : pick(ids),
      minutes: rand() < 0.15 ? null : pick([2, 15, 90, 600, 60 * 24 * 40]),
      recurring: rand() < 0.3,
    };
  }
  if (r < 0.7 && world.windows.length) return { op: 'endWindow', window: pick(world.windows).id };
  if (r < 0.74) return { op: 'restart' };
  if (r < 0.77) return { op: 'suspend', ms: CLAMP_MS + Math.floor(rand() * 3 * 86_400_000) };
  return { op: 'advance', ms: pick([1_000, 15_000, 45_000, 61_000, 130_000, 600_000, HOUR]) };
}

async function apply(world: World, step: Step): Promise<void> {
  const { h } = world;
  const nowMs = h.clock.nowMs();
  switch (step.op) {
    case 'flip': {
      world.up[step.target] = !world.up[step.target];
      world.targets[step.target]!.reply({ status: world.up[step.target] ? 200 : 503 });
      return;
    }
    case 'pause': {
      await world.siteService.setPaused(step.site, step.paused);
      world.sites.get(step.site)!.paused = step.paused;
      return;
    }
    case 'edit': {
      const site = world.sites.get(step.site)!;
      const input = site.group
        ? { interval: step.interval }
        : { interval: step.interval, maxRetries: step.maxRetries, url: `${world.targets[step.target]!.url}t${step.target}` };
      await world.siteService.update(step.site, input);
      if (!site.group) site.target = step.target;
      return;
    }
    case 'delete': {
      await world.siteService.remove(step.site);
      world.sites.delete(step.site);
      world.deleted.add(step.site);
      for (const s of world.sites.values()) if (s.parentId === step.site) s.parentId = null;
      // A site's windows go with it (ON DELETE CASCADE).
      for (let i = world.windows.length - 1; i >= 0; i--) if (world.windows[i]!.siteId === step.site) world.windows.splice(i, 1);
      return;
    }
    case 'create': {
      const site = await world.siteService.create(
        step.group
          ? { name: `g${world.trace.length}`, type: 'GROUP', interval: 60, alertChannelIds: [world.channel] }
          : {
              name: `s${world.trace.length}`,
              type: 'HTTP',
              url: `${world.targets[step.target]!.url}t${step.target}`,
              interval: 60,
              maxRetries: step.maxRetries,
              parentId: step.parent,
              alertChannelIds: [world.channel],
            },
      );
      world.sites.set(site.id, { id: site.id, group: step.group, paused: false, parentId: step.group ? null : step.parent, target: step.target });
      return;
    }
    case 'move': {
      const site = world.sites.get(step.site)!;
      if (site.group || step.parent === step.site) {
        await expect(world.siteService.update(step.site, { parentId: step.parent ?? step.site })).rejects.toBeInstanceOf(ValidationError);
        return;
      }
      await world.siteService.update(step.site, { parentId: step.parent });
      site.parentId = step.parent;
      return;
    }
    case 'nest': {
      await expect(world.siteService.update(step.group, { parentId: step.parent })).rejects.toBeInstanceOf(ValidationError);
      return;
    }
    case 'window': {
      const endsAt = step.recurring
        ? step.minutes === null
          ? null
          : new Date(nowMs + step.minutes * 60_000 * 10)
        : step.minutes === null
          ? null
          : new Date(nowMs + step.minutes * 60_000);
      const w = await world.maintenance.create(
        {
          title: 'w',
          siteId: step.siteId,
          endsAt,
          ...(step.recurring && { recurrence: '0 * * * *', durationMinutes: RECURRING_MINUTES, timezone: 'UTC' }),
        },
        'model',
      );
      world.windows.push({ id: w.id, siteId: step.siteId, startMs: w.startsAt.getTime(), endMs: endsAt?.getTime() ?? Infinity, recurring: step.recurring });
      return;
    }
    case 'endWindow': {
      const w = world.windows.find((x) => x.id === step.window)!;
      if (w.endMs <= nowMs) {
        await expect(world.maintenance.end(step.window)).rejects.toThrow();
        return;
      }
      const ended = await world.maintenance.end(step.window);
      w.endMs = ended.endsAt!.getTime();
      return;
    }
    case 'restart': {
      await h.settle();
      const before = snapshot(world);
      await h.restart();
      expect(snapshot(world), 'the state restored after a restart is the state the engine had').toEqual(before);
      return;
    }
    case 'advance': {
      // In pieces no longer than an interval, so each site is checked as time passes.
      for (let left = step.ms; left > 0; left -= 30_000) await h.tick(Math.min(left, 30_000));
      return;
    }
    case 'suspend': {
      // The machine slept past Node's longest timer: the wall clock jumped, the timers did not run meanwhile. The engine
      // notices at its next run (WallJumps), so the model looks once every site has run again.
      h.clock.set(nowMs + step.ms);
      for (let left = 150_000; left > 0; left -= 30_000) await h.tick(30_000);
      return;
    }
  }
}

function snapshot(world: World) {
  const out: Record<number, unknown> = {};
  for (const id of world.sites.keys()) {
    const s = world.h.engine.getState(id);
    out[id] = s && {
      status: s.status,
      failureCount: s.failureCount,
      lastAlertAt: s.lastAlertAt?.getTime() ?? null,
      statusChangedAt: s.statusChangedAt?.getTime() ?? null,
      lastCheckAt: s.lastCheckAt?.getTime() ?? null,
    };
  }
  return out;
}

type Alert = ReturnType<typeof received>[number];

async function checkInvariants(world: World): Promise<void> {
  const { h } = world;
  await h.settle();
  const nowMs = h.clock.nowMs();
  const alerts = received(world.receiver, 'ops');
  const bySite = new Map<number, Alert[]>();
  for (const a of alerts) {
    const id = a.site!.id;
    if (!bySite.has(id)) bySite.set(id, []);
    bySite.get(id)!.push(a);
  }

  // Alerts of this step: none for a deleted site, none while the site was paused or in maintenance when it was sent.
  for (const a of alerts.slice(world.seenAlerts)) {
    const id = a.site!.id;
    expect(world.deleted.has(id) && !world.sites.has(id), `alert ${a.event} for deleted site ${id}`).toBe(false);
    const site = world.sites.get(id);
    if (site) expect(world.silenced(site, Date.parse(a.timestamp)), `alert ${a.event} for site ${id} while silenced: ${a.message}`).toBe(false);
  }
  world.seenAlerts = alerts.length;

  for (const site of world.sites.values()) {
    const state = h.engine.getState(site.id);
    expect(state, `site ${site.id} is in the engine`).toBeDefined();
    const events = (bySite.get(site.id) ?? []).map((a) => a.event);
    // Each outage told once, each recovery once, in turn.
    events.forEach((e, i) => expect(e, `alerts of site ${site.id} alternate: ${events.join(',')}`).toBe(i % 2 === 0 ? 'down' : 'up'));
    // Once nothing silences it, what was told last is what the site is.
    if (!world.silenced(site, nowMs)) {
      const toldDown = events.at(-1) === 'down';
      expect(toldDown, `site ${site.id} is ${state!.status}, last alert ${events.at(-1) ?? 'none'}`).toBe(broken(state!.status));
    }
    expect(h.engine.isInMaintenance(site.id), `maintenance of site ${site.id}`).toBe(world.covered(site, nowMs));

    if (site.group && !site.paused) {
      const kids = [...world.sites.values()].filter((c) => c.parentId === site.id && !c.group);
      let expected: SiteStatus = kids.length ? 'UP' : 'PENDING';
      for (const c of kids) {
        if (c.paused || world.covered(c, nowMs)) continue;
        const s = h.engine.getState(c.id)!.status;
        if (RANK[s] > RANK[expected]) expected = broken(s) ? 'DOWN' : s;
      }
      expect(state!.status, `group ${site.id} derived from its children`).toBe(expected);
    }
  }

  const jobs = (h.engine as unknown as { loop: { jobs: Map<number, unknown> } }).loop.jobs;
  for (const id of world.deleted) expect(jobs.has(id), `job left for deleted site ${id}`).toBe(false);
  for (const site of world.sites.values()) if (site.paused) expect(jobs.has(site.id), `job left for paused site ${site.id}`).toBe(false);

  // History: checks and state changes in time order; each state change starts where the previous one ended.
  for (const site of world.sites.values()) {
    const checks = await h.db.check.findMany({ where: { siteId: site.id }, orderBy: { id: 'asc' }, select: { checkedAt: true } });
    for (let i = 1; i < checks.length; i++) {
      expect(checks[i]!.checkedAt.getTime(), `checks of site ${site.id} in time order`).toBeGreaterThanOrEqual(checks[i - 1]!.checkedAt.getTime());
    }
    const changes = await h.db.stateChange.findMany({ where: { siteId: site.id }, orderBy: { id: 'asc' } });
    for (let i = 1; i < changes.length; i++) {
      expect(changes[i]!.fromStatus, `state changes of site ${site.id} chain`).toBe(changes[i - 1]!.toStatus);
      expect(changes[i]!.changedAt.getTime()).toBeGreaterThanOrEqual(changes[i - 1]!.changedAt.getTime());
    }
    if (changes.length) expect(changes.at(-1)!.toStatus, `last state change of site ${site.id} is its status`).toBe(h.engine.getState(site.id)!.status);
  }
}

async function runModel(seed: number, steps: number, fixed?: Step[]): Promise<void> {
  const rand = seededRandom(seed);
  const targets = [await httpTarget(), await httpTarget()];
  const receiver = await startReceiver();
  const h = await engineHarness({ random: rand });
  const channel = await h.createWebhook(receiver, 'ops', []);
  await h.engine.alertChannelsChanged();
  const deps = {
    db: h.db,
    writer: h.writer,
    clock: h.clock,
    config: h.config,
    logger: pino({ level: 'silent' }),
    secretBox: h.secretBox,
    get engine() {
      return h.engine;
    },
  } as ServiceDeps;
  const world = new World(h, deps, targets, [true, true], channel, receiver);
  const plan = fixed ?? [
    { op: 'create', group: true, parent: null, target: 0, maxRetries: 0 } as Step,
    { op: 'create', group: false, parent: null, target: 0, maxRetries: 0 } as Step,
  ];
  const total = fixed ? fixed.length : steps;
  for (let i = 0; i < total; i++) {
    const step = plan[i] ?? randomStep(rand, world);
    // A step whose site is gone since it was drawn is drawn again (shrunk sequences keep their ids).
    if ('site' in step && !world.sites.has(step.site)) continue;
    world.trace.push(JSON.stringify(step));
    try {
      await apply(world, step);
      await checkInvariants(world);
    } catch (err) {
      (err as Error).message = `seed ${seed}, steps:\n${world.trace.join('\n')}\n${(err as Error).message}`;
      throw err;
    }
  }
}

describe('the engine against a model of the spec, under random interleavings', () => {
  const runs = Number(process.env.MODEL_RUNS ?? 6);
  const first = Number(process.env.MODEL_SEED ?? 1);
  for (let seed = first; seed < first + runs; seed++) {
    it(`seed ${seed}`, () => runModel(seed, Number(process.env.MODEL_STEPS ?? 40)), 120_000);
  }
});

// Replays a failure's steps (one JSON step a line, as a failure prints them) while shrinking it by hand.
describe.runIf(process.env.MODEL_PLAN)('a recorded sequence', () => {
  it('replays', async () => {
    const plan = readFileSync(process.env.MODEL_PLAN!, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Step);
    await runModel(1, plan.length, plan);
  }, 120_000);
});
