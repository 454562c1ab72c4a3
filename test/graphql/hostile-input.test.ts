import { describe, expect, it } from '../helpers/fixtures.ts';

/* Inputs a careless or hostile client sends: each is refused with a typed error naming its field, and nothing changes. */

type Answer = { __typename: string; field?: string; message?: string };

const CREATE_SITE = /* GraphQL */ `
  mutation HostileCreateSite($input: CreateSiteInput!) {
    createSite(input: $input) { __typename ... on ValidationError { field message } ... on Error { message } }
  }
`;

const UPDATE_SITE = /* GraphQL */ `
  mutation HostileUpdateSite($input: UpdateSiteInput!) {
    updateSite(input: $input) { __typename ... on ValidationError { field message } ... on Error { message } }
  }
`;

const CREATE_CHANNEL = /* GraphQL */ `
  mutation HostileCreateChannel($input: CreateAlertChannelInput!) {
    createAlertChannel(input: $input) { __typename ... on ValidationError { field message } ... on Error { message } }
  }
`;

const CREATE_WINDOW = /* GraphQL */ `
  mutation HostileCreateWindow($input: CreateMaintenanceWindowInput!) {
    createMaintenanceWindow(input: $input) { __typename ... on ValidationError { field message } ... on Error { message } }
  }
`;

const CREATE_TOKEN = /* GraphQL */ `
  mutation HostileCreateToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) { __typename ... on ValidationError { field message } ... on Error { message } }
  }
`;

const CREATE_USER = /* GraphQL */ `
  mutation HostileCreateUser($input: CreateUserInput!) {
    createUser(input: $input) { __typename ... on UserPayload { user { username } } ... on ValidationError { field message } ... on Error { message } }
  }
`;

const UPDATE_USER = /* GraphQL */ `
  mutation HostileUpdateUser($input: UpdateUserInput!) {
    updateUser(input: $input) { __typename ... on UserPayload { user { username } } ... on ValidationError { field message } ... on Error { message } }
  }
`;

const CONTROL = 'must not contain control characters';

describe('control characters and NUL bytes', () => {
  it('are refused in names and titles, naming the field, and nothing is written', async ({ app, editor, site }) => {
    const refused: [string, string, Record<string, unknown>, string][] = [
      ['createSite', CREATE_SITE, { name: 'api\u0000', type: 'PUSH' }, 'name'],
      ['createSite', CREATE_SITE, { name: 'api\nDOWN: database', type: 'PUSH' }, 'name'],
      ['createAlertChannel', CREATE_CHANNEL, { name: 'ops\u0007', provider: 'WEBHOOK', settings: { url: 'http://127.0.0.1:9/' } }, 'name'],
      ['createMaintenanceWindow', CREATE_WINDOW, { title: 'db \u001b[31mupgrade' }, 'title'],
      ['createApiToken', CREATE_TOKEN, { name: 'ci\u0000' }, 'name'],
    ];
    for (const [field, document, input, name] of refused) {
      const answer = (await editor.request<Record<string, Answer>>(document, { input })).ok()[field]!;
      expect({ field, answer }).toEqual({ field, answer: { __typename: 'ValidationError', field: name, message: expect.stringContaining(CONTROL) } });
    }

    const rename = (await editor.request<{ updateSite: Answer }>(UPDATE_SITE, { input: { id: site.id, name: 'fixture\u0000site' } })).ok().updateSite;
    expect(rename).toMatchObject({ __typename: 'ValidationError', field: 'name' });

    const db = app.app.deps.db;
    expect((await db.site.findMany({ select: { name: true } })).map((s) => s.name)).toEqual([site.name]);
    expect(await db.alertChannel.count()).toBe(0);
    expect(await db.maintenanceWindow.count()).toBe(0);
    expect(await db.apiToken.count()).toBe(0);
  });

  it("are refused in a probe token's name as in an API token's", async ({ app, admin }) => {
    const answer = await admin.request<{ createProbeToken: Answer }>(
      `mutation { createProbeToken(input: { name: "eu-west\u0000" }) { __typename ... on ValidationError { field message } ... on Error { message } } }`,
    );
    expect(answer.ok().createProbeToken).toEqual({ __typename: 'ValidationError', field: 'name', message: expect.stringContaining(CONTROL) });
    expect(await app.app.deps.db.apiToken.count()).toBe(0);
  });

  it('are refused in a host name and a URL, and NUL bytes, which PostgreSQL refuses in text, in every other text', async ({ app, editor }) => {
    const refused: [string, string, Record<string, unknown>, string][] = [
      ['createSite', CREATE_SITE, { name: 'ping', type: 'PING', hostname: 'db.internal\u0007.example' }, 'hostname'],
      ['createSite', CREATE_SITE, { name: 'web', type: 'HTTP', url: 'http://127.0.0.1:9/\u001b[2J' }, 'url'],
      ['createSite', CREATE_SITE, { name: 'push', type: 'PUSH', description: 'nightly\u0000backup' }, 'description'],
      ['createSite', CREATE_SITE, { name: 'push', type: 'PUSH', regions: 'eu\u0000' }, 'regions'],
      ['createSite', CREATE_SITE, { name: 'web', type: 'HTTP', url: 'http://127.0.0.1:9/', keyword: 'ok\u0000' }, 'keyword'],
      ['createSite', CREATE_SITE, { name: 'web', type: 'HTTP', url: 'http://127.0.0.1:9/', httpBody: '{}\u0000' }, 'httpBody'],
      ['createSite', CREATE_SITE, { name: 'web', type: 'HTTP', url: 'http://127.0.0.1:9/', authType: 'BEARER', authSecret: 't\u0000' }, 'authSecret'],
      [
        'createSite',
        CREATE_SITE,
        { name: 'web', type: 'HTTP', url: 'http://127.0.0.1:9/', authType: 'BASIC', authUsername: 'u\u0000', authSecret: 'p' },
        'authUsername',
      ],
      ['createMaintenanceWindow', CREATE_WINDOW, { title: 'db', description: 'upgrade\u0000' }, 'description'],
    ];
    for (const [field, document, input, name] of refused) {
      const answer = (await editor.request<Record<string, Answer>>(document, { input })).ok()[field]!;
      expect({ field, answer }).toEqual({ field, answer: { __typename: 'ValidationError', field: name, message: expect.any(String) } });
    }
    expect(await app.app.deps.db.site.count()).toBe(0);
    expect(await app.app.deps.db.maintenanceWindow.count()).toBe(0);
  });

  it('are refused in a search, which PostgreSQL could not compare', async ({ editor }) => {
    const res = await editor.request('{ sites(search: "db\\u0000") { totalCount } }');
    expect(res.errors).toEqual([expect.objectContaining({ message: 'search must not contain a NUL byte', extensions: { code: 'BAD_USER_INPUT' } })]);
  });

  it('leaves descriptions their line breaks and tabs', async ({ editor }) => {
    const answer = (await editor.request<{ createSite: Answer }>(CREATE_SITE, { input: { name: 'push', type: 'PUSH', description: 'line 1\n\tline 2' } })).ok()
      .createSite;
    expect(answer.__typename).toBe('SitePayload');
  });
});

