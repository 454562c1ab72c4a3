import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import { getProvider } from '../../../src/alerts/providers/index.ts';
import { startReceiver } from '../../helpers/receiver.ts';
import { DOWN, EVENTS, sendContext, sendOne, settingsIssues } from '../support.ts';
import { describeHttpFailures, describePrivateTargetsRefused } from '../provider-contract.ts';

/** A room of version 12 is named by the hash of its create event, with no server name (Matrix spec, room version 12). */
const V12_ROOM = '!gvPpxpXca40bEYGNVwGRniht6NR_fD6zEAxIX3nleCg';

describe.each(EVENTS)('MATRIX: a $event alert', (alert) => {
  it('PUTs an m.text event into the room with a bearer token', async () => {
    const req = await sendOne('MATRIX', (r) => ({ homeserver: `${r.url}/`, access_token: 'syt_secret', room_id: '!room42:example.org' }), alert);
    expect(req.method).toBe('PUT');
    expect(req.path).toMatch(/^\/_matrix\/client\/v3\/rooms\/!room42%3Aexample\.org\/send\/m\.room\.message\/uptop-[0-9a-f-]{36}$/);
    expect(req.headers.authorization).toBe('Bearer syt_secret');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.json()).toEqual({ msgtype: 'm.text', body: `${alert.title}\n${alert.message}`, 'm.mentions': {} });
  });
});

describe('MATRIX', () => {
  it('mentions nobody, so "@room" or a user name in a pushed message notifies no one', async () => {
    const alert = { ...DOWN, message: "Push Monitor 'backup' reported DOWN: disk full @room @alice:example.org" };
    const req = await sendOne('MATRIX', (r) => ({ homeserver: r.url, access_token: 't', room_id: '!r:h' }), alert);
    expect(req.json()).toEqual({ msgtype: 'm.text', body: `${alert.title}\n${alert.message}`, 'm.mentions': {} });
  });

  it('posts to a version 12 room, whose id has no server name, on a homeserver behind a path prefix', async () => {
    const req = await sendOne('MATRIX', (r) => ({ homeserver: `${r.url}/matrix/`, access_token: 't', room_id: V12_ROOM }), DOWN);
    expect(req.method).toBe('PUT');
    expect(req.path).toMatch(
      /^\/matrix\/_matrix\/client\/v3\/rooms\/!gvPpxpXca40bEYGNVwGRniht6NR_fD6zEAxIX3nleCg\/send\/m\.room\.message\/uptop-[0-9a-f-]{36}$/,
    );
    expect(req.json()).toEqual({ msgtype: 'm.text', body: `${DOWN.title}\n${DOWN.message}`, 'm.mentions': {} });
  });

  it('uses a fresh transaction id for every message', async () => {
    const receiver = await startReceiver();
    const settings = { homeserver: receiver.url, access_token: 't', room_id: '!r:h' };
    await getProvider('MATRIX').send(settings, DOWN, sendContext(receiver));
    await getProvider('MATRIX').send(settings, DOWN, sendContext(receiver));
    const [a, b] = receiver.requests.map((r) => r.path.split('/').pop());
    expect(a).not.toBe(b);
  });
});

describe('MATRIX settings', () => {
  it('accepts a homeserver, a token and a room id', () => {
    const settings = { homeserver: 'https://matrix.org', access_token: 'syt_x', room_id: '!abc:matrix.org' };
    expect(validateAlertSettings('MATRIX', settings)).toEqual({ ok: true, settings });
  });

  it('accepts the id of a version 12 room, which has no server name', () => {
    const settings = { homeserver: 'https://matrix.org', access_token: 'syt_x', room_id: V12_ROOM };
    expect(validateAlertSettings('MATRIX', settings)).toEqual({ ok: true, settings });
  });

  it.each(['!abc123', '!abc123:', `${V12_ROOM}x`])('refuses %s: neither a server name nor a version 12 hash', (room_id) => {
    expect(settingsIssues('MATRIX', { homeserver: 'https://matrix.org', access_token: 't', room_id })).toEqual([
      { field: 'settings.room_id', message: 'must be a room id such as !abc123:example.org' },
    ]);
  });

  it('refuses a room alias, and a server name saying where its base URL is published', () => {
    expect(settingsIssues('MATRIX', { homeserver: 'matrix.org', access_token: 't', room_id: '#alias:matrix.org' })).toEqual([
      {
        field: 'settings.homeserver',
        message:
          "must be the homeserver's client base URL, not the server name matrix.org: it is the m.homeserver.base_url of https://matrix.org/.well-known/matrix/client (for matrix.org, https://matrix-client.matrix.org)",
      },
      { field: 'settings.room_id', message: 'must be a room id such as !abc123:example.org' },
    ]);
  });

  it("names the well-known address of a server name with a port, on the name's host", () => {
    expect(settingsIssues('MATRIX', { homeserver: ' chat.example.org:8448 ', access_token: 't', room_id: '!r:h' })).toEqual([
      {
        field: 'settings.homeserver',
        message:
          "must be the homeserver's client base URL, not the server name chat.example.org:8448: it is the m.homeserver.base_url of https://chat.example.org/.well-known/matrix/client (for matrix.org, https://matrix-client.matrix.org)",
      },
    ]);
  });

  it.each(['ftp://matrix.org', 'matrix.org/_matrix', 'not a url'])('refuses %s as no http(s) URL', (homeserver) => {
    expect(settingsIssues('MATRIX', { homeserver, access_token: 't', room_id: '!r:h' })).toEqual([
      { field: 'settings.homeserver', message: 'must be an absolute http(s) URL' },
    ]);
  });

  it('shows the homeserver and the room, not the token', () => {
    expect(redactSettings('MATRIX', { homeserver: 'https://matrix.org', access_token: 'syt', room_id: '!r:matrix.org' })).toEqual({
      homeserver: 'https://matrix.org',
      access_token: R,
      room_id: '!r:matrix.org',
    });
  });
});

describeHttpFailures('MATRIX', {
  settings: (b) => ({ homeserver: b, access_token: 'mx-T0KEN', room_id: '!r:h' }),
  secrets: ['mx-T0KEN', '/_matrix'],
  method: 'PUT',
  service: 'Matrix homeserver',
});
describePrivateTargetsRefused('MATRIX', (b) => ({ homeserver: b, access_token: 'mx', room_id: '!r:h' }), 'PUT');
