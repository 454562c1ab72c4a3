import { FakeClock } from '../../src/clock.ts';
import { graphql } from '../gql/index.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { globalId, parseGlobalId } from '../helpers/ids.ts';
import { createSite } from '../helpers/sites.ts';

const CreateWindow = graphql(`
  mutation WindowCreate($input: CreateMaintenanceWindowInput!) {
    createMaintenanceWindow(input: $input) {
      __typename
      ... on MaintenanceWindowPayload {
        maintenanceWindow { id title description type site { id } startsAt endsAt active recurrence durationMinutes timezone createdBy }
      }
      ... on ValidationError { field message }
    }
  }
`);

const UpdateWindow = graphql(`
  mutation WindowUpdate($input: UpdateMaintenanceWindowInput!) {
    updateMaintenanceWindow(input: $input) {
      __typename
      ... on MaintenanceWindowPayload {
        maintenanceWindow { id title description type site { id } startsAt endsAt active recurrence durationMinutes timezone }
      }
      ... on ValidationError { field message }
      ... on Error { message }
    }
  }
`);

const EndWindow = graphql(`
  mutation WindowEnd($input: IdInput!) {
    endMaintenanceWindow(input: $input) {
      __typename
      ... on MaintenanceWindowPayload { maintenanceWindow { id endsAt active } }
      ... on Error { message }
    }
  }
`);

const DeleteWindow = graphql(`
  mutation WindowDelete($input: DeleteInput!) {
    deleteMaintenanceWindow(input: $input) {
      __typename
      ... on DeletePayload { deletedId }
      ... on Error { message }
    }
  }
`);

const Windows = graphql(`
  query WindowList($active: Boolean, $first: Int, $after: String) {
    maintenanceWindows(active: $active, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id title active } }
    }
  }
`);

const WindowAndSite = graphql(`
  query WindowAndSiteState($window: ID!, $site: ID!) {
    node(id: $window) { ... on MaintenanceWindow { active } }
    site(id: $site) { inMaintenance }
  }
`);

const SiteMaintenance = graphql(`
  query WindowSiteState($id: ID!) { site(id: $id) { inMaintenance displayStatus } }
`);

function windowOf(result: { __typename: string }) {
  if (result.__typename !== 'MaintenanceWindowPayload') throw new Error(JSON.stringify(result));
  return (result as unknown as { maintenanceWindow: { id: string; active: boolean; startsAt: string; endsAt: string | null } }).maintenanceWindow;
}

