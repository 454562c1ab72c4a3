import { describe, expect, it } from 'vitest';
import { convertKuma } from '../../src/backup/kuma.ts';
import { ValidationError } from '../../src/services/errors.ts';

const monitor = (fields: Record<string, unknown>) => ({ interval: 60, notificationIDList: {}, ...fields });

describe('convertKuma', () => {
  it('reads exports older than 1.23: active as 0/1 and ntfy credentials without an authentication method', () => {
    const { backup, summary } = convertKuma({
      version: '1.18.5',
      notificationList: [
        {
          id: 1,
          name: 'ntfy',
          active: 1,
          config: JSON.stringify({ type: 'ntfy', ntfyserverurl: 'https://ntfy.example.com//', ntfytopic: 'old', ntfyusername: 'u', ntfypassword: 'p' }),
        },
      ],
      monitorList: [
        monitor({ id: 1, name: 'on', type: 'ping', hostname: '192.0.2.1', active: 1, notificationIDList: { '1': true, x: true } }),
        monitor({ id: 2, name: 'off', type: 'ping', hostname: '192.0.2.2', active: 0 }),
      ],
    });
    expect(summary).toEqual({ version: '1.18.5', monitors: 2, alerts: 1, skipped: [], notes: [] });
    expect(backup.alerts).toEqual([
      // Kuma sent 4 where no priority was set, and before 1.22 the same for a DOWN alert.
      { ID: 1, Name: 'ntfy', Type: 'ntfy', Settings: { url: 'https://ntfy.example.com', topic: 'old', priority: '4', username: 'u', password: 'p' } },
    ]);
    expect(backup.sites.map((s) => [s.ID, s.Paused, s.AlertID, s.Uptop?.AlertIDs])).toEqual([
      [1, false, 1, [1]],
      [2, true, 0, []],
    ]);
  });

  it.each([
    { version: '1.21.3', config: { ntfyPriority: 2 }, priorities: { priority: '2' } },
    { version: '1.22.0', config: { ntfyPriority: 2 }, priorities: { priority: '2', down_priority: '3' } },
    { version: '1.23.16', config: {}, priorities: { priority: '4', down_priority: '5' } },
    { version: '1.23.16', config: { ntfyPriority: 5 }, priorities: { priority: '5' } },
    { version: '2.0.2', config: { ntfyPriority: 4, ntfyPriorityDown: 0 }, priorities: { priority: '4', down_priority: '5' } },
    { version: '2.5.3', config: { ntfyPriority: 2, ntfyPriorityDown: 5 }, priorities: { priority: '2', down_priority: '5' } },
    { version: '2.5.3', config: { ntfyPriority: 3, ntfyPriorityDown: 1 }, priorities: { priority: '3', down_priority: '1' } },
    { version: '2.5.3', config: { ntfyPriority: 3, ntfyPriorityDown: 3 }, priorities: { priority: '3' } },
    { version: 'nightly', config: { ntfyPriority: 1 }, priorities: { priority: '1', down_priority: '2' } },
  ])('gives ntfy DOWN alerts the priority Kuma $version sent them with $config', ({ version, config, priorities }) => {
    const { backup, summary } = convertKuma({
      version,
      notificationList: [{ id: 1, name: 'ntfy', config: JSON.stringify({ type: 'ntfy', ntfyserverurl: 'https://ntfy.sh', ntfytopic: 't', ...config }) }],
      monitorList: [],
    });
    expect(summary).toMatchObject({ alerts: 1, skipped: [], notes: [] });
    expect(backup.alerts[0]?.Settings).toEqual({ url: 'https://ntfy.sh', topic: 't', ...priorities });
  });

  it('reads the credentials of an export older than 1.17, which has no authMethod: a username meant basic auth', () => {
    const { backup, summary } = convertKuma({
      version: '1.16.1',
      monitorList: [
        monitor({ id: 1, name: 'old', type: 'http', url: 'https://old.example.com/', basic_auth_user: 'u', basic_auth_pass: 'p' }),
        monitor({ id: 2, name: 'none', type: 'http', url: 'https://none.example.com/', basic_auth_user: null, basic_auth_pass: null }),
      ],
    });
    expect(summary.skipped).toEqual([]);
    expect(backup.sites.map((s) => [s.ID, s.Uptop?.AuthType, s.Uptop?.AuthUsername, s.Uptop?.AuthSecret])).toEqual([
      [1, 'basic', 'u', 'p'],
      [2, 'none', '', ''],
    ]);
  });

  it('sends no body where Kuma sent none: a blank one, or one in an encoding Kuma does not know', () => {
    const { backup, summary } = convertKuma({
      version: '2.5.3',
      monitorList: [
        monitor({ id: 1, name: 'blank', type: 'http', url: 'https://blank.example.com/', method: 'POST', body: ' \n', httpBodyEncoding: 'json' }),
        monitor({ id: 2, name: 'yaml', type: 'http', url: 'https://yaml.example.com/', method: 'POST', body: 'a: 1', httpBodyEncoding: 'yaml' }),
      ],
    });
    expect(summary.skipped).toEqual([]);
    expect(backup.sites.map((s) => [s.ID, s.Uptop?.Body, s.Uptop?.Headers])).toEqual([
      [1, null, null],
      [2, null, null],
    ]);
  });

  it("takes Kuma's timeout when none is set, 80 % of the interval, and says where uptop's limits change a value", () => {
    const { backup, summary } = convertKuma({
      version: '2.5.3',
      monitorList: [
        monitor({ id: 1, name: 'slow', type: 'http', url: 'https://slow.example.com/', interval: 600, timeout: 0, maxretries: 150, retryInterval: 600 }),
        monitor({ id: 2, name: 'hasty', type: 'http', url: 'https://hasty.example.com/', interval: 20, timeout: 0.3 }),
        monitor({ id: 3, name: 'rounded', type: 'http', url: 'https://rounded.example.com/', interval: 20, timeout: 0.5, resendInterval: 6 }),
      ],
    });
    expect(backup.sites.map((s) => [s.ID, s.Interval, s.Timeout, s.MaxRetries, s.Uptop?.RenotifyMinutes])).toEqual([
      [1, 600, 300, 100, 0],
      [2, 20, 1, 0, 0],
      [3, 20, 1, 0, 2],
    ]);
    expect(summary.notes).toEqual([
      'monitor "slow" (id 1): times out after 300 s (480 s in Kuma)',
      'monitor "slow" (id 1): retries at most 100 times (150 in Kuma)',
      'monitor "hasty" (id 2): times out after 1 s (0.3 s in Kuma)',
    ]);
  });

  it('gives a push monitor without a token, or with one already taken or not URL-safe, a new one and says so', () => {
    const { backup, summary } = convertKuma({
      version: '1.23.0',
      notificationList: null,
      monitorList: [
        monitor({ id: 1, name: 'a', type: 'push', pushToken: 'sameToken', active: true }),
        monitor({ id: 2, name: 'b', type: 'push', pushToken: 'sameToken', active: true }),
        monitor({ id: 3, name: 'c', type: 'push', pushToken: 'has space', active: true }),
        monitor({ id: 4, name: 'd', type: 'push', pushToken: null, active: true }),
      ],
    });
    const tokens = backup.sites.map((s) => s.Token);
    expect(tokens[0]).toBe('sameToken');
    for (const token of tokens.slice(1)) expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(tokens).size).toBe(4);
    expect(summary.notes).toEqual([
      'monitor "b" (id 2): imported with a new push token (its Kuma token is used by another monitor)',
      'monitor "c" (id 3): imported with a new push token (its Kuma token is not URL-safe)',
    ]);
  });

  it('puts a child whose group was skipped at the top level, and skips a monitor uptop refuses with the reason', () => {
    const { backup, summary } = convertKuma({
      version: '2.0.0',
      monitorList: [
        monitor({ id: 1, name: 'grp', type: 'group', upsideDown: true }),
        monitor({ id: 2, name: 'child', type: 'port', hostname: 'db.example', port: 5432, parent: 1 }),
        monitor({ id: 3, name: 'bad url', type: 'http', url: 'ftp://example.com/' }),
        monitor({ id: 4, name: 'hinfo', type: 'dns', hostname: 'example.com', dns_resolve_type: 'HINFO', dns_resolve_server: '1.1.1.1', port: 53 }),
        monitor({ id: 5, name: 'caa', type: 'dns', hostname: 'example.com', dns_resolve_type: 'CAA', dns_resolve_server: '1.1.1.1', port: 53 }),
      ],
    });
    expect(backup.sites.map((s) => [s.ID, s.ParentID])).toEqual([
      [2, 0],
      [5, 0],
    ]);
    expect(backup.sites[1]).toMatchObject({ Type: 'dns', DNSResolveType: 'CAA' });
    expect(summary.skipped).toEqual([
      'monitor "grp" (id 1): upside-down mode is not supported by uptop',
      'monitor "bad url" (id 3): URL must be an absolute http:// or https:// URL',
      'monitor "hinfo" (id 4): DNSResolveType must be one of A, AAAA, MX, CNAME, TXT, NS, SOA, SRV, PTR, CAA',
    ]);
    expect(summary.notes).toEqual(['monitor "child" (id 2): imported at the top level (its group 1 was not imported)']);
  });

  it('keeps accepted status codes above 599, which Kuma offers up to 999', () => {
    const { backup, summary } = convertKuma({
      version: '2.0.0',
      monitorList: [
        monitor({ id: 1, name: 'teapot farm', type: 'http', url: 'https://a.example.com/', accepted_statuscodes: ['200-299', '999'] }),
        monitor({ id: 2, name: 'custom', type: 'http', url: 'https://b.example.com/', accepted_statuscodes: ['600-699'] }),
      ],
    });
    expect(summary.skipped).toEqual([]);
    expect(backup.sites.map((s) => [s.ID, s.AcceptedCodes])).toEqual([
      [1, '200-299,999'],
      [2, '600-699'],
    ]);
  });

  it('throws a ValidationError for what is not Kuma JSON', () => {
    expect(() => convertKuma([1, 2])).toThrow(ValidationError);
    let error: unknown;
    try {
      convertKuma({ version: '1.23', monitorList: [{ id: 'x', name: 'a', type: 'http' }] });
    } catch (err) {
      error = err;
    }
    expect((error as ValidationError).issues).toEqual([{ field: 'monitorList[0].id', message: 'Invalid input: expected number, received string' }]);
  });
});
