import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { onTestFinished } from 'vitest';

export interface ReceivedMail {
  mailFrom: string;
  rcptTo: string[];
  /** The message as transmitted after DATA (headers and body, CRLF line ends). */
  raw: string;
  /** Whether the session had been upgraded to TLS when the message arrived. */
  secure: boolean;
  /** The user that authenticated, if any. */
  user?: string;
  /** The TLS server name (SNI) the client asked for, if the session was upgraded. */
  servername?: string;
}

export interface SmtpServerOptions {
  host?: string;
  /** Offer STARTTLS (with a fresh self-signed certificate for localhost/127.0.0.1). Default true. */
  starttls?: boolean;
  /** The certificate STARTTLS presents instead of the self-signed one. */
  certificate?: { key: string; cert: string };
  /** Require and accept exactly these credentials; without them the server takes mail unauthenticated. */
  credentials?: { user: string; pass: string };
  /** Imitates a careless server that quotes the rejected password in its error reply. */
  echoRejectedPassword?: boolean;
}

export interface TestSmtpServer {
  host: string;
  port: number;
  mails: ReceivedMail[];
  /** SMTP sessions opened so far (a blocked sender must open none). */
  connections: number;
  /** Every AUTH attempt, secure or not (to prove credentials never crossed in clear text). */
  authAttempts: { user: string; secure: boolean }[];
}

let certificate: { key: string; cert: string } | undefined;

/** A self-signed certificate made once per test process; no CA vouches for it, so verification must reject it. */
export function selfSignedCertificate(): { key: string; cert: string } {
  if (certificate) return certificate;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    certificate = {
      key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
      cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    };
    return certificate;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A real SMTP server (smtp-server) on an ephemeral port, closed when the test ends. */
export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const host = options.host ?? '127.0.0.1';
  const starttls = options.starttls ?? true;
  const result: TestSmtpServer = { host, port: 0, mails: [], connections: 0, authAttempts: [] };
  const server = new SMTPServer({
    ...(starttls ? (options.certificate ?? selfSignedCertificate()) : {}),
    // Refused outright, not merely unadvertised: a client that insists on STARTTLS must fail here.
    disabledCommands: starttls ? [] : ['STARTTLS'],
    authOptional: !options.credentials,
    // Lets the test see a client that would send a password in clear text, instead of the server refusing it.
    allowInsecureAuth: true,
    disableReverseLookup: true,
    closeTimeout: 100,
    logger: false,
    onConnect(_session, callback) {
      result.connections++;
      callback();
    },
    onAuth(auth, session, callback) {
      result.authAttempts.push({ user: auth.username ?? '', secure: session.secure });
      const { credentials } = options;
      if (credentials && auth.username === credentials.user && auth.password === credentials.pass) {
        callback(null, { user: auth.username });
      } else {
        const quoted = options.echoRejectedPassword ? ` (got "${auth.password ?? ''}")` : '';
        callback(new Error(`Invalid username or password${quoted}`));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const { mailFrom, rcptTo } = session.envelope;
        result.mails.push({
          mailFrom: mailFrom ? mailFrom.address : '',
          rcptTo: rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
          servername: session.servername || undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  result.port = (server.server.address() as net.AddressInfo).port;
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return result;
}

export interface SilentServer {
  host: string;
  port: number;
  /** Resolves when a client connects; its `closed` resolves when that client hangs up. */
  nextConnection(): Promise<{ closed: Promise<void> }>;
}

/** Accepts TCP connections and never says a word: an SMTP server that hangs before its greeting. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<net.Socket>();
  const waiting: ((conn: { closed: Promise<void> }) => void)[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) =>
      socket.on('close', () => {
        sockets.delete(socket);
        resolve();
      }),
    );
    waiting.shift()?.({ closed });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    host: '127.0.0.1',
    port: (server.address() as net.AddressInfo).port,
    nextConnection: () => new Promise((resolve) => waiting.push(resolve)),
  };
}

/** Splits a raw message into its unfolded headers (lower-case names) and its body. */
export function parseMail(raw: string): { headers: Record<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: raw.slice(split + 4) };
}
