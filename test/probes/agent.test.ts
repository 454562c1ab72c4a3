import { onTestFinished } from 'vitest';
import { FakeClock } from '../../src/clock.ts';
import { runCheck } from '../../src/engine/checks/index.ts';
import { BACKOFF_MS, ProbeAgent, REFRESH_MS, REPORT_GAP_MS } from '../../src/probes/agent.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { capturingLogger } from '../helpers/log.ts';
import { startHttpTarget, type HttpTarget } from '../helpers/targets.ts';
import { probeToken } from './helpers.ts';

/** A local HTTP target closed when the test ends. */
async function target(): Promise<HttpTarget> {
  const t = await startHttpTarget();
  onTestFinished(() => t.close());
  return t;
}

/**
 * A real HTTP hop in front of the app that can go down: while `down`, every connection is reset, as when the server
 * is unreachable; otherwise requests pass through unchanged.
 */
async function gate(app: TestApp) {
  const hop = await target();
  const state = { down: false };
  hop.handle((req, res, body) => {
    if (state.down) {
      req.socket.destroy();
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => ['authorization', 'content-type'].includes(name))) as Record<
      string,
      string
    >;
    void fetch(`${app.url}${req.url}`, { method: req.method, headers, body: req.method === 'POST' ? body : undefined }).then(async (answer) => {
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
      res.end(await answer.text());
    });
  });
  return { url: hop.url.replace(/\/$/, ''), state };
}

/** The requests the agent sent, with the time of its clock and how many results each report carried. */
interface Sent {
  atMs: number;
  path: string;
  results: number;
}

async function startAgent(app: TestApp, server: string, options: { region?: string } = {}) {
  const { token } = await probeToken(app);
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const log = capturingLogger('debug');
  const sent: Sent[] = [];
  const agent = new ProbeAgent({
    server,
    token,
    nodeId: 'p1',
    region: options.region ?? 'eu',
    name: 'probe one',
    version: 'test',
    clock,
    logger: log.logger,
    checker: runCheck,
    allowPrivateTargets: true,
    random: () => 0,
    fetch: (input, init) => {
      const url = new URL(String(input));
      const results = init?.body ? ((JSON.parse(String(init.body)) as { results?: unknown[] }).results?.length ?? 0) : 0;
      sent.push({ atMs: clock.nowMs(), path: url.pathname, results });
      return fetch(input, init);
    },
  });
  onTestFinished(() => agent.stop());
  /** Lets every timer due now fire and everything it started (requests, checks, reports) end. */
  const settle = async () => {
    for (let round = 0; round < 4; round++) {
      await clock.advanceAsync(0);
      await agent.whenControlled();
      await agent.idle();
    }
  };
  /** Moves the probe's clock on a second at a time, settling after each. */
  const run = async (ms: number) => {
    for (let done = 0; done < ms; done += 1000) {
      await clock.advanceAsync(Math.min(1000, ms - done));
      await settle();
    }
  };
  agent.start();
  await settle();
  return { agent, clock, log, sent, settle, run };
}

const reports = (sent: Sent[]) => sent.filter((s) => s.path === '/api/probe/results');

