import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.ts';
import { parseDatabaseUrl } from '../../src/db/url.ts';
import { DEFAULT_WAL_CHECKPOINTS } from '../../src/db/wal-checkpoints.ts';
import { DRAIN_TIMEOUT_MS } from '../../src/http/server.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';

/*
 * No Docker engine runs where these tests run, so the image is not built here: what can be checked without one is.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

interface Instruction {
  name: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined and comments dropped, grouped by stage. */
function stages(text: string): Instruction[][] {
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n');
  const result: Instruction[][] = [];
  for (const line of lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    const [, name = '', args = ''] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (name.toUpperCase() === 'FROM') result.push([]);
    result.at(-1)!.push({ name: name.toUpperCase(), args });
  }
  return result;
}

const dockerfile = stages(read('Dockerfile'));
const final = dockerfile.at(-1)!;
const args = (name: string) => final.filter((i) => i.name === name).map((i) => i.args);

/** Compose's `${NAME:?message}` and `${NAME:-default}`, filled as an operator following the comments would. */
function interpolate(value: string, given: Record<string, string>): string {
  return value.replace(
    /\$\{(\w+)(?::([?-])([^}]*))?\}/g,
    (_m, name: string, kind?: string, rest?: string) => given[name] ?? (kind === '-' ? (rest ?? '') : ''),
  );
}

