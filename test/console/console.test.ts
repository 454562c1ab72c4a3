import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, onTestFinished } from 'vitest';
import { PROVIDER_DEFINITIONS } from '../../src/alerts/providers/registry.ts';
import { settingSpecs } from '../../src/alerts/providers/setting-specs.ts';
import { systemClock } from '../../src/clock.ts';
import { cspViolations, launchChromium } from '../helpers/chromium.ts';
import type { TestApp } from '../helpers/app.ts';
import { type Actor, describe, expect, it } from '../helpers/fixtures.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { createPushSite, createSite } from '../helpers/sites.ts';
import { startHttpTarget } from '../helpers/targets.ts';
import { ensureConsoleBuilt, pageProblems, pageRequests, signIn } from './support.ts';

const OUTPUT = path.resolve(import.meta.dirname, '../../test-output');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
/** How long the page may take to show what the engine did: checks run on the real clock, every 5 s at the most. */
const LIVE_MS = 15_000;

const CREATE_SITE = /* GraphQL */ `
  mutation ConsoleTestSite($input: CreateSiteInput!) {
    createSite(input: $input) { __typename ... on SitePayload { site { id } } ... on Error { message } }
  }
`;

const SITE_PAUSED = /* GraphQL */ `
  mutation ConsoleTestPause($input: SetSitePausedInput!) { setSitePaused(input: $input) { __typename } }
`;

const CHECK_NOW = /* GraphQL */ `
  mutation ConsoleTestCheckNow($input: IdInput!) { checkSiteNow(input: $input) { __typename } }
`;

const DELETE_SITE = /* GraphQL */ `
  mutation ConsoleTestDelete($input: DeleteInput!) { deleteSite(input: $input) { __typename } }
`;

const UPDATE_SITE = /* GraphQL */ `
  mutation ConsoleTestUpdate($input: UpdateSiteInput!) { updateSite(input: $input) { __typename } }
`;

const SITE_EDITED = /* GraphQL */ `
  query ConsoleTestSiteEdited($id: ID!) { site(id: $id) { name timeout maxRetries maxRedirects } }
`;

const UPDATE_USER = /* GraphQL */ `
  mutation ConsoleTestUpdateUser($input: UpdateUserInput!) { updateUser(input: $input) { __typename } }
`;

const SITE_STATUS = /* GraphQL */ `
  query ConsoleTestSiteStatus($id: ID!) { site(id: $id) { status } }
`;

const SITE_FIELDS = /* GraphQL */ `
  query ConsoleTestSiteFields($id: ID!) { site(id: $id) { keyword acceptedCodes } }
`;

/** The mutations inside the site list since `watchRows`: the names of the rows whose insides changed, and whether the list itself did. */
async function watchRows(page: Page): Promise<() => Promise<{ rows: string[]; list: boolean }>> {
  await page.evaluate(() => {
    const list = document.querySelector('ul.sites')!;
    const seen = { rows: new Set<string>(), list: false };
    new MutationObserver((records) => {
      for (const r of records) {
        const row = (r.target instanceof Element ? r.target : r.target.parentElement)?.closest('li.site');
        if (row) seen.rows.add(row.querySelector('.name')?.textContent ?? '?');
        else seen.list = true;
      }
    }).observe(list, { subtree: true, childList: true, attributes: true, characterData: true });
    (window as unknown as { rowMutations: typeof seen }).rowMutations = seen;
  });
  return () =>
    page.evaluate(() => {
      const seen = (window as unknown as { rowMutations: { rows: Set<string>; list: boolean } }).rowMutations;
      return { rows: [...seen.rows], list: seen.list };
    });
}

/** A webhook channel signed with `sign-me`, made through the API; returns what reads its name and settings, secrets included. */
async function createSignedWebhook(admin: Actor, name: string, url: string): Promise<() => Promise<{ name: string; revealedSettings: unknown }>> {
  const made = await admin.request<{ createAlertChannel: { alertChannel: { id: string } } }>(
    'mutation ($input: CreateAlertChannelInput!) { createAlertChannel(input: $input) { ... on AlertChannelPayload { alertChannel { id } } } }',
    { input: { name, provider: 'WEBHOOK', settings: { url, secret: 'sign-me' } } },
  );
  const id = made.ok().createAlertChannel.alertChannel.id;
  return async () =>
    (
      await admin.request<{ node: { name: string; revealedSettings: unknown } }>(
        'query ($id: ID!) { node(id: $id) { ... on AlertChannel { name revealedSettings } } }',
        { id },
      )
    ).ok().node;
}

