import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import net from 'node:net';
import { domainToASCII } from 'node:url';
import dnsPacket, { type DecodedPacket, type Packet, type RecordType } from 'dns-packet';
import ipaddr from 'ipaddr.js';
import { Deadline } from './deadline.ts';
import { downResult, errorText, upResult } from './result.ts';
import { resolveGuarded } from './ssrf.ts';
import { stripBrackets, targetHost, timeoutSeconds } from './target.ts';
import type { CheckOptions, CheckResult, CheckTarget } from './types.ts';

/** The Go original's types, and CAA, which Uptime Kuma's DNS monitors also ask for. */
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'MX', 'CNAME', 'TXT', 'NS', 'SOA', 'SRV', 'PTR', 'CAA'] as const satisfies readonly RecordType[];
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

const DEFAULT_SERVER = '1.1.1.1';
const DNS_PORT = 53;
const NOERROR = 0;

/** What dns-packet decodes and its typings leave out. */
type Response = DecodedPacket & { rcode: string };

/**
 * One query of the chosen type to the chosen server; UP iff RCODE is NOERROR (an empty answer included). Latency runs
 * from the lookup of a server given by name to the answer, as Go's exchange with the server by name times it.
 */
export async function checkDns(target: CheckTarget, options: CheckOptions): Promise<CheckResult> {
  const host = targetHost(target).replace(/\.$/, '');
  if (!host) return downResult('no hostname to query');
  const type = (target.dnsResolveType?.trim().toUpperCase() || 'A') as DnsRecordType;
  if (!DNS_RECORD_TYPES.includes(type)) return downResult(`unsupported DNS record type: ${target.dnsResolveType}`);
  const name = type === 'PTR' && net.isIP(host) ? reverseName(host) : asciiName(host);
  if (!name) return downResult(`invalid host name: ${host}`);

  const server = parseServer(target.dnsServer);
  if (!server) return downResult(`invalid DNS server: ${target.dnsServer}`);
  if (!options.allowPrivateTargets && server.port !== DNS_PORT) return downResult('DNS server port must be 53');
  const deadline = new Deadline(timeoutSeconds(target), options.signal);
  const started = performance.now();
  try {
    const resolution = await resolveGuarded(server.host, options.allowPrivateTargets, deadline.lookupOptions(options));
    if (!resolution.ok) {
      const reason = resolution.reason === 'private' ? 'DNS server resolves to private address' : resolution.message;
      return downResult(reason, { latencyMs: performance.now() - started });
    }
    const address = resolution.addresses[0]!;
    const query: Packet = {
      type: 'query',
      id: randomInt(0x10000),
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type, class: 'IN', name }],
    };
    let response = await queryUdp(query, address.address, address.family, server.port, deadline.signal);
    if (response.flag_tc) response = await queryTcp(query, address.address, server.port, deadline.signal);
    const latencyMs = performance.now() - started;
    const rcode = (response.flags ?? 0) & 0xf;
    if (rcode !== NOERROR) return downResult(`DNS RCODE: ${response.rcode}`, { statusCode: rcode, latencyMs });
    return upResult({ statusCode: rcode, latencyMs });
  } catch (err) {
    const reason = deadline.aborted ? deadline.reason() : errorText(err);
    return downResult(`DNS query failed: ${reason}`, { latencyMs: performance.now() - started });
  } finally {
    deadline.dispose();
  }
}

/**
 * The name as DNS carries it: an internationalised one (`bücher.example`) in its ASCII form (`xn--bcher-kva.example`),
 * as the resolver of the other checks asks for it. Sent as UTF-8 it named nothing, and the monitor was DOWN with
 * NXDOMAIN. Empty when the name has no ASCII form.
 */
function asciiName(host: string): string {
  return /\P{ASCII}/u.test(host) ? domainToASCII(host) : host;
}

/**
 * The name a PTR record of `ip` is kept under (RFC 1035 §3.5, RFC 3596 §2.5): `10.2.0.192.in-addr.arpa`. A PTR monitor
 * names the address, as Uptime Kuma's do (it asks by address); asked as written, the address named nothing (NXDOMAIN).
 */
function reverseName(ip: string): string {
  const address = ipaddr.parse(ip);
  if (address.kind() === 'ipv4') return `${address.toByteArray().reverse().join('.')}.in-addr.arpa`;
  const nibbles = address.toByteArray().flatMap((byte) => [byte >> 4, byte & 0xf]);
  return `${nibbles
    .reverse()
    .map((n) => n.toString(16))
    .join('.')}.ip6.arpa`;
}

/**
 * `host`, `host:port`, `[v6]:port` or a bare IPv6 address; blank means 1.1.1.1:53. A host is what a monitor's
 * hostname may be: no spaces, no slashes; in brackets, an IPv6 address.
 */
export function parseServer(text: string | null | undefined): { host: string; port: number } | null {
  const value = text?.trim() || DEFAULT_SERVER;
  if (net.isIPv6(stripBrackets(value))) return { host: stripBrackets(value), port: DNS_PORT };
  const match = /^(\[[^\]]+\]|[^:\s/[\]]+)(?::(\d{1,5}))?$/.exec(value);
  if (!match) return null;
  const host = stripBrackets(match[1]!);
  if (match[1]!.startsWith('[') && !net.isIPv6(host)) return null;
  const port = match[2] === undefined ? DNS_PORT : Number(match[2]);
  if (port < 1 || port > 65535) return null;
  return { host, port };
}

function isAnswerTo(query: Packet, response: DecodedPacket): boolean {
  return response.type === 'response' && response.id === query.id;
}

function queryUdp(query: Packet, address: string, family: number, port: number, signal: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    // Answers come from the address as the kernel spells it: a server written `2001:DB8:0::1` answers as `2001:db8::1`,
    // and compared as written, every answer was dropped and the check timed out. Compared in full form, they match.
    const from = ipaddr.parse(address).toNormalizedString();
    const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (err: unknown, response?: Response) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      socket.close();
      if (response) resolve(response);
      else reject(err);
    };
    const onAbort = () => finish(signal.reason);
    if (signal.aborted) return finish(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('message', (msg, rinfo) => {
      if (rinfo.port !== port || ipaddr.parse(rinfo.address).toNormalizedString() !== from) return;
      let response: DecodedPacket;
      try {
        response = dnsPacket.decode(msg);
      } catch {
        return; // garbage on the port is not the answer; keep waiting until the deadline
      }
      if (isAnswerTo(query, response)) finish(null, response as Response);
    });
    socket.once('error', (err) => finish(err));
    socket.send(dnsPacket.encode(query), port, address, (err) => {
      if (err) finish(err);
    });
  });
}

/** The TCP retry for a truncated UDP answer: 2-byte length-prefixed messages (RFC 1035 §4.2.2). */
function queryTcp(query: Packet, address: string, port: number, signal: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port, signal });
    let received = Buffer.alloc(0);
    socket.once('connect', () => socket.write(dnsPacket.streamEncode(query)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
      socket.destroy();
      try {
        const response = dnsPacket.streamDecode(received) as DecodedPacket;
        if (isAnswerTo(query, response)) resolve(response as Response);
        else reject(new Error('TCP answer does not match the query'));
      } catch (err) {
        reject(err);
      }
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('connection closed before a complete answer')));
  });
}