describe('packaging (static: the image is not built here)', () => {
  it('builds on node:20-slim and runs as the unprivileged node user, with the database on the /data volume', () => {
    expect(dockerfile.map((stage) => stage[0]!.args.split(' ')[0])).toEqual(['node:20-slim', 'node:20-slim']);
    expect(args('USER')).toEqual(['node']);
    expect(args('VOLUME')).toEqual(['/data']);
    const env = args('ENV').join(' ');
    expect(env).toContain('DATABASE_URL=file:/data/uptop.db');
    expect(parseDatabaseUrl('file:/data/uptop.db').file).toBe('/data/uptop.db');
    expect(args('EXPOSE')).toEqual([String(loadConfig({}).http.port)]);
    // Installed with the dev tools, which build the console at install, then pruned.
    expect(dockerfile[0]!.some((i) => i.name === 'RUN' && /npm ci && npm prune --omit=dev/.test(i.args))).toBe(true);
    // The system's CA store, which HTTPS checks trust (src/engine/checks/trust.ts), and the `ping` command PING checks
    // run (src/engine/checks/ping.ts), in the image that runs them: without it every PING monitor was DOWN there.
    const installed = final.filter((i) => i.name === 'RUN').flatMap((i) => /apt-get install ([^&]*)/.exec(i.args)?.[1]?.split(/\s+/) ?? []);
    expect(installed).toEqual(expect.arrayContaining(['ca-certificates', 'iputils-ping']));
  });

  it('its CMD runs the CLI file that exists, and .dockerignore keeps local databases and modules out', () => {
    const [cmd] = args('CMD');
    expect(JSON.parse(cmd!)).toEqual(['node', 'bin/uptop.js', 'serve']);
    expect(fs.existsSync(path.join(ROOT, 'bin/uptop.js'))).toBe(true);
    const ignored = read('.dockerignore').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'src/generated', 'data', '*.db', '.env']));
  });

  it('its HEALTHCHECK command, run as written, passes against a running server and fails without one', async ({ app: t }) => {
    const [healthcheck] = args('HEALTHCHECK');
    const command = JSON.parse(healthcheck!.slice(healthcheck!.indexOf('CMD ') + 4)) as string[];
    expect(command[0]).toBe('node');
    expect(command.join(' ')).toContain('/healthz');
    const run = (port: number) =>
      promisify(execFile)(process.execPath, command.slice(1), { env: { UPTOP_HTTP_PORT: String(port) } }).then(
        () => 0,
        (err: { code?: number }) => err.code,
      );
    expect(await run(t.port)).toBe(0);
    await t.stop();
    expect(await run(t.port)).toBe(1);
  });

  it('docker-compose.yml sets only variables uptop reads, and they make a valid configuration', () => {
    const compose = parse(read('docker-compose.yml')) as { services: Record<string, { environment: Record<string, string>; volumes: string[] }> };
    const service = compose.services.uptop!;
    expect(service.volumes).toEqual(['uptop-data:/data']);
    const known = new Set(read('src/config.ts').match(/\b(UPTOP_[A-Z0-9_]+|DATABASE_URL|LOG_LEVEL)\b/g));
    const names = Object.keys(service.environment);
    expect(names.filter((name) => !known.has(name))).toEqual([]);
    const env = Object.fromEntries(names.map((name) => [name, interpolate(String(service.environment[name]), { UPTOP_ADMIN_PASSWORD: 'a-long-password' })]));
    expect(loadConfig(env)).toMatchObject({ admin: { username: 'admin', password: 'a-long-password' }, status: { enabled: true } });
  });

  it("each compose file gives uptop time to stop: requests, the alerts' drain and the WAL, before Docker kills it", () => {
    const stopMs = DRAIN_TIMEOUT_MS + loadConfig({}).engine.alertTimeoutMs + DEFAULT_WAL_CHECKPOINTS.stopTimeoutMs;
    const single = parse(read('docker-compose.yml')) as { services: Record<string, { stop_grace_period?: string }> };
    const cluster = parse(read('docker-compose.cluster.yml'), { merge: true }) as { services: Record<string, { stop_grace_period?: string }> };
    const services = [single.services.uptop!, ...['uptop-a', 'uptop-b', 'uptop-c'].map((name) => cluster.services[name]!)];
    const graceMs = (period = '10s') => {
      const [, amount, unit] = /^(\d+)(s|m)$/.exec(period) ?? [];
      return Number(amount) * (unit === 'm' ? 60_000 : 1000);
    };
    for (const service of services) expect(graceMs(service.stop_grace_period)).toBeGreaterThan(stopMs);
  });

  it('docker-compose.cluster.yml: three instances of one PostgreSQL and Redis, each its own id, and a probe with real flags', async () => {
    type Service = { image: string; environment: Record<string, string>; command?: string[]; depends_on?: string[] };
    const compose = parse(read('docker-compose.cluster.yml'), { merge: true }) as { services: Record<string, Service> };
    expect(Object.keys(compose.services).sort()).toEqual(['postgres', 'probe', 'redis', 'uptop-a', 'uptop-b', 'uptop-c']);
    const known = new Set(read('src/config.ts').match(/\b(UPTOP_[A-Z0-9_]+|DATABASE_URL|LOG_LEVEL)\b/g));
    const given = { POSTGRES_PASSWORD: 'pg-secret', UPTOP_ADMIN_PASSWORD: 'a-long-password', UPTOP_ENCRYPTION_KEY: 'ab'.repeat(32) };
    const configs = ['uptop-a', 'uptop-b', 'uptop-c'].map((name) => {
      const service = compose.services[name]!;
      expect(service.depends_on).toEqual(['postgres', 'redis']);
      const names = Object.keys(service.environment);
      expect(names.filter((n) => !known.has(n))).toEqual([]);
      return loadConfig(Object.fromEntries(names.map((n) => [n, interpolate(String(service.environment[n]), given)])));
    });
    expect(configs.map((c) => c.instanceId)).toEqual(['uptop-a', 'uptop-b', 'uptop-c']);
    for (const config of configs) {
      expect(config.databaseUrl).toBe('postgresql://uptop:pg-secret@postgres:5432/uptop');
      expect(config.redisUrl).toBe('redis://redis:6379');
    }
    expect(compose.services.postgres!.environment).toMatchObject({ POSTGRES_USER: 'uptop', POSTGRES_DB: 'uptop' });
    // The probe's command line, as the real CLI documents its options.
    const [node, bin, command, ...flags] = compose.services.probe!.command!;
    expect([node, bin, command]).toEqual(['node', 'bin/uptop.js', 'probe']);
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, bin!), 'probe', '--help']);
    for (const flag of flags.filter((f) => f.startsWith('--'))) expect(stdout).toContain(`${flag} <`);
    expect(Object.keys(compose.services.probe!.environment)).toContain('UPTOP_PROBE_TOKEN');
  });
});
