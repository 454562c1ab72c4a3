import { expect } from 'vitest';
import type { TestApp } from './app.ts';

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
  return res.payload('createSite', 'SitePayload').site!;
}

export async function createPushSite(t: TestApp, name = 'cron job'): Promise<{ id: string; token: string }> {
  const site = await createSite(t, { name, type: 'PUSH', interval: 300 });
  expect(site.pushToken).toMatch(/^[0-9a-f]{32}$/);
  return { id: site.id, token: site.pushToken! };
}

/**
 * When the seeded sites of history tests were created: before every window they read. A site's uptime counts from
 * its creation (Site.uptime), so history seeded before that would not count.
 */
export const LONG_AGO = new Date(0);

/** Dates a site created through the API back to LONG_AGO, for history seeded before it. */
export async function createdLongAgo(t: TestApp, siteId: number): Promise<void> {
  await t.app.deps.writer.submit((tx) => tx.site.update({ where: { id: siteId }, data: { createdAt: LONG_AGO } }));
}
