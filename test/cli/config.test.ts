import fs from 'node:fs';
import path from 'node:path';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { pollChanges, tempDir, uptop } from './uptop.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

const CONFIG = `alerts:
  - name: hooks
    type: webhook
    settings:
      url: https://example.com/hook
monitors:
  - name: nightly backup
    type: push
    interval: 3600
  - name: web
    type: http
    url: https://example.com
    paused: true
    alert: hooks
`;

/** The names of the sites the running engine holds. */
function engineSites(t: TestApp): string[] {
  const { engine } = t.app.deps;
  return engine
    .siteIds()
    .map((id) => engine.getSite(id)!.name)
    .sort();
}

// Each spawn of the CLI loads TypeScript through tsx: seconds on a busy machine.
describe('uptop apply, export and import, against a server running on the same database', { timeout: 60_000 }, () => {
  it('apply plans with --dry-run, then carries the file out, and the server holds the monitors at its next poll; export applies as no change', async ({
    app: t,
  }) => {
    const env = { DATABASE_URL: t.db.url };
    const dir = tempDir();
    const file = path.join(dir, 'uptop.yaml');
    fs.writeFileSync(file, CONFIG);
    const plan = ['+ create alert "hooks"', '+ create monitor "nightly backup"', '+ create monitor "web"', '3 to create, 0 to update, 0 to delete'];

    const dryRun = await uptop(['apply', '-f', file, '--dry-run'], env);
    expect(dryRun).toEqual({ code: 0, stdout: `${plan.join('\n')} (dry run: nothing was changed)\n`, stderr: '' });
    expect(await t.app.deps.db.site.count()).toBe(0);

    expect(await uptop(['apply', '-f', file], env)).toEqual({ code: 0, stdout: `${plan.join('\n')}\n`, stderr: '' });
    expect(engineSites(t)).toEqual([]);
    await pollChanges(t);
    expect(engineSites(t)).toEqual(['nightly backup', 'web']);

    const exported = path.join(dir, 'exported.yaml');
    const exportRun = await uptop(['export', '-o', exported], env);
    expect(exportRun).toMatchObject({ code: 0, stdout: '' });
    expect(fs.statSync(exported).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(exported, 'utf8')).toContain('url: https://example.com/hook');
    expect(await uptop(['apply', '-f', exported, '--prune'], env)).toEqual({ code: 0, stdout: 'No changes\n', stderr: '' });
  });

  it('a file with mistakes fails with a line per problem, each with its file, line and field, and changes nothing', async ({ app: t }) => {
    const file = path.join(tempDir(), 'uptop.yaml');
    fs.writeFileSync(file, CONFIG.replace('interval: 3600', 'interval: 2\n    bogus: 1'));
    const run = await uptop(['apply', '-f', file], { DATABASE_URL: t.db.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^uptop: ${file}:9: monitors\\[0\\]\\.interval: .+\\nuptop: ${file}:10: monitors\\[0\\]\\.bogus: unknown field\\n$`));
    expect(await t.app.deps.db.site.count()).toBe(0);
  });

  it('import replaces the monitors with a backup’s, or a Kuma export’s, and the server reloads at its next poll', async ({ app: t, site }) => {
    const env = { DATABASE_URL: t.db.url };
    expect(engineSites(t)).toEqual([site.name]);

    const backup = await uptop(['import', path.join(FIXTURES, 'go-backup.json')], env);
    expect(backup).toMatchObject({ code: 0, stderr: '' });
    expect(backup.stdout).toMatch(/^Imported 7 sites, \d+ alerts, \d+ maintenance windows; users: \d+ created/);
    // Until the server polls the change signal, its engine holds the world it had.
    expect(engineSites(t)).toEqual([site.name]);
    await pollChanges(t);
    expect(engineSites(t)).toEqual((await t.app.deps.db.site.findMany({ select: { name: true } })).map((s) => s.name).sort());
    expect(engineSites(t)).toHaveLength(7);

    const kuma = await uptop(['import', '--kuma', path.join(FIXTURES, 'kuma-1.23.json')], env);
    expect(kuma).toMatchObject({ code: 0, stderr: '' });
    expect(kuma.stdout.split('\n')[0]).toBe('Imported 7 monitors, 5 alerts from Kuma v1.23.16');
    await pollChanges(t);
    expect(engineSites(t)).toEqual((await t.app.deps.db.site.findMany({ select: { name: true } })).map((s) => s.name).sort());
    expect(engineSites(t)).not.toContain(site.name);
  });
});
