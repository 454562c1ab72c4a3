import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.ts';
import { isFromTrustedProxy } from './client-ip.ts';

/** The origin's host is the host the request was sent to (or, behind a trusted proxy, the forwarded host). */
function isSameOrigin(req: IncomingMessage, origin: string, config: Config): boolean {
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return false;
  }
  const hosts = [req.headers.host];
  const forwarded = req.headers['x-forwarded-host'];
  if (forwarded && isFromTrustedProxy(req, config.trustedProxies)) hosts.push(...String(forwarded).split(','));
  return hosts.some((h) => h !== undefined && h.trim().toLowerCase() === originHost);
}

/**
 * One rule for GraphQL over HTTP and the WebSocket handshake. A request without `Origin` comes from a non-browser
 * client (browsers always send it cross-origin and on WebSocket handshakes), which carries no ambient credentials
 * to abuse; with one, it must be this server's own origin or one listed in `UPTOP_CORS_ORIGIN`.
 */
export function originAllowed(req: IncomingMessage, config: Config): boolean {
  const origin = req.headers.origin;
  return origin === undefined || isSameOrigin(req, origin, config) || config.http.corsOrigins.includes(origin.toLowerCase());
}
