import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (scripts/system-deps.sh installs it); playwright cannot download a browser here. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless, and quiet: no background requests of the browser's own, so a test can assert that none leaves. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Every Content-Security-Policy violation the page reports, as `directive blocked-uri`; set up before it loads. */
export async function cspViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeFunction('reportCspViolation', (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { reportCspViolation(v: string): void }).reportCspViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return violations;
}
