import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/*
 * A tripwire in every test process: tests send traffic only to loopback. Sites and alert channels in fixtures name
 * real hosts (example.com), and a test that let the engine check one or send it an alert asked the system's name
 * server, off this machine. Here a DNS query to a name server that is not on loopback, a getaddrinfo lookup of a name
 * that is not local, and a connection to an address that is not loopback all fail at once, as an unknown host
 * would, without leaving the machine.
 */

const isLoopbackAddress = (address: string) => ipaddr.isValid(address) && ipaddr.process(address).range() === 'loopback';
/** `127.0.0.1`, `[::1]:5353`, `127.0.0.1:53`: what Resolver.getServers() lists. */
const serverAddress = (server: string) => server.replace(/^\[([^\]]+)\](:\d+)?$/, '$1').replace(/^([\d.]+):\d+$/, '$1');
const isLocalName = (host: string) => {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost') || name === 'invalid' || name.endsWith('.invalid') || net.isIP(name) !== 0;
};

function refused(what: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${what}: tests send traffic only to loopback (test/setup/loopback-only.ts)`);
  err.code = dns.REFUSED;
  return err;
}

const QUERIES = [
  'resolve',
  'resolve4',
  'resolve6',
  'resolveAny',
  'resolveCaa',
  'resolveCname',
  'resolveMx',
  'resolveNaptr',
  'resolveNs',
  'resolvePtr',
  'resolveSoa',
  'resolveSrv',
  'resolveTxt',
  'reverse',
] as const;

const promiseResolver = dns.promises.Resolver.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
for (const method of QUERIES) {
  const original = promiseResolver[method]!;
  promiseResolver[method] = function (this: dns.promises.Resolver, ...args: unknown[]) {
    const away = this.getServers().find((server) => !isLoopbackAddress(serverAddress(server)));
    if (away) return Promise.reject(refused(`DNS ${method} ${String(args[0])} to ${away}`));
    return original.apply(this, args);
  };
}

const callbackResolver = dns.Resolver.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
for (const method of QUERIES) {
  const original = callbackResolver[method]!;
  callbackResolver[method] = function (this: dns.Resolver, ...args: unknown[]) {
    const away = this.getServers().find((server) => !isLoopbackAddress(serverAddress(server)));
    const callback = args.at(-1);
    if (away && typeof callback === 'function') {
      process.nextTick(() => (callback as (err: Error) => void)(refused(`DNS ${method} ${String(args[0])} to ${away}`)));
      return undefined;
    }
    return original.apply(this, args);
  };
}

const lookup = dns.lookup as unknown as (...args: unknown[]) => void;
(dns as unknown as { lookup: unknown }).lookup = (host: string, ...rest: unknown[]) => {
  const callback = rest.at(-1);
  if (!isLocalName(host) && typeof callback === 'function') {
    process.nextTick(() => (callback as (err: Error) => void)(refused(`lookup ${host}`)));
    return;
  }
  lookup(host, ...rest);
};
const promiseLookup = dns.promises.lookup;
(dns.promises as unknown as { lookup: unknown }).lookup = (host: string, ...rest: unknown[]) =>
  isLocalName(host) ? (promiseLookup as (...args: unknown[]) => unknown)(host, ...rest) : Promise.reject(refused(`lookup ${host}`));

const connect = net.Socket.prototype.connect as (...args: unknown[]) => net.Socket;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  const first = args[0] as { host?: string; path?: string } | number | string | unknown[];
  const options = Array.isArray(first) ? (first[0] as { host?: string; path?: string }) : first;
  const host = typeof options === 'object' && options !== null ? options.host : typeof args[1] === 'string' ? args[1] : undefined;
  const isPath = typeof options === 'object' && options !== null && typeof options.path === 'string';
  if (!isPath && host !== undefined && net.isIP(host) !== 0 && !isLoopbackAddress(host)) {
    process.nextTick(() => this.destroy(refused(`connect to ${host}`)));
    return this;
  }
  return connect.apply(this, args);
} as typeof net.Socket.prototype.connect;
