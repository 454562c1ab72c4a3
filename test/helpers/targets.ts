/**
 * Real local servers for checks to aim at (HTTP, HTTPS, TCP, DNS), each on 127.0.0.1 and an ephemeral port,
 * recording what reached it. Used by the checker tests, the engine tests and the engine benchmark.
 */
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet';
import { generate } from 'selfsigned';

const HOST = '127.0.0.1';
const DAY_MS = 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------------- certificates

export interface TestCertificate {
  key: string;
  cert: string;
  notBefore: Date;
  /** The leaf's notAfter, exactly as encoded (whole seconds). */
  notAfter: Date;
}

/** A certificate authority of the test's own, as a company's CA that no public root vouches for. */
export interface TestAuthority {
  key: string;
  cert: string;
}

export async function createAuthority(name = 'uptop test CA'): Promise<TestAuthority> {
  const pems = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/**
 * A certificate for localhost / 127.0.0.1 / ::1 that expires `expiresInDays` from now (negative: already expired),
 * self-signed or signed by `issuer`. Generated in-process with the `selfsigned` package (WebCrypto, no openssl binary
 * needed), which, unlike `openssl req`, can also back-date a certificate.
 */
export async function createCertificate(expiresInDays: number, issuer?: TestAuthority): Promise<TestCertificate> {
  const now = Date.now();
  const notAfter = new Date(Math.floor((now + expiresInDays * DAY_MS) / 1000) * 1000);
  const notBefore = new Date(Math.floor((Math.min(now, notAfter.getTime()) - 30 * DAY_MS) / 1000) * 1000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    ca: issuer,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert, notBefore, notAfter };
}

// ---------------------------------------------------------------------------------------------------- HTTP(S)

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status?: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

/** Answers a request; `body` is the request body, already read. */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

export interface HttpTarget {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  port: number;
  /** Every request received, unless started with `record: false`. */
  requests: RecordedRequest[];
  /** Requests received so far (counted even when not recorded). */
  readonly requestCount: number;
  /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  readonly connections: number;
  /** Resolves once no accepted connection is open any more. */
  idle(): Promise<void>;
  /** Serves this certificate on new connections from now on (HTTPS targets only). */
  rotateCertificate(certificate: TestCertificate): void;
  /**
   * Serves these certificates in turn, the next one to each new connection, as a load balancer does whose backends hold
   * different certificates (HTTPS targets only). `rotateCertificate` ends the rotation.
   */
  serveInTurn(certificates: readonly TestCertificate[]): void;
  /** Answers every request with this reply from now on. */
  reply(reply: Reply): void;
  /** Answers every request through this handler from now on (redirect chains, slow answers, ...). */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export interface HttpTargetOptions {
  /** Serve HTTPS with this certificate. */
  tls?: TestCertificate;
  /** Keep each request in `requests` (default true); long benchmarks turn it off to keep memory flat. */
  record?: boolean;
}

/**
 * An HTTP server (HTTPS with `tls`) answering 200 "ok" until told otherwise. It keeps idle connections open for a
 * minute, like production servers, so a client that leaves one open shows in `idle()`.
 */
export async function startHttpTarget(options: HttpTargetOptions = {}): Promise<HttpTarget> {
  const requests: RecordedRequest[] = [];
  const record = options.record ?? true;
  let requestCount = 0;
  let connections = 0;
  let handler: Handler = replyWith({ status: 200, body: 'ok' });
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requestCount++;
      if (record) requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  };
  const serverOptions = { keepAliveTimeout: 60_000 };
  const server = options.tls
    ? https.createServer({ ...serverOptions, key: options.tls.key, cert: options.tls.cert }, listener)
    : http.createServer(serverOptions, listener);
  const open = new Set<net.Socket>();
  let onIdle: Array<() => void> = [];
  server.on('connection', (socket: net.Socket) => {
    connections++;
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      if (open.size > 0) return;
      for (const resolve of onIdle) resolve();
      onIdle = [];
    });
  });
  let inTurn: readonly TestCertificate[] = [];
  let turn = 0;
  const serve = (certificate: TestCertificate): void => {
    if (!(server instanceof https.Server)) throw new Error('serving a certificate needs an HTTPS target');
    server.setSecureContext({ key: certificate.key, cert: certificate.cert });
  };
  // The context is swapped once a handshake is done, so the connection after it gets the next certificate.
  server.on('secureConnection', () => {
    if (inTurn.length > 0) serve(inTurn[++turn % inTurn.length]!);
  });
  const port = await listen(server);
  return {
    url: `${options.tls ? 'https' : 'http'}://${HOST}:${port}/`,
    port,
    requests,
    get requestCount() {
      return requestCount;
    },
    get connections() {
      return connections;
    },
    idle: () => (open.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => onIdle.push(resolve))),
    rotateCertificate(certificate) {
      inTurn = [];
      serve(certificate);
    },
    serveInTurn(certificates) {
      inTurn = certificates;
      turn = 0;
      serve(certificates[0]!);
    },
    reply(reply) {
      handler = replyWith(reply);
    },
    handle(next) {
      handler = next;
    },
    close: () => closeHttp(server),
  };
}

export function startHttpsTarget(certificate: TestCertificate, options: Omit<HttpTargetOptions, 'tls'> = {}): Promise<HttpTarget> {
  return startHttpTarget({ ...options, tls: certificate });
}

