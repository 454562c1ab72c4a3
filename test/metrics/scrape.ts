import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { expect } from 'vitest';

const run = promisify(execFile);

/** One scrape of `/metrics`: the answer, and its text parsed as the Prometheus text format. */
export interface Scrape {
  status: number;
  contentType: string | null;
  text: string;
  families: Map<string, ParsedFamily>;
}

export async function scrape(baseUrl: string, opts: { token?: string; accept?: string } = {}): Promise<Scrape> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.accept) headers.accept = opts.accept;
  const res = await fetch(`${baseUrl}/metrics`, { headers });
  const text = await res.text();
  const ok = res.status === 200 && !res.headers.get('content-type')?.startsWith('application/openmetrics-text');
  const families = new Map(ok ? parsePrometheusTextFormat(text).map((family) => [family.name, family] as const) : []);
  return { status: res.status, contentType: res.headers.get('content-type'), text, families };
}

/** The samples of one family as `{labels: value}` rows in exposition order; fails when the family is absent. */
export function samples(s: Scrape, name: string): { labels: Record<string, string>; value: number }[] {
  const family = s.families.get(name);
  if (!family) throw new Error(`no ${name} in the scrape`);
  return family.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }));
}

/** The value of `name` for the site with this numeric id; undefined when it has no such series. */
export function siteValue(s: Scrape, name: string, id: number): number | undefined {
  return samples(s, name).find((row) => row.labels.id === String(id))?.value;
}

/** Runs Debian's `promtool check metrics` (scripts/system-deps.sh installs it) on an exposition: what it printed. */
async function promtoolCheck(text: string): Promise<string> {
  const child = run('promtool', ['check', 'metrics']);
  child.child.stdin!.end(text);
  try {
    const { stdout, stderr } = await child;
    return `${stdout}${stderr}`;
  } catch (err) {
    // Findings exit 1 with their text; a promtool that is missing or crashed says so in `message`.
    const { stdout = '', stderr = '', message } = err as { stdout?: string; stderr?: string; message: string };
    return `${stdout}${stderr}` || message;
  }
}

/**
 * prom-client's default Node.js gauges carry a `_total` suffix that promtool's linter flags; those are prom-client's
 * documented names, so they are the only findings accepted. A parse error or any finding about uptop's own series fails.
 */
const PROM_CLIENT_FINDINGS = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

export async function expectPromtoolClean(text: string): Promise<void> {
  const output = await promtoolCheck(text);
  const findings = output.split('\n').filter((line) => line && !PROM_CLIENT_FINDINGS.test(line));
  expect(findings).toEqual([]);
}
