import type { Clock } from '../../clock.ts';
import type { Site } from '../../generated/prisma/client.ts';

/** The monitor configuration a check needs; the Prisma `Site` row (auth secret already decrypted). */
export type CheckTarget = Pick<
  Site,
  | 'id'
  | 'name'
  | 'type'
  | 'url'
  | 'hostname'
  | 'port'
  | 'timeout'
  | 'method'
  | 'acceptedCodes'
  | 'checkSsl'
  | 'ignoreTls'
  | 'maxRedirects'
  | 'dnsResolveType'
  | 'dnsServer'
  | 'httpHeaders'
  | 'httpBody'
  | 'authType'
  | 'authUsername'
  | 'authSecret'
  | 'keyword'
  | 'keywordInvert'
>;

export interface CheckOptions {
  /** UPTOP_ALLOW_PRIVATE_TARGETS: when false, targets resolving to private addresses are refused. */
  allowPrivateTargets: boolean;
  /** UPTOP_INSECURE_SKIP_VERIFY: skip TLS verification for every HTTP check. */
  insecureSkipVerify: boolean;
  /** Name servers the checks' lookups ask instead of /etc/resolv.conf's, as `ip`, `ip:port` or `[ipv6]:port`. */
  nameServers?: readonly string[];
  /** Aborts the check (engine stop). */
  signal?: AbortSignal;
  /** Judges certificate expiry against this time source (default: the system clock). */
  clock?: Clock;
}

/** Outcome of one outbound check. LATE/STALE/PENDING are never produced here (push and groups derive them). */
export interface CheckResult {
  status: 'UP' | 'DOWN' | 'SSL_EXPIRED';
  statusCode: number | null;
  latencyMs: number | null;
  hasSsl: boolean;
  certExpiresAt: Date | null;
  /** Empty when UP; otherwise the reason, truncated to 256 chars ending in "...". */
  message: string;
}

export type Checker = (target: CheckTarget, options: CheckOptions) => Promise<CheckResult>;