function replyWith({ status = 200, body = '', headers = {} }: Reply): Handler {
  return (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };
}

function closeHttp(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

// ---------------------------------------------------------------------------------------------------- TCP

export interface TcpTarget {
  port: number;
  readonly connections: number;
  close(): Promise<void>;
}

/** A TCP listener that accepts connections and closes them. */
export async function startTcpTarget(): Promise<TcpTarget> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.end();
  });
  const port = await listen(server);
  return {
    port,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------------------------------------------- DNS

const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type RcodeName = keyof typeof RCODES;

export interface DnsTargetOptions {
  /** Records served; a name with none of the asked type gets an empty NOERROR answer. */
  records?: Answer[];
  /** Names answered with this RCODE instead (e.g. SERVFAIL); names with no records at all get NXDOMAIN. */
  rcodes?: Record<string, RcodeName>;
  /** Answers over UDP are empty and flagged truncated, so clients must ask again over TCP. */
  truncateUdp?: boolean;
  /** Start as a name server that never answers (see `silent`). */
  silent?: boolean;
  /** Hold each answer this long before sending it, as a far or busy name server does (see `heldMs`). */
  delayMs?: number;
}

export interface DnsQuery {
  name: string;
  type: string;
  transport: 'udp' | 'tcp';
}

export interface DnsTarget {
  port: number;
  /** `127.0.0.1:<port>`, as a site's dnsServer. */
  server: string;
  queries: DnsQuery[];
  /** Resolves once `count` queries have arrived in all. */
  received(count: number): Promise<void>;
  /** While true, queries are recorded but never answered. */
  silent: boolean;
  /** With `delayMs`: how long each answer sent was held, measured from its query's arrival to its sending. */
  heldMs: number[];
  close(): Promise<void>;
}

/** A tiny authoritative DNS server on one port over UDP and TCP, built with dns-packet. */
export async function startDnsTarget(options: DnsTargetOptions = {}): Promise<DnsTarget> {
  const records = options.records ?? [];
  const rcodes = new Map(Object.entries(options.rcodes ?? {}).map(([name, rcode]) => [name.toLowerCase(), RCODES[rcode]]));
  const queries: DnsQuery[] = [];
  const heldMs: number[] = [];
  const state = { silent: options.silent ?? false };
  const timers = new Set<NodeJS.Timeout>();
  const deliver = (send: () => void): void => {
    if (!options.delayMs) return send();
    const arrived = performance.now();
    const timer = setTimeout(() => {
      timers.delete(timer);
      heldMs.push(performance.now() - arrived);
      send();
    }, options.delayMs);
    timers.add(timer);
  };
  let waiters: Array<{ count: number; resolve: () => void }> = [];

  const answer = (query: DecodedPacket, transport: DnsQuery['transport']): Packet | null => {
    const question = query.questions?.[0];
    if (!question) return null;
    const name = question.name.toLowerCase();
    queries.push({ name, type: question.type, transport });
    for (const waiter of waiters) if (queries.length >= waiter.count) waiter.resolve();
    waiters = waiters.filter((w) => queries.length < w.count);
    if (state.silent) return null;
    const named = records.filter((r) => r.name.toLowerCase() === name);
    const rcode = rcodes.get(name) ?? (named.length === 0 ? RCODES.NXDOMAIN : RCODES.NOERROR);
    const truncated = transport === 'udp' && options.truncateUdp === true;
    return {
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (query.flags ?? 0) | rcode | (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0),
      questions: query.questions,
      answers: rcode === RCODES.NOERROR && !truncated ? named.filter((r) => r.type === question.type) : [],
    };
  };

  for (let attempt = 0; ; attempt++) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, HOST, () => resolve(udp.address().port));
    });
    const connections = new Set<net.Socket>();
    const tcp = net.createServer((socket) => {
      connections.add(socket);
      socket.on('close', () => connections.delete(socket));
      serveTcp(socket, answer, deliver);
    });
    try {
      await listen(tcp, port);
    } catch (err) {
      udp.close();
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 20) continue;
      throw err;
    }
    udp.on('message', (msg, rinfo) => {
      const reply = decodeOrNull(msg);
      const response = reply && answer(reply, 'udp');
      if (response) deliver(() => udp.send(dnsPacket.encode(response), rinfo.port, rinfo.address));
    });
    return {
      port,
      server: `${HOST}:${port}`,
      queries,
      heldMs,
      received: (count) => (queries.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }))),
      get silent() {
        return state.silent;
      },
      set silent(value: boolean) {
        state.silent = value;
      },
      close: async () => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of connections) socket.destroy();
        await new Promise<void>((resolve) => udp.close(() => resolve()));
        await new Promise<void>((resolve) => tcp.close(() => resolve()));
      },
    };
  }
}

function serveTcp(socket: net.Socket, answer: (query: DecodedPacket, transport: 'tcp') => Packet | null, deliver: (send: () => void) => void): void {
  let received = Buffer.alloc(0);
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    while (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
      const length = received.readUInt16BE(0);
      const query = decodeOrNull(received.subarray(2, 2 + length));
      received = received.subarray(2 + length);
      const response = query && answer(query, 'tcp');
      if (response) deliver(() => socket.write(dnsPacket.streamEncode(response)));
    }
  });
}

function decodeOrNull(message: Buffer): DecodedPacket | null {
  try {
    return dnsPacket.decode(message);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------- shared

function listen(server: net.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
