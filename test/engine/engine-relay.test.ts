import { describe, expect, it, onTestFinished } from 'vitest';
import type { Checker } from '../../src/engine/checks/types.ts';
import { RELAY_WAIT_MS, RELAYED_CHECK_MARGIN_MS, type EngineRelay } from '../../src/engine/engine.ts';
import { CheckElsewhereError } from '../../src/engine/errors.ts';
import { publishConfirmed } from '../../src/engine/events.ts';
import { createHeartbeatService } from '../../src/services/heartbeat.ts';
import { engineHarness } from './harness.ts';

const up: Awaited<ReturnType<Checker>> = { status: 'UP', statusCode: 200, latencyMs: 7, hasSsl: false, certExpiresAt: null, message: '' };

/**
 * Two engines on one database and one (in-process) event bus: A checks every site, B none, and B hands what it gets
 * for A's sites over through `relay` (by default: the bus, which A listens to as src/cluster/relay.ts does).
 */
async function pair(relay?: (h: Awaited<ReturnType<typeof engineHarness>>) => EngineRelay) {
  const checksOnA: number[] = [];
  const h = await engineHarness({
    start: false,
    runCheck: async (site) => {
      checksOnA.push(site.id);
      return up;
    },
  });
  const viaBus: EngineRelay = {
    heartbeat: (token, report) => publishConfirmed(h.pubsub, 'cluster:heartbeat', { token, report }),
    probeResults: () => undefined,
    checkNow: (siteId) => publishConfirmed(h.pubsub, 'cluster:checkNow', { siteId }),
  };
  const b = h.peer({
    runCheck: async () => {
      throw new Error('B checks nothing');
    },
    ownership: { owns: () => false },
    relay: relay ? relay(h) : viaBus,
  });
  // A's side of the relay.
  const requests = h.pubsub.subscribe('cluster:checkNow')[Symbol.asyncIterator]();
  onTestFinished(() => void requests.return?.());
  void (async () => {
    for (let next = await requests.next(); !next.done; next = await requests.next()) void h.engine.checkNow(next.value.siteId, { relayed: true });
  })();
  const id = await h.createSite({ name: 'web', type: 'HTTP', url: 'http://127.0.0.1:9/', interval: 60, timeout: 10 });
  await h.engine.start();
  await b.start();
  await h.tick(0);
  expect(checksOnA).toEqual([id]);
  return { h, a: h.engine, b, id, checksOnA };
}

describe('checkNow on an instance that does not check the site', () => {
  it('has the owner check it now, and resolves with the state the owner reports after that check', async () => {
    const { h, a, b, id, checksOnA } = await pair();
    await h.tick(20_000);
    await b.checkNow(id);
    expect(checksOnA).toEqual([id, id]);
    expect(a.getState(id)!.lastCheckAt).toEqual(h.clock.now());
    expect(b.getState(id)).toMatchObject({ status: 'UP', lastCheckAt: h.clock.now(), latencyMs: 7 });
  });

  it('is a CheckElsewhereError, not a quiet success, when the owner cannot be asked: no relay, a lost or a stuck publish', async () => {
    for (const relay of [
      () => ({ heartbeat: () => undefined, probeResults: () => undefined }),
      () => ({ heartbeat: () => undefined, probeResults: () => undefined, checkNow: () => Promise.resolve(false) }),
    ]) {
      const { b, id, checksOnA } = await pair(relay);
      await expect(b.checkNow(id)).rejects.toMatchObject({ name: 'CheckElsewhereError', why: 'unreachable', siteId: id });
      expect(checksOnA).toEqual([id]);
    }
    // A publish Redis never answers: refused once RELAY_WAIT_MS have passed on the engine's clock.
    const { h, b, id } = await pair(() => ({ heartbeat: () => undefined, probeResults: () => undefined, checkNow: () => new Promise<boolean>(() => {}) }));
    const asked = b.checkNow(id);
    const settled = expect(asked).rejects.toBeInstanceOf(CheckElsewhereError);
    await h.clock.advanceAsync(RELAY_WAIT_MS);
    await settled;
  });

  it('is a CheckElsewhereError when the request left but no owner answers within the timeout and the margin', async () => {
    // Sent, but nobody checks the site (its slot is between owners): no answer comes.
    const { h, b, id } = await pair(() => ({ heartbeat: () => undefined, probeResults: () => undefined, checkNow: () => Promise.resolve(true) }));
    let outcome: unknown = null;
    const asked = b.checkNow(id).catch((err: unknown) => (outcome = err));
    await h.clock.advanceAsync(10_000 + RELAYED_CHECK_MARGIN_MS - 1);
    expect(outcome).toBe(null);
    await h.clock.advanceAsync(1);
    await asked;
    expect(outcome).toMatchObject({ name: 'CheckElsewhereError', why: 'no-answer' });
  });
});

describe('a push beat for a site another instance checks', () => {
  async function pushSite(relay: Parameters<typeof pair>[0]) {
    const p = await pair(relay);
    const token = 'a'.repeat(32);
    const siteId = await p.h.createSite({ name: 'job', type: 'PUSH', pushToken: token, interval: 60 });
    await Promise.all([p.a.siteChanged(siteId), p.b.siteChanged(siteId)]);
    const service = createHeartbeatService({ engine: p.b, config: p.h.config, clock: p.h.clock });
    return { ...p, token, siteId, service };
  }

  it('is answered ok once it left for the owner', async () => {
    const { service, token, siteId } = await pushSite(undefined);
    expect(await service.push(token, '127.0.0.1')).toEqual({ status: 'ok', siteId });
  });

  it('is unavailable when it could not leave, at once or after RELAY_WAIT_MS for a publish that hangs', async () => {
    const lost = await pushSite(() => ({ heartbeat: () => Promise.resolve(false), probeResults: () => undefined }));
    expect(await lost.service.push(lost.token, '127.0.0.1')).toEqual({ status: 'unavailable' });

    const stuck = await pushSite(() => ({ heartbeat: () => new Promise<boolean>(() => {}), probeResults: () => undefined }));
    let outcome: unknown = null;
    const beat = stuck.service.push(stuck.token, '127.0.0.1').then((o) => (outcome = o));
    await stuck.h.clock.advanceAsync(RELAY_WAIT_MS - 1);
    expect(outcome).toBe(null);
    await stuck.h.clock.advanceAsync(1);
    await beat;
    expect(outcome).toEqual({ status: 'unavailable' });
  });
});
