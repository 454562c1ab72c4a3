import type { CheckTarget } from './types.ts';

const DEFAULT_TIMEOUT_SECONDS = 5;

/** The site's timeout in seconds; 0 (or less) means the default of 5. */
export function timeoutSeconds(target: Pick<CheckTarget, 'timeout'>): number {
  return target.timeout > 0 ? target.timeout : DEFAULT_TIMEOUT_SECONDS;
}

/**
 * The host a PING, PORT or DNS check aims at: `hostname`, else the host of `url` (a bare name in `url` is taken
 * as it is). IPv6 brackets are removed.
 */
export function targetHost(target: Pick<CheckTarget, 'hostname' | 'url'>): string {
  const hostname = target.hostname?.trim();
  if (hostname) return stripBrackets(hostname);
  const url = target.url?.trim() ?? '';
  if (!url.includes('://')) return stripBrackets(url);
  try {
    return stripBrackets(new URL(url).hostname);
  } catch {
    return '';
  }
}

export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
