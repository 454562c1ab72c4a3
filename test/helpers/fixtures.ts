import { test as base } from 'vitest';
import { FakeClock } from '../../src/clock.ts';
import { startTestApp, type SeededUser, type TestApp, type TestAppOptions } from './app.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import type { Document, Result } from './result.ts';
import { createPushSite } from './sites.ts';

/** A signed-in user whose requests carry their token. */
export interface Actor extends SeededUser {
  request<TData = Record<string, any>, TVars = Record<string, unknown>>(document: Document<TData, TVars>, variables?: TVars): Promise<Result<TData>>;
  /** Signs in again: a second session of the same user. */
  login(): Promise<string>;
}

/** A PUSH site created by the admin (it sends and receives no traffic of its own). */
export interface SeededSite {
  id: string;
  name: string;
  pushToken: string;
}

/** A WEBHOOK channel created by the admin, sending to a receiver on loopback. */
export interface SeededChannel {
  id: string;
  name: string;
  receiver: Receiver;
}

export interface Fixtures {
  /** Options of the app; a describe block changes them with `it.override({ appOptions: { ... } })`. */
  appOptions: TestAppOptions;
  /** The app's clock: time moves only when the test advances it. */
  clock: FakeClock;
  app: TestApp;
  admin: Actor;
  editor: Actor;
  viewer: Actor;
  site: SeededSite;
  channel: SeededChannel;
}

const CREATE_CHANNEL = /* GraphQL */ `
  mutation FixtureChannel($input: CreateAlertChannelInput!) {
    createAlertChannel(input: $input) {
      __typename
      ... on AlertChannelPayload { alertChannel { id name } }
      ... on Error { message }
    }
  }
`;

function actor(app: TestApp, role: keyof TestApp['users']): Actor {
  const user = app.users[role];
  return {
    ...user,
    request: (document, variables) => app.request(document, variables, user.token),
    login: () => app.login(user.username, user.password),
  };
}

/**
 * `it` with the app and its seed as fixtures, each made only when a test names it, and stopped or removed when the
 * test ends: `it('...', async ({ editor, site }) => { ... })`.
 */
export const it = base.extend<Fixtures>({
  appOptions: {},
  clock: async ({}, use) => use(new FakeClock(Date.now())),
  app: async ({ appOptions, clock }, use) => use(await startTestApp({ clock, ...appOptions })),
  admin: async ({ app }, use) => use(actor(app, 'admin')),
  editor: async ({ app }, use) => use(actor(app, 'editor')),
  viewer: async ({ app }, use) => use(actor(app, 'viewer')),
  site: async ({ app }, use) => {
    const { id, token } = await createPushSite(app, 'fixture site');
    await use({ id, name: 'fixture site', pushToken: token });
  },
  channel: async ({ admin }, use) => {
    const receiver = await startReceiver();
    const res = await admin.request<{ createAlertChannel: { __typename: string; alertChannel?: { id: string; name: string } } }>(CREATE_CHANNEL, {
      input: { name: 'fixture channel', provider: 'WEBHOOK', settings: { url: `${receiver.url}/alert` } },
    });
    const { id, name } = res.payload('createAlertChannel', 'AlertChannelPayload').alertChannel!;
    await use({ id, name, receiver });
  },
});

export { describe, expect } from 'vitest';
