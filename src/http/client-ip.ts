import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/** The peer address when the socket has none (already closed); still a usable rate-limit key. */
const UNKNOWN = 'unknown';

/** `config.trustedProxies` is one array for the process's life, so its BlockList is built once. */
const blockLists = new WeakMap<readonly string[], net.BlockList>();

function trustedList(trustedProxies: readonly string[]): net.BlockList {
  let list = blockLists.get(trustedProxies);
  if (!list) {
    list = new net.BlockList();
    for (const entry of trustedProxies) {
      const [ip = '', bits] = entry.split('/');
      const type = net.isIPv6(ip) ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(ip, type);
      else list.addSubnet(ip, Number(bits), type);
    }
    blockLists.set(trustedProxies, list);
  }
  return list;
}

/** `::ffff:1.2.3.4` (how a dual-stack socket reports an IPv4 peer) becomes `1.2.3.4`, so one client has one key. */
export function normalizeIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]! : ip.toLowerCase();
}

/** One X-Forwarded-For element as an IP, accepting `[v6]`, `[v6]:port` and `v4:port`; null when it is not an address. */
function parseForwarded(raw: string): string | null {
  let s = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed) s = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(':'));
  return net.isIP(s) ? normalizeIp(s) : null;
}

function isTrusted(list: net.BlockList, ip: string): boolean {
  return list.check(ip, net.isIPv6(ip) ? 'ipv6' : 'ipv4');
}

/** The socket peer is one of `trustedProxies`, so its forwarding headers may be believed. */
export function isFromTrustedProxy(req: IncomingMessage, trustedProxies: string[]): boolean {
  const peer = req.socket.remoteAddress;
  return Boolean(peer) && trustedProxies.length > 0 && isTrusted(trustedList(trustedProxies), normalizeIp(peer!));
}

/**
 * The client's address: the socket peer, unless that peer is a trusted proxy, in which case X-Forwarded-For is
 * walked from the right (each proxy appends the address it received from) and the first address that is not a
 * trusted proxy is the client. Anything a client wrote further left is ignored, so it cannot pick its own key.
 * When every hop is trusted, the left-most one is the best there is; an unreadable element ends the walk at the
 * last trusted hop, since what lies beyond it cannot be vouched for.
 */
export function resolveClientIp(req: IncomingMessage, trustedProxies: string[]): string {
  const peerRaw = req.socket.remoteAddress;
  if (!peerRaw) return UNKNOWN;
  const peer = normalizeIp(peerRaw);
  if (!isFromTrustedProxy(req, trustedProxies)) return peer;

  const list = trustedList(trustedProxies);

  const header = req.headers['x-forwarded-for'];
  if (!header) return peer;
  const hops = (Array.isArray(header) ? header.join(',') : header).split(',');
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const ip = parseForwarded(hops[i]!);
    if (ip === null) return client;
    client = ip;
    if (!isTrusted(list, ip)) return ip;
  }
  return client;
}

/** How many of an IPv6 address's 16-bit groups one client is assumed to hold: the /64 a subscriber is handed (RFC 6177). */
const CLIENT_IPV6_GROUPS = 4;

/** The first `CLIENT_IPV6_GROUPS` groups of an IPv6 address (its zone id dropped), as `2001:db8:1:2::/64`. */
function ipv6ClientPrefix(ip: string): string {
  const groups = ipaddr.IPv6.parse(ip.split('%', 1)[0]!).parts.slice(0, CLIENT_IPV6_GROUPS);
  return `${groups.map((g) => g.toString(16)).join(':')}::/${CLIENT_IPV6_GROUPS * 16}`;
}

/**
 * What a client's limits (login attempts, push failures, open sockets, plain routes) are counted under: its IPv4
 * address, or the /64 its IPv6 address is in. An IPv6 client usually holds a whole /64 and can send from any address
 * in it, so keyed by address it would have 2^64 budgets, which is none.
 */
export function resolveClientKey(req: IncomingMessage, trustedProxies: string[]): string {
  const ip = resolveClientIp(req, trustedProxies);
  return net.isIPv6(ip) ? ipv6ClientPrefix(ip) : ip;
}
