import { describe, expect } from 'vitest';
import { it } from '../helpers/fixtures.ts';

const CREATE_SITE = /* GraphQL */ `
  mutation Create($input: CreateSiteInput!) {
    createSite(input: $input) {
      __typename
      ... on ValidationError { field message issues { field message } }
    }
  }
`;

const UPDATE_SITE = /* GraphQL */ `
  mutation Update($input: UpdateSiteInput!) {
    updateSite(input: $input) {
      __typename
      ... on ValidationError { field message issues { field message } }
    }
  }
`;

const CREATE_CHANNEL = /* GraphQL */ `
  mutation CreateChannel($input: CreateAlertChannelInput!) {
    createAlertChannel(input: $input) {
      __typename
      ... on ValidationError { field message issues { field message } }
    }
  }
`;

const CREATE_WINDOW = /* GraphQL */ `
  mutation CreateWindow($input: CreateMaintenanceWindowInput!) {
    createMaintenanceWindow(input: $input) {
      __typename
      ... on ValidationError { field message issues { field message } }
    }
  }
`;

const SITES = /* GraphQL */ `{ sites { totalCount } }`;

type Failure = { __typename: 'ValidationError'; field: string; message: string; issues: { field: string; message: string }[] };

describe('ValidationError', () => {
  it('reports every invalid field of a site, the first also as field and message, and creates nothing', async ({ editor }) => {
    const res = await editor.request<{ createSite: Failure }>(CREATE_SITE, {
      input: { name: 'api', type: 'HTTP', url: 'https://example.test/', interval: 2, timeout: 500 },
    });
    const error = res.payload('createSite', 'ValidationError');
    expect(error.issues.map((issue) => issue.field)).toEqual(['interval', 'timeout']);
    expect(error.issues.every((issue) => issue.message.length > 0)).toBe(true);
    expect({ field: error.field, message: error.message }).toEqual(error.issues[0]);
    expect((await editor.request<{ sites: { totalCount: number } }>(SITES)).ok().sites.totalCount).toBe(0);
  });

  it('reports every rule across fields a site breaks', async ({ editor }) => {
    const res = await editor.request<{ createSite: Failure }>(CREATE_SITE, { input: { name: 'api', type: 'HTTP', authType: 'BASIC' } });
    const error = res.payload('createSite', 'ValidationError');
    expect(error.issues.map((issue) => issue.field)).toEqual(['url', 'authSecret', 'authUsername']);
  });

  it('reports the rules across fields together with the invalid values beside them, on create and update', async ({ editor, site }) => {
    const created = await editor.request<{ createSite: Failure }>(CREATE_SITE, {
      input: { name: 'api', type: 'HTTP', url: 'ftp://example.test/', interval: 2, authType: 'BEARER' },
    });
    expect(created.payload('createSite', 'ValidationError').issues).toEqual([
      { field: 'interval', message: 'must be at least 5 seconds' },
      { field: 'url', message: 'must be an absolute http:// or https:// URL' },
      { field: 'authSecret', message: 'bearer auth needs a token' },
    ]);
    const updated = await editor.request<{ updateSite: Failure }>(UPDATE_SITE, { input: { id: site.id, type: 'PORT', timeout: 500 } });
    expect(updated.payload('updateSite', 'ValidationError').issues.map((issue) => issue.field)).toEqual(['timeout', 'port', 'hostname']);
    expect((await editor.request<{ sites: { totalCount: number } }>(SITES)).ok().sites.totalCount).toBe(1);
  });

  it('names a field once: a value refused as such is not reported again by the rules across fields', async ({ editor }) => {
    const res = await editor.request<{ createSite: Failure }>(CREATE_SITE, { input: { name: 'db', type: 'PORT', hostname: 'db.test', port: 70000 } });
    expect(res.payload('createSite', 'ValidationError').issues).toEqual([{ field: 'port', message: 'must be at most 65535' }]);
  });

  it('reports a null that is not allowed together with the invalid values beside it', async ({ editor, site }) => {
    const res = await editor.request<{ updateSite: Failure }>(UPDATE_SITE, { input: { id: site.id, interval: null, timeout: 500 } });
    const error = res.payload('updateSite', 'ValidationError');
    expect(error.issues.map((issue) => issue.field)).toEqual(['interval', 'timeout']);
    expect(error.issues[0]!.message).toBe('must not be null');
  });

  it('reports every invalid setting of an alert channel', async ({ editor }) => {
    const res = await editor.request<{ createAlertChannel: Failure }>(CREATE_CHANNEL, {
      input: { name: 'ops', provider: 'WEBHOOK', settings: { url: 'not a url', color: 'red' } },
    });
    const error = res.payload('createAlertChannel', 'ValidationError');
    expect(error.issues.map((issue) => issue.field).sort()).toEqual(['settings.color', 'settings.url']);
    expect(error.field).toBe(error.issues[0]!.field);
  });

  it('reports every rule a maintenance window breaks', async ({ editor, clock }) => {
    const now = clock.now().getTime();
    const res = await editor.request<{ createMaintenanceWindow: Failure }>(CREATE_WINDOW, {
      input: {
        title: 'db',
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now - 60_000).toISOString(),
        durationMinutes: 30,
        timezone: 'Europe/Berlin',
      },
    });
    const error = res.payload('createMaintenanceWindow', 'ValidationError');
    expect(error.issues.map((issue) => issue.field)).toEqual(['endsAt', 'durationMinutes', 'timezone']);
  });

  it('has one issue, its field and message, for a single invalid field', async ({ editor }) => {
    const res = await editor.request<{ createSite: Failure }>(CREATE_SITE, { input: { name: 'api', type: 'HTTP', url: 'https://example.test/', port: 0 } });
    const error = res.payload('createSite', 'ValidationError');
    expect(error.issues).toEqual([{ field: 'port', message: error.message }]);
  });
});
