import type { LookupAddress, LookupOptions } from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { resolveHost, type ResolveOptions } from './resolver.ts';
import { errorText } from './result.ts';

/** The Go original's private IPv4 set (safedial.go) plus unspecified, multicast and loopback. */
const privateV4 = blockList('ipv4', [
  ['0.0.0.0', 8],
  ['127.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['169.254.0.0', 16],
  ['224.0.0.0', 4],
]);

/**
 * The Go original's private IPv6 set, plus the local-use NAT64 prefix (RFC 8215): it translates inside the operator's
 * network like a ULA, and where it carries the IPv4 address depends on a prefix length only the operator knows.
 */
const privateV6 = blockList('ipv6', [
  ['::', 128],
  ['::1', 128],
  ['fe80::', 10],
  ['fc00::', 7],
  ['ff00::', 8],
  ['64:ff9b:1::', 48],
]);

function blockList(family: 'ipv4' | 'ipv6', ranges: Array<[string, number]>): net.BlockList {
  const list = new net.BlockList();
  for (const [network, prefix] of ranges) list.addSubnet(network, prefix, family);
  return list;
}

/**
 * IPv6 ranges whose packets end up at an IPv4 address carried in the IPv6 one, and where that address sits (bytes).
 * A NAT64 translator, a 6to4 relay, an IPv4-compatible tunnel or a Teredo relay delivers them there, so they are
 * judged by the IPv4 list. Teredo (RFC 4380) carries two: its server's, and its client's stored bit-inverted.
 * Network-specific NAT64 prefixes (any prefix an operator picks) cannot be told from ordinary addresses.
 */
const EMBEDDED_IPV4: Array<{ network: ipaddr.IPv6; bits: number; carried: (bytes: number[]) => number[][] }> = [
  { network: ipaddr.IPv6.parse('64:ff9b::'), bits: 96, carried: (b) => [b.slice(12)] }, // NAT64 well-known prefix (RFC 6052)
  { network: ipaddr.IPv6.parse('::ffff:0:0'), bits: 96, carried: (b) => [b.slice(12)] }, // IPv4-mapped (RFC 4291)
  { network: ipaddr.IPv6.parse('::ffff:0:0:0'), bits: 96, carried: (b) => [b.slice(12)] }, // IPv4-translated (RFC 2765)
  { network: ipaddr.IPv6.parse('::'), bits: 96, carried: (b) => [b.slice(12)] }, // IPv4-compatible (RFC 4291, deprecated)
  { network: ipaddr.IPv6.parse('2002::'), bits: 16, carried: (b) => [b.slice(2, 6)] }, // 6to4 (RFC 3056)
  { network: ipaddr.IPv6.parse('2001::'), bits: 32, carried: (b) => [b.slice(4, 8), b.slice(12).map((x) => x ^ 0xff)] }, // Teredo
];

/**
 * True for an address a monitor must not reach unless private targets are allowed. An IPv6 address that carries an
 * IPv4 address (IPv4-mapped, NAT64, 6to4, ...) is also judged as the IPv4 address it carries.
 */
export function isPrivateAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 0) return false;
  if (family === 4) return privateV4.check(ip, 'ipv4');
  if (privateV6.check(ip, 'ipv6')) return true;
  let address: ipaddr.IPv6;
  try {
    address = ipaddr.IPv6.parse(ip);
  } catch {
    return true; // an address node accepts but cannot be taken apart is refused rather than guessed at
  }
  const bytes = address.toByteArray();
  return EMBEDDED_IPV4.some(({ network, bits, carried }) => address.match(network, bits) && carried(bytes).some((v4) => privateV4.check(v4.join('.'), 'ipv4')));
}

export type Resolution =
  | { ok: true; addresses: LookupAddress[] }
  | { ok: false; reason: 'resolve-failed'; message: string }
  | { ok: false; reason: 'private'; address: string };

/**
 * Resolves `host` once (an IP literal as it is) and refuses it when any address is private, unless allowed.
 * Callers connect only to the returned addresses, so a second answer (DNS rebinding) can never be used.
 * The lookup is bounded by `options.timeoutMs` (default 5 s) and abandoned on `options.signal` (see resolveHost).
 */
export async function resolveGuarded(host: string, allowPrivate: boolean, options: ResolveOptions = {}): Promise<Resolution> {
  let addresses: LookupAddress[];
  try {
    addresses = await resolveHost(host, options);
  } catch (err) {
    return { ok: false, reason: 'resolve-failed', message: `resolve failed: ${errorText(err)}` };
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
  return (_hostname, options: LookupOptions, lookupCallback) => {
    const callback = lookupCallback as LookupCallback;
    const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
    if (wanted.length === 0) {
      callback(Object.assign(new Error('resolve failed: no address of the requested family'), { code: 'ENOTFOUND' }), '');
      return;
    }
    if (options.all) callback(null, wanted);
    else callback(null, wanted[0]!.address, wanted[0]!.family);
  };
}
