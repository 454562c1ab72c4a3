import { chromium, type Browser } from 'playwright-core';

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
