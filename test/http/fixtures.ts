import { Writable } from 'node:stream';
import pino from 'pino';
import { expect } from 'vitest';
import type { TestApp } from '../helpers/app.ts';

const CREATE_SITE = /* GraphQL */ `
  mutation CreateSite($input: CreateSiteInput!) {
    createSite(input: $input) {
      __typename
      ... on SitePayload { site { id pushToken } }
      ... on Error { message }
    }
  }
`;

/** Creates a site through the API as the admin; returns its global ID and push token. */
export async function createSite(t: TestApp, input: Record<string, unknown>): Promise<{ id: string; pushToken: string | null }> {
  const res = await t.request<{ createSite: { __typename: string; site?: { id: string; pushToken: string | null }; message?: string } }>(
    CREATE_SITE,
    { input },
    t.users.admin.token,
  );
  expect(res.errors).toBeUndefined();
  const site = res.data?.createSite.site;
  if (!site) throw new Error(`createSite failed: ${JSON.stringify(res.data)}`);
  return site;
}

export async function createPushSite(t: TestApp, name = 'cron job'): Promise<{ id: string; token: string }> {
  const site = await createSite(t, { name, type: 'PUSH', interval: 300 });
  expect(site.pushToken).toMatch(/^[0-9a-f]{32}$/);
  return { id: site.id, token: site.pushToken! };
}

/** A pino logger whose lines are kept for assertions. */
export function capturingLogger(level = 'info'): { logger: pino.Logger; lines: () => { level: number; msg: string }[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    logger: pino({ level }, stream),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { level: number; msg: string }),
  };
}
