import dns, { type LookupAddress } from 'node:dns';
import net from 'node:net';
import { errorText } from './result.ts';
import { candidateNames, normalizeName, systemHosts, systemSearchConfig, type SearchConfig } from './system-resolver-files.ts';

/** How long a lookup may take when its caller gives no bound. */
export const DEFAULT_RESOLVE_TIMEOUT_MS = 5000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ResolveOptions {
  /** Abandons the lookup (the check's deadline, engine stop); its reason's text becomes the error's message. */
  signal?: AbortSignal;
  /** The most the lookup may take; default 5 s. */
  timeoutMs?: number;
  /** Name servers to ask instead of /etc/resolv.conf's, as `ip`, `ip:port` or `[ipv6]:port`. */
  nameServers?: readonly string[];
  /** Search domains and ndots instead of /etc/resolv.conf's. */
  search?: SearchConfig;
}

/** A lookup that found nothing, failed or was abandoned; the message reads after "resolve failed: ". */
export class ResolveError extends Error {
  override name = 'ResolveError';
}

const LOOPBACK: readonly LookupAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

/** c-ares answers for a name that exists without records of the asked type, or does not exist. */
const NO_SUCH_HOST = new Set<string>([dns.NODATA, dns.NOTFOUND]);

/**
 * The addresses of `host`, IPv4 first: an IP literal as it is, a name from /etc/hosts, `localhost` and `.invalid`
 * as RFC 6761 says (without asking the network), anything else from DNS through c-ares with the search domains of
 * /etc/resolv.conf. Unlike `dns.lookup`, which blocks one of libuv's 4 threads (shared with scrypt and file I/O) for as
 * long as a dead name server makes getaddrinfo wait, c-ares waits on the event loop: a lookup costs no thread, is
 * bounded by `timeoutMs` and is cancelled on `signal`. Each lookup has its own channel, so cancelling it cancels
 * nothing else, and no answer is cached between lookups (a DNS fail-over shows at the next check).
 */
export async function resolveHost(host: string, options: ResolveOptions = {}): Promise<LookupAddress[]> {
  const family = net.isIP(host);
  if (family !== 0) return [{ address: host, family }];
  // Node fires a timer longer than 2^31-1 ms at once, so a longer bound is that long.
  const timeoutMs = Math.min(options.timeoutMs ?? DEFAULT_RESOLVE_TIMEOUT_MS, MAX_TIMER_MS);
  // c-ares retransmits after half the budget and gives up only after it, so the bound below always decides.
  const resolver = new dns.promises.Resolver({ timeout: Math.max(1, Math.ceil(timeoutMs / 2)), tries: 2 });
  try {
    if (options.nameServers?.length) resolver.setServers(options.nameServers);
  } catch (err) {
    throw new ResolveError(`invalid name server: ${errorText(err)}`);
  }
  const abandoned = new AbortController();
  return await bounded(
    () => lookup(host, resolver, options.search, abandoned.signal),
    timeoutMs,
    options.signal,
    () => {
      abandoned.abort();
      resolver.cancel();
    },
  );
}

async function lookup(host: string, resolver: dns.promises.Resolver, search: SearchConfig | undefined, abandoned: AbortSignal): Promise<LookupAddress[]> {
  const name = normalizeName(host);
  const listed = (await systemHosts.read()).get(name);
  if (listed) return [...listed];
  if (name === 'localhost' || name.endsWith('.localhost')) return [...LOOPBACK];
  if (name === '' || name === 'invalid' || name.endsWith('.invalid')) throw noSuchHost(host);

  let failure: unknown;
  for (const candidate of candidateNames(host, search ?? (await systemSearchConfig.read()))) {
    if (abandoned.aborted) break; // cancel() ended this candidate's queries; ask no further name
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(candidate), resolver.resolve6(candidate)]);
    const addresses: LookupAddress[] = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : []),
    ];
    if (addresses.length > 0) return addresses;
    for (const outcome of [v4, v6]) {
      if (outcome.status === 'rejected' && !NO_SUCH_HOST.has((outcome.reason as { code?: string }).code ?? '')) failure ??= outcome.reason;
    }
  }
  throw failure === undefined ? noSuchHost(host) : new ResolveError(`lookup ${host}: ${errorText(failure)}`);
}

function noSuchHost(host: string): ResolveError {
  return new ResolveError(`lookup ${host}: no such host`);
}

/**
 * Settles with what `work` gives, unless the signal fires or the time runs out first: then `abandon` is called and
 * the error says why. Lookups live in real time like sockets, so this is a real timer, not the injected Clock.
 */
function bounded<T>(work: () => Promise<T>, timeoutMs: number, signal: AbortSignal | undefined, abandon: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stop = (why: string): void => {
      done();
      abandon();
      reject(new ResolveError(why));
    };
    const onAbort = (): void => stop(signal?.reason === undefined ? 'aborted' : errorText(signal.reason));
    const timer = setTimeout(() => stop(`timeout after ${timeoutMs / 1000}s`), timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    work().then(
      (value) => {
        done();
        resolve(value);
      },
      (err: unknown) => {
        done();
        reject(err instanceof ResolveError ? err : new ResolveError(errorText(err)));
      },
    );
  });
}
