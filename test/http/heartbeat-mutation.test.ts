import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { createPushSite } from '../helpers/sites.ts';

const HEARTBEAT = /* GraphQL */ `
  mutation Beat($token: String!) {
    heartbeat(input: { token: $token }) {
      __typename
      ... on HeartbeatPayload { ok site { id name status } }
      ... on Error { message }
      ... on ValidationError { field }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`;

type BeatResult = {
  __typename: string;
  ok?: boolean;
  site?: { id: string; name: string; status: string } | null;
  message?: string;
  field?: string;
  retryAfterSeconds?: number;
};

async function beat(t: TestApp, token: string, auth?: string): Promise<BeatResult> {
  const res = await t.request<{ heartbeat: BeatResult }>(HEARTBEAT, { token }, auth);
  expect(res.errors).toBeUndefined();
  return res.ok().heartbeat;
}

describe('heartbeat mutation', () => {
  it('records a beat without a login, and shows the site only to a signed-in caller', async ({ app: t, viewer }) => {
    const site = await createPushSite(t, 'nightly backup');
    expect(await beat(t, site.token)).toEqual({ __typename: 'HeartbeatPayload', ok: true, site: null });
    expect(await beat(t, site.token, viewer.token)).toEqual({
      __typename: 'HeartbeatPayload',
      ok: true,
      site: { id: site.id, name: 'nightly backup', status: 'UP' },
    });
  });

  it('answers typed errors for a missing or unknown token', async ({ app: t }) => {
    expect(await beat(t, '  ')).toMatchObject({ __typename: 'ValidationError', field: 'token' });
    expect(await beat(t, 'f'.repeat(32))).toEqual({ __typename: 'InvalidPushTokenError', message: 'invalid push token' });
  });

  describe('with UPTOP_PUSH_RATE_LIMIT=2', () => {
    it.override({ appOptions: { env: { UPTOP_PUSH_RATE_LIMIT: '2' } } });

    it('shares its limits with /api/push', async ({ app: t }) => {
      const site = await createPushSite(t);
      expect((await fetch(`${t.url}/api/push`, { headers: { authorization: `Bearer ${site.token}` } })).status).toBe(200);
      expect((await beat(t, site.token)).__typename).toBe('HeartbeatPayload');
      expect(await beat(t, site.token)).toMatchObject({ __typename: 'RateLimitedError', retryAfterSeconds: 30 });
      expect((await fetch(`${t.url}/api/push`, { headers: { authorization: `Bearer ${site.token}` } })).status).toBe(429);
    });
  });
});
