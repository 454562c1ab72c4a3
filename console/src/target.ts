import type { MonitorType } from './gql/graphql.ts';

interface Aimed {
  type: MonitorType;
  url?: string | null;
  hostname?: string | null;
  port?: number | null;
}

/**
 * What a monitor checks, as its row and its page show it; null for a PUSH or GROUP monitor, which aims at nothing. A
 * PING, PORT or DNS monitor aims at its hostname as the engine does (src/engine/checks/target.ts), not at a URL left
 * from when it was an HTTP one; a PORT monitor's port is part of it, or two ports of one host read alike.
 */
export function targetOf(site: Aimed): string | null {
  if (site.type === 'PUSH' || site.type === 'GROUP') return null;
  if (site.type === 'HTTP') return site.url ?? null;
  const host = site.hostname ?? site.url ?? null;
  if (site.type !== 'PORT' || host === null || site.port === null || site.port === undefined) return host;
  // An IPv6 address in brackets, or its port would read as one more group of it.
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${site.port}`;
}
