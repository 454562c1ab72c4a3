import type { ServerResponse } from 'node:http';

/**
 * The Content-Security-Policy of every response. Everything uptop serves comes from uptop itself ('self'); the rest is
 * what GraphiQL (@graphql-yoga/render-graphiql, one HTML page) needs: its script and CSS are inline, its Monaco
 * editor starts workers from `blob:` URLs, and its fonts and favicon are `data:` URLs. `connect-src 'self'` covers
 * its fetches and its graphql-ws WebSocket to the same host. No page may frame uptop (clickjacking).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Two years, subdomains included: sent only over TLS, where a browser honours it (RFC 6797 §7.2). */
export const STRICT_TRANSPORT_SECURITY = 'max-age=63072000; includeSubDomains';

const ALWAYS: readonly (readonly [string, string])[] = [
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['referrer-policy', 'no-referrer'],
  ['content-security-policy', CONTENT_SECURITY_POLICY],
];

/**
 * Sets uptop's security headers (uptop-behaviour.md §7) on a response before anything else writes it. Node merges
 * headers set here with those a handler passes to `writeHead` later, so plain routes, yoga, GraphiQL and error
 * answers all carry them; a handler that sets one of them itself wins.
 */
export function setSecurityHeaders(res: ServerResponse, tls: boolean): void {
  for (const [name, value] of ALWAYS) res.setHeader(name, value);
  if (tls) res.setHeader('strict-transport-security', STRICT_TRANSPORT_SECURITY);
}
