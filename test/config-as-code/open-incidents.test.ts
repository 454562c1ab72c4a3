import { applyConfig } from '../../src/config-as-code/index.ts';
import { INSTALLATION_KEY } from '../../src/db/installation.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { startHttpTarget, type HttpTarget } from '../helpers/targets.ts';
import { describe, expect, it, onTestFinished } from 'vitest';
import { call, exportAs } from '../backup/helpers.ts';

interface World {
  t: TestApp;
  web: HttpTarget;
  pager: Receiver;
}

/** The real app, its PagerDuty endpoint at a local receiver, and a local web target that answers 500. */
async function world(): Promise<World> {
  const pager = await startReceiver();
  const web = await startHttpTarget();
  onTestFinished(() => web.close());
  web.reply({ status: 500 });
  const t = await startTestApp({ env: { UPTOP_PAGERDUTY_URL: `${pager.url}/v2/enqueue` } });
  return { t, web, pager };
}

const file = (w: World, routingKey: string, monitors = true) => `alerts:
  - name: pager
    type: pagerduty
    settings: { routing_key: ${routingKey} }
${monitors ? `monitors:\n  - name: web\n    type: http\n    url: ${w.web.url}\n    alerts: [pager]\n` : ''}`;

const apply = (w: World, text: string, prune = false) => applyConfig(w.t.app.deps, { text, fileName: 'uptop.yaml', prune });

/** Checks the site now and waits for the alerts it sends; answers the site and the key of its incident. */
async function checkedDown(w: World): Promise<{ id: number; key: string }> {
  const engine = w.t.app.deps.engine;
  const [id] = engine.siteIds() as [number];
  await engine.checkNow(id);
  await engine.whenIdle();
  expect(engine.getState(id)).toMatchObject({ status: 'DOWN', lastAlertAt: expect.any(Date) });
  const installation = await w.t.app.deps.db.preference.findUniqueOrThrow({ where: { key: INSTALLATION_KEY } });
  return { id, key: `uptop-${installation.value}-site-${id}` };
}

/** `trigger K1 <key>`, `resolve K1 <key>`, in the order PagerDuty got them; then forgets them. */
async function events(w: World): Promise<string[]> {
  await w.t.app.deps.engine.whenIdle();
  const seen = w.pager.requests.map((r) => {
    const body = r.json() as { routing_key: string; event_action: string; dedup_key: string };
    return `${body.event_action} ${body.routing_key} ${body.dedup_key}`;
  });
  w.pager.requests.length = 0;
  return seen;
}

describe('incidents when the configuration is replaced', () => {
  it('config as code: a new routing key moves the open incident, and a prune closes it where it then is', async () => {
    const w = await world();
    await apply(w, file(w, 'K1'));
    const { key } = await checkedDown(w);
    expect(await events(w)).toEqual([`trigger K1 ${key}`]);

    await apply(w, file(w, 'K2'));
    expect(await events(w)).toEqual([`resolve K1 ${key}`, `trigger K2 ${key}`]);

    await apply(w, file(w, 'K2', false), true);
    expect(await events(w)).toEqual([`resolve K2 ${key}`]);
    expect(w.t.app.deps.engine.siteIds()).toEqual([]);
  });

  it('a backup import closes the incidents of the sites it replaces; the site it brings back alerts afresh', async () => {
    const w = await world();
    await apply(w, file(w, 'K1'));
    const backup = await exportAs(w.t, w.t.users.admin.token, false);
    const { id, key } = await checkedDown(w);
    expect(await events(w)).toEqual([`trigger K1 ${key}`]);

    const imported = await call(w.t, 'POST', '/api/backup/import', { token: w.t.users.admin.token, body: backup });
    expect(imported.status).toBe(200);
    expect(await events(w)).toEqual([`resolve K1 ${key}`]);
    expect(w.t.app.deps.engine.getState(id)).toMatchObject({ status: 'PENDING', lastAlertAt: null });
    expect(w.t.app.deps.engine.logs().map((l) => l.message)).toContain(
      "Monitor 'web' was replaced: uptop no longer watches its outage, its incident is closed",
    );

    // The import kept the installation's own id (a backup carries none): the key is the one of before.
    expect(await checkedDown(w)).toEqual({ id, key });
    expect(await events(w)).toEqual([`trigger K1 ${key}`]);
  });
});
