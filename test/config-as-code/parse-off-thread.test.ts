import { describe, expect, it } from 'vitest';
import { ConfigFileError, parseConfigFile } from '../../src/config-as-code/index.ts';
import { MONITORS_PER_REPLY, OFF_THREAD_CHARS, parseConfigText } from '../../src/config-as-code/parse-off-thread.ts';
import { MONITORS_PER_STEP } from '../../src/config-as-code/plan.ts';
import { recordTurns } from '../helpers/turns.ts';

/** A monitor of every kind the file knows, `copies` times over with its own names, under a group and beside it. */
function largeFile(copies: number): string {
  const monitor = (i: number, indent: string) =>
    [
      `- name: api ${i}`,
      '  type: http',
      `  url: https://api.example.com/health/${i}`,
      '  method: POST',
      '  headers: { X-Key: abc, X-Num: 1 }',
      `  body: '{"ping": ${i}}'`,
      '  auth: { type: basic, username: me, password: pa55 }',
      '  keyword: healthy',
      '  alert: ops',
      `- name: db ${i}`,
      '  type: port',
      '  hostname: db.example.com',
      `  port: ${5000 + i}`,
      `- name: mx ${i}`,
      '  type: dns',
      '  hostname: example.com',
      '  dns_resolve_type: MX',
      `- name: cron ${i}`,
      '  type: push',
      `  interval: ${60 + i}`,
      '  alerts: [ops, hook]',
    ]
      .map((line) => indent + line)
      .join('\n');
  const half = Math.floor(copies / 2);
  return [
    'alerts:',
    '  - name: ops',
    '    type: slack',
    '    settings: { url: "https://hooks.slack.com/services/T/B/x" }',
    '  - name: hook',
    '    type: webhook',
    '    settings: { url: "https://hooks.example.com/x", secret: s3cret }',
    'monitors:',
    '  - name: edge',
    '    type: group',
    '    monitors:',
    ...Array.from({ length: half }, (_, i) => monitor(i, '      ')),
    ...Array.from({ length: copies - half }, (_, i) => monitor(half + i, '  ')),
    'maintenance:',
    '  - title: nightly',
    '    monitor: api 3',
    '    recurrence: "0 2 * * *"',
    '    duration_minutes: 30',
    '    timezone: Europe/Berlin',
    '  - title: migration',
    '    type: incident',
    '    starts_at: 2030-01-01T00:00:00Z',
    '    ends_at: 2030-01-01T04:00:00Z',
    '',
  ].join('\n');
}

const COPIES = 150;
const MONITORS = 1 + 4 * COPIES;

async function parsedHere(text: string) {
  const record = recordTurns();
  const parsed = await parseConfigFile(text, 'uptop.yaml').finally(record.stop);
  return { parsed, steps: record.steps() };
}

describe('parseConfigText: a large file is parsed in a worker thread', () => {
  it('gives what parsing it here gives, with no step of the parse taken here: only a turn per part handed over', async () => {
    const text = largeFile(COPIES);
    expect(text.length).toBeGreaterThanOrEqual(OFF_THREAD_CHARS);
    const here = await parsedHere(text);
    expect(here.steps).toBe(Math.ceil(MONITORS / MONITORS_PER_STEP));
    expect(here.parsed.monitors).toHaveLength(MONITORS);

    const record = recordTurns();
    const parsed = await parseConfigText(text, 'uptop.yaml').finally(record.stop);
    expect(record.steps()).toBe(Math.ceil(MONITORS / MONITORS_PER_REPLY) + 1);
    expect(record.crowded()).toBe(-1);
    expect(parsed).toEqual(here.parsed);
    expect(parsed.maintenance[1]!.startsAt).toEqual(new Date('2030-01-01T00:00:00Z'));
  });

  it('throws the ConfigFileError parsing it here throws: every problem, at its line', async () => {
    const text = largeFile(COPIES)
      .replace('  port: 5007\n', '  port: 70000\n')
      .replace('  interval: 190\n', '  interval: 2\n')
      .replace('  - title: nightly\n    monitor: api 3\n', '  - title: nightly\n    monitor: api 9999\n');
    const here = await parseConfigFile(text, 'uptop.yaml').catch((err: unknown) => err);
    expect(here).toBeInstanceOf(ConfigFileError);
    expect((here as ConfigFileError).issues).toHaveLength(3);

    const there = await parseConfigText(text, 'uptop.yaml').catch((err: unknown) => err);
    expect(there).toBeInstanceOf(ConfigFileError);
    expect((there as ConfigFileError).issues).toEqual((here as ConfigFileError).issues);
    expect((there as ConfigFileError).message).toBe((here as ConfigFileError).message);
  });

  it('reports a YAML syntax error of a large file at its line', async () => {
    const text = `${largeFile(COPIES)}monitors: [\n`;
    const error = await parseConfigText(text, 'deploy/prod.yaml').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigFileError);
    const lines = text.split('\n').length - 1;
    expect((error as ConfigFileError).issues.map((issue) => issue.line)).toEqual(
      ((await parseConfigFile(text, 'deploy/prod.yaml').catch((err: unknown) => err)) as ConfigFileError).issues.map((issue) => issue.line),
    );
    expect((error as ConfigFileError).issues[0]!.line).toBeGreaterThanOrEqual(lines - 1);
  });

  it('parses a small file here, with the steps of parseConfigFile', async () => {
    const text = largeFile(4);
    const record = recordTurns();
    const parsed = await parseConfigText(text, 'uptop.yaml').finally(record.stop);
    expect(record.steps()).toBe(1);
    expect(parsed).toEqual((await parsedHere(text)).parsed);
  });
});
