import dns, { type LookupAddress } from 'node:dns';
import net from 'node:net';
import { errorText } from './result.ts';

/** The Go original's private set (safedial.go) plus unspecified, multicast and loopback. */
const privateRanges = (() => {
  const list = new net.BlockList();
  const v4: Array<[string, number]> = [
    ['0.0.0.0', 8],
    ['127.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['169.254.0.0', 16],
    ['224.0.0.0', 4],
  ];
  const v6: Array<[string, number]> = [
    ['::', 128],
    ['::1', 128],
    ['fe80::', 10],
    ['fc00::', 7],
    ['ff00::', 8],
  ];
  for (const [network, prefix] of v4) list.addSubnet(network, prefix, 'ipv4');
  for (const [network, prefix] of v6) list.addSubnet(network, prefix, 'ipv6');
  return list;
})();

/**
 * True for an address a monitor must not reach unless private targets are allowed. IPv4-mapped IPv6 addresses
 * (`::ffff:127.0.0.1`) are judged as the IPv4 address they carry (BlockList does that).
 */
export function isPrivateAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 0) return false;
  return privateRanges.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

export type Resolution =
  | { ok: true; addresses: LookupAddress[] }
  | { ok: false; reason: 'resolve-failed'; message: string }
  | { ok: false; reason: 'private'; address: string };

/**
 * Resolves `host` once (an IP literal as it is) and refuses it when any address is private, unless allowed.
 * Callers connect only to the returned addresses, so a second answer (DNS rebinding) can never be used.
 */
export async function resolveGuarded(host: string, allowPrivate: boolean): Promise<Resolution> {
  let addresses: LookupAddress[];
  const family = net.isIP(host);
  if (family !== 0) {
    addresses = [{ address: host, family }];
  } else {
    try {
      addresses = await dns.promises.lookup(host, { all: true });
    } catch (err) {
      return { ok: false, reason: 'resolve-failed', message: `resolve failed: ${errorText(err)}` };
    }
    if (addresses.length === 0) {
      return { ok: false, reason: 'resolve-failed', message: `resolve failed: no address for ${host}` };
    }
  }
  if (!allowPrivate) {
    const blocked = addresses.find((a) => isPrivateAddress(a.address));
    if (blocked) return { ok: false, reason: 'private', address: blocked.address };
  }
  return { ok: true, addresses };
}

/** The reason PING and PORT checks give (the Go original's wording). */
export function resolutionFailure(resolution: Exclude<Resolution, { ok: true }>): string {
  return resolution.reason === 'private' ? 'target resolves to private IP' : resolution.message;
}

/** The reason an HTTP check gives for a private target (the Go original's wording). */
export function httpBlockedMessage(host: string, address: string): string {
  return `blocked: ${host} resolves to private address ${address}`;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net/http/tls that answers only with the given, already validated addresses. */
export function pinnedLookup(addresses: LookupAddress[]): net.LookupFunction {
  return (_hostname, options, callback) => answer(addresses, options, callback as LookupCallback);
}

/**
 * A `lookup` for the HTTP agents: every new connection resolves through the guard, and the socket connects to
 * exactly the addresses that were checked. IP literals never reach a lookup, so the HTTP checker checks those itself.
 */
export function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    const cb = callback as LookupCallback;
    resolveGuarded(hostname, allowPrivate).then(
      (resolution) => {
        if (resolution.ok) answer(resolution.addresses, options, cb);
        else if (resolution.reason === 'private') cb(new Error(httpBlockedMessage(hostname, resolution.address)), '');
        else cb(new Error(resolution.message), '');
      },
      (err: unknown) => cb(err instanceof Error ? err : new Error(String(err)), ''),
    );
  };
}

function answer(addresses: LookupAddress[], options: dns.LookupOptions, callback: LookupCallback): void {
  const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
  if (wanted.length === 0) {
    callback(Object.assign(new Error('resolve failed: no address of the requested family'), { code: 'ENOTFOUND' }), '');
    return;
  }
  if (options.all) callback(null, wanted);
  else callback(null, wanted[0]!.address, wanted[0]!.family);
}
