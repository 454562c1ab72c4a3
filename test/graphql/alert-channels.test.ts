import { ENCRYPTED_PREFIX } from '../../src/alerts/crypto.ts';
import { AlertProvider } from '../../src/generated/prisma/client.ts';
import { graphql } from '../gql/index.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { globalId } from '../helpers/ids.ts';

const KEY = 'c0'.repeat(32);

const CreateChannel = graphql(`
  mutation ChannelCreate($input: CreateAlertChannelInput!) {
    createAlertChannel(input: $input) {
      __typename
      ... on AlertChannelPayload { alertChannel { id name provider settings revealedSettings } }
      ... on ValidationError { field message }
    }
  }
`);

const UpdateChannel = graphql(`
  mutation ChannelUpdate($input: UpdateAlertChannelInput!) {
    updateAlertChannel(input: $input) {
      __typename
      ... on AlertChannelPayload { alertChannel { id name provider settings revealedSettings } }
      ... on ValidationError { field message }
      ... on Error { message }
    }
  }
`);

const DeleteChannel = graphql(`
  mutation ChannelDelete($input: DeleteInput!) {
    deleteAlertChannel(input: $input) {
      __typename
      ... on DeletePayload { deletedId }
      ... on Error { message }
    }
  }
`);

const TestChannel = graphql(`
  mutation ChannelTest($input: IdInput!) {
    testAlertChannel(input: $input) {
      __typename
      ... on AlertChannelPayload { test { ok error } alertChannel { id health { sendCount failCount lastSendOk } } }
      ... on Error { message }
    }
  }
`);

const Channels = graphql(`
  query ChannelList {
    alertChannels {
      id
      name
      provider
      settings
      health { lastSendAt lastSendOk lastError sendCount failCount }
      sites { id name }
    }
  }
`);

const SiteWithChannel = graphql(`
  mutation ChannelSite($input: CreateSiteInput!) {
    createSite(input: $input) { __typename ... on SitePayload { site { id alertChannels { id name } } } }
  }
`);

const Providers = graphql(`
  query ChannelProviders { alertProviders { provider settings { key secret required } } }
`);

