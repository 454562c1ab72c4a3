import type { SecretBox } from '../alerts/crypto.ts';
import { goName } from '../backup/format.ts';
import type { Db } from '../db/client.ts';
import type { Site } from '../generated/prisma/client.ts';
import type { Logger } from '../log.ts';
import type { ProbeSite } from './wire.ts';

/**
 * Whether a probe of `region` checks a site with these `regions` (a comma list): a site without regions is checked by
 * every probe, one with regions only by probes of those regions, compared without case. Unlike the Go original, a probe
 * without a region does not check sites limited to regions: they are limited so that only those regions judge them.
 */
export function inRegions(regions: string, region: string): boolean {
  const wanted = regions
    .split(',')
    .map((r) => r.trim().toLowerCase())
    .filter(Boolean);
  return wanted.length === 0 || wanted.includes(region.trim().toLowerCase());
}

/** A site as a probe is handed it: what its check needs, the auth secret opened, and nothing else. */
function probeSite(site: Site, authSecret: string | null): ProbeSite {
  return {
    ID: site.id,
    Name: site.name,
    Type: goName(site.type),
    URL: site.url ?? '',
    Interval: site.interval,
    Timeout: site.timeout,
    Method: site.method,
    AcceptedCodes: site.acceptedCodes,
    CheckSSL: site.checkSsl,
    ExpiryThreshold: site.expiryThreshold,
    MaxRetries: site.maxRetries,
    Hostname: site.hostname ?? '',
    Port: site.port ?? 0,
    DNSResolveType: site.dnsResolveType ?? '',
    DNSServer: site.dnsServer ?? '',
    IgnoreTLS: site.ignoreTls,
    Paused: false,
    Regions: site.regions,
    Uptop: {
      Headers: site.httpHeaders,
      Body: site.httpBody,
      AuthType: site.authType,
      AuthUsername: site.authUsername,
      AuthSecret: authSecret,
      Keyword: site.keyword,
      KeywordInvert: site.keywordInvert,
      MaxRedirects: site.maxRedirects,
    },
  };
}

/**
 * The sites a probe of `region` checks: every unpaused HTTP, ping, port and DNS monitor its region may check (push
 * monitors and groups are judged by the server). A site whose stored auth secret does not open is left out: the
 * server reports that as its own error, and a probe would only check it without credentials.
 */
export async function assignmentsFor(deps: { db: Db; secretBox: SecretBox; logger: Logger }, region: string): Promise<ProbeSite[]> {
  const sites = await deps.db.site.findMany({
    where: { paused: false, type: { in: ['HTTP', 'PING', 'PORT', 'DNS'] } },
    orderBy: { id: 'asc' },
  });
  const assigned: ProbeSite[] = [];
  for (const site of sites) {
    if (!inRegions(site.regions, region)) continue;
    let secret: string | null = null;
    try {
      secret = site.authSecret === null ? null : deps.secretBox.open(site.authSecret);
    } catch (err) {
      deps.logger.warn({ err, siteId: site.id }, 'not assigning a site to probes: its auth secret does not open');
      continue;
    }
    assigned.push(probeSite(site, secret));
  }
  return assigned;
}
