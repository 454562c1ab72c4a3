import { describe, expect, it } from '../helpers/fixtures.ts';
import { GO_EXAMPLE } from './example.ts';

const APPLY = /* GraphQL */ `
  mutation Apply($input: ApplyConfigInput!) {
    applyConfig(input: $input) {
      __typename
      ... on ApplyConfigPayload { applied summary changes { action kind name fields } }
      ... on ValidationError { field message issues { field message } }
      ... on Error { message }
    }
  }
`;

interface ApplyData {
  applyConfig: {
    __typename: string;
    applied?: boolean;
    summary?: string;
    changes?: { action: string; kind: string; name: string; fields: string[] }[];
    field?: string;
    message: string;
    issues?: { field: string; message: string }[];
  };
}

describe('applyConfig mutation', () => {
  it('applies a file for an ADMIN and returns the plan', async ({ admin, app: t }) => {
    const res = await admin.request<ApplyData>(APPLY, { input: { yaml: GO_EXAMPLE } });
    const payload = res.payload('applyConfig', 'ApplyConfigPayload');
    expect(payload.applied).toBe(true);
    expect(payload.summary).toBe('8 to create, 0 to update, 0 to delete');
    expect(payload.changes!.slice(0, 3)).toEqual([
      { action: 'CREATE', kind: 'ALERT', name: 'discord-ops', fields: [] },
      { action: 'CREATE', kind: 'ALERT', name: 'email-oncall', fields: [] },
      { action: 'CREATE', kind: 'MONITOR', name: 'Production', fields: [] },
    ]);
    expect(await t.app.deps.db.site.count()).toBe(6);
    const windows = await admin.request<ApplyData>(APPLY, {
      input: { yaml: `${GO_EXAMPLE}maintenance:\n  - title: upgrade\n    monitor: API\n` },
    });
    expect(windows.payload('applyConfig', 'ApplyConfigPayload').changes).toEqual([{ action: 'CREATE', kind: 'MAINTENANCE', name: 'upgrade', fields: [] }]);
    // Windows it creates are recorded as the admin's.
    expect((await t.app.deps.db.maintenanceWindow.findFirstOrThrow()).createdBy).toBe('admin');

    const edit = await admin.request<ApplyData>(APPLY, { input: { yaml: GO_EXAMPLE.replace('interval: 30', 'interval: 90') } });
    expect(edit.payload('applyConfig', 'ApplyConfigPayload').changes).toEqual([{ action: 'UPDATE', kind: 'MONITOR', name: 'API', fields: ['interval'] }]);
  });

  it('plans without writing on a dry run', async ({ admin, app: t }) => {
    const res = await admin.request<ApplyData>(APPLY, { input: { yaml: GO_EXAMPLE, dryRun: true } });
    const payload = res.payload('applyConfig', 'ApplyConfigPayload');
    expect(payload.applied).toBe(false);
    expect(payload.changes).toHaveLength(8);
    expect(await t.app.deps.db.site.count()).toBe(0);
    expect(await t.app.deps.db.alertChannel.count()).toBe(0);
  });

  it('refuses EDITOR and VIEWER with FORBIDDEN and writes nothing', async ({ editor, viewer, app: t }) => {
    for (const actor of [editor, viewer]) {
      const res = await actor.request<ApplyData>(APPLY, { input: { yaml: GO_EXAMPLE } });
      expect(res.code).toBe('FORBIDDEN');
      expect(res.data).toBeNull();
      const exported = await actor.request('{ exportConfig }');
      expect(exported.code).toBe('FORBIDDEN');
    }
    expect(await t.app.deps.db.site.count()).toBe(0);
  });

  it('answers a bad file with a ValidationError whose issues name the line and the field', async ({ admin, app: t }) => {
    const res = await admin.request<ApplyData>(APPLY, {
      input: { yaml: GO_EXAMPLE.replace('interval: 30', 'interval: 2').replace('type: dns', 'type: dnss'), fileName: 'prod.yaml' },
    });
    // Every problem in one answer: a shape mistake in one monitor does not hide a value mistake in another.
    expect(res.payload('applyConfig', 'ValidationError')).toEqual({
      __typename: 'ValidationError',
      field: 'monitors[0].monitors[0].interval',
      message: 'prod.yaml:26: monitors[0].monitors[0].interval: must be at least 5 seconds',
      issues: [
        { field: 'monitors[0].monitors[0].interval', message: 'prod.yaml:26: monitors[0].monitors[0].interval: must be at least 5 seconds' },
        { field: 'monitors[1].type', message: 'prod.yaml:39: monitors[1].type: must be one of http, push, ping, port, dns, group' },
      ],
    });
    expect(await t.app.deps.db.site.count()).toBe(0);
  });
});

describe('exportConfig query', () => {
  it('gives an ADMIN the configuration as YAML or JSON, which applies back as no change', async ({ admin }) => {
    await admin.request<ApplyData>(APPLY, { input: { yaml: GO_EXAMPLE } });
    const yaml = (await admin.request<{ exportConfig: string }>('{ exportConfig }')).ok().exportConfig;
    expect(yaml).toContain('pass: hunter2');
    const again = await admin.request<ApplyData>(APPLY, { input: { yaml, prune: true } });
    expect(again.payload('applyConfig', 'ApplyConfigPayload').summary).toBe('No changes');
    const json = (await admin.request<{ exportConfig: string }>('{ exportConfig(format: JSON) }')).ok().exportConfig;
    expect(JSON.parse(json).monitors[0]).toMatchObject({ name: 'Production', type: 'group', alert: 'discord-ops' });
  });
});