describe('maintenance windows', () => {
  describe('on 4 May 2026 at 10:00 UTC', () => {
    it.override('clock', () => new FakeClock(Date.UTC(2026, 4, 4, 10)));

    it('creates a one-off window that starts now, covers its site, and can be ended and deleted', async ({ app: t, clock, editor, viewer }) => {
      const { id: siteId } = await createSite(t, { name: 'db', type: 'PUSH' });

      const created = await editor.request(CreateWindow, { input: { title: 'db upgrade', siteId } });
      expect(created.ok().createMaintenanceWindow).toMatchObject({
        __typename: 'MaintenanceWindowPayload',
        maintenanceWindow: {
          title: 'db upgrade',
          description: '',
          type: 'MAINTENANCE',
          site: { id: siteId },
          startsAt: clock.now().toISOString(),
          endsAt: null,
          active: true,
          recurrence: null,
          createdBy: 'editor',
        },
      });
      const w = windowOf(created.ok().createMaintenanceWindow);
      expect((await viewer.request(SiteMaintenance, { id: siteId })).ok().site).toEqual({ inMaintenance: true, displayStatus: 'MAINTENANCE' });

      clock.advance(60_000);
      const ended = await editor.request(EndWindow, { input: { id: w.id } });
      expect(ended.ok().endMaintenanceWindow).toEqual({
        __typename: 'MaintenanceWindowPayload',
        maintenanceWindow: { id: w.id, endsAt: clock.now().toISOString(), active: false },
      });
      expect((await viewer.request(SiteMaintenance, { id: siteId })).ok().site!.inMaintenance).toBe(false);
      const twice = await editor.request(EndWindow, { input: { id: w.id } });
      expect(twice.ok().endMaintenanceWindow.__typename).toBe('ConflictError');

      const deleted = await editor.request(DeleteWindow, { input: { id: w.id } });
      expect(deleted.ok().deleteMaintenanceWindow).toEqual({ __typename: 'DeletePayload', deletedId: w.id });
      expect((await editor.request(DeleteWindow, { input: { id: w.id } })).ok().deleteMaintenanceWindow.__typename).toBe('NotFoundError');
    });
  });

  describe('on 4 May 2026 at 10:00 UTC, edited', () => {
    it.override('clock', () => new FakeClock(Date.UTC(2026, 4, 4, 10)));

    it('edits a window: the fields given change, the rest stay, and it takes effect on its monitors at once', async ({ app: t, editor, viewer }) => {
      const { id: siteId } = await createSite(t, { name: 'db', type: 'PUSH' });
      const created = await editor.request(CreateWindow, { input: { title: 'db upgrade', description: 'v16', startsAt: '2026-05-05T10:00:00Z' } });
      const { id } = windowOf(created.ok().createMaintenanceWindow);
      expect((await viewer.request(SiteMaintenance, { id: siteId })).ok().site!.inMaintenance).toBe(false);

      const moved = await editor.request(UpdateWindow, { input: { id, title: 'db upgrade, part 1', siteId, startsAt: '2026-05-04T09:00:00Z' } });
      expect(moved.ok().updateMaintenanceWindow).toEqual({
        __typename: 'MaintenanceWindowPayload',
        maintenanceWindow: {
          id,
          title: 'db upgrade, part 1',
          description: 'v16',
          type: 'MAINTENANCE',
          site: { id: siteId },
          startsAt: '2026-05-04T09:00:00.000Z',
          endsAt: null,
          active: true,
          recurrence: null,
          durationMinutes: null,
          timezone: null,
        },
      });
      expect((await viewer.request(SiteMaintenance, { id: siteId })).ok().site!.inMaintenance).toBe(true);

      // Made recurring (its timezone defaulting to UTC), then one-off again: what only a recurring window has goes with it.
      const weekly = await editor.request(UpdateWindow, { input: { id, recurrence: '0 3 * * 0', durationMinutes: 60, siteId: null } });
      expect(weekly.ok().updateMaintenanceWindow).toMatchObject({
        maintenanceWindow: { site: null, recurrence: '0 3 * * 0', durationMinutes: 60, timezone: 'UTC' },
      });
      const once = await editor.request(UpdateWindow, { input: { id, recurrence: null, endsAt: '2026-05-04T12:00:00Z' } });
      expect(once.ok().updateMaintenanceWindow).toMatchObject({
        maintenanceWindow: { recurrence: null, durationMinutes: null, timezone: null, endsAt: '2026-05-04T12:00:00.000Z', active: true },
      });
    });

    it('refuses a bad edit naming the field, as a new window would be refused, and changes nothing', async ({ app: t, editor }) => {
      const created = await editor.request(CreateWindow, { input: { title: 'db upgrade', startsAt: '2026-05-05T10:00:00Z', endsAt: '2026-05-05T11:00:00Z' } });
      const { id } = windowOf(created.ok().createMaintenanceWindow);
      const stored = () => t.app.deps.db.maintenanceWindow.findUniqueOrThrow({ where: { id: Number(parseGlobalId(id).id) } });
      const before = await stored();
      const cases: [Record<string, unknown>, string][] = [
        [{ title: '' }, 'title'],
        [{ title: null }, 'title'],
        [{ startsAt: null }, 'startsAt'],
        [{ endsAt: '2026-05-05T09:00:00Z' }, 'endsAt'],
        [{ startsAt: '2026-05-05T12:00:00Z' }, 'endsAt'],
        [{ siteId: globalId('Site', 5) }, 'siteId'],
        [{ recurrence: '0 2 * * *' }, 'durationMinutes'],
        [{ durationMinutes: 30 }, 'durationMinutes'],
      ];
      for (const [input, field] of cases) {
        const res = await editor.request(UpdateWindow, { input: { id, ...input } as never });
        expect(res.ok().updateMaintenanceWindow, JSON.stringify(input)).toMatchObject({ __typename: 'ValidationError', field });
      }
      expect(await stored()).toEqual(before);
      const gone = await editor.request(UpdateWindow, { input: { id: globalId('MaintenanceWindow', 999), title: 'x' } });
      expect(gone.ok().updateMaintenanceWindow).toEqual({ __typename: 'NotFoundError', message: expect.stringContaining('MaintenanceWindow') });
    });
  });

  it('an INCIDENT window is active but does not put monitors in maintenance', async ({ app: t, editor, viewer }) => {
    const { id: siteId } = await createSite(t, { name: 'web', type: 'PUSH' });
    const created = await editor.request(CreateWindow, { input: { title: 'outage at provider', type: 'INCIDENT' } });
    expect(windowOf(created.ok().createMaintenanceWindow).active).toBe(true);
    expect((await viewer.request(SiteMaintenance, { id: siteId })).ok().site!.inMaintenance).toBe(false);
  });

  describe('on 1 July 2026 at 00:30 UTC', () => {
    it.override('clock', () => new FakeClock(Date.UTC(2026, 6, 1, 0, 30)));

    it('a recurring window is active during each occurrence, in its timezone', async ({ clock, editor, viewer }) => {
      // 2026-07-01 00:30 UTC is 02:30 in Berlin (summer time).
      const created = await editor.request(CreateWindow, {
        input: { title: 'nightly backup', recurrence: '0 2 * * *', durationMinutes: 60, timezone: 'Europe/Berlin', startsAt: '2026-06-01T00:00:00Z' },
      });
      expect(created.ok().createMaintenanceWindow).toMatchObject({
        maintenanceWindow: { recurrence: '0 2 * * *', durationMinutes: 60, timezone: 'Europe/Berlin', active: true, endsAt: null },
      });
      // The wall clock alone: advancing every timer by a day fired each renewal of the PostgreSQL run's cluster, some
      // 6,000 rounds queued at once, which outlasted the hook's 30 s on a busy machine.
      clock.set(clock.nowMs() + 45 * 60_000);
      const after = await viewer.request(Windows, { active: true });
      expect(after.ok().maintenanceWindows.totalCount).toBe(0);
      clock.set(clock.nowMs() + 23 * 3600_000);
      const next = await viewer.request(Windows, { active: true });
      expect(next.ok().maintenanceWindows.edges.map((e) => e.node.title)).toEqual(['nightly backup']);
    });
  });

  describe('on 10 January 2026', () => {
    it.override('clock', () => new FakeClock(Date.UTC(2026, 0, 10)));

    it('filters by active, pages newest first, and refuses bad input naming the field', async ({ app: t, clock, editor, viewer }) => {
      const now = clock.nowMs();
      const iso = (ms: number) => new Date(now + ms).toISOString();
      for (const [title, startsAt, endsAt] of [
        ['past', iso(-7200_000), iso(-3600_000)],
        ['current', iso(-60_000), iso(3600_000)],
        ['future', iso(3600_000), null],
      ] as const) {
        const res = await editor.request(CreateWindow, { input: { title, startsAt, endsAt } });
        expect(res.ok().createMaintenanceWindow.__typename).toBe('MaintenanceWindowPayload');
      }
      const all = await viewer.request(Windows, { first: 2 });
      expect(all.ok().maintenanceWindows.totalCount).toBe(3);
      expect(all.ok().maintenanceWindows.edges.map((e) => e.node.title)).toEqual(['future', 'current']);
      const rest = await viewer.request(Windows, { first: 2, after: all.ok().maintenanceWindows.pageInfo.endCursor });
      expect(rest.ok().maintenanceWindows.edges.map((e) => e.node.title)).toEqual(['past']);
      const active = await viewer.request(Windows, { active: true });
      expect(active.ok().maintenanceWindows.edges.map((e) => [e.node.title, e.node.active])).toEqual([['current', true]]);
      const inactive = await viewer.request(Windows, { active: false });
      expect(inactive.ok().maintenanceWindows.edges.map((e) => e.node.title)).toEqual(['future', 'past']);

      const before = await t.app.deps.db.maintenanceWindow.count();
      const cases: [Record<string, unknown>, string][] = [
        [{ title: '' }, 'title'],
        [{ title: 'x', startsAt: iso(0), endsAt: iso(-1000) }, 'endsAt'],
        [{ title: 'x', siteId: globalId('Site', 5) }, 'siteId'],
        [{ title: 'x', siteId: 'garbage' }, 'siteId'],
        [{ title: 'x', recurrence: 'every day', durationMinutes: 30 }, 'recurrence'],
        [{ title: 'x', recurrence: '0 2 * * *' }, 'durationMinutes'],
        [{ title: 'x', recurrence: '0 2 * * *', durationMinutes: 0 }, 'durationMinutes'],
        [{ title: 'x', recurrence: '0 2 * * *', durationMinutes: 30, timezone: 'Mars/Olympus' }, 'timezone'],
        [{ title: 'x', durationMinutes: 30 }, 'durationMinutes'],
      ];
      for (const [input, field] of cases) {
        const res = await editor.request(CreateWindow, { input: input as never });
        expect(res.ok().createMaintenanceWindow, JSON.stringify(input)).toMatchObject({ __typename: 'ValidationError', field });
      }
      expect(await t.app.deps.db.maintenanceWindow.count()).toBe(before);
    });
  });

  it('refuses a time past the year 9999 in UTC, however its offset writes it, and writes nothing', async ({ app: t, editor }) => {
    // "Never ends", written in New York time: the year 10000 in UTC, which Prisma failed to write ("Unexpected error.").
    for (const endsAt of ['9999-12-31T23:59:59-05:00', '9999-12-31T23:59:59.999-00:01']) {
      const res = await editor.request(CreateWindow, { input: { title: 'forever', endsAt } });
      expect(res.data ?? null, endsAt).toBeNull();
      expect(res.errors?.[0]?.message, endsAt).toContain('DateTime must be between 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in UTC');
    }
    expect(await t.app.deps.db.maintenanceWindow.count()).toBe(0);
    const res = await editor.request(CreateWindow, { input: { title: 'forever', endsAt: '9999-12-31T23:59:59Z' } });
    expect(windowOf(res.ok().createMaintenanceWindow)).toMatchObject({ endsAt: '9999-12-31T23:59:59.000Z', active: true });
  });

  it('refuses a recurrence firing more than once a minute, naming the field, and writes nothing', async ({ app: t, editor }) => {
    for (const recurrence of ['* * * * * *', '*/30 * * * * *', '0,30 * * * * *']) {
      const res = await editor.request(CreateWindow, { input: { title: 'x', recurrence, durationMinutes: 7 * 24 * 60 } });
      expect(res.ok().createMaintenanceWindow, recurrence).toEqual({
        __typename: 'ValidationError',
        field: 'recurrence',
        message: expect.stringContaining('fires more than once a minute'),
      });
    }
    expect(await t.app.deps.db.maintenanceWindow.count()).toBe(0);
    const everyMinute = await editor.request(CreateWindow, { input: { title: 'x', recurrence: '0 * * * * *', durationMinutes: 1 } });
    expect(everyMinute.ok().createMaintenanceWindow.__typename).toBe('MaintenanceWindowPayload');
  });

  describe('from 2026-10-24T23:00Z with a daily reconcile', () => {
    it.override('clock', () => new FakeClock(Date.parse('2026-10-24T23:00:00Z')));
    it.override({ appOptions: { env: { UPTOP_RECONCILE_INTERVAL: '1d' } } });

    it('answers `active` as the engine does through the DST fall-back day: one occurrence, at the first 02:30', async ({ app: t, clock, editor, viewer }) => {
      // 25 October 2026, Europe/Berlin: 02:30 CEST is 00:30 UTC; clocks go back at 03:00 CEST; 02:30 CET (01:30 UTC)
      // starts nothing, as cron runs a fixed-time job once.
      const { id: siteId } = await createSite(t, { name: 'db', type: 'PUSH' });
      const created = await editor.request(CreateWindow, {
        input: { title: 'nightly', recurrence: '30 2 * * *', durationMinutes: 20, timezone: 'Europe/Berlin', startsAt: '2026-10-01T00:00:00Z' },
      });
      const w = windowOf(created.ok().createMaintenanceWindow);
      const seen: [string, boolean, boolean][] = [];
      for (const at of ['00:29', '00:30', '00:49', '00:50', '01:00', '01:29', '01:30', '01:49', '01:50', '02:30']) {
        clock.advance(Date.parse(`2026-10-25T${at}:00Z`) - clock.nowMs());
        const res = await viewer.request(WindowAndSite, { window: w.id, site: siteId });
        seen.push([at, (res.ok().node as { active: boolean }).active, res.ok().site!.inMaintenance]);
      }
      expect(seen).toEqual([
        ['00:29', false, false],
        ['00:30', true, true],
        ['00:49', true, true],
        ['00:50', false, false],
        ['01:00', false, false],
        ['01:29', false, false],
        ['01:30', false, false],
        ['01:49', false, false],
        ['01:50', false, false],
        ['02:30', false, false],
      ]);
    });
  });
});
