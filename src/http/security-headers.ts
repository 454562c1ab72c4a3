import type { ServerResponse } from 'node:http';

/** What every page's policy holds: everything uptop serves comes from uptop itself, and no page may frame it. */
const SHARED_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];

/**
 * The Content-Security-Policy of every response but GraphiQL's: no inline script or style runs, so markup injected
 * into the console or the status page runs nothing (the console keeps its session token where a script could read it).
 */
export const CONTENT_SECURITY_POLICY = [...SHARED_POLICY, "script-src 'self'", "style-src 'self'"].join('; ');

/**
 * GraphiQL's page (@graphql-yoga/render-graphiql) alone: its script and CSS are inline, its Monaco editor starts
 * workers from `blob:` URLs, and its fonts and favicon are `data:` URLs. `connect-src 'self'` covers its fetches and
 * its graphql-ws WebSocket to the same host.
 */
export const GRAPHIQL_CONTENT_SECURITY_POLICY = [
  ...SHARED_POLICY,
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "worker-src 'self' blob:",
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
