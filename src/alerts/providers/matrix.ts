import { randomUUID } from 'node:crypto';
import { sendHttp } from '../http.ts';
import type { AlertProviderImpl } from '../types.ts';
import { requireSetting, trimTrailingSlashes } from './setting.ts';

export const matrix: AlertProviderImpl = {
  provider: 'MATRIX',
  async send(settings, alert, ctx) {
    const room = encodeURIComponent(requireSetting(settings, 'room_id'));
    // The homeserver deduplicates by transaction id, so every alert needs a fresh one.
    const txnId = `uptop-${randomUUID()}`;
    await sendHttp(
      {
        method: 'PUT',
        url: `${trimTrailingSlashes(requireSetting(settings, 'homeserver'))}/_matrix/client/v3/rooms/${room}/send/m.room.message/${txnId}`,
        headers: { Authorization: `Bearer ${requireSetting(settings, 'access_token')}` },
        json: { msgtype: 'm.text', body: `${alert.title}\n${alert.message}` },
      },
      ctx,
    );
  },
};
