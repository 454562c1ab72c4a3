import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { FakeClock } from '../../src/clock.ts';
import { RECENT_RESULTS } from '../../src/engine/recent-results.ts';
import type { TestApp } from '../helpers/app.ts';
import { cspViolations, launchChromium } from '../helpers/chromium.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { addSite, addWindow, checkByUrl, STATUS_ENV } from './support.ts';

const OUTPUT = path.resolve(import.meta.dirname, '../../test-output');
const TOKEN = 'c3'.repeat(16);
/** Seconds between checks: short, so a full strip takes little fake time (the test's time goes by fake timers fired). */
const EVERY = 10;

interface Fleet {
  ids: Record<string, number>;
  /** One more round of checks, with or without a beat of the push monitor. */
  round(beat: boolean): Promise<void>;
}

/**
 * A fleet with something of everything: a group with a DOWN child, a DOWN and an expired site at the top, UP sites,
 * a paused one, one in maintenance, a push monitor, an incident, and a private site with a window of its own.
 */
async function seedFleet(t: TestApp, clock: FakeClock): Promise<Fleet> {
  const { engine } = t.app.deps;
  const ids: Record<string, number> = {};
  ids.Platform = await addSite(t, { name: 'Platform', type: 'GROUP', interval: EVERY });
  ids.API = await addSite(t, { name: 'API', type: 'HTTP', url: 'https://api.example.com/health', parentId: ids.Platform, interval: EVERY });
  ids.Payments = await addSite(t, { name: 'Payments', type: 'HTTP', url: 'https://pay.example.com/?test=down', parentId: ids.Platform, interval: EVERY });
  ids.Search = await addSite(t, { name: 'Search', type: 'HTTP', url: 'https://search.example.com/', parentId: ids.Platform, interval: EVERY });
  ids.Website = await addSite(t, { name: 'Website', type: 'HTTP', url: 'https://www.example.com/', interval: EVERY });
  ids.Billing = await addSite(t, { name: 'Billing', type: 'HTTP', url: 'https://billing.example.com/?test=down', interval: EVERY });
  ids.Legacy = await addSite(t, { name: 'Legacy portal', type: 'HTTP', url: 'https://old.example.com/', paused: true, interval: EVERY });
  ids.Mail = await addSite(t, { name: 'Mail', type: 'HTTP', url: 'https://mail.example.com/', interval: EVERY });
  ids.Backup = await addSite(t, { name: 'Nightly backup', type: 'PUSH', pushToken: TOKEN, interval: 6 * EVERY });
  ids.Hidden = await addSite(t, { name: 'Secret admin', type: 'HTTP', url: 'https://admin.internal/', public: false, interval: EVERY });
  await addWindow(t, { title: 'Mail server upgrade', description: 'Mail may be delayed for up to an hour.', siteId: ids.Mail });
  await addWindow(t, { title: 'Elevated API latency', description: 'We are looking into it.', siteId: ids.API, type: 'INCIDENT' });
  await addWindow(t, { title: 'Secret admin rebuild', siteId: ids.Hidden });

  const round = async (beat: boolean) => {
    if (beat) engine.heartbeat(TOKEN);
    await clock.advanceAsync(EVERY * 1000);
    await engine.whenIdle();
  };
  // More rounds than the strip holds, so the strip is full.
  for (let i = 0; i < RECENT_RESULTS + 5; i++) await round(true);
  return { ids, round };
}

/** Every request the page makes, to check that none leaves for another origin. */
function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (req) => urls.push(req.url()));
  return urls;
}

const topNames = (page: Page) => page.locator('.sites > .site .name, .sites > .group > .site .name').allTextContents();

