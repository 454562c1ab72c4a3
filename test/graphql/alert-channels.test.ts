import { describe, expect, it } from 'vitest';
import { ENCRYPTED_PREFIX } from '../../src/alerts/crypto.ts';
import { graphql } from '../gql/index.ts';
import { startTestApp } from '../helpers/app.ts';
import { startReceiver } from '../helpers/receiver.ts';

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
      ... on AlertChannelPayload { test { ok error } alertChannel { id } }
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

describe('alert channels', () => {
  it('creates channels with validated settings, shows them redacted, and links them to sites', async () => {
    const t = await startTestApp();
    const res = await t.request(CreateChannel, {
      input: { name: 'ops mail', provider: 'EMAIL', settings: { host: 'smtp.example.com', port: 587, user: 'u', pass: 'p4ss', from: 'up@example.com', to: 'ops@example.com' } },
    }, t.users.editor.token);
    expect(res.data!.createAlertChannel).toMatchObject({
      __typename: 'AlertChannelPayload',
      alertChannel: {
        name: 'ops mail',
        provider: 'EMAIL',
        settings: { host: 'smtp.example.com', port: '587', user: '***REDACTED***', pass: '***REDACTED***', from: 'up@example.com', to: 'ops@example.com' },
        revealedSettings: { host: 'smtp.example.com', port: '587', user: 'u', pass: 'p4ss', from: 'up@example.com', to: 'ops@example.com' },
      },
    });
    const channelId = (res.data!.createAlertChannel as { alertChannel: { id: string } }).alertChannel.id;
    const site = await t.request(SiteWithChannel, { input: { name: 'a', type: 'PUSH', alertChannelIds: [channelId] } }, t.users.editor.token);
    expect(site.data!.createSite).toMatchObject({ site: { alertChannels: [{ id: channelId, name: 'ops mail' }] } });

    const list = await t.request(Channels, {}, t.users.viewer.token);
    expect(list.data!.alertChannels).toEqual([
      {
        id: channelId,
        name: 'ops mail',
        provider: 'EMAIL',
        settings: expect.objectContaining({ pass: '***REDACTED***' }),
        health: { lastSendAt: null, lastSendOk: false, lastError: '', sendCount: 0, failCount: 0 },
        sites: [{ id: (site.data!.createSite as { site: { id: string } }).site.id, name: 'a' }],
      },
    ]);
  });

  it('refuses bad settings with the offending key as the field, and writes nothing', async () => {
    const t = await startTestApp();
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'd', provider: 'DISCORD', settings: {} }, 'settings.url'],
      [{ name: 'd', provider: 'DISCORD', settings: { url: 'not a url' } }, 'settings.url'],
      [{ name: 'd', provider: 'SLACK', settings: { url: 'https://x.example', channel: '#a' } }, 'settings.channel'],
      [{ name: 'd', provider: 'WEBHOOK', settings: 'https://x.example' }, 'settings'],
      [{ name: ' ', provider: 'WEBHOOK', settings: { url: 'https://x.example' } }, 'name'],
    ];
    for (const [input, field] of cases) {
      const res = await t.request(CreateChannel, { input: input as never }, t.users.editor.token);
      expect(res.data!.createAlertChannel, JSON.stringify(input)).toMatchObject({ __typename: 'ValidationError', field });
    }
    expect(await t.app.deps.db.alertChannel.count()).toBe(0);
  });

  it('keeps stored secrets when redacted values are sent back, re-validates on a provider change, and deletes', async () => {
    const t = await startTestApp({ env: { UPTOP_ENCRYPTION_KEY: KEY } });
    const created = await t.request(CreateChannel, {
      input: { name: 'hook', provider: 'WEBHOOK', settings: { url: 'https://hooks.example.com/abc', secret: 'sign-me' } },
    }, t.users.editor.token);
    const { id, settings } = (created.data!.createAlertChannel as { alertChannel: { id: string; settings: Record<string, string> } }).alertChannel;

    const stored = await t.app.deps.db.alertChannel.findFirstOrThrow();
    expect(stored.settings.startsWith(ENCRYPTED_PREFIX)).toBe(true);
    expect(stored.settings).not.toContain('hooks.example.com');
    expect(stored.settings).not.toContain('sign-me');

    const renamed = await t.request(UpdateChannel, { input: { id, name: 'hook 2', settings: { ...settings, url: 'https://hooks.example.com/new' } } }, t.users.editor.token);
    expect(renamed.data!.updateAlertChannel).toMatchObject({
      alertChannel: { name: 'hook 2', revealedSettings: { url: 'https://hooks.example.com/new', secret: 'sign-me' } },
    });

    const toSlack = await t.request(UpdateChannel, { input: { id, provider: 'SLACK' } }, t.users.editor.token);
    expect(toSlack.data!.updateAlertChannel).toMatchObject({ __typename: 'ValidationError', field: 'settings.secret' });
    const slack = await t.request(UpdateChannel, { input: { id, provider: 'SLACK', settings: { url: 'https://hooks.slack.example/x' } } }, t.users.editor.token);
    expect(slack.data!.updateAlertChannel).toMatchObject({ alertChannel: { provider: 'SLACK', revealedSettings: { url: 'https://hooks.slack.example/x' } } });

    const unknown = await t.request(UpdateChannel, { input: { id: Buffer.from('AlertChannel:9').toString('base64'), name: 'x' } }, t.users.editor.token);
    expect(unknown.data!.updateAlertChannel.__typename).toBe('NotFoundError');

    await t.request(SiteWithChannel, { input: { name: 'linked', type: 'PUSH', alertChannelIds: [id] } }, t.users.editor.token);
    const deleted = await t.request(DeleteChannel, { input: { id } }, t.users.editor.token);
    expect(deleted.data!.deleteAlertChannel).toEqual({ __typename: 'DeletePayload', deletedId: id });
    expect(await t.app.deps.db.siteAlertChannel.count()).toBe(0);
    expect(await t.app.deps.db.site.count()).toBe(1);
    const again = await t.request(DeleteChannel, { input: { id } }, t.users.editor.token);
    expect(again.data!.deleteAlertChannel.__typename).toBe('NotFoundError');
  });

  it('sends a test alert to a local receiver and records the channel health', async () => {
    const t = await startTestApp();
    const receiver = await startReceiver();
    const created = await t.request(CreateChannel, {
      input: { name: 'hook', provider: 'WEBHOOK', settings: { url: `${receiver.url}/alert` } },
    }, t.users.editor.token);
    const id = (created.data!.createAlertChannel as { alertChannel: { id: string } }).alertChannel.id;

    const ok = await t.request(TestChannel, { input: { id } }, t.users.editor.token);
    expect(ok.data!.testAlertChannel).toEqual({ __typename: 'AlertChannelPayload', test: { ok: true, error: '' }, alertChannel: { id } });
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.path).toBe('/alert');
    expect(receiver.requests[0]!.json()).toMatchObject({ event: 'test' });

    receiver.status = 500;
    const failed = await t.request(TestChannel, { input: { id } }, t.users.editor.token);
    const test = (failed.data!.testAlertChannel as { test: { ok: boolean; error: string } }).test;
    expect(test.ok).toBe(false);
    expect(test.error).toMatch(/500/);

    await t.app.deps.writer.flush();
    const health = await t.request(Channels, {}, t.users.viewer.token);
    expect(health.data!.alertChannels[0]!.health).toMatchObject({ lastSendOk: false, sendCount: 2, failCount: 1 });
    expect(health.data!.alertChannels[0]!.health.lastError).toMatch(/500/);
  });
});