describe('usernames that differ only by case', () => {
  it('are taken: creating or renaming to one is a ConflictError and changes nothing', async ({ app, admin, editor }) => {
    const created = (await admin.request<{ createUser: Answer }>(CREATE_USER, { input: { username: 'ADMIN', password: 'long-enough' } })).ok().createUser;
    expect(created).toEqual({ __typename: 'ConflictError', message: expect.stringContaining('"ADMIN" is taken') });

    const renamed = (await admin.request<{ updateUser: Answer }>(UPDATE_USER, { input: { id: editor.id, username: 'Viewer' } })).ok().updateUser;
    expect(renamed).toEqual({ __typename: 'ConflictError', message: expect.stringContaining('"Viewer" is taken') });

    const usernames = (await app.app.deps.db.user.findMany({ orderBy: { id: 'asc' }, select: { username: true } })).map((u) => u.username);
    expect(usernames).toEqual(['admin', 'editor', 'viewer']);
  });

  it('may still be given to the same user', async ({ admin, editor }) => {
    const renamed = (await admin.request<{ updateUser: Answer }>(UPDATE_USER, { input: { id: editor.id, username: 'Editor' } })).ok().updateUser;
    expect(renamed).toEqual({ __typename: 'UserPayload', user: { username: 'Editor' } });
  });
});

const UPDATE_CHANNEL = /* GraphQL */ `
  mutation HostileUpdateChannel($input: UpdateAlertChannelInput!) {
    updateAlertChannel(input: $input) { __typename ... on ValidationError { field message } ... on Error { message } }
  }
`;

describe('an explicit null on a field that cannot be empty', () => {
  it('is refused by updateUser, not read as "unchanged"', async ({ app, admin, editor }) => {
    for (const field of ['username', 'role', 'password']) {
      const answer = (await admin.request<{ updateUser: Answer }>(UPDATE_USER, { input: { id: editor.id, [field]: null } })).ok().updateUser;
      expect(answer).toEqual({ __typename: 'ValidationError', field, message: 'must not be null' });
    }
    expect(await app.app.deps.db.user.findUniqueOrThrow({ where: { username: 'editor' }, select: { role: true } })).toEqual({ role: 'EDITOR' });
  });

  it('is refused by updateAlertChannel, not read as "unchanged"', async ({ app, editor, channel }) => {
    for (const field of ['name', 'provider']) {
      const answer = (await editor.request<{ updateAlertChannel: Answer }>(UPDATE_CHANNEL, { input: { id: channel.id, [field]: null } })).ok()
        .updateAlertChannel;
      expect(answer).toEqual({ __typename: 'ValidationError', field, message: 'must not be null' });
    }
    const stored = await app.app.deps.db.alertChannel.findFirstOrThrow({ select: { name: true, updatedAt: true, createdAt: true } });
    expect(stored.name).toBe(channel.name);
    expect(stored.updatedAt).toEqual(stored.createdAt);
  });
});
