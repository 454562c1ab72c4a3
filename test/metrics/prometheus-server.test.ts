import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { parseGlobalId } from '../helpers/ids.ts';
import { closedPort } from '../helpers/targets.ts';

interface Vector {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * Debian's Prometheus server (scripts/system-deps.sh installs it) on a free loopback port, scraping `target` every
 * second with `token` as its bearer credential; stopped and its data removed when the test ends.
 */
async function startPrometheus(target: string, token: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      '  - job_name: uptop',
      '    authorization:',
      `      credentials: ${token}`,
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  const port = await closedPort();
  const child = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  onTestFinished(async () => {
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  child.once('exit', (code) => {
    if (code) console.error(`prometheus exited with ${code}:\n${stderr}`);
  });
  return `http://127.0.0.1:${port}`;
}

async function query(prometheus: string, promql: string): Promise<Vector[]> {
  try {
    const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; data: { result: Vector[] } };
    return body.status === 'success' ? body.data.result : [];
  } catch {
    // Not listening yet.
    return [];
  }
}

describe('a real Prometheus server scraping uptop', () => {
  // A server to start and two scrape intervals to wait for: more than the default 20 s on a busy machine.
  it('scrapes /metrics with a bearer token and stores the series the API reports', { timeout: 60_000 }, async ({ app: t, viewer, site }) => {
    const beat = await fetch(`${t.url}/api/push`, { headers: { authorization: `Bearer ${site.pushToken}` } });
    expect(beat.status).toBe(200);
    const prometheus = await startPrometheus(`127.0.0.1:${t.port}`, viewer.token);
    const id = parseGlobalId(site.id).id;

    await expect
      .poll(() => query(prometheus, 'uptop_monitor_up'), { timeout: 30_000, interval: 500 })
      .toEqual([
        {
          metric: { __name__: 'uptop_monitor_up', id, name: 'fixture site', type: 'push', instance: `127.0.0.1:${t.port}`, job: 'uptop' },
          value: [expect.any(Number), '1'],
        },
      ]);
    const [checks] = await query(prometheus, 'uptop_monitor_checks_total');
    expect(checks?.value[1]).toBe('1');
    const [pushChecks] = await query(prometheus, 'uptop_check_duration_seconds_count{type="push"}');
    expect(pushChecks?.value[1]).toBe('1');

    // The scrape itself was healthy: Prometheus negotiated a format it parsed without error.
    const targets = (await (await fetch(`${prometheus}/api/v1/targets`)).json()) as {
      data: { activeTargets: { health: string; lastError: string }[] };
    };
    expect(targets.data.activeTargets.map((target) => [target.health, target.lastError])).toEqual([['up', '']]);
  });
});
