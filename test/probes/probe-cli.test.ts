import { spawn } from 'node:child_process';
import os from 'node:os';
import { onTestFinished } from 'vitest';
import type { Checker } from '../../src/engine/checks/types.ts';
import { BIN, logEntries, uptop } from '../cli/uptop.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { createSite } from '../helpers/sites.ts';
import { startHttpTarget } from '../helpers/targets.ts';
import { PROBE_NODES, PROBE_RESULTS, probeToken } from './helpers.ts';

/** The server's own checks, counted: while the probe reports, the site's runs take its verdict instead. */
const localChecks: number[] = [];
const countingChecker: Checker = async (site) => {
  localChecks.push(site.id);
  return { status: 'UP', statusCode: 200, latencyMs: 1, hasSsl: false, certExpiresAt: null, message: '' };
};

/** `node bin/uptop.js probe ...` with only the environment given; killed when the test ends if still running. */
function startProbe(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, 'probe', ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let log = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    messages: () => logEntries(log).map((e) => e.msg),
    get stderr() {
      return stderr;
    },
    stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

// The probe is a real process on the system clock: it registers and checks in seconds; the polls wait for it.
describe('uptop probe (a real process)', { timeout: 120_000 }, () => {
  it.override({ appOptions: { runCheck: countingChecker } });

  it('checks a local target for the server: its results show in GraphQL with its node and region, and a failing target takes the site DOWN', async ({
    app: t,
    viewer,
    clock,
  }) => {
    const target = await startHttpTarget();
    onTestFinished(() => target.close());
    const site = await createSite(t, { name: 'web', type: 'HTTP', url: `${target.url}health`, interval: 5, regions: 'eu' });
    await t.app.deps.engine.whenIdle();
    const checkedHere = localChecks.length;
    const { token } = await probeToken(t, 'eu-1');
    const probe = startProbe(['--server', t.url, '--node-id', 'eu-1', '--region', 'eu', '--name', 'Frankfurt'], {
      UPTOP_PROBE_TOKEN: token,
      UPTOP_ALLOW_PRIVATE_TARGETS: 'true',
      LOG_LEVEL: 'info',
    });
    const poll = { timeout: 60_000, interval: 250 };

    await expect
      .poll(async () => (await viewer.request<{ probeNodes: unknown[] }>(PROBE_NODES)).ok().probeNodes, poll)
      .toEqual([expect.objectContaining({ nodeId: 'eu-1', name: 'Frankfurt', region: 'eu', status: 'ONLINE', version: expect.stringMatching(/^uptop /) })]);

    const read = async () => (await viewer.request<{ site: any }>(PROBE_RESULTS, { id: site.id })).ok().site;
    await expect
      .poll(async () => (await read()).probeResults, poll)
      .toEqual([expect.objectContaining({ nodeId: 'eu-1', region: 'eu', up: true, status: 'UP', statusCode: 200 })]);
    expect((await read()).checks.edges.map((e: any) => e.node.nodeId)).toContain('eu-1');
    expect(target.requests.every((r) => r.path === '/health')).toBe(true);

    target.reply({ status: 503 });
    await expect
      .poll(async () => (await read()).probeResults, poll)
      .toEqual([expect.objectContaining({ nodeId: 'eu-1', up: false, status: 'DOWN', error: 'HTTP 503 (expected 200-299)' })]);

    // The site's next run (its interval plus jitter on the server's clock) takes the probe's verdict.
    await clock.advanceAsync(5_500);
    await t.app.deps.engine.whenIdle();
    const down = await read();
    expect([down.status, down.lastError]).toEqual(['DOWN', 'DOWN from 1 of 1 probes (eu-1: HTTP 503 (expected 200-299))']);
    expect(localChecks.length).toBe(checkedHere);

    expect(await probe.stop()).toBe(0);
    expect(probe.messages()).toEqual(expect.arrayContaining(['probe starting', 'probe registered', 'stopping', 'probe stopped']));
    expect(probe.stderr).toBe('');
  });

  it('exits 2 with one line on stderr for a bad server URL, node id or region, or no token', async () => {
    const token = { UPTOP_PROBE_TOKEN: 'utp_x' };
    const runs = await Promise.all([
      uptop(['probe', '--server', 'ftp://uptop.example.com', '--node-id', 'eu-1'], token),
      uptop(['probe', '--server', 'https://uptop.example.com', '--node-id', 'eu 1'], token),
      uptop(['probe', '--server', 'https://uptop.example.com', '--node-id', 'eu-1', '--region', 'r'.repeat(65)], token),
      uptop(['probe', '--server', 'https://uptop.example.com', '--node-id', 'eu-1'], {}),
      uptop(['probe', '--node-id', 'eu-1'], token),
    ]);
    expect(runs.map((r) => [r.code, r.stdout])).toEqual(Array(5).fill([2, '']));
    expect(runs.slice(0, 4).map((r) => r.stderr)).toEqual([
      'uptop: --server: expected an http:// or https:// URL such as https://uptop.example.com (got "ftp://uptop.example.com")\n',
      'uptop: --node-id: must be 1 to 64 letters, digits, dots, colons, dashes or underscores, starting with a letter or digit\n',
      'uptop: --region: must be at most 64 characters\n',
      'uptop: give the probe token with --token or UPTOP_PROBE_TOKEN (an admin creates one with the createProbeToken mutation)\n',
    ]);
    expect(runs[4]!.stderr).toContain("required option '--server <url>' not specified");
  });
});
