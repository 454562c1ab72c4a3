import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';

describe('GraphiQL in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('loads at /graphql from the installed package and shows the result of a query it runs', async ({ app: t }) => {
    const page = await browser.newPage();
    const external: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(t.url) && !req.url().startsWith('data:') && !req.url().startsWith('blob:')) external.push(req.url());
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));

    const query = '{ __typename }';
    const response = await page.goto(`${t.graphqlUrl}?query=${encodeURIComponent(query)}`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/text\/html/);
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => page.locator('.result-window').textContent(), { timeout: 15_000 }).toMatch(/"__typename":\s*"Query"/);

    expect(pageErrors).toEqual([]);
    expect(external).toEqual([]);
    await page.close();
  });

  it('runs subscriptions over graphql-ws from the page, passing the same-origin handshake check', async ({ app: t }) => {
    const page = await browser.newPage();
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));

    await page.goto(`${t.graphqlUrl}?query=${encodeURIComponent('subscription { siteStatusChanged { change { to } } }')}`);
    await page.locator('.graphiql-execute-button').click();
    // Anonymous, so the operation itself is refused: an answer that only comes back over an accepted WebSocket.
    await expect.poll(() => page.locator('.result-window').textContent(), { timeout: 15_000 }).toMatch(/UNAUTHENTICATED/);
    expect(sockets).toEqual([t.wsUrl]);
    await page.close();
  });
});