describe('uptop probe (the agent)', () => {
  // The server's own checks stay off the targets: every request they see is the probe's.
  it.override({ appOptions: { runCheck: async () => ({ status: 'UP', statusCode: 200, latencyMs: 1, hasSsl: false, certExpiresAt: null, message: '' }) } });

  it('checks each site on its own interval and reports the results in batches at most every 5 s', async ({ app: t }) => {
    const web = await target();
    const { sites } = t.app.deps.services;
    const fast = await sites.create({ name: 'fast', type: 'HTTP', url: `${web.url}fast`, interval: 6 });
    const slow = await sites.create({ name: 'slow', type: 'HTTP', url: `${web.url}slow`, interval: 8 });
    await sites.create({ name: 'asia only', type: 'HTTP', url: `${web.url}asia`, regions: 'ap' });
    const { agent, sent, run } = await startAgent(t, t.url);
    expect(sent.slice(0, 2).map((s) => s.path)).toEqual(['/api/probe/register', '/api/probe/assignments']);
    expect(agent.siteIds.sort()).toEqual([fast.id, slow.id].sort());

    await run(24_000);
    const hits = (path: string) => web.requests.filter((r) => r.path === path).length;
    // Each on its own interval from 0 s: fast at 0, 6, ..., 24; slow at 0, 8, 16, 24. Never the other region's site.
    expect([hits('/fast'), hits('/slow'), hits('/asia')]).toEqual([5, 4, 0]);
    const posts = reports(sent);
    for (let i = 1; i < posts.length; i++) expect(posts[i]!.atMs - posts[i - 1]!.atMs).toBeGreaterThanOrEqual(REPORT_GAP_MS);
    expect(posts.some((p) => p.results > 1)).toBe(true);
    expect(posts.reduce((n, p) => n + p.results, 0) + agent.pendingResults).toBe(9);

    await t.app.deps.writer.flush();
    const rows = await t.app.deps.db.check.findMany({ where: { nodeId: 'p1' } });
    expect(rows.length).toBe(9 - agent.pendingResults);
    expect(rows.every((r) => r.up && r.statusCode === 200)).toBe(true);
  });

  it("follows a site's redirects no further than its maxRedirects, as the server would", async ({ app: t }) => {
    const web = await target();
    web.handle((req, res) => {
      res.writeHead(req.url === '/old' ? 301 : 200, req.url === '/old' ? { location: '/new' } : {});
      res.end();
    });
    await t.app.deps.services.sites.create({ name: 'moved', type: 'HTTP', url: `${web.url}old`, acceptedCodes: '301', maxRedirects: 0 });
    const { agent } = await startAgent(t, t.url);
    await agent.stop();
    await t.app.deps.writer.flush();
    const rows = await t.app.deps.db.check.findMany({ where: { nodeId: 'p1' } });
    expect(rows.map((r) => [r.up, r.statusCode])).toEqual([[true, 301]]);
    expect(web.requests.map((r) => r.path)).toEqual(['/old']);
  });

  it('survives the server being down: logs, retries with backoff, keeps checking, and delivers what it held', async ({ app: t }) => {
    const web = await target();
    await t.app.deps.services.sites.create({ name: 'web', type: 'HTTP', url: `${web.url}probe`, interval: 5 });
    const hop = await gate(t);
    hop.state.down = true;
    const { agent, log, run } = await startAgent(t, hop.url);
    await run(1000 + 2000);
    const failures = () => log.lines().filter((l) => l.msg === 'could not register');
    expect(failures().map((l) => l.retryInMs)).toEqual([BACKOFF_MS.first, 2 * BACKOFF_MS.first, 4 * BACKOFF_MS.first]);
    expect(failures()[0]!.reason).toMatch(/^fetch failed: /);
    expect(web.requests.filter((r) => r.path === '/probe')).toHaveLength(0);

    hop.state.down = false;
    await run(4000);
    expect(log.lines().some((l) => l.msg === 'probe registered')).toBe(true);
    const checked = () => web.requests.filter((r) => r.path === '/probe').length;
    expect(checked()).toBe(1);
    expect(agent.pendingResults).toBe(0);

    // Down again: the checks go on, their results wait, the reports back off.
    hop.state.down = true;
    await run(20_000);
    expect(checked()).toBe(5);
    expect(agent.pendingResults).toBe(4);
    const retries = log.lines().filter((l) => l.msg === 'could not report results');
    expect(retries.length).toBeGreaterThan(1);
    expect(retries.map((l) => l.retryInMs as number)).toEqual([...retries.keys()].map((i) => Math.min(BACKOFF_MS.first * 2 ** i, BACKOFF_MS.max)));

    // Back: the backlog goes out at the next retry, and from then on each result within a report gap. Nothing is lost.
    hop.state.down = false;
    await run(BACKOFF_MS.max);
    expect(agent.pendingResults).toBeLessThanOrEqual(1);
    await t.app.deps.writer.flush();
    expect((await t.app.deps.db.check.count({ where: { nodeId: 'p1' } })) + agent.pendingResults).toBe(checked());
  });

  it('fetches its assignments again every 30 s: a new site is checked, a paused one no more', async ({ app: t }) => {
    const web = await target();
    const { sites } = t.app.deps.services;
    const first = await sites.create({ name: 'first', type: 'HTTP', url: `${web.url}first`, interval: 60 });
    const { agent, run } = await startAgent(t, t.url);
    expect(agent.siteIds).toEqual([first.id]);
    const second = await sites.create({ name: 'second', type: 'HTTP', url: `${web.url}second`, interval: 60 });
    await sites.update(first.id, { paused: true });
    await run(REFRESH_MS - 1000);
    expect(agent.siteIds).toEqual([first.id]);
    await run(1000);
    expect(agent.siteIds).toEqual([second.id]);
    expect(web.requests.filter((r) => r.path === '/second')).toHaveLength(1);
    await run(60_000);
    expect(web.requests.filter((r) => r.path === '/first')).toHaveLength(1);
  });

  it('stops cleanly: no timer left, nothing checked or sent after, and the results it held are reported once more', async ({ app: t }) => {
    const web = await target();
    await t.app.deps.services.sites.create({ name: 'web', type: 'HTTP', url: `${web.url}probe`, interval: 5 });
    const hop = await gate(t);
    const { agent, clock, sent, run } = await startAgent(t, hop.url);
    hop.state.down = true;
    await run(10_000);
    expect(agent.pendingResults).toBe(2);
    hop.state.down = false;
    await agent.stop();
    expect(agent.pendingResults).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    const [requests, checks] = [sent.length, web.requests.length];
    await clock.advanceAsync(10 * 60_000);
    expect([sent.length, web.requests.length]).toEqual([requests, checks]);
    await agent.stop();
  });
});