describe('the console in a browser', () => {
  // The engine checks on the real clock: the page is watched while it really happens.
  it.override({ appOptions: { clock: systemClock } });

  let browser: Browser;
  beforeAll(async () => {
    ensureConsoleBuilt();
    browser = await launchChromium();
    fs.mkdirSync(OUTPUT, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function newPage(viewport = DESKTOP, options: BrowserContextOptions = {}): Promise<Page> {
    const context = await browser.newContext({ ...options, viewport });
    // Under vitest's own timeout, so a step that never happens fails with the locator it waited for.
    context.setDefaultTimeout(10_000);
    onTestFinished(() => context.close());
    return context.newPage();
  }

  it('serves the console at / under the usual security headers, and its hashed assets for good', async ({ app }) => {
    const page = await fetch(`${app.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const scripts = [...html.matchAll(/src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toMatch(/^\/console\/assets\/index-[\w-]+\.js$/);
    const script = await fetch(`${app.url}${scripts[0]}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${app.url}/console/assets/nothing.js`)).status).toBe(404);
    // GraphQL is still where it was.
    expect((await app.request('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('an editor signs in, adds an HTTP monitor, sees it UP, then DOWN live, opens its chart, pauses it and signs out', async ({ app, admin, editor }) => {
    const target = await startHttpTarget();
    onTestFinished(() => target.close());
    const docs = await admin.request(CREATE_SITE, { input: { name: 'Docs', type: 'HTTP', url: target.url, paused: true } });
    expect(docs.data?.createSite.__typename).toBe('SitePayload');

    const page = await newPage();
    const problems = pageProblems(page);
    const requests = pageRequests(page);
    const violations = await cspViolations(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.locator('li.site', { hasText: 'Docs' }).waitFor();

    // The API's validation issues appear beside the fields they name; nothing is created.
    await page.getByRole('button', { name: 'New monitor' }).click();
    await page.getByLabel('Name').fill('Shop');
    // The fields follow the type, as in the original's form.
    await page.getByLabel('Type').selectOption('PORT');
    expect([await page.getByLabel('Hostname').count(), await page.getByLabel('Port').count(), await page.getByLabel('URL').count()]).toEqual([1, 1, 0]);
    await page.getByLabel('Type').selectOption('HTTP');
    expect([await page.getByLabel('Hostname').count(), await page.getByLabel('Method').count(), await page.getByLabel('URL').count()]).toEqual([0, 1, 1]);
    await page.getByLabel('URL').fill('ftp://127.0.0.1/');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#site-url-issue').waitFor();
    expect(await page.getByLabel('URL').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('URL').fill(target.url);
    await page.getByLabel('Interval').fill('2');
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await page.locator('#site-interval-issue').textContent()).toMatch(/at least 5/);
    expect(await page.locator('#site-url-issue').count()).toBe(0);

    await page.getByLabel('Interval').fill('5');
    await page.getByRole('button', { name: 'Save' }).click();
    const shop = page.locator('li.site', { hasText: 'Shop' });
    await page.locator('li.site[data-status="UP"]', { hasText: 'Shop' }).waitFor({ timeout: LIVE_MS });
    expect(await page.locator('li.site .name').allTextContents()).toEqual(['Shop', 'Docs']);
    // Its uptime figures are read for the new row too.
    await shop.locator('.uptime', { hasText: '100%' }).first().waitFor();

    // The target fails: the row turns DOWN with the error, in the page as loaded, and no other row is touched.
    await page.evaluate(() => ((window as unknown as { loaded: boolean }).loaded = true));
    const mutations = await watchRows(page);
    target.reply({ status: 503, body: 'down for maintenance' });
    await page.locator('li.site[data-status="DOWN"]', { hasText: 'Shop' }).waitFor({ timeout: LIVE_MS });
    expect(await shop.locator('.error-line').textContent()).toMatch(/503/);
    expect(await page.evaluate(() => (window as unknown as { loaded?: boolean }).loaded)).toBe(true);
    expect(await mutations()).toEqual({ rows: ['Shop'], list: false });
    expect(await page.locator('.summary').textContent()).toMatch(/1 down/);

    await page.screenshot({ path: path.join(OUTPUT, 'console-dashboard-desktop.png'), fullPage: true });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: path.join(OUTPUT, 'console-dashboard-phone.png'), fullPage: true });
    await page.setViewportSize(DESKTOP);

    // `/` focuses the filter; filtering keeps the matching rows.
    await page.keyboard.press('/');
    await page.keyboard.type('sho');
    expect(await page.locator('li.site .name').allTextContents()).toEqual(['Shop']);

    // Enter opens the first monitor listed.
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Shop/ }).waitFor();
    // The UP checks before the failure measured a latency: the chart draws it.
    await page.locator('.chart svg path.p50').waitFor({ state: 'attached', timeout: LIVE_MS });
    expect(await page.getByRole('img', { name: /Latency chart/ }).count()).toBe(1);
    expect(await page.locator('table.checks tr').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(OUTPUT, 'console-detail-desktop.png'), fullPage: true });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: path.join(OUTPUT, 'console-detail-phone.png'), fullPage: true });
    await page.setViewportSize(DESKTOP);

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await page.locator('h1 .badge[data-status="PAUSED"]').waitFor();
    // `p` resumes it, and pauses it again.
    await page.keyboard.press('p');
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    await page.keyboard.press('p');
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    const stored = await admin.request<{ sites: { edges: { node: { name: string; paused: boolean } }[] } }>(
      '{ sites(first: 10) { edges { node { name paused } } } }',
    );
    expect(stored.data?.sites.edges.map((e) => e.node)).toEqual([
      { name: 'Docs', paused: true },
      { name: 'Shop', paused: true },
    ]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    expect(problems).toEqual([]);
    // It runs under the policy without inline script or style (its session token is in sessionStorage).
    expect(violations).toEqual([]);
    expect(requests.filter((url) => !url.startsWith(app.url) && !url.startsWith(app.wsUrl))).toEqual([]);
  }, 90_000);

  it('an editor adds a webhook alert channel, meets the settings issue beside its field, and test-sends it', async ({ app, editor }) => {
    const receiver = await startReceiver();
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByLabel('Name').fill('ops hook');
    await page.getByLabel('Provider').selectOption('WEBHOOK');
    await page.getByLabel('url', { exact: true }).fill('not a url');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#channel-url-issue').waitFor();

    await page.getByLabel('url', { exact: true }).fill(`${receiver.url}/hook`);
    await page.getByRole('button', { name: 'Save' }).click();
    const channel = page.locator('li.channel', { hasText: 'ops hook' });
    await channel.getByText('never sent').waitFor();
    const received = receiver.nextRequest();
    await channel.getByRole('button', { name: 'Send test' }).click();
    expect(JSON.parse((await received).body.toString())).toMatchObject({ event: 'test' });
    await channel.getByText('Test sent').waitFor();

    // A failing endpoint: the result says so, and the health (written in the background) on the next visit.
    receiver.status = 500;
    await channel.getByRole('button', { name: 'Send test' }).click();
    await channel.getByText(/Test failed/).waitFor();
    await app.app.deps.writer.flush();
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('link', { name: 'Alerts' }).click();
    await channel.getByText(/2 sent, 1 failed/).waitFor();
    await page.screenshot({ path: path.join(OUTPUT, 'console-alerts-desktop.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('an editor opens a maintenance window, meets the duration and cron issues beside their fields, and ends the window', async ({ app, editor }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.getByRole('link', { name: 'Maintenance' }).click();
    await page.getByLabel('Title').fill('Database upgrade');
    await page.getByLabel(/^Repeats \(cron/).fill('every sunday');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#window-duration-issue').waitFor();
    await page.getByLabel('Minutes each time').fill('60');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#window-recurrence-issue').waitFor();
    expect(await page.locator('li.window').count()).toBe(0);

    await page.getByLabel(/^Repeats \(cron/).fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    const window = page.locator('li.window', { hasText: 'Database upgrade' });
    await window.getByText('ACTIVE').waitFor();
    expect(await window.textContent()).toMatch(/every monitor/);
    await window.getByRole('button', { name: 'End now' }).click();
    await window.getByRole('button', { name: 'End now' }).waitFor({ state: 'detached' });
    expect(await window.getByText('ACTIVE').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('an admin adds a user, meeting the password rule beside its field', async ({ app, admin }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, admin.username, admin.password);
    await page.getByRole('link', { name: 'Users' }).click();
    await page.locator('tr[data-user="viewer"]').waitFor();
    const form = page.locator('form.user-form');
    await form.getByLabel('Username').fill('oncall');
    await form.getByLabel('Password').fill('short');
    await form.getByLabel('Role').selectOption('EDITOR');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.locator('#user-password-issue').waitFor();
    expect(await page.locator('tr[data-user="oncall"]').count()).toBe(0);

    await form.getByLabel('Password').fill('a long enough password');
    await form.getByRole('button', { name: 'Save' }).click();
    expect(await page.locator('tr[data-user="oncall"]').getByLabel('Role of oncall').inputValue()).toBe('EDITOR');
    // The new user can sign in.
    expect(await app.login('oncall', 'a long enough password')).toMatch(/\S/);
    expect(problems).toEqual([]);
  });

  it("an admin changes a user's role, and is told why the last admin cannot be demoted", async ({ app, admin, viewer }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, admin.username, admin.password);
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Role of viewer').selectOption('EDITOR');
    const roleOf = async (username: string) =>
      (await admin.request<{ users: { username: string; role: string }[] }>('{ users { username role } }')).data?.users.find((u) => u.username === username)
        ?.role;
    await expect.poll(() => roleOf(viewer.username)).toBe('EDITOR');

    await page.getByLabel(`Role of ${admin.username}`).selectOption('VIEWER');
    await page.getByRole('alert').filter({ hasText: /admin/i }).waitFor();
    await expect.poll(() => page.getByLabel(`Role of ${admin.username}`).inputValue()).toBe('ADMIN');
    expect(await roleOf(admin.username)).toBe('ADMIN');
    expect(problems).toEqual([]);
  });

  it('lists a group followed by its children, which collapse and expand', async ({ app, admin, viewer }) => {
    const create = async (input: Record<string, unknown>) => {
      const res = await admin.request<{ createSite: { site?: { id: string } } }>(CREATE_SITE, { input: { paused: true, ...input } });
      return res.data!.createSite.site!.id;
    };
    const platform = await create({ name: 'Platform', type: 'GROUP' });
    await create({ name: 'Web', type: 'HTTP', url: 'http://127.0.0.1:9/', parentId: platform });
    await create({ name: 'API', type: 'HTTP', url: 'http://127.0.0.1:9/', parentId: platform });
    await create({ name: 'Billing', type: 'HTTP', url: 'http://127.0.0.1:9/' });

    const page = await newPage();
    await signIn(page, app.url, viewer.username, viewer.password);
    await page.locator('li.site', { hasText: 'Billing' }).waitFor();
    const rows = () =>
      page.locator('li.site').evaluateAll((els) => els.map((el) => `${el.classList.contains('child') ? '  ' : ''}${el.querySelector('.name a')?.textContent}`));
    expect(await rows()).toEqual(['Billing', 'Platform', '  API', '  Web']);
    await page.getByRole('button', { name: 'Collapse Platform' }).click();
    expect(await rows()).toEqual(['Billing', 'Platform']);
    await page.getByRole('button', { name: 'Expand Platform' }).click();
    expect(await rows()).toEqual(['Billing', 'Platform', '  API', '  Web']);
  });

  it('a user makes an API token, shown once and working, then revokes it', async ({ app, viewer }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, viewer.username, viewer.password);
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Name').fill('grafana');
    await page.getByRole('button', { name: 'Save' }).click();
    const token = (await page.locator('.created-token code').textContent())!;
    await page.locator('tr[data-token="grafana"]').waitFor();
    const me = '{ me { username } }';
    expect((await app.request(me, {}, token)).data).toEqual({ me: { username: 'viewer' } });

    page.on('dialog', (dialog) => void dialog.accept());
    await page.locator('tr[data-token="grafana"]').getByRole('button', { name: 'Revoke' }).click();
    await page.locator('tr[data-token="grafana"]').waitFor({ state: 'detached' });
    expect((await app.request(me, {}, token)).data?.me ?? null).toBeNull();
    expect(problems).toEqual([]);
  });

  it('a user changes their own password, meeting a wrong current one and a short new one beside their fields', async ({ app, viewer }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, viewer.username, viewer.password);
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Current password').fill('not-my-password');
    await page.getByLabel('New password', { exact: true }).fill('a much longer passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#password-current-issue', { hasText: 'is not your current password' }).waitFor();
    await page.getByLabel('Current password').fill(viewer.password);
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#password-new-issue', { hasText: 'must be at least 8 characters' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill('a much longer passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();

    const login = 'mutation ($input: LoginInput!) { login(input: $input) { __typename } }';
    const as = async (password: string) => (await app.request(login, { input: { username: viewer.username, password } })).data;
    expect(await as('a much longer passphrase')).toEqual({ login: { __typename: 'LoginPayload' } });
    expect(await as(viewer.password)).not.toEqual({ login: { __typename: 'LoginPayload' } });
    expect(problems).toEqual([]);
  });

  it('a user gives a new API token an expiry, sees it in the list, and is told when it is not in the future', async ({ app, viewer }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, viewer.username, viewer.password);
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Name').fill('nightly');
    await page.getByLabel('Expires (blank: never)').fill('2000-01-01T00:00');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#token-expires').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByText('must be in the future').count()).toBe(1);
    expect(await app.app.deps.db.apiToken.count()).toBe(0);

    await page.getByLabel('Expires (blank: never)').fill('2099-01-01T00:00');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.created-token code').waitFor();
    // The browser and this process share the time zone: the field's local time is the same instant here.
    const stored = await app.app.deps.db.apiToken.findFirstOrThrow({ where: { name: 'nightly' } });
    expect(stored.expiresAt).toEqual(new Date('2099-01-01T00:00'));
    await expect.poll(() => page.locator('tr[data-token="nightly"] .token-expiry').textContent()).toMatch(/^expires /);
    expect(problems).toEqual([]);
  });

  it('deleting, ending or revoking what is already gone elsewhere says so, instead of seeming to work', async ({ app, admin, editor }) => {
    const made = await admin.request<{ createAlertChannel: { alertChannel: { id: string } }; createMaintenanceWindow: { maintenanceWindow: { id: string } } }>(
      `mutation {
        createAlertChannel(input: { name: "Ops hook", provider: WEBHOOK, settings: { url: "http://127.0.0.1:9/hook" } }) { ... on AlertChannelPayload { alertChannel { id } } }
        createMaintenanceWindow(input: { title: "Patching" }) { ... on MaintenanceWindowPayload { maintenanceWindow { id } } }
      }`,
    );
    const channelId = made.ok().createAlertChannel.alertChannel.id;
    const windowId = made.ok().createMaintenanceWindow.maintenanceWindow.id;
    const page = await newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await signIn(page, app.url, editor.username, editor.password);
    const gone = async (mutation: string, id: string) => expect((await admin.request(mutation, { input: { id } })).errors).toBeUndefined();

    await page.getByRole('link', { name: 'Alerts' }).click();
    const channel = page.locator('li[data-channel="Ops hook"]');
    await channel.waitFor();
    await gone('mutation ($input: DeleteInput!) { deleteAlertChannel(input: $input) { __typename } }', channelId);
    await channel.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('alert').filter({ hasText: 'AlertChannel not found' }).waitFor();

    await page.getByRole('link', { name: 'Maintenance' }).click();
    const window = page.locator('li[data-window="Patching"]');
    await window.waitFor();
    await gone('mutation ($input: IdInput!) { endMaintenanceWindow(input: $input) { __typename } }', windowId);
    await gone('mutation ($input: DeleteInput!) { deleteMaintenanceWindow(input: $input) { __typename } }', windowId);
    await window.getByRole('button', { name: 'End now' }).click();
    await page.getByRole('alert').filter({ hasText: 'MaintenanceWindow not found' }).waitFor();

    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Name').fill('grafana');
    await page.getByRole('button', { name: 'Save' }).click();
    const token = page.locator('tr[data-token="grafana"]');
    await token.waitFor();
    const tokens = await editor.request<{ apiTokens: { id: string; name: string }[] }>('{ apiTokens { id name } }');
    await gone('mutation ($input: DeleteInput!) { revokeApiToken(input: $input) { __typename } }', tokens.ok().apiTokens.find((t) => t.name === 'grafana')!.id);
    await token.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('alert').filter({ hasText: 'ApiToken not found' }).waitFor();
  });

  it('a viewer sees every monitor and no edit control', async ({ app, site, viewer }) => {
    const page = await newPage(PHONE);
    const problems = pageProblems(page);
    await signIn(page, app.url, viewer.username, viewer.password);
    await page.locator('li.site', { hasText: site.name }).getByRole('link').click();
    await page.getByRole('heading', { name: new RegExp(site.name) }).waitFor();
    expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);
    // Anchored at the start: a per-item button's name goes on with the item's (`Delete fixture site`).
    for (const name of ['New monitor', 'Pause', 'Resume', 'Delete', 'Check now', 'Edit']) {
      expect(await page.getByRole('button', { name: new RegExp(`^${name}( |$)`) }).count(), name).toBe(0);
    }
    // Nor does the form open by its key or its address.
    await page.keyboard.press('n');
    await page.goto(`${app.url}/#/new`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.getByLabel('Name').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    // The page says why it is empty, under a heading that takes the focus; so does the users page by its address.
    await page.getByText('Not for your role (viewer): ask an admin.').waitFor();
    expect(await page.getByRole('heading', { name: 'Edit a monitor' }).count()).toBe(1);
    await page.goto(`${app.url}/#/users`);
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    // The title is set in an effect, which Preact runs after the frame that shows the heading.
    await expect.poll(() => page.title()).toBe('Users · uptop');
    expect(await page.getByRole('button', { name: /Reset password|Delete|Save/ }).count()).toBe(0);
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { name: 'Alert channels' }).waitFor();
    expect(await page.getByRole('button', { name: /Send test|Delete|Save/ }).count()).toBe(0);
    await page.getByRole('link', { name: 'Maintenance' }).click();
    await page.getByRole('heading', { name: 'Maintenance' }).waitFor();
    expect(await page.getByRole('button', { name: /End now|Delete|Save/ }).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('the Logs page lists the log written before it opened', async ({ app, admin, viewer }) => {
    const { id } = await createPushSite(app, 'Nightly backup');
    await admin.request(SITE_PAUSED, { input: { id, paused: true } });
    const logged = "Monitor 'Nightly backup' paused";
    await expect
      .poll(async () => (await admin.request<{ logs: { message: string }[] }>('{ logs(first: 100) { message } }')).data?.logs.map((l) => l.message))
      .toContain(logged);

    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, viewer.username, viewer.password);
    await page.getByRole('link', { name: 'Logs' }).click();
    await page.locator('ol.log li', { hasText: logged }).waitFor();
    expect(await page.locator('section.logs p.error').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("a wrong password and a taken username show the API's own message", async ({ app, admin, viewer }) => {
    const page = await newPage();
    await page.goto(`${app.url}/`);
    await page.getByLabel('Username').fill(admin.username);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.locator('form.sign-in p.error[role=alert]').textContent()).toBe('invalid username or password');

    await signIn(page, app.url, admin.username, admin.password);
    await page.getByRole('link', { name: 'Users' }).click();
    const form = page.locator('form.user-form');
    await form.getByLabel('Username').fill(viewer.username);
    await form.getByLabel('Password').fill('a long enough password');
    await form.getByRole('button', { name: 'Save' }).click();
    expect(await form.locator('p.error[role=alert]').textContent()).toBe(`the username "${viewer.username}" is taken`);
  });

  it('the edit form clears an optional field: a blank keyword is saved as none, blank accepted codes as the default', async ({ app, editor }) => {
    const { id } = await createSite(app, {
      name: 'Storefront',
      type: 'HTTP',
      url: 'http://127.0.0.1:9/',
      keyword: 'welcome',
      acceptedCodes: '200-204',
      paused: true,
    });
    const stored = async () => {
      const res = await editor.request<{ site: { keyword: string | null; acceptedCodes: string } }>(SITE_FIELDS, { id });
      return res.data?.site;
    };

    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.goto(`${app.url}/#/edit/${encodeURIComponent(id)}`);
    await expect.poll(() => page.getByLabel('Keyword').inputValue()).toBe('welcome');
    await page.getByLabel('Keyword').fill('');
    await page.getByLabel('Accepted codes').fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('section.detail h1', { hasText: 'Storefront' }).waitFor();
    expect(await stored()).toEqual({ keyword: null, acceptedCodes: '200-299' });

    // Opened again, the form shows what was saved, not what the page had cached before.
    await page.getByRole('button', { name: 'Edit' }).click();
    await expect.poll(() => page.getByLabel('Name', { exact: true }).inputValue()).toBe('Storefront');
    expect([await page.getByLabel('Keyword').inputValue(), await page.getByLabel('Accepted codes').inputValue()]).toEqual(['', '200-299']);
    expect(problems).toEqual([]);
  });

  it('the form puts a monitor in a group and takes it out again', async ({ app, editor }) => {
    const group = await createSite(app, { name: 'Databases', type: 'GROUP' });
    const { id } = await createSite(app, { name: 'Primary DB', type: 'PORT', hostname: '127.0.0.1', port: 9, paused: true });
    const parentOf = async () =>
      (await editor.request<{ site: { parent: { name: string } | null } }>('query ($id: ID!) { site(id: $id) { parent { name } } }', { id })).data?.site.parent;

    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.goto(`${app.url}/#/edit/${encodeURIComponent(id)}`);
    await expect.poll(() => page.getByLabel('Name', { exact: true }).inputValue()).toBe('Primary DB');
    await expect.poll(() => page.getByLabel('Group').locator('option').allTextContents()).toEqual(['none', 'Databases']);
    await page.getByLabel('Group').selectOption({ label: 'Databases' });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('section.detail h1', { hasText: 'Primary DB' }).waitFor();
    expect(await parentOf()).toEqual({ name: 'Databases' });

    await page.getByRole('button', { name: 'Edit' }).click();
    await expect.poll(() => page.getByLabel('Group').inputValue()).toBe(group.id);
    await page.getByLabel('Group').selectOption({ label: 'none' });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('section.detail h1', { hasText: 'Primary DB' }).waitFor();
    expect(await parentOf()).toBeNull();

    // A group has no group of its own to choose: they do not nest.
    await page.goto(`${app.url}/#/edit/${encodeURIComponent(group.id)}`);
    await expect.poll(() => page.getByLabel('Name', { exact: true }).inputValue()).toBe('Databases');
    expect(await page.getByLabel('Group').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('saving an edit puts back nothing another user changed since: neither what the form read before nor what it did not touch', async ({
    app,
    admin,
    editor,
  }) => {
    const { id } = await createSite(app, { name: 'Storefront', type: 'HTTP', url: 'http://127.0.0.1:9/', timeout: 5, paused: true });
    const stored = async () =>
      (await editor.request<{ site: { name: string; timeout: number; maxRetries: number; maxRedirects: number } }>(SITE_EDITED, { id })).data?.site;
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.goto(`${app.url}/#/edit/${encodeURIComponent(id)}`);
    await expect.poll(() => page.getByLabel('Timeout').inputValue()).toBe('5');
    await page.goBack();
    // Changed by someone else while this tab holds the monitor in its cache.
    await admin.request(UPDATE_SITE, { input: { id, timeout: 30 } });
    await page.goto(`${app.url}/#/edit/${encodeURIComponent(id)}`);
    await expect.poll(() => page.getByLabel('Timeout').inputValue()).toBe('30');
    // And again while the form is open: the retries this user does not touch stay as the other one set them.
    await admin.request(UPDATE_SITE, { input: { id, maxRetries: 3 } });
    await page.getByLabel('Name', { exact: true }).fill('Shop');
    await expect.poll(() => page.getByLabel('Max redirects').inputValue()).toBe('10');
    await page.getByLabel('Max redirects').fill('0');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('section.detail h1', { hasText: 'Shop' }).waitFor();
    expect(await stored()).toEqual({ name: 'Shop', timeout: 30, maxRetries: 3, maxRedirects: 0 });
    expect(problems).toEqual([]);
  });

  it('`p` pauses the monitor shown, after the address moved to it from another', async ({ app, editor }) => {
    const first = await createPushSite(app, 'First job');
    const second = await createPushSite(app, 'Second job');
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.goto(`${app.url}/#/site/${encodeURIComponent(first.id)}`);
    await page.locator('section.detail h1', { hasText: 'First job' }).waitFor();
    await page.getByRole('button', { name: 'Pause' }).waitFor();

    await page.evaluate((id) => (location.hash = `#/site/${encodeURIComponent(id)}`), second.id);
    await page.locator('section.detail h1', { hasText: 'Second job' }).waitFor();
    await page.keyboard.press('p');
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    const paused = await editor.request<{ sites: { edges: { node: { name: string; paused: boolean } }[] } }>(
      '{ sites(first: 10) { edges { node { name paused } } } }',
    );
    expect(paused.data?.sites.edges.map((e) => e.node)).toEqual([
      { name: 'First job', paused: false },
      { name: 'Second job', paused: true },
    ]);
    expect(problems).toEqual([]);
  });

  it("a channel's health line counts a test send without leaving the page", async ({ app, editor, channel }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.getByRole('link', { name: 'Alerts' }).click();
    const row = page.locator('li.channel', { hasText: channel.name });
    await row.getByText('never sent').waitFor();
    const received = channel.receiver.nextRequest();
    await row.getByRole('button', { name: 'Send test' }).click();
    await received;
    await row.getByText('Test sent').waitFor();
    await row.locator('.health', { hasText: /^1 sent, 0 failed · last .* ok$/ }).waitFor();
    expect(problems).toEqual([]);
  });

  it('the time-zone picker shows UTC in a UTC browser and saves it, and offers UTC elsewhere', async ({ app, editor }) => {
    const windows = async () =>
      (
        await editor.request<{ maintenanceWindows: { edges: { node: { title: string; timezone: string | null } }[] } }>(
          '{ maintenanceWindows(first: 10) { edges { node { title timezone } } } }',
        )
      ).data?.maintenanceWindows.edges.map((e) => e.node);
    const openForm = async (page: Page, title: string) => {
      await signIn(page, app.url, editor.username, editor.password);
      await page.getByRole('link', { name: 'Maintenance' }).click();
      await page.getByLabel('Title').fill(title);
      await page.getByLabel(/^Repeats \(cron/).fill('0 3 * * 0');
      await page.getByLabel('Minutes each time').fill('60');
    };
    const picker = (page: Page) =>
      page.locator('#window-timezone').evaluate((select: HTMLSelectElement) => ({
        value: select.value,
        shown: select.selectedOptions[0]?.textContent ?? null,
        first: select.options[0]?.value,
      }));

    const utc = await newPage(DESKTOP, { timezoneId: 'UTC' });
    const problems = pageProblems(utc);
    await openForm(utc, 'Sunday patching');
    expect(await picker(utc)).toEqual({ value: 'UTC', shown: 'UTC', first: 'UTC' });
    await utc.getByRole('button', { name: 'Save' }).click();
    await utc.locator('li.window', { hasText: 'Sunday patching' }).waitFor();
    expect(await windows()).toEqual([{ title: 'Sunday patching', timezone: 'UTC' }]);
    expect(problems).toEqual([]);

    // Elsewhere the browser's own zone is the one shown (and sent); UTC can be chosen.
    const kolkata = await newPage(DESKTOP, { timezoneId: 'Asia/Kolkata' });
    await openForm(kolkata, 'Backups');
    const own = await kolkata.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(await picker(kolkata)).toEqual({ value: own, shown: own, first: 'UTC' });
    await kolkata.getByLabel('Time zone').selectOption('UTC');
    await kolkata.getByRole('button', { name: 'Save' }).click();
    await kolkata.locator('li.window', { hasText: 'Backups' }).waitFor();
    expect(await windows()).toContainEqual({ title: 'Backups', timezone: 'UTC' });
  });

  /**
   * A viewer's dashboard showing an HTTP site UP, its graphql-ws connections routed through the test: `goAway` drops
   * them, has every new one refused while `refuse()` says so, and makes the site go DOWN meanwhile. Checked once a
   * minute: no check of its own brings the change to the page within the test. `listedBefore` paused monitors are
   * created first, so the site can be put past the first page of the list.
   */
  async function dashboardThatLosesItsSocket(app: TestApp, admin: Actor, viewer: Actor, refuse: () => boolean, listedBefore = 0) {
    const target = await startHttpTarget();
    onTestFinished(() => target.close());
    for (let i = 0; i < listedBefore; i++) {
      const res = await admin.request(CREATE_SITE, { input: { name: `Cron ${String(i).padStart(3, '0')}`, type: 'PUSH', paused: true } });
      expect(res.data?.createSite.__typename).toBe('SitePayload');
    }
    const { id } = await createSite(app, { name: 'Wiki', type: 'HTTP', url: target.url, interval: 60 });
    const page = await newPage();
    const problems = pageProblems(page);
    let away = false;
    const sockets: WebSocketRoute[] = [];
    await page.routeWebSocket(/\/graphql$/, (ws) => {
      if (away && refuse()) return void ws.close({ code: 1012 });
      ws.connectToServer();
      sockets.push(ws);
    });
    await signIn(page, app.url, viewer.username, viewer.password);
    await page.locator('li.site[data-status="UP"]', { hasText: 'Wiki' }).waitFor({ timeout: LIVE_MS });
    const goAway = async () => {
      away = true;
      for (const ws of sockets.splice(0)) await ws.close({ code: 1012 });
      target.reply({ status: 503, body: 'gone' });
      await admin.request(CHECK_NOW, { input: { id } });
      await expect.poll(async () => (await admin.request<{ site: { status: string } }>(SITE_STATUS, { id })).data?.site.status).toBe('DOWN');
    };
    return { page, problems, goAway, down: page.locator('li.site[data-status="DOWN"]', { hasText: 'Wiki' }) };
  }

  it('after the WebSocket dropped, the dashboard catches up with what happened while it was away', async ({ app, admin, viewer }) => {
    let back = false;
    const { page, problems, goAway, down } = await dashboardThatLosesItsSocket(app, admin, viewer, () => !back);
    // The connection drops (a proxy restarts, a laptop wakes up) and the site goes DOWN before it is back.
    await goAway();
    // graphql-ws connects again by itself, after a randomised back-off of a few seconds.
    const reconnected = page.waitForEvent('websocket', { predicate: () => back, timeout: 30_000 });
    back = true;
    await reconnected;
    await down.waitFor({ timeout: LIVE_MS });
    expect(problems.filter((p) => !p.includes('WebSocket'))).toEqual([]);
  }, 60_000);

  it('after the WebSocket dropped, the dashboard catches up on a site past its first page of 100', async ({ app, admin, viewer }) => {
    let back = false;
    const { page, goAway, down } = await dashboardThatLosesItsSocket(app, admin, viewer, () => !back, 100);
    await expect.poll(() => page.locator('li.site').count()).toBe(101);
    await goAway();
    const reconnected = page.waitForEvent('websocket', { predicate: () => back, timeout: 30_000 });
    back = true;
    await reconnected;
    await down.waitFor({ timeout: LIVE_MS });
  }, 90_000);

  it("keeps trying to reach the server past graphql-ws's five tries, and then catches up", async ({ app, admin, viewer }) => {
    // A server restart that outlasts graphql-ws's default five tries: the first REFUSED tries after the drop are refused.
    const REFUSED = 6;
    let tries = 0;
    const { goAway, down } = await dashboardThatLosesItsSocket(app, admin, viewer, () => ++tries <= REFUSED);
    await goAway();
    await expect.poll(() => tries, { timeout: 45_000, interval: 200 }).toBeGreaterThan(REFUSED);
    await down.waitFor({ timeout: 20_000 });
  }, 90_000);

  it('the dashboard follows monitors added, paused and deleted elsewhere while it is open', async ({ app, admin, viewer }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, viewer.username, viewer.password);
    await page.getByText('No monitors yet.').waitFor();
    // Through the API, as another tab or a script does it: none of these is a check or a state change.
    const { id } = await createPushSite(app, 'Nightly backup');
    await page.locator('li.site', { hasText: 'Nightly backup' }).waitFor({ timeout: LIVE_MS });
    await admin.request(SITE_PAUSED, { input: { id, paused: true } });
    await page.locator('li.site[data-status="PAUSED"]', { hasText: 'Nightly backup' }).waitFor({ timeout: LIVE_MS });
    expect(await page.locator('.summary').textContent()).toMatch(/1 paused/);
    await admin.request(DELETE_SITE, { input: { id } });
    await page.locator('li.site').waitFor({ state: 'detached', timeout: LIVE_MS });
    expect(problems).toEqual([]);
  });

  it("the dashboard and a monitor's page follow edits and a delete made elsewhere while they are open", async ({ app, admin, viewer }) => {
    const target = await startHttpTarget();
    onTestFinished(() => target.close());
    const { id } = await createSite(app, { name: 'Wiki', type: 'HTTP', url: target.url, interval: 60 });
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, viewer.username, viewer.password);
    await page.locator('li.site', { hasText: 'Wiki' }).waitFor();
    // Through the API, as another tab or another user does it: no check, no state change, no count moves.
    const moved = `${target.url}moved`;
    expect((await admin.request(UPDATE_SITE, { input: { id, name: 'Team wiki', url: moved } })).data?.updateSite.__typename).toBe('SitePayload');
    await page.locator('li.site .target', { hasText: moved }).waitFor({ timeout: LIVE_MS });
    expect(await page.locator('li.site .name').textContent()).toBe('Team wiki');

    await page.locator('li.site a', { hasText: 'Team wiki' }).click();
    await page.locator('section.detail h1', { hasText: 'Team wiki' }).waitFor();
    await admin.request(UPDATE_SITE, { input: { id, name: 'Handbook', interval: 120 } });
    await page.locator('section.detail h1', { hasText: 'Handbook' }).waitFor({ timeout: LIVE_MS });
    await page.getByText('every 120s').waitFor();
    await admin.request(DELETE_SITE, { input: { id } });
    await page.getByText('No such monitor.').waitFor({ timeout: LIVE_MS });
    expect(problems).toEqual([]);
  });

  it('a tab whose role dropped to viewer elsewhere, with no socket open to hear it, takes its edit controls away at the first refusal', async ({
    app,
    admin,
    editor,
    channel,
  }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    // Opened afresh on a page without live events: no WebSocket is open.
    await page.goto(`${app.url}/#/alerts`);
    await page.reload();
    const channelRow = page.locator('li.channel', { hasText: channel.name });
    await channelRow.getByRole('button', { name: 'Send test' }).waitFor();
    const demoted = await admin.request<{ updateUser: { __typename: string } }>(UPDATE_USER, { input: { id: editor.id, role: 'VIEWER' } });
    expect(demoted.data?.updateUser.__typename).toBe('UserPayload');
    await channelRow.getByRole('button', { name: 'Send test' }).click();
    await page.getByRole('button', { name: 'New monitor' }).waitFor({ state: 'detached' });
    expect(await channelRow.getByRole('button').count()).toBe(0);
    expect(await page.locator('.user').textContent()).toMatch(/viewer/);
    expect(problems).toEqual([]);
  });

  it('a tab whose session ended elsewhere goes back to the sign-in form instead of showing frozen statuses', async ({ app, site, viewer }) => {
    const page = await newPage();
    await signIn(page, app.url, viewer.username, viewer.password);
    await page.locator('li.site', { hasText: site.name }).waitFor();
    // Signed out in a duplicate of this tab, which shares its session; this one only listens to the WebSocket.
    const token = await page.evaluate(() => sessionStorage.getItem('uptop.token'));
    expect((await app.request<{ logout: boolean }>('mutation { logout }', {}, token!)).data).toEqual({ logout: true });
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it("the uptime per day ends with the browser's today, not UTC's", async ({ app, site, viewer }) => {
    // A zone whose date is not UTC's now: 14 hours ahead late in the UTC day, 11 hours behind early in it.
    const timezoneId = new Date().getUTCHours() >= 10 ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago';
    const page = await newPage(DESKTOP, { timezoneId });
    const problems = pageProblems(page);
    await signIn(page, app.url, viewer.username, viewer.password);
    await page.goto(`${app.url}/#/site/${encodeURIComponent(site.id)}`);
    const last = page.locator('ol.days li').last();
    await last.waitFor();
    const today = await page.evaluate(() => new Date().toLocaleDateString('en-CA'));
    expect(await last.getAttribute('title')).toMatch(new RegExp(`^${today}: `));
    expect(problems).toEqual([]);
  });

  it('the delete question takes the focus where the keyboard is, and gives it back when withdrawn', async ({ app, site, editor }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.goto(`${app.url}/#/site/${encodeURIComponent(site.id)}`);
    const focused = () => page.evaluate(() => document.activeElement?.textContent ?? null);
    await page.getByRole('button', { name: `Delete ${site.name}`, exact: true }).focus();
    await page.keyboard.press('Enter');
    // Cancel, the harmless answer, has it: one more Enter deletes nothing.
    await expect.poll(focused).toBe('Cancel');
    await page.keyboard.press('Enter');
    await expect.poll(focused).toBe(`Delete ${site.name}`);
    expect(await page.locator('section.detail h1', { hasText: site.name }).count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it('an editor edits an alert channel: issues beside their fields, and its stored secret kept, never replaced by its mask', async ({ app, admin, editor }) => {
    const receiver = await startReceiver();
    const stored = await createSignedWebhook(admin, 'ops hook', `${receiver.url}/hook`);
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('button', { name: 'Edit ops hook', exact: true }).click();
    const editForm = (name: string) => page.locator('form.channel-form', { hasText: `Edit ${name}` });
    let form = editForm('ops hook');
    // The form takes the focus. A webhook's URL is a secret too: the API reads out only the mask of each, not shown.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('channel-edit-name');
    for (const key of ['url', 'secret']) {
      const field = form.getByLabel(key, { exact: true });
      expect([await field.inputValue(), await field.getAttribute('placeholder')], key).toEqual(['', 'stored: blank keeps it']);
    }
    await form.getByLabel('url', { exact: true }).fill('not a url');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.locator('#channel-edit-url-issue').waitFor();
    expect(await form.getByLabel('url', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await stored()).toEqual({ name: 'ops hook', revealedSettings: { url: `${receiver.url}/hook`, secret: 'sign-me' } });

    // Renamed, the secrets left blank: both are kept.
    await form.getByLabel('url', { exact: true }).fill('');
    await form.getByLabel('Name').fill('ops hook 2');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    expect(await stored()).toEqual({ name: 'ops hook 2', revealedSettings: { url: `${receiver.url}/hook`, secret: 'sign-me' } });
    // The focus goes back to where the edit began.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Edit ops hook 2');

    // A new URL typed in replaces the stored one; the blank secret is still kept, and still signs the alert.
    await page.getByRole('button', { name: 'Edit ops hook 2', exact: true }).click();
    form = editForm('ops hook 2');
    await form.getByLabel('url', { exact: true }).fill(`${receiver.url}/v2`);
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    expect(await stored()).toEqual({ name: 'ops hook 2', revealedSettings: { url: `${receiver.url}/v2`, secret: 'sign-me' } });
    const received = receiver.nextRequest();
    await page.getByRole('button', { name: 'Send test ops hook 2', exact: true }).click();
    const request = await received;
    expect(request.path).toBe('/v2');
    expect(request.headers['x-uptop-signature']).toBe(`sha256=${createHmac('sha256', 'sign-me').update(request.body).digest('hex')}`);
    expect(problems).toEqual([]);
  });

  it("the channel form offers every provider's settings as the API declares them: secrets hidden, required ones said so", async ({ app, editor }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.getByRole('link', { name: 'Alerts' }).click();
    const form = page.locator('form.channel-form', { hasText: 'New alert channel' });
    const provider = form.getByLabel('Provider');
    const offered = () =>
      form.locator('.field:has(input[name^="channel-"]:not([name="channel-name"]))').evaluateAll((fields) =>
        fields.map((field) => {
          const input = field.querySelector('input')!;
          return {
            key: field.querySelector('label')!.textContent,
            secret: input.type === 'password',
            required: input.getAttribute('aria-required') === 'true',
          };
        }),
      );
    // The form is shown once the API has listed the providers.
    await provider.waitFor();
    expect((await provider.locator('option').allTextContents()).sort()).toEqual(PROVIDER_DEFINITIONS.map((d) => d.provider).sort());
    for (const definition of PROVIDER_DEFINITIONS) {
      await provider.selectOption(definition.provider);
      expect(await offered(), definition.provider).toEqual(settingSpecs(definition));
    }

    // A secret is typed hidden, and shown on demand to check it: Pushover's user key among them.
    await provider.selectOption('PUSHOVER');
    const user = form.getByLabel('user', { exact: true });
    await user.fill('u-key-123');
    const show = form.getByRole('button', { name: 'Show user', exact: true });
    expect([await user.getAttribute('type'), await show.getAttribute('aria-pressed')]).toEqual(['password', 'false']);
    await show.click();
    expect([await user.getAttribute('type'), await show.getAttribute('aria-pressed'), await user.inputValue()]).toEqual(['text', 'true', 'u-key-123']);
    await show.click();
    expect(await user.getAttribute('type')).toBe('password');
    // A setting that is no secret stays plain text, with no toggle.
    expect(await form.getByLabel('priority', { exact: true }).getAttribute('type')).toBe('text');
    expect(await form.getByRole('button', { name: 'Show priority', exact: true }).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("an editor removes a channel's stored optional secret; a required one offers no removal", async ({ app, admin, editor }) => {
    const receiver = await startReceiver();
    const read = await createSignedWebhook(admin, 'signed hook', `${receiver.url}/hook`);
    const stored = async () => (await read()).revealedSettings;
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('button', { name: 'Edit signed hook', exact: true }).click();
    const form = page.locator('form.channel-form', { hasText: 'Edit signed hook' });
    const remove = form.getByLabel('Remove the stored secret');
    await remove.waitFor();
    expect(await form.getByLabel('Remove the stored url').count()).toBe(0);

    // Ticked and unticked again, it removes nothing.
    await remove.check();
    expect([
      await form.getByLabel('secret', { exact: true }).isDisabled(),
      await form.getByLabel('secret', { exact: true }).getAttribute('placeholder'),
    ]).toEqual([true, 'removed when saved']);
    await remove.uncheck();
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    expect(await stored()).toEqual({ url: `${receiver.url}/hook`, secret: 'sign-me' });

    await page.getByRole('button', { name: 'Edit signed hook', exact: true }).click();
    await form.getByLabel('Remove the stored secret').check();
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    expect(await stored()).toEqual({ url: `${receiver.url}/hook` });
    // The alert goes out unsigned, and the secret is no longer offered for removal.
    const received = receiver.nextRequest();
    await page.getByRole('button', { name: 'Send test signed hook', exact: true }).click();
    expect((await received).headers['x-uptop-signature']).toBeUndefined();
    await page.getByRole('button', { name: 'Edit signed hook', exact: true }).click();
    await form.getByLabel('url', { exact: true }).waitFor();
    expect(await form.getByLabel('Remove the stored secret').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("the document's title names the page, and a monitor's page its monitor", async ({ app, site, editor }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await page.goto(`${app.url}/`);
    await expect.poll(() => page.title()).toBe('Sign in · uptop');
    await signIn(page, app.url, editor.username, editor.password);
    await expect.poll(() => page.title()).toBe('Monitors · uptop');
    for (const [link, title] of [
      ['Alerts', 'Alert channels'],
      ['Maintenance', 'Maintenance'],
      ['Logs', 'Logs'],
      ['Tokens', 'API tokens'],
      ['Dashboard', 'Monitors'],
    ]) {
      await page.getByRole('link', { name: link, exact: true }).click();
      await expect.poll(() => page.title(), { message: link }).toBe(`${title} · uptop`);
    }
    await page.locator('li.site a', { hasText: site.name }).click();
    await expect.poll(() => page.title()).toBe(`${site.name} · uptop`);
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await expect.poll(() => page.title()).toBe(`Edit ${site.name} · uptop`);
    await page.goBack();
    await expect.poll(() => page.title()).toBe(`${site.name} · uptop`);
    await page.keyboard.press('n');
    await expect.poll(() => page.title()).toBe('New monitor · uptop');
    expect(problems).toEqual([]);
  });

  it('an editor edits a maintenance window: its values loaded, the issue beside its field, then saved', async ({ app, admin, editor }) => {
    const db = await createPushSite(app, 'Primary DB');
    const made = await admin.request<{ createMaintenanceWindow: { maintenanceWindow: { id: string } } }>(
      'mutation ($input: CreateMaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { ... on MaintenanceWindowPayload { maintenanceWindow { id } } } }',
      { input: { title: 'Patching', description: 'kernel', startsAt: new Date('2031-01-01T10:00').toISOString() } },
    );
    const id = made.ok().createMaintenanceWindow.maintenanceWindow.id;
    const stored = async () =>
      (
        await admin.request<{ node: { title: string; description: string; site: { id: string } | null; startsAt: string; endsAt: string | null } }>(
          'query ($id: ID!) { node(id: $id) { ... on MaintenanceWindow { title description site { id } startsAt endsAt } } }',
          { id },
        )
      ).ok().node;
    const before = await stored();
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.getByRole('link', { name: 'Maintenance' }).click();
    await page.getByRole('button', { name: 'Edit Patching', exact: true }).click();
    const form = page.locator('form.window-form', { hasText: 'Edit Patching' });
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('window-edit-title');
    expect([
      await form.getByLabel('Title').inputValue(),
      await form.getByLabel('Description').inputValue(),
      await form.getByLabel('Starts').inputValue(),
    ]).toEqual(['Patching', 'kernel', '2031-01-01T10:00']);

    await form.getByLabel('Monitor').selectOption({ label: 'Primary DB' });
    await form.getByLabel('Ends (blank: until ended)').fill('2030-12-31T00:00');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#window-edit-ends-issue').textContent()).toBe('must be after startsAt');
    expect(await stored()).toEqual(before);

    await form.getByLabel('Ends (blank: until ended)').fill('2031-01-01T12:00');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    // The browser and this process share the time zone: the fields' local times are the same instants here.
    expect(await stored()).toEqual({ ...before, site: { id: db.id }, endsAt: new Date('2031-01-01T12:00').toISOString() });
    await page
      .locator('li.window', { hasText: 'Patching' })
      .getByText(/^Primary DB · /)
      .waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Edit Patching');
    expect(problems).toEqual([]);
  });

  it("an admin resets another user's password: a short one refused beside its field, then their sessions and tokens end", async ({ app, admin, viewer }) => {
    const login = 'mutation ($input: LoginInput!) { login(input: $input) { __typename } }';
    const as = async (password: string) =>
      (await app.request<{ login: { __typename: string } }>(login, { input: { username: viewer.username, password } })).data?.login.__typename;
    const me = async () => (await app.request<{ me: { username: string } | null }>('{ me { username } }', {}, viewer.token)).data?.me ?? null;
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, admin.username, admin.password);
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: `Reset password ${viewer.username}`, exact: true }).click();
    const field = page.getByLabel(`New password for ${viewer.username}`);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('reset-password');
    await field.fill('short');
    await page.getByRole('button', { name: 'Reset password', exact: true }).click();
    await expect.poll(() => page.locator('#reset-password-issue').textContent()).toBe('must be at least 8 characters');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect([await as(viewer.password), await me()]).toEqual(['LoginPayload', { username: viewer.username }]);

    await field.fill('a new long passphrase');
    await page.getByRole('button', { name: 'Reset password', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `The password of ${viewer.username} was reset` })
      .waitFor();
    expect(await field.count()).toBe(0);
    expect([await as(viewer.password), await as('a new long passphrase'), await me()]).toEqual(['InvalidCredentialsError', 'LoginPayload', null]);
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe(`Reset password ${viewer.username}`);
    expect(problems).toEqual([]);
  });

  it('every button that acts on one item of a list names it, and so does the question before a delete', async ({ app, admin }) => {
    const make = async (query: string, input: Record<string, unknown>) => expect((await admin.request(query, { input })).errors).toBeUndefined();
    const channel = 'mutation ($input: CreateAlertChannelInput!) { createAlertChannel(input: $input) { __typename } }';
    const window = 'mutation ($input: CreateMaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { __typename } }';
    for (const name of ['ops hook', 'pager']) await make(channel, { name, provider: 'WEBHOOK', settings: { url: 'http://127.0.0.1:9/hook' } });
    for (const title of ['Patching', 'Move']) await make(window, { title });
    const site = await createPushSite(app, 'Nightly backup');
    const page = await newPage();
    const problems = pageProblems(page);
    const questions: string[] = [];
    page.on('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.dismiss();
    });
    await signIn(page, app.url, admin.username, admin.password);
    const named = async (names: string[]) => {
      for (const name of names) expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(1);
      for (const bare of ['Delete', 'Edit', 'Send test', 'End now', 'Revoke', 'Reset password']) {
        expect(await page.getByRole('button', { name: bare, exact: true }).count(), bare).toBe(0);
      }
    };

    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.locator('li.channel', { hasText: 'pager' }).waitFor();
    await named(['Send test ops hook', 'Edit ops hook', 'Delete ops hook', 'Send test pager', 'Edit pager', 'Delete pager']);
    await page.getByRole('button', { name: 'Delete pager', exact: true }).click();
    await page.getByRole('link', { name: 'Maintenance' }).click();
    await page.locator('li.window', { hasText: 'Move' }).waitFor();
    await named(['End now Patching', 'Edit Patching', 'Delete Patching', 'End now Move', 'Edit Move', 'Delete Move']);
    await page.getByRole('button', { name: 'Delete Move', exact: true }).click();
    await page.getByRole('link', { name: 'Users' }).click();
    await page.locator('tr[data-user="viewer"]').waitFor();
    await named(['Reset password viewer', 'Delete viewer', 'Reset password editor', 'Delete editor']);
    // Your own password is changed with the current one (Tokens page): the API refuses an admin's reset of it.
    expect(await page.getByRole('button', { name: `Reset password ${admin.username}`, exact: true }).count()).toBe(0);
    await page.getByRole('button', { name: 'Delete viewer', exact: true }).click();
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Name').fill('grafana');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('tr[data-token="grafana"]').waitFor();
    await named(['Revoke grafana']);
    await page.getByRole('button', { name: 'Revoke grafana', exact: true }).click();
    expect(questions).toEqual([
      'Delete the alert channel pager?',
      'Delete the window Move?',
      'Delete the user viewer?',
      'Revoke the token grafana? Whatever uses it stops working.',
    ]);

    await page.goto(`${app.url}/#/site/${encodeURIComponent(site.id)}`);
    await page.getByRole('button', { name: 'Delete Nightly backup', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, delete Nightly backup', exact: true }).waitFor();
    expect(await page.locator('.confirm').textContent()).toMatch(/^Delete Nightly backup and its history\?/);
    // Dismissed, every question left everything in place.
    expect((await admin.request<{ alertChannels: unknown[] }>('{ alertChannels { id } }')).ok().alertChannels).toHaveLength(2);
    expect(problems).toEqual([]);
  });

  it("a change of page puts the focus on the new page's main heading, also once its data has loaded", async ({ app, site, editor }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement;
        return el?.tagName === 'H1' ? `h1 ${el.textContent}` : (el?.tagName ?? null);
      });
    await page.locator('li.site', { hasText: site.name }).waitFor();
    await page.getByRole('link', { name: 'Alerts' }).click();
    await expect.poll(focused).toBe('h1 Alert channels');
    await page.getByRole('link', { name: 'Maintenance' }).click();
    await expect.poll(focused).toBe('h1 Maintenance');
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await expect.poll(focused).toBe('h1 Monitors');
    // A monitor's page shows its heading once it has loaded.
    await page.locator('li.site a', { hasText: site.name }).click();
    await expect.poll(focused).toBe(`h1 PENDING ${site.name}`);
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await expect.poll(focused).toBe('h1 Edit monitor');
    await page.goBack();
    await expect.poll(focused).toBe(`h1 PENDING ${site.name}`);
    // The heading is not a stop of the Tab key.
    expect(await page.locator('h1').getAttribute('tabindex')).toBe('-1');
    await page.keyboard.press('n');
    await expect.poll(focused).toBe('h1 New monitor');
    expect(problems).toEqual([]);
  });

  it('a PUSH and a GROUP monitor not judged yet show no uptime figure, where the API answers 100 %', async ({ app, admin, viewer }) => {
    const group = await createSite(app, { name: 'Platform', type: 'GROUP' });
    const pending = await createSite(app, { name: 'Nightly backup', type: 'PUSH', parentId: group.id });
    const beating = await createPushSite(app, 'Hourly sync');
    expect((await fetch(`${app.url}/api/push/${beating.token}`)).status).toBe(200);
    const uptime = await admin.request<{ site: { status: string; uptime: { uptimePercent: number } } }>(
      'query ($id: ID!) { site(id: $id) { status uptime { uptimePercent } } }',
      { id: pending.id },
    );
    expect(uptime.ok().site).toEqual({ status: 'PENDING', uptime: { uptimePercent: 100 } });

    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, viewer.username, viewer.password);
    const uptimes = (name: string) => page.locator('li.site', { hasText: name }).locator('.uptime').allTextContents();
    await expect.poll(() => uptimes('Hourly sync')).toEqual(['100%', '100%']);
    expect([await uptimes('Platform'), await uptimes('Nightly backup')]).toEqual([
      ['–', '–'],
      ['–', '–'],
    ]);

    await page.goto(`${app.url}/#/site/${encodeURIComponent(pending.id)}`);
    await page.locator('table.sla').waitFor();
    expect(await page.locator('table.sla tbody td:first-of-type').allTextContents()).toEqual(['–', '–', '–', '–']);
    expect(await page.locator('ol.days li').evaluateAll((days) => days.map((d) => d.className))).toEqual(Array(30).fill('no-data'));

    // Judged since today: the days before it existed have no figure either.
    await page.goto(`${app.url}/#/site/${encodeURIComponent(beating.id)}`);
    await page.locator('section.detail h1', { hasText: 'Hourly sync' }).waitFor();
    await page.locator('table.sla').waitFor();
    expect(await page.locator('table.sla tbody td:first-of-type').allTextContents()).toEqual(['100%', '100%', '100%', '100%']);
    expect(await page.locator('ol.days li').evaluateAll((days) => days.map((d) => d.className))).toEqual([...Array(29).fill('no-data'), 'bg-good']);
    expect(problems).toEqual([]);
  });

  it("a monitor's page fits a phone's width: a long URL and the push line wrap instead of scrolling sideways", async ({ app, site, editor }) => {
    const { id } = await createSite(app, {
      name: 'Checkout',
      type: 'HTTP',
      url: 'http://127.0.0.1:9/storefront/checkout/payments/providers/health/readiness/v2/full',
      paused: true,
    });
    const page = await newPage(PHONE);
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    const widths: boolean[] = [];
    for (const [shown, name] of [
      [id, 'Checkout'],
      [site.id, site.name],
    ]) {
      await page.goto(`${app.url}/#/site/${encodeURIComponent(shown!)}`);
      await page.locator('section.detail h1', { hasText: name }).waitFor();
      await page.locator('table.sla').waitFor();
      widths.push(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth));
    }
    expect(widths).toEqual([true, true]);
    expect(await page.locator('p.push').count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it("the maintenance form offers every monitor, past the API's page of 100", async ({ app, admin, editor }) => {
    for (let i = 0; i <= 100; i++) {
      const res = await admin.request(CREATE_SITE, { input: { name: `Shard ${String(i).padStart(3, '0')}`, type: 'PUSH', paused: true } });
      expect(res.data?.createSite.__typename).toBe('SitePayload');
    }
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    // Opened afresh (a bookmark, a reload), not after the dashboard has read every page into the cache.
    await page.goto(`${app.url}/#/maintenance`);
    await page.reload();
    await page.getByLabel('Monitor').waitFor();
    await expect.poll(() => page.getByLabel('Monitor').locator('option').count()).toBe(102);
    await page.getByLabel('Monitor').selectOption({ label: 'Shard 100' });
    expect(problems).toEqual([]);
  }, 60_000);

  it('a recurring window is given the date its repeats end', async ({ editor, app }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.getByRole('link', { name: 'Maintenance' }).click();
    const form = page.locator('form.window-form');
    await form.getByLabel('Title').fill('Weekly patching');
    await form.getByLabel('Repeats (cron, blank for once)').fill('0 3 * * 0');
    await form.getByLabel('Minutes each time').fill('60');
    await form.getByLabel('Repeats until (blank: for good)').fill('2031-06-30T00:00');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.locator('li.window', { hasText: 'Weekly patching' }).getByText(/until/).waitFor();
    const windows = await editor.request<{ maintenanceWindows: { edges: { node: { recurrence: string; endsAt: string | null } }[] } }>(
      '{ maintenanceWindows(first: 5) { edges { node { recurrence endsAt } } } }',
    );
    const saved = windows.data?.maintenanceWindows.edges.map((e) => e.node);
    expect(saved).toHaveLength(1);
    expect(saved![0]!.recurrence).toBe('0 3 * * 0');
    // Typed in the browser's zone; what matters is that the end was sent, on that day.
    expect(saved![0]!.endsAt).toMatch(/^2031-06-(29|30)T/);
    expect(problems).toEqual([]);
  });

  it('a window in force is listed, and can be ended, however many newer ones there are', async ({ app, admin, editor }) => {
    const create = 'mutation ($input: CreateMaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { __typename } }';
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    expect((await admin.request(create, { input: { title: 'Datacenter move', startsAt: hourAgo } })).data).toEqual({
      createMaintenanceWindow: { __typename: 'MaintenanceWindowPayload' },
    });
    // Newer one-off windows, ended: kept for a while, and newest first they fill a page of 50 on their own.
    for (let i = 0; i < 55; i++) {
      const res = await admin.request(create, { input: { title: `Patch ${i}`, startsAt: hourAgo, endsAt: new Date(Date.now() - 60_000).toISOString() } });
      expect(res.data).toEqual({ createMaintenanceWindow: { __typename: 'MaintenanceWindowPayload' } });
    }
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.getByRole('link', { name: 'Maintenance' }).click();
    const moving = page.locator('li.window', { hasText: 'Datacenter move' });
    await moving.getByRole('button', { name: 'End now' }).click();
    await expect.poll(() => moving.getByText('ACTIVE').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 60_000);

  it("a delete question asked on one monitor's page is not carried to the next one's", async ({ app, editor }) => {
    const first = await createPushSite(app, 'Old cron');
    const second = await createPushSite(app, 'Billing cron');
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    await page.goto(`${app.url}/#/site/${encodeURIComponent(second.id)}`);
    await page.locator('section.detail h1', { hasText: 'Billing cron' }).waitFor();
    await page.evaluate((id) => (location.hash = `#/site/${encodeURIComponent(id)}`), first.id);
    await page.locator('section.detail h1', { hasText: 'Old cron' }).waitFor();
    await page.getByRole('button', { name: 'Delete Old cron', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).waitFor();
    // Back to the page before: the question was about the other monitor, and one click must not delete this one.
    await page.goBack();
    await page.locator('section.detail h1', { hasText: 'Billing cron' }).waitFor();
    expect(await page.getByRole('button', { name: 'Yes, delete' }).count()).toBe(0);
    expect(await page.getByText(/Delete Billing cron and its history/).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("an admin's header fits a phone's width: no sideways scroll", async ({ app, admin }) => {
    const page = await newPage(PHONE);
    await signIn(page, app.url, admin.username, admin.password);
    await page.getByRole('link', { name: 'Users' }).waitFor();
    const widths = await page.evaluate(() => {
      const header = document.querySelector('header.top')!;
      return {
        page: document.documentElement.scrollWidth <= document.documentElement.clientWidth,
        header: header.scrollWidth <= header.clientWidth,
      };
    });
    expect(widths).toEqual({ page: true, header: true });
  });

  it('a number that is not a whole one is refused beside its field, in the monitor and the maintenance forms', async ({ app, editor }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    const issues = () => page.locator('form .issue').evaluateAll((els) => Object.fromEntries(els.map((el) => [el.id, el.textContent])));
    await page.getByRole('button', { name: 'New monitor' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Shop');
    await page.getByLabel('URL').fill('http://127.0.0.1:9/');
    await page.getByLabel('Interval').fill('1.5');
    await page.getByLabel('Timeout').fill('ten');
    await page.getByLabel('Max redirects').fill('99999999999');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(issues).toEqual({
      'site-interval-issue': 'must be a whole number',
      'site-timeout-issue': 'must be a whole number',
      'site-maxRedirects-issue': 'is out of range',
    });
    expect(await page.locator('form p.error').count()).toBe(0);
    await page.getByLabel('Interval').fill(' 30 ');
    await page.getByLabel('Timeout').fill('10');
    await page.getByLabel('Max redirects').fill('3');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('li.site', { hasText: 'Shop' }).waitFor();
    const sites = await editor.request<{ sites: { edges: { node: { interval: number; timeout: number; maxRedirects: number } }[] } }>(
      '{ sites(first: 10) { edges { node { interval timeout maxRedirects } } } }',
    );
    expect(sites.ok().sites.edges.map((e) => e.node)).toEqual([{ interval: 30, timeout: 10, maxRedirects: 3 }]);

    await page.getByRole('link', { name: 'Maintenance' }).click();
    await page.getByLabel('Title').fill('Backups');
    await page.getByLabel(/^Repeats \(cron/).fill('0 3 * * 0');
    await page.getByLabel('Minutes each time').fill('90.5');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(issues).toEqual({ 'window-duration-issue': 'must be a whole number' });
    expect(await app.app.deps.db.maintenanceWindow.count()).toBe(0);
    await page.getByLabel('Minutes each time').fill('90');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('li.window', { hasText: 'Backups' }).waitFor();
    // Nothing refused by GraphQL itself on the way (a 400 shows here as a failed resource).
    expect(problems).toEqual([]);
  });

  it('a form saved from the keyboard keeps the focus; refused, the focus goes to the first field at fault, which its issue describes', async ({
    app,
    admin,
    editor,
  }) => {
    const gone = await createPushSite(app, 'Old cron');
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, editor.username, editor.password);
    // What a screen reader reads of the focused control: what it is, whether it is invalid, and what describes it.
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement;
        const ids = el?.getAttribute('aria-describedby')?.split(' ') ?? [];
        return {
          control: el?.id || el?.textContent || el?.tagName,
          invalid: el?.getAttribute('aria-invalid') ?? null,
          description: ids.map((id) => document.getElementById(id)?.textContent).join(' '),
        };
      });
    const saveByKeyboard = async () => {
      await page.getByRole('button', { name: 'Save' }).focus();
      await page.keyboard.press('Enter');
    };

    await page.getByRole('button', { name: 'New monitor' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Shop');
    await page.getByLabel('URL').fill('ftp://127.0.0.1/');
    await page.getByLabel('Interval').fill('2');
    await saveByKeyboard();
    await expect.poll(focused).toEqual({ control: 'site-url', invalid: 'true', description: 'must be an absolute http:// or https:// URL' });
    // The next one at fault is described too, for when the keyboard gets there.
    await page.getByLabel('Interval').focus();
    expect(await focused()).toEqual({ control: 'site-interval', invalid: 'true', description: 'must be at least 5 seconds' });

    // A select at fault as well: the monitor a window was for is deleted while the form is open.
    await page.getByRole('link', { name: 'Maintenance' }).click();
    await page.getByLabel('Title').fill('Move');
    await page.getByLabel('Monitor').selectOption({ label: 'Old cron' });
    expect((await admin.request(DELETE_SITE, { input: { id: gone.id } })).data?.deleteSite.__typename).toBe('DeletePayload');
    await saveByKeyboard();
    await expect.poll(focused).toEqual({ control: 'window-site', invalid: 'true', description: 'no such site' });

    // Saved, the focus stays where it was instead of falling to the top of the page.
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Name').fill('grafana');
    await saveByKeyboard();
    await page.locator('tr[data-token="grafana"]').waitFor();
    expect(await focused()).toEqual({ control: 'Save', invalid: null, description: '' });
    expect(problems).toEqual([]);
  });

  it("a viewer's API token can only read, so the form offers no other kind; an editor still chooses", async ({ app, editor, viewer }) => {
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, viewer.username, viewer.password);
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Name').fill('grafana');
    expect(await page.getByLabel('Access').count()).toBe(0);
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await page.locator('tr[data-token="grafana"]').textContent()).toMatch(/read-only/);
    expect((await app.app.deps.db.apiToken.findFirstOrThrow({ where: { name: 'grafana' } })).readOnly).toBe(true);
    expect(problems).toEqual([]);

    const editing = await newPage();
    await signIn(editing, app.url, editor.username, editor.password);
    await editing.getByRole('link', { name: 'Tokens' }).click();
    expect(await editing.getByLabel('Access').locator('option').allTextContents()).toEqual(['read-only', 'read-write (as your role allows)']);
  });

  it('the counts at the top add up: monitors in maintenance and pending ones are counted too', async ({ app, admin, viewer }) => {
    const paused = await createPushSite(app, 'Paused job');
    expect((await admin.request(SITE_PAUSED, { input: { id: paused.id, paused: true } })).data?.setSitePaused.__typename).toBe('SitePayload');
    const held = await createPushSite(app, 'Held job');
    const window = await admin.request<{ createMaintenanceWindow: { __typename: string } }>(
      'mutation ($input: CreateMaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { __typename } }',
      { input: { title: 'Moving racks', siteId: held.id } },
    );
    expect(window.data?.createMaintenanceWindow.__typename).toBe('MaintenanceWindowPayload');
    await createPushSite(app, 'New job');
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, viewer.username, viewer.password);
    await page.locator('li.site[data-status="MAINTENANCE"]', { hasText: 'Held job' }).waitFor();
    expect(await page.locator('.summary').textContent()).toBe('3 monitors · 0 down · 0 late · 0 up · 1 in maintenance · 1 pending · 1 paused');
    expect(problems).toEqual([]);
  });

  it("a row shows where its monitor aims, a port monitor's port included, and follows an edit elsewhere of only that", async ({ app, admin, viewer }) => {
    const postgres = await createSite(app, { name: 'Postgres', type: 'PORT', hostname: '127.0.0.1', port: 5432, paused: true });
    // With a URL left from when it was an HTTP monitor: the check aims at its hostname, and so does its row.
    await createSite(app, { name: 'Redis', type: 'PORT', hostname: '::1', port: 6379, url: 'http://127.0.0.1:9/before', paused: true });
    const wiki = await createSite(app, { name: 'Wiki', type: 'HTTP', url: 'http://127.0.0.1:9/wiki', paused: true });
    const page = await newPage();
    const problems = pageProblems(page);
    await signIn(page, app.url, viewer.username, viewer.password);
    const targets = () =>
      page
        .locator('li.site')
        .evaluateAll((rows) => rows.map((row) => `${row.querySelector('.name')?.textContent} ${row.querySelector('.target')?.textContent}`));
    await expect.poll(targets).toEqual(['Postgres 127.0.0.1:5432', 'Redis [::1]:6379', 'Wiki http://127.0.0.1:9/wiki']);

    // Paused: no check comes to redraw the row anyway.
    expect((await admin.request(UPDATE_SITE, { input: { id: postgres.id, port: 5433 } })).data?.updateSite.__typename).toBe('SitePayload');
    expect((await admin.request(UPDATE_SITE, { input: { id: wiki.id, url: 'http://127.0.0.1:9/handbook' } })).data?.updateSite.__typename).toBe('SitePayload');
    await expect.poll(targets, { timeout: LIVE_MS }).toEqual(['Postgres 127.0.0.1:5433', 'Redis [::1]:6379', 'Wiki http://127.0.0.1:9/handbook']);

    await page.locator('li.site a', { hasText: 'Postgres' }).click();
    await page.locator('section.detail h1', { hasText: 'Postgres' }).waitFor();
    expect(await page.locator('section.detail p.muted').first().textContent()).toMatch(/^PORT · 127\.0\.0\.1:5433 · every 60s · /);
    // A monitor that aims at nothing says nothing there.
    const push = await createPushSite(app, 'Nightly backup');
    await page.goto(`${app.url}/#/site/${encodeURIComponent(push.id)}`);
    await page.locator('section.detail h1', { hasText: 'Nightly backup' }).waitFor();
    expect(await page.locator('section.detail p.muted').first().textContent()).toMatch(/^PUSH · every 300s · /);
    expect(problems).toEqual([]);
  });
});