describe('/status in a browser', () => {
  it.override({ appOptions: { env: STATUS_ENV, runCheck: checkByUrl } });

  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
    fs.mkdirSync(OUTPUT, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(t: TestApp, options: { javaScriptEnabled: boolean; viewport: { width: number; height: number }; colorScheme?: 'light' | 'dark' }) {
    const context: BrowserContext = await browser.newContext(options);
    const page = await context.newPage();
    const requests = recordRequests(page);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const violations = await cspViolations(page);
    const res = await page.goto(`${t.url}/status`);
    expect(res?.status()).toBe(200);
    return { context, page, requests, errors, violations };
  }

  it('is complete without JavaScript: title, summary, DOWN first, groups, bars, uptime and notices', async ({ app: t, clock }) => {
    const { ids } = await seedFleet(t, clock);
    const { context, page, requests } = await open(t, { javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });

    expect(await page.title()).toBe('Acme <Status> & "Co"');
    expect(await page.locator('h1').textContent()).toBe('Acme <Status> & "Co"');
    // Nine public sites: API, Search, Website and the backup UP; Payments, Billing and their group DOWN.
    expect(await page.locator('#summary').textContent()).toBe('4/9 UP · 3 DOWN · 1 MAINT · 1 PAUSED');
    expect(await topNames(page)).toEqual(['Billing', 'Platform', 'Legacy portal', 'Mail', 'Nightly backup', 'Website']);
    const group = page.locator('.group');
    expect(await group.locator('.children .name').allTextContents()).toEqual(['Payments', 'API', 'Search']);
    expect(await group.locator('> .site .pill').textContent()).toBe('DOWN');

    const site = (id: number) => page.locator(`[data-site-id="${id}"]`);
    expect(await site(ids.API!).locator('.bars > i').count()).toBe(RECENT_RESULTS);
    expect(await site(ids.API!).locator('.bars > i.up').count()).toBe(RECENT_RESULTS);
    expect(await site(ids.Payments!).locator('.bars > i.down').count()).toBe(RECENT_RESULTS);
    expect(await site(ids.Legacy!).locator('.bars > i').count()).toBe(0);
    expect(await site(ids.Legacy!).locator('.pill').textContent()).toBe('PAUSED');
    expect(await site(ids.Mail!).locator('.pill').textContent()).toBe('MAINT');
    expect(await site(ids.API!).locator('.uptime').textContent()).toBe('24 h 100%30 d 100%');
    expect(await site(ids.Payments!).locator('.uptime').textContent()).toBe('24 h 0.00%30 d 0.00%');
    expect(await site(ids.API!).locator('.meta').textContent()).toContain('https://api.example.com/health');

    const notices = page.locator('.notice');
    expect(await notices.count()).toBe(2);
    const mail = notices.filter({ hasText: 'Mail server upgrade' });
    expect(await mail.locator('.kind').textContent()).toBe('Maintenance · Mail');
    expect(await mail.locator('.desc').textContent()).toBe('Mail may be delayed for up to an hour.');
    expect(await mail.locator('.when').textContent()).toMatch(/^Since \d{4}-\d\d-\d\d \d\d:\d\d UTC · until further notice$/);
    expect(await notices.filter({ hasText: 'Elevated API latency' }).locator('.kind').textContent()).toBe('Incident · API');

    const text = await page.content();
    for (const hidden of ['Secret admin', 'admin.internal', 'test=down', 'reason-that-must-stay-private']) expect(text).not.toContain(hidden);
    expect(requests.every((url) => url.startsWith(`${t.url}/`))).toBe(true);
    expect(requests.some((url) => url.includes('/status/assets/status.css'))).toBe(true);
    await context.close();
  });

  it('stays live with JavaScript: a site going DOWN after load appears without a reload; screenshots', async ({ app: t, clock }) => {
    const fleet = await seedFleet(t, clock);
    const { context, page, requests, errors, violations } = await open(t, { javaScriptEnabled: true, viewport: { width: 1280, height: 800 } });
    await expect.poll(() => page.locator('#stale').textContent()).toBe('Updated just now');
    const backup = page.locator(`[data-site-id="${fleet.ids.Backup}"]`);
    expect(await backup.locator('.pill').textContent()).toBe('UP');
    await page.screenshot({ path: path.join(OUTPUT, 'status-desktop.png'), fullPage: true });

    // No beat for 13 rounds: LATE after one interval (6 rounds), DOWN after it and a grace of a minute (12 rounds).
    for (let i = 0; i < 13; i++) await fleet.round(false);
    expect(t.app.deps.engine.getState(fleet.ids.Backup!)!.status).toBe('DOWN');
    await expect.poll(() => backup.locator('.pill').textContent(), { timeout: 15_000, interval: 250 }).toBe('DOWN');
    expect(await page.locator('#summary').textContent()).toBe('3/9 UP · 4 DOWN · 1 MAINT · 1 PAUSED');
    expect(await topNames(page)).toEqual(['Billing', 'Nightly backup', 'Platform', 'Legacy portal', 'Mail', 'Website']);
    expect(await page.locator('#stale').textContent()).toBe('Updated just now');
    // Times are shown in the viewer's zone by the script, not as the server's UTC.
    expect(await backup.locator('.meta time').textContent()).not.toMatch(/UTC/);

    expect(errors).toEqual([]);
    // The page runs under the policy without inline script or style.
    expect(violations).toEqual([]);
    expect(requests.some((url) => url.endsWith('/status/live'))).toBe(true);
    expect(requests.every((url) => url.startsWith(`${t.url}/`))).toBe(true);
    await context.close();

    // The phone in dark mode, so the two screenshots show both colour schemes.
    const phone = await open(t, { javaScriptEnabled: true, viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    expect(await phone.page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(20, 22, 31)');
    await phone.page.screenshot({ path: path.join(OUTPUT, 'status-phone.png'), fullPage: true });
    // Nothing is wider than the phone's screen.
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.context.close();
  });
});
