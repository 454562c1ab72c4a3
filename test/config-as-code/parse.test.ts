import { describe, expect, it } from 'vitest';
import { ConfigFileError, parseConfigFile } from '../../src/config-as-code/index.ts';
import { SITE_DEFAULTS } from '../../src/services/site-config.ts';
import { GO_EXAMPLE } from './example.ts';

/** The messages of the ConfigFileError that parsing `text` as uptop.yaml throws. */
async function problems(text: string): Promise<string[]> {
  try {
    await parseConfigFile(text, 'uptop.yaml');
  } catch (err) {
    if (!(err instanceof ConfigFileError)) throw err;
    return err.issues.map((issue) => issue.message);
  }
  throw new Error('the file parsed without a problem');
}

const ALERTS = `alerts:
  - name: ops
    type: slack
    settings:
      url: https://hooks.slack.com/services/T/B/x
`;

describe('parseConfigFile: every problem names file, line and field', () => {
  it('reports YAML syntax errors at their line', async () => {
    expect(await problems('monitors:\n  - name: a\n   type: http\n')).toEqual(['uptop.yaml:3: Sequence item without - indicator']);
    expect(await problems('monitors:\n  - name: a\n    type: http\n\turl: x\n')).toEqual(['uptop.yaml:4: Tabs are not allowed as indentation']);
    expect(await problems('monitors:\n  - name: a\n    name: b\n')).toEqual(['uptop.yaml:3: Map keys must be unique']);
  });

  it('refuses aliases that would expand a small file into a huge one, as a problem of the file', async () => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 8; i++) levels.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    expect(await problems(`${levels.join('\n')}\n`)).toEqual(['uptop.yaml: Excessive alias count indicates a resource exhaustion attack']);
  });

  it('refuses an unknown monitor type, naming the valid ones', async () => {
    expect(await problems('monitors:\n  - name: a\n    type: ftp\n')).toEqual([
      'uptop.yaml:3: monitors[0].type: must be one of http, push, ping, port, dns, group',
    ]);
  });

  it('refuses an unknown field at its own line, and a file that is not a mapping', async () => {
    expect(await problems('monitors:\n  - name: a\n    type: push\n    intervall: 30\n')).toEqual(['uptop.yaml:4: monitors[0].intervall: unknown field']);
    expect(await problems('- just\n- a list\n')).toEqual(['uptop.yaml:1: must be a mapping of keys to values']);
  });

  it('reports the other problems of an entry with an unknown field too, nested ones included', async () => {
    const text =
      'monitors:\n  - name: a\n    type: http\n    bogus: 1\n    interval: ten\n    url: https://example.com/\n    auth: { type: basic, user: me }\n';
    expect(await problems(text)).toEqual([
      'uptop.yaml:4: monitors[0].bogus: unknown field',
      'uptop.yaml:5: monitors[0].interval: must be a number',
      'uptop.yaml:7: monitors[0].auth.user: unknown field',
      'uptop.yaml:7: monitors[0].auth.password: basic auth needs a password',
      'uptop.yaml:7: monitors[0].auth.username: basic auth needs a username',
    ]);
  });

  it('refuses a duplicate monitor name anywhere in the tree, and a duplicate alert name', async () => {
    const text = `${ALERTS}  - name: ops
    type: discord
    settings: { url: "https://discord.com/api/webhooks/1/a" }
monitors:
  - name: web
    type: push
  - name: g
    type: group
    monitors:
      - name: web
        type: push
`;
    expect(await problems(text)).toEqual([
      'uptop.yaml:6: alerts[1].name: alert "ops" is already defined on line 2; names must be unique',
      'uptop.yaml:15: monitors[1].monitors[0].name: monitor "web" is already defined on line 10; names must be unique',
    ]);
  });

  it('refuses children of a monitor that is not a group, and a group inside a group', async () => {
    expect(await problems('monitors:\n  - name: a\n    type: push\n    monitors:\n      - name: b\n        type: push\n')).toEqual([
      'uptop.yaml:4: monitors[0].monitors: only a group can contain monitors',
    ]);
    expect(await problems('monitors:\n  - name: a\n    type: group\n    monitors:\n      - name: b\n        type: group\n')).toEqual([
      'uptop.yaml:6: monitors[0].monitors[0].type: a group cannot be inside another group',
    ]);
  });

  it("checks values with the API's rules: a missing url, an interval of 2, a bad port, a basic auth without password", async () => {
    const text = `monitors:
  - name: web
    type: http
  - name: fast
    type: push
    interval: 2
  - name: db
    type: port
    hostname: db.example.com
    port: 70000
  - name: private
    type: http
    url: https://example.com
    auth: { type: basic, username: me }
`;
    expect(await problems(text)).toEqual([
      'uptop.yaml:2: monitors[0].url: an HTTP monitor needs a URL',
      'uptop.yaml:6: monitors[1].interval: must be at least 5 seconds',
      'uptop.yaml:10: monitors[2].port: must be at most 65535',
      'uptop.yaml:14: monitors[3].auth.password: basic auth needs a password',
    ]);
  });

  it("reports a monitor's rules across fields beside its invalid values, as the README promises every problem at once", async () => {
    const text = `monitors:
  - name: a
    type: http
    url: ftp://x
    interval: 3
`;
    expect(await problems(text)).toEqual([
      'uptop.yaml:4: monitors[0].url: must be an absolute http:// or https:// URL',
      'uptop.yaml:5: monitors[0].interval: must be at least 5 seconds',
    ]);
  });

  it('refuses a reference to an alert or monitor the file does not define', async () => {
    const text = `${ALERTS}monitors:
  - name: web
    type: push
    alert: pager
    alerts: [ops, mail]
maintenance:
  - title: deploy
    monitor: api
`;
    expect(await problems(text)).toEqual([
      'uptop.yaml:9: monitors[0].alert: no alert named "pager" in this file',
      'uptop.yaml:10: monitors[0].alerts[1]: no alert named "mail" in this file',
      'uptop.yaml:13: maintenance[0].monitor: no monitor named "api" in this file',
    ]);
  });

  it("checks alert settings with the provider's own schema", async () => {
    const text = `alerts:
  - name: ops
    type: discord
    settings:
      url: not a url
  - name: phone
    type: telegram
    settings:
      chat_id: "123"
      colour: red
`;
    expect(await problems(text)).toEqual([
      'uptop.yaml:5: alerts[0].settings.url: must be an absolute http(s) URL',
      'uptop.yaml:8: alerts[1].settings.token: is required',
      'uptop.yaml:10: alerts[1].settings.colour: is not a TELEGRAM setting',
    ]);
    expect(await problems('alerts:\n  - name: hook\n    type: webhook\n    settings:\n      url: "***REDACTED***"\n')).toEqual([
      'uptop.yaml:5: alerts[0].settings.url: is ***REDACTED***: the file must hold the value itself, as uptop export writes it',
    ]);
  });

  it("takes Pushover's priority with an emergency's retry and expire, and ntfy's down_priority, as numbers or text", async () => {
    const text = `alerts:
  - name: pager
    type: pushover
    settings: { token: app, user: key, priority: 2, retry: 60, expire: "1800" }
  - name: phone
    type: ntfy
    settings: { url: "https://ntfy.example.com", topic: ops, priority: 3, down_priority: urgent }
`;
    expect((await parseConfigFile(text, 'uptop.yaml')).alerts).toEqual([
      { name: 'pager', provider: 'PUSHOVER', settings: { token: 'app', user: 'key', priority: '2', retry: '60', expire: '1800' } },
      { name: 'phone', provider: 'NTFY', settings: { url: 'https://ntfy.example.com', topic: 'ops', priority: '3', down_priority: 'urgent' } },
    ]);
    expect(await problems('alerts:\n  - name: pager\n    type: pushover\n    settings: { token: a, user: k, priority: 1, expire: 600 }\n')).toEqual([
      'uptop.yaml:4: alerts[0].settings.expire: applies to priority 2 (emergency) only',
    ]);
  });

  it('checks maintenance windows with the maintenance rules', async () => {
    const text = `maintenance:
  - title: weekly
    recurrence: "0 3 * * 0"
  - title: once
    starts_at: 2030-01-02T00:00:00Z
    ends_at: 2030-01-01T00:00:00Z
`;
    expect(await problems(text)).toEqual([
      'uptop.yaml:2: maintenance[0].duration_minutes: a recurring window needs durationMinutes, a whole number from 1 to 10080 (a week)',
      'uptop.yaml:6: maintenance[1].ends_at: must be after startsAt',
    ]);
    expect(await problems('maintenance:\n  - title: x\n    starts_at: tomorrow\n')).toEqual([
      'uptop.yaml:3: maintenance[0].starts_at: must be an ISO 8601 time such as 2026-12-01T02:00:00Z',
    ]);
    // "Never ends", written in New York time: the year 10000 in UTC, which the store cannot write.
    expect(await problems('maintenance:\n  - title: x\n    ends_at: 9999-12-31T23:59:59-05:00\n')).toEqual([
      'uptop.yaml:3: maintenance[0].ends_at: must be between 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in UTC',
    ]);
  });

  it('reports every problem at once: a mistake in the shape of one monitor hides neither the others nor references to it', async () => {
    const text = `monitors:
  - name: api
    type: http
    url: https://api.example.com
    retries: 3
  - name: g
    type: group
    monitors:
      - name: child
        type: pushh
      - name: sibling
        type: push
        interval: 1
maintenance:
  - title: deploy
    monitor: api
    starts_at: soon
`;
    expect(await problems(text)).toEqual([
      'uptop.yaml:5: monitors[0].retries: unknown field',
      'uptop.yaml:10: monitors[1].monitors[0].type: must be one of http, push, ping, port, dns, group',
      'uptop.yaml:13: monitors[1].monitors[1].interval: must be at least 5 seconds',
      'uptop.yaml:17: maintenance[0].starts_at: must be an ISO 8601 time such as 2026-12-01T02:00:00Z',
    ]);
  });

  it('names the file it was given', async () => {
    expect(await problems('monitors: 3')).toHaveLength(1);
    try {
      await parseConfigFile('monitors: 3', 'deploy/prod.yaml');
    } catch (err) {
      expect((err as ConfigFileError).message).toBe('deploy/prod.yaml:1: monitors: must be a list');
      expect((err as ConfigFileError).issues).toEqual([{ field: 'monitors', line: 1, message: 'deploy/prod.yaml:1: monitors: must be a list' }]);
    }
  });
});

