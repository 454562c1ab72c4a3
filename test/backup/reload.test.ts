import { describe, expect, it } from '../helpers/fixtures.ts';
import { parseGlobalId } from '../helpers/ids.ts';
import { createSite } from '../helpers/sites.ts';
import { stubChecks } from './helpers.ts';

describe('Engine.reload', () => {
  const checked: number[] = [];
  it.override({ appOptions: { runCheck: stubChecks(checked) } });

  it('brings the unchanged world back when the change it wraps fails, and rethrows that failure', async ({ app: t }) => {
    const engine = t.app.deps.engine;
    const id = Number(parseGlobalId((await createSite(t, { name: 'api down', type: 'HTTP', url: 'http://127.0.0.1:1/' })).id).id);
    await engine.checkNow(id);
    expect(engine.getState(id)).toMatchObject({ status: 'DOWN', lastError: 'HTTP 500' });

    let seenDuring: unknown = 'not called';
    await expect(
      engine.reload(async () => {
        seenDuring = engine.getSite(id);
        throw new Error('the import failed');
      }),
    ).rejects.toThrow('the import failed');
    // While the change ran the engine held no site; afterwards the site is back with the state it had.
    expect(seenDuring).toBeUndefined();
    expect(engine.getState(id)).toMatchObject({ status: 'DOWN', lastError: 'HTTP 500' });
    expect(engine.logs(1)[0]?.message).toBe('Monitors reloaded: 1 loaded');

    checked.length = 0;
    await engine.checkNow(id);
    expect(checked).toEqual([id]);
  });

  it('only runs the change when the engine is stopped: nothing is dropped, loaded or checked', async ({ app: t }) => {
    const engine = t.app.deps.engine;
    const id = Number(parseGlobalId((await createSite(t, { name: 'api', type: 'HTTP', url: 'http://127.0.0.1:1/' })).id).id);
    await engine.stop();
    checked.length = 0;
    let ran = false;
    await engine.reload(async () => {
      ran = true;
    });
    expect(ran).toBe(true);
    expect(engine.getSite(id)).toMatchObject({ name: 'api' });
    expect(checked).toEqual([]);
    expect(engine.logs().map((l) => l.message)).not.toContain('Monitors reloaded: 1 loaded');
  });
});