describe('alert channels', () => {
  it('lists every provider with its settings keys, which secret and which required, to a viewer', async ({ viewer }) => {
    const providers = (await viewer.request(Providers, {})).ok().alertProviders;
    expect(providers.map((p) => p.provider).sort()).toEqual(Object.values(AlertProvider).sort());
    expect(providers.find((p) => p.provider === 'WEBHOOK')?.settings).toEqual([
      { key: 'url', secret: true, required: true },
      { key: 'secret', secret: true, required: false },
    ]);
    expect(providers.find((p) => p.provider === 'NTFY')?.settings).toEqual([
      { key: 'url', secret: true, required: true },
      { key: 'topic', secret: false, required: true },
      { key: 'priority', secret: false, required: false },
      { key: 'down_priority', secret: false, required: false },
      { key: 'username', secret: true, required: false },
      { key: 'password', secret: true, required: false },
    ]);
  });

  it('creates channels with validated settings, shows them redacted, and links them to sites', async ({ editor, viewer }) => {
    const res = await editor.request(CreateChannel, {
      input: {
        name: 'ops mail',
        provider: 'EMAIL',
        settings: { host: 'smtp.example.com', port: 587, user: 'u', pass: 'p4ss', from: 'up@example.com', to: 'ops@example.com' },
      },
    });
    expect(res.ok().createAlertChannel).toMatchObject({
      __typename: 'AlertChannelPayload',
      alertChannel: {
        name: 'ops mail',
        provider: 'EMAIL',
        settings: { host: 'smtp.example.com', port: '587', user: '***REDACTED***', pass: '***REDACTED***', from: 'up@example.com', to: 'ops@example.com' },
        revealedSettings: { host: 'smtp.example.com', port: '587', user: 'u', pass: 'p4ss', from: 'up@example.com', to: 'ops@example.com' },
      },
    });
    const channelId = res.payload('createAlertChannel', 'AlertChannelPayload').alertChannel.id;
    const site = await editor.request(SiteWithChannel, { input: { name: 'a', type: 'PUSH', alertChannelIds: [channelId] } });
    expect(site.ok().createSite).toMatchObject({ site: { alertChannels: [{ id: channelId, name: 'ops mail' }] } });

    const list = await viewer.request(Channels, {});
    expect(list.ok().alertChannels).toEqual([
      {
        id: channelId,
        name: 'ops mail',
        provider: 'EMAIL',
        settings: expect.objectContaining({ pass: '***REDACTED***' }),
        health: { lastSendAt: null, lastSendOk: false, lastError: '', sendCount: 0, failCount: 0 },
        sites: [{ id: site.payload('createSite', 'SitePayload').site.id, name: 'a' }],
      },
    ]);
  });

  it('refuses bad settings with the offending key as the field, and writes nothing', async ({ app: t, editor }) => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'd', provider: 'DISCORD', settings: {} }, 'settings.url'],
      [{ name: 'd', provider: 'DISCORD', settings: { url: 'not a url' } }, 'settings.url'],
      [{ name: 'd', provider: 'SLACK', settings: { url: 'https://x.example', channel: '#a' } }, 'settings.channel'],
      [{ name: 'd', provider: 'WEBHOOK', settings: 'https://x.example' }, 'settings'],
      [{ name: ' ', provider: 'WEBHOOK', settings: { url: 'https://x.example' } }, 'name'],
    ];
    for (const [input, field] of cases) {
      const res = await editor.request(CreateChannel, { input: input as never });
      expect(res.ok().createAlertChannel, JSON.stringify(input)).toMatchObject({ __typename: 'ValidationError', field });
    }
    expect(await t.app.deps.db.alertChannel.count()).toBe(0);
  });

  it('refuses the redaction mask as a value it cannot restore, naming the key, and changes nothing', async ({ app: t, editor }) => {
    const mask = '***REDACTED***';
    const created = await editor.request(CreateChannel, {
      input: { name: 'pager', provider: 'GOTIFY', settings: { url: 'https://push.example.com', token: 'g0tify' } },
    });
    const { id } = created.payload('createAlertChannel', 'AlertChannelPayload').alertChannel;
    const before = await t.app.deps.db.alertChannel.findFirstOrThrow();
    const refused = [
      // Copied from a read into a new channel: there is nothing stored to keep.
      [CreateChannel, { name: 'copy', provider: 'GOTIFY', settings: { url: 'https://push.example.com', token: mask } }, 'settings.token'],
      // Another provider's secret of the same name is not the one kept.
      [UpdateChannel, { id, provider: 'PUSHOVER', settings: { token: mask, user: 'u1' } }, 'settings.token'],
      // A key that was never stored.
      [UpdateChannel, { id, settings: { url: 'https://push.example.com', token: mask, priority: mask } }, 'settings.priority'],
    ] as const;
    for (const [mutation, input, field] of refused) {
      const res = await editor.request(mutation as typeof UpdateChannel, { input: input as never });
      const answer = Object.values(res.ok())[0];
      expect(answer, JSON.stringify(input)).toMatchObject({ __typename: 'ValidationError', field, message: expect.stringContaining('REDACTED') });
    }
    expect(await t.app.deps.db.alertChannel.findMany()).toEqual([before]);
    const kept = await editor.request(UpdateChannel, { input: { id, settings: { url: 'https://push.example.com/v2', token: mask } } });
    expect(kept.ok().updateAlertChannel).toMatchObject({ alertChannel: { revealedSettings: { url: 'https://push.example.com/v2', token: 'g0tify' } } });
  });

  describe('with ', () => {
    it.override({ appOptions: { env: { UPTOP_ENCRYPTION_KEY: KEY } } });

    it('keeps stored secrets when redacted values are sent back, re-validates on a provider change, and deletes', async ({ app: t, editor }) => {
      const created = await editor.request(CreateChannel, {
        input: { name: 'hook', provider: 'WEBHOOK', settings: { url: 'https://hooks.example.com/abc', secret: 'sign-me' } },
      });
      const { id, settings } = created.payload('createAlertChannel', 'AlertChannelPayload').alertChannel;

      const stored = await t.app.deps.db.alertChannel.findFirstOrThrow();
      expect(stored.settings.startsWith(ENCRYPTED_PREFIX)).toBe(true);
      expect(stored.settings).not.toContain('hooks.example.com');
      expect(stored.settings).not.toContain('sign-me');

      const renamed = await editor.request(UpdateChannel, {
        input: { id, name: 'hook 2', settings: { ...(settings as Record<string, string>), url: 'https://hooks.example.com/new' } },
      });
      expect(renamed.ok().updateAlertChannel).toMatchObject({
        alertChannel: { name: 'hook 2', revealedSettings: { url: 'https://hooks.example.com/new', secret: 'sign-me' } },
      });

      const toSlack = await editor.request(UpdateChannel, { input: { id, provider: 'SLACK' } });
      expect(toSlack.ok().updateAlertChannel).toMatchObject({ __typename: 'ValidationError', field: 'settings.secret' });
      const slack = await editor.request(UpdateChannel, { input: { id, provider: 'SLACK', settings: { url: 'https://hooks.slack.example/x' } } });
      expect(slack.ok().updateAlertChannel).toMatchObject({ alertChannel: { provider: 'SLACK', revealedSettings: { url: 'https://hooks.slack.example/x' } } });

      const unknown = await editor.request(UpdateChannel, { input: { id: globalId('AlertChannel', 9), name: 'x' } });
      expect(unknown.ok().updateAlertChannel.__typename).toBe('NotFoundError');

      await editor.request(SiteWithChannel, { input: { name: 'linked', type: 'PUSH', alertChannelIds: [id] } });
      const deleted = await editor.request(DeleteChannel, { input: { id } });
      expect(deleted.ok().deleteAlertChannel).toEqual({ __typename: 'DeletePayload', deletedId: id });
      expect(await t.app.deps.db.siteAlertChannel.count()).toBe(0);
      expect(await t.app.deps.db.site.count()).toBe(1);
      const again = await editor.request(DeleteChannel, { input: { id } });
      expect(again.ok().deleteAlertChannel.__typename).toBe('NotFoundError');
    });
  });

  it('sends a test alert to a local receiver and records the channel health', async ({ editor, viewer, channel: { id, receiver } }) => {
    const ok = await editor.request(TestChannel, { input: { id } });
    // The answer's channel counts the send already: its health is recorded before the answer.
    expect(ok.ok().testAlertChannel).toEqual({
      __typename: 'AlertChannelPayload',
      test: { ok: true, error: '' },
      alertChannel: { id, health: { sendCount: 1, failCount: 0, lastSendOk: true } },
    });
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.path).toBe('/alert');
    expect(receiver.requests[0]!.json()).toMatchObject({ event: 'test' });

    receiver.status = 500;
    const failed = await editor.request(TestChannel, { input: { id } });
    const test = failed.payload('testAlertChannel', 'AlertChannelPayload').test!;
    expect(test.ok).toBe(false);
    expect(test.error).toMatch(/500/);
    expect(failed.payload('testAlertChannel', 'AlertChannelPayload').alertChannel.health).toEqual({ sendCount: 2, failCount: 1, lastSendOk: false });

    const health = await viewer.request(Channels, {});
    expect(health.ok().alertChannels[0]!.health).toMatchObject({ lastSendOk: false, sendCount: 2, failCount: 1 });
    expect(health.ok().alertChannels[0]!.health.lastError).toMatch(/500/);
  });
});
