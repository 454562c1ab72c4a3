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
      { ID: 1, Name: 'ntfy', Type: 'ntfy', Settings: { url: 'https://ntfy.example.com', topic: 'old', username: 'u', password: 'p' } },
    ]);
    expect(backup.sites.map((s) => [s.ID, s.Paused, s.AlertID, s.Uptop?.AlertIDs])).toEqual([
      [1, false, 1, [1]],
      [2, true, 0, []],
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
        monitor({ id: 4, name: 'caa', type: 'dns', hostname: 'example.com', dns_resolve_type: 'CAA', dns_resolve_server: '1.1.1.1', port: 53 }),
      ],
    });
    expect(backup.sites.map((s) => [s.ID, s.ParentID])).toEqual([[2, 0]]);
    expect(summary.skipped).toEqual([
      'monitor "grp" (id 1): upside-down mode is not supported by uptop',
      'monitor "bad url" (id 3): URL must be an absolute http:// or https:// URL',
      'monitor "caa" (id 4): DNSResolveType must be one of A, AAAA, MX, CNAME, TXT, NS, SOA, SRV, PTR',
    ]);
    expect(summary.notes).toEqual(['monitor "child" (id 2): imported at the top level (its group 1 was not imported)']);
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