describe('parseConfigFile: what a valid file means', () => {
  it("reads the Go original's example: lower-case types, a group's children, Go's zero values as defaults", async () => {
    const parsed = await parseConfigFile(GO_EXAMPLE, 'uptop.yaml');
    expect(parsed.alerts.map((a) => [a.name, a.provider])).toEqual([
      ['discord-ops', 'DISCORD'],
      ['email-oncall', 'EMAIL'],
    ]);
    expect(parsed.monitors.map((m) => [m.name, m.config.type, m.parent, m.alerts])).toEqual([
      ['Production', 'GROUP', null, ['discord-ops']],
      ['API', 'HTTP', 'Production', ['discord-ops']],
      ['Database', 'PORT', 'Production', []],
      ['DNS', 'DNS', null, []],
      ['Nightly backup', 'PUSH', null, ['email-oncall']],
      ['Gateway', 'PING', null, []],
    ]);
    const zeros = await parseConfigFile(
      'monitors:\n  - { name: a, type: push, expiry_threshold: 0, method: "", accepted_codes: "", timeout: 0, alert: "" }\n',
      'u.yaml',
    );
    expect(zeros.monitors[0]!.config).toEqual({ ...SITE_DEFAULTS, name: 'a', type: 'PUSH' });
    expect(zeros.monitors[0]!.alerts).toEqual([]);
  });

  it('reads JSON, and an empty file as an empty configuration', async () => {
    const parsed = await parseConfigFile(
      '{"monitors": [{"name": "a", "type": "PUSH", "interval": 30, "alerts": ["x", "x"]}], "alerts": [{"name": "x", "type": "webhook", "settings": {"url": "https://h.example.com"}}]}',
      'uptop.json',
    );
    expect(parsed.monitors[0]).toMatchObject({ name: 'a', alerts: ['x'], config: { type: 'PUSH', interval: 30 } });
    expect(await parseConfigFile('', 'uptop.yaml')).toEqual({ fileName: 'uptop.yaml', alerts: [], monitors: [], maintenance: [] });
  });

  it('reads the uptop fields: several alerts, headers, body, auth, keyword, renotify, public, redirects', async () => {
    const text = `${ALERTS}  - name: hook
    type: webhook
    settings: { url: "https://hooks.example.com/x", secret: s3cret }
monitors:
  - name: api
    type: http
    url: https://api.example.com
    alert: ops
    alerts: [hook]
    method: post
    headers: { X-Key: abc, X-Num: 1 }
    body: '{"ping": true}'
    auth: { type: bearer, token: t0ken }
    keyword: healthy
    keyword_invert: true
    renotify_minutes: 30
    public: false
    max_redirects: 0
`;
    const [api] = (await parseConfigFile(text, 'uptop.yaml')).monitors;
    expect(api!.alerts).toEqual(['ops', 'hook']);
    expect(api!.config).toMatchObject({
      method: 'POST',
      httpHeaders: JSON.stringify({ 'X-Key': 'abc', 'X-Num': 1 }),
      httpBody: '{"ping": true}',
      authType: 'BEARER',
      authUsername: null,
      authSecret: 't0ken',
      keyword: 'healthy',
      keywordInvert: true,
      renotifyMinutes: 30,
      public: false,
      maxRedirects: 0,
    });
  });
});
