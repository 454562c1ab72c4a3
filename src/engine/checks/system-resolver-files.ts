import type { LookupAddress } from 'node:dns';
import fs from 'node:fs/promises';
import net from 'node:net';

/** Names and their addresses from an /etc/hosts file, IPv4 addresses first; names lower-case without a final dot. */
export type HostsTable = ReadonlyMap<string, readonly LookupAddress[]>;

export function parseHosts(text: string): HostsTable {
  const table = new Map<string, LookupAddress[]>();
  for (const line of text.split('\n')) {
    const [address = '', ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    const family = net.isIP(address);
    if (family === 0) continue;
    for (const name of names) {
      const key = normalizeName(name);
      const list = table.get(key) ?? [];
      if (!list.some((a) => a.address === address)) list.push({ address, family });
      table.set(key, list);
    }
  }
  for (const list of table.values()) list.sort((a, b) => a.family - b.family);
  return table;
}

/** What of /etc/resolv.conf a lookup through c-ares' `resolve*` must apply itself (only `ares_getaddrinfo` would). */
export interface SearchConfig {
  search: string[];
  ndots: number;
}

/** `search`/`domain` (the last one wins) and `options ndots:n`, as glibc reads them. */
export function parseResolvConf(text: string): SearchConfig {
  const config: SearchConfig = { search: [], ndots: 1 };
  for (const line of text.split('\n')) {
    const [keyword, ...values] = line
      .replace(/[#;].*/, '')
      .trim()
      .split(/\s+/);
    if (keyword === 'search' || keyword === 'domain') {
      config.search = values.map(normalizeName).filter(Boolean);
    } else if (keyword === 'options') {
      for (const option of values) {
        const ndots = /^ndots:(\d+)$/.exec(option);
        if (ndots) config.ndots = Math.min(15, Number(ndots[1]));
      }
    }
  }
  return config;
}

/**
 * The names to ask for, in order, as glibc and Go do: a name with at least `ndots` dots is tried as it is first,
 * a shorter one after the search domains; a name written with a final dot only as it is.
 */
export function candidateNames(host: string, config: SearchConfig): string[] {
  const name = normalizeName(host);
  if (host.endsWith('.')) return [name];
  const searched = config.search.map((domain) => `${name}.${domain}`);
  const dots = name.split('.').length - 1;
  return dots >= config.ndots ? [name, ...searched] : [...searched, name];
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * A small system file parsed once, then re-read when it changes (size, mtime or inode). A read answers from the last
 * parse while a `stat` in the background looks for a change, so after the first read a lookup never waits on the
 * disk (or on the thread pool the disk shares with scrypt). A missing or unreadable file parses as empty.
 */
export class CachedFile<T> {
  private current: Promise<{ value: T; version: string }> | undefined;
  private checking = false;

  constructor(
    private readonly path: string,
    private readonly parse: (text: string) => T,
  ) {}

  async read(): Promise<T> {
    if (this.current) this.revalidate(this.current);
    else this.current = this.load();
    return (await this.current).value;
  }

  private async load(): Promise<{ value: T; version: string }> {
    // stat before read: a change landing in between shows as a new version at the next check.
    const version = await this.version();
    const text = await fs.readFile(this.path, 'utf8').catch(() => '');
    return { value: this.parse(text), version };
  }

  private version(): Promise<string> {
    return fs.stat(this.path).then(
      (s) => `${s.size}:${s.mtimeMs}:${s.ino}`,
      () => 'missing',
    );
  }

  private revalidate(snapshot: Promise<{ version: string }>): void {
    if (this.checking) return;
    this.checking = true;
    void Promise.all([snapshot, this.version()])
      .then(([{ version }, now]) => {
        if (now !== version && this.current === snapshot) this.current = this.load();
      })
      .finally(() => {
        this.checking = false;
      });
  }
}

export const systemHosts = new CachedFile('/etc/hosts', parseHosts);
export const systemSearchConfig = new CachedFile('/etc/resolv.conf', parseResolvConf);
