import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sendHttp } from '../http.ts';
import { defineProvider } from './provider.ts';
import { httpUrl, required, requireSetting, text, trimTrailingSlashes } from './setting.ts';

/**
 * A server name (`matrix.org`) is refused, not looked up: its client base URL is published at
 * `https://<name>/.well-known/matrix/client` (Matrix spec, "Server Discovery"), which a client reads once at login. Read
 * at each alert, it would be a second host, often a website, that must be up for an alert to go out, at the moment
 * something is down; Kuma and Gatus take the base URL too. So the error says where to find it.
 */
const homeserverUrl = text.trim().superRefine((value, ctx) => {
  if (httpUrl.safeParse(value).success) return;
  const asServerName = value.includes('://') ? null : URL.parse(`https://${value}`);
  ctx.addIssue({
    code: 'custom',
    // The well-known document is on the server name's host, whatever its port (spec, "Well-known URI").
    message:
      asServerName?.host === value.toLowerCase()
        ? `must be the homeserver's client base URL, not the server name ${value}: it is the m.homeserver.base_url of https://${asServerName.hostname}/.well-known/matrix/client (for matrix.org, https://matrix-client.matrix.org)`
        : 'must be an absolute http(s) URL',
  });
});

export const matrix = defineProvider({
  provider: 'MATRIX',
  settings: z.strictObject({
    homeserver: required(homeserverUrl),
    access_token: required(text.trim()),
    // The send endpoint takes a room id; an alias (#room:server) would have to be resolved first. Up to room version 11
    // the id names its server (`!opaque:server`); from version 12 it is the create event's hash (`!` and 43 URL-safe
    // base64 characters) with no server at all.
    room_id: required(text.trim().regex(/^!([^\s:]+:\S+|[\w-]{43})$/, 'must be a room id such as !abc123:example.org')),
  }),
  visibleKeys: ['homeserver', 'room_id'],
  async send(settings, alert, ctx) {
    const room = encodeURIComponent(requireSetting(settings, 'room_id'));
    // The homeserver deduplicates by transaction id, so every alert needs a fresh one.
    const txnId = `uptop-${randomUUID()}`;
    await sendHttp(
      {
        method: 'PUT',
        url: `${trimTrailingSlashes(requireSetting(settings, 'homeserver'))}/_matrix/client/v3/rooms/${room}/send/m.room.message/${txnId}`,
        headers: { Authorization: `Bearer ${requireSetting(settings, 'access_token')}` },
        service: 'Matrix homeserver',
        // An empty m.mentions mentions nobody and turns off the legacy push rules that notify on "@room" or a user's name
        // anywhere in the body (Matrix spec 1.7, "User and room mentions").
        json: { msgtype: 'm.text', body: `${alert.title}\n${alert.message}`, 'm.mentions': {} },
      },
      ctx,
    );
  },
});
